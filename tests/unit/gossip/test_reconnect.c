/* SPDX-License-Identifier: MIT */
/*
 * Issue 12: members that hold a node failed reach out to it (reconnect.c),
 * and a node can rejoin while joined (gossip_rejoin).
 *  - A node that restarted knowing nobody (its state lost) is found again
 *    by the members that hold it failed, and both sides merge.
 *  - Reach-outs go only to failed members that once answered us, at most
 *    two per round of 15-45 s, whatever the number of failed members.
 *  - gossip_rejoin while joined: JOINs re-signed past the replay window
 *    are answered, and the answer brings a full pull.
 */
#include <errno.h>
#include <string.h>

#include "tnet.h"

static struct gossip_config cfg(void)
{
	struct gossip_config c;

	gossip_config_defaults(&c);
	return c;
}

static void test_restarted_without_memory_is_found(void **state)
{
	struct gossip_config c = cfg();
	bool iso[TN_MAX] = { 0 };
	struct tnet net;

	(void)state;
	tn_init(&net, 5, 70, &c);
	tn_connect_all(&net);
	tn_run(&net, 5000);
	for (uint32_t i = 0; i < 5; i++)
		assert_int_equal(gossip_count(net.node[i].g, GOSSIP_ALIVE), 5);
	/* Node 4 dies; the others hold it failed. */
	iso[4] = true;
	net.ctx = iso;
	net.drop = tn_drop_isolated;
	tn_run(&net, 30000);
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(tn_state(&net, i, 4), GOSSIP_FAILED);
	/* It comes back with no state file and no seeds: it knows nobody. */
	tn_recreate(&net, 4, &c);
	net.drop = NULL;
	assert_int_equal(gossip_size(net.node[4].g), 1);
	/* Reach-outs come every 15-45 s; sync also picks failed partners. */
	tn_run(&net, 90000);
	for (uint32_t i = 0; i < 5; i++)
		assert_int_equal(gossip_count(net.node[i].g, GOSSIP_ALIVE), 5);
	tn_free(&net);
}

/* Drop everything sent to node 4's address (a node that is gone). */
static bool drop_to_4(struct tnet *net, uint32_t from, uint32_t to, const uint8_t *buf, size_t len)
{
	(void)net;
	(void)buf;
	(void)len;
	return to == 4 || from == 4;
}

static void test_reach_outs_bounded(void **state)
{
	struct gossip_config c = cfg();
	struct tnet net;
	uint64_t before, digests_before;

	(void)state;
	c.sync_interval_ms = 1000000;   /* isolate reconnect.c from sync's own failed partners */
	tn_init(&net, 5, 71, &c);
	tn_connect_all(&net);
	tn_run(&net, 5000);
	net.drop = drop_to_4;
	tn_run(&net, 30000);
	assert_int_equal(tn_state(&net, 0, 4), GOSSIP_FAILED);
	before = gossip_stats(net.node[0].g)->reconnects;
	digests_before = net.node[0].sent[WIRE_SYNC_DIGEST];
	tn_run(&net, 600000);    /* ten minutes */
	{
		uint64_t k = gossip_stats(net.node[0].g)->reconnects - before;
		uint64_t d = net.node[0].sent[WIRE_SYNC_DIGEST] - digests_before;

		/* One failed member, one reach-out per 15-45 s round. */
		print_message("reach-outs in 600 s: %llu, digests %llu\n", (unsigned long long)k,
			      (unsigned long long)d);
		assert_true(k >= 600 / 45);
		assert_true(k <= 600 / 15 + 1);
		assert_true(d >= k);
	}
	tn_free(&net);
}

static void test_rejoin_while_joined_pulls(void **state)
{
	struct gossip_config c = cfg();
	struct wire_addr a;
	struct tnet net;
	bool side[TN_MAX] = { 0 };

	(void)state;
	tn_init(&net, 6, 72, &c);
	tn_connect_all(&net);
	tn_run(&net, 3000);
	/* Two halves that each believe they are the whole mesh. */
	for (uint32_t i = 3; i < 6; i++)
		side[i] = true;
	net.ctx = side;
	net.drop = tn_drop_cross;
	c.sync_interval_ms = 1000000;
	tn_run(&net, 60000);
	assert_int_equal(tn_state(&net, 0, 4), GOSSIP_FAILED);
	assert_int_equal(tn_state(&net, 4, 0), GOSSIP_FAILED);
	net.drop = NULL;
	/* Node 0 rejoins through node 4's address now: re-signed, answered, pulled. */
	tn_addr(4, &a);
	assert_int_equal(gossip_rejoin(net.node[0].g, &a, 1, net.now), 0);
	assert_true(gossip_joined(net.node[0].g));
	assert_int_equal(gossip_stats(net.node[0].g)->rejoin_rounds, 1);
	tn_run(&net, 2000);
	assert_int_equal(tn_state(&net, 4, 0), GOSSIP_ALIVE);
	assert_int_equal(tn_state(&net, 0, 4), GOSSIP_ALIVE);
	tn_run(&net, 30000);
	for (uint32_t i = 0; i < 6; i++)
		assert_int_equal(gossip_count(net.node[i].g, GOSSIP_ALIVE), 6);
	tn_free(&net);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_restarted_without_memory_is_found),
		cmocka_unit_test(test_reach_outs_bounded),
		cmocka_unit_test(test_rejoin_while_joined_pulls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
