/* SPDX-License-Identifier: MIT */
/*
 * Tunnel mode under a Sybil flood. Every overlay address counts as proven
 * there (WireGuard authenticates it), but a key holder's made-up
 * identities hold overlay addresses too. What we send unasked must go to
 * members that answered us; made-up identities must not stretch the
 * suspicion timeouts; a restarted node must find out fast which members
 * answer, through the tunnel.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tnet.h"

enum { FAKES = 1000, FAKE_SLOT = 200 };  /* fakes' endpoint: 192.0.2.201, no engine */

static struct gossip_config cfg(void)
{
	struct gossip_config c;

	gossip_config_defaults(&c);
	c.via_overlay = true;
	assert_int_equal(wire_prefix_parse(&c.overlay_prefix, "10.99.0.0/16"), 0);
	return c;
}

static struct wire_record *fakes;

/* Signed records of made-up identities, each pinning its own overlay address. */
static void make_fakes(void)
{
	if (fakes)
		return;
	fakes = calloc(FAKES, sizeof(*fakes));
	assert_non_null(fakes);
	for (uint32_t i = 0; i < FAKES; i++) {
		struct identity x;
		uint8_t seed[32];

		memset(seed, 0xa5, sizeof(seed));
		seed[0] = (uint8_t)i;
		seed[1] = (uint8_t)(i >> 8);
		assert_int_equal(identity_from_seed(&x, seed), 0);
		tn_record(&fakes[i], &x, FAKE_SLOT, 1);
		fakes[i].n_overlay = 1;
		fakes[i].overlay[0].family = WIRE_AF_INET;
		fakes[i].overlay[0].ip[0] = 10;
		fakes[i].overlay[0].ip[1] = 99;
		fakes[i].overlay[0].ip[2] = (uint8_t)(100 + i / 250);
		fakes[i].overlay[0].ip[3] = (uint8_t)(1 + i % 250);
		fakes[i].overlay[0].len = 32;
		fakes[i].flags |= WIRE_REC_ADDR_PINNED;
		assert_int_equal(record_sign(&fakes[i], &x), 0);
	}
}

static void restore_fakes(struct tnet *net, uint32_t node)
{
	for (uint32_t i = 0; i < FAKES; i++)
		assert_int_equal(gossip_restore(net->node[node].g, &fakes[i], net->now), 0);
	net->node[node].n_log = 0;   /* the event log has room for what follows */
}

static uint64_t gossiped_nowhere(const struct tnet *net)
{
	return net->nowhere[WIRE_RECORDS] + net->nowhere[WIRE_SYNC_DIGEST] +
	       net->nowhere[WIRE_SYNC_ENTRIES] + net->nowhere[WIRE_PING_REQ];
}

static void test_gossip_goes_to_members_that_answered(void **state)
{
	struct gossip_config c = cfg();
	struct tnet net;
	uint64_t before;

	(void)state;
	make_fakes();
	tn_init(&net, 4, 40, &c);
	tn_connect_all(&net);
	tn_run(&net, 6000);
	for (uint32_t i = 0; i < 4; i++)
		assert_true(gossip_stats(net.node[i].g)->proofs >= 3);
	for (uint32_t i = 0; i < 4; i++)
		restore_fakes(&net, i);
	/* News to spread: node 3 updates its record. */
	before = gossiped_nowhere(&net);
	{
		struct wire_record r = *gossip_self(net.node[3].g)->rec;

		snprintf(r.name, sizeof(r.name), "t3-renamed");
		assert_int_equal(gossip_update_self(net.node[3].g, &r, net.now), 0);
	}
	tn_run(&net, 10000);
	/* Gossip rounds, sync and relays went to the three that answered only. */
	assert_int_equal(gossiped_nowhere(&net) - before, 0);
	for (uint32_t i = 0; i < 3; i++)
		assert_string_equal(gossip_find(net.node[i].g, tn_id(&net, 3))->rec->name, "t3-renamed");
	/* Probes still reach the made-up ones (they are probed and failed here). */
	assert_true(net.nowhere[WIRE_PING] > 0);
	tn_free(&net);
}

/* Node 3 crashes (all its traffic dropped) amid FAKES made-up identities. */
static bool drop_3(struct tnet *net, uint32_t from, uint32_t to, const uint8_t *buf, size_t len)
{
	(void)net;
	(void)buf;
	(void)len;
	return from == 3 || to == 3;
}

static void test_identities_do_not_slow_failure_detection(void **state)
{
	struct gossip_config c = cfg();
	struct tnet net;
	uint64_t t0, worst = 0;

	(void)state;
	make_fakes();
	tn_init(&net, 4, 44, &c);
	tn_connect_all(&net);
	tn_run(&net, 6000);
	for (uint32_t i = 0; i < 4; i++)
		restore_fakes(&net, i);
	tn_run(&net, 2000);
	net.drop = drop_3;
	t0 = net.now;
	tn_run(&net, 15000);
	for (uint32_t i = 0; i < 3; i++) {
		uint64_t t = tn_first(&net.node[i], GOSSIP_EV_FAILED, tn_id(&net, 3));

		assert_true(t > t0);
		if (t - t0 > worst)
			worst = t - t0;
	}
	/*
	 * N of the suspicion timeouts is the 4 members that answered, not
	 * the 1004 live records: with two confirmations the timeout is about
	 * 2 s (1004 would make it about 6 s), plus up to two probe periods.
	 */
	print_message("crash failed by all in %llu ms\n", (unsigned long long)worst);
	assert_true(worst <= 5000);
	tn_free(&net);
}

/*
 * A node restarts with its state file: every member restored, none has
 * answered this start yet, and FAKES made-up identities among them. The
 * proof sweep (through the tunnel, one PING per WireGuard endpoint a
 * period) and the PINGs back to members whose traffic comes through the
 * tunnel prove the real ones within a period.
 */
static void test_restart_proves_members_through_the_tunnel(void **state)
{
	struct gossip_config c = cfg();
	struct tnet net;
	uint64_t before, pings;

	(void)state;
	make_fakes();
	tn_init(&net, 4, 48, &c);
	tn_connect_all(&net);
	tn_run(&net, 6000);
	tn_recreate(&net, 0, &c);
	restore_fakes(&net, 0);
	for (uint32_t j = 1; j < 4; j++)
		assert_int_equal(gossip_restore(net.node[0].g, gossip_self(net.node[j].g)->rec, net.now), 0);
	pings = net.nowhere[WIRE_PING];
	tn_run(&net, 5000);
	print_message("proofs %llu, hello PINGs %llu, sweep PINGs %llu\n",
		      (unsigned long long)gossip_stats(net.node[0].g)->proofs,
		      (unsigned long long)gossip_stats(net.node[0].g)->hello_probes,
		      (unsigned long long)gossip_stats(net.node[0].g)->proof_sweeps);
	assert_true(gossip_stats(net.node[0].g)->proofs >= 3);
	/*
	 * The sweep goes through the tunnel, one PING per WireGuard endpoint
	 * per period: the made-up identities share one, so they get about one
	 * sweep PING a period (plus their probes), not PROOF_SWEEP_PINGS.
	 */
	print_message("PINGs to made-up identities in 5 s: %llu\n",
		      (unsigned long long)(net.nowhere[WIRE_PING] - pings));
	assert_true(net.nowhere[WIRE_PING] - pings <= 100);   /* keyed by overlay IP: over 240 */
	/* From then on, nothing unasked goes to the made-up ones. */
	before = gossiped_nowhere(&net);
	{
		struct wire_record r = *gossip_self(net.node[0].g)->rec;

		snprintf(r.name, sizeof(r.name), "t0-back");
		assert_int_equal(gossip_update_self(net.node[0].g, &r, net.now), 0);
	}
	tn_run(&net, 5000);
	assert_int_equal(gossiped_nowhere(&net) - before, 0);
	for (uint32_t i = 1; i < 4; i++)
		assert_string_equal(gossip_find(net.node[i].g, tn_id(&net, 0))->rec->name, "t0-back");
	tn_free(&net);
}

/*
 * A member that moves (a new endpoint: WireGuard would handshake
 * elsewhere) has to answer again; until it does it is no gossip target
 * unless too few others answered. Here it is proven again within a few
 * periods, and news still reaches it.
 */
static void test_moved_member_is_proven_again(void **state)
{
	struct gossip_config c = cfg();
	struct wire_record r;
	uint64_t proofs[4];
	struct tnet net;

	(void)state;
	make_fakes();
	tn_init(&net, 4, 56, &c);
	tn_connect_all(&net);
	tn_run(&net, 6000);
	for (uint32_t i = 0; i < 3; i++) {
		restore_fakes(&net, i);
		proofs[i] = gossip_stats(net.node[i].g)->proofs;
	}
	r = *gossip_self(net.node[3].g)->rec;
	r.endpoint[0].port = 51830;
	assert_int_equal(gossip_update_self(net.node[3].g, &r, net.now), 0);
	tn_run(&net, 5000);
	for (uint32_t i = 0; i < 3; i++) {
		assert_int_equal(gossip_find(net.node[i].g, tn_id(&net, 3))->rec->endpoint[0].port, 51830);
		assert_true(gossip_stats(net.node[i].g)->proofs > proofs[i]);
	}
	r = *gossip_self(net.node[0].g)->rec;
	snprintf(r.name, sizeof(r.name), "t0-later");
	assert_int_equal(gossip_update_self(net.node[0].g, &r, net.now), 0);
	tn_run(&net, 3000);
	assert_string_equal(gossip_find(net.node[3].g, tn_id(&net, 0))->rec->name, "t0-later");
	tn_free(&net);
}

/* A mesh where nobody has answered anyone yet still converges (the fallback). */
static void test_fresh_mesh_converges(void **state)
{
	struct gossip_config c = cfg();
	struct tnet net;

	(void)state;
	tn_init(&net, 6, 52, &c);
	tn_connect_all(&net);
	{
		struct wire_record r = *gossip_self(net.node[5].g)->rec;

		snprintf(r.name, sizeof(r.name), "t5-new");
		assert_int_equal(gossip_update_self(net.node[5].g, &r, net.now), 0);
	}
	tn_run(&net, 1500);
	for (uint32_t i = 0; i < 5; i++)
		assert_string_equal(gossip_find(net.node[i].g, tn_id(&net, 5))->rec->name, "t5-new");
	tn_free(&net);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gossip_goes_to_members_that_answered),
		cmocka_unit_test(test_identities_do_not_slow_failure_detection),
		cmocka_unit_test(test_restart_proves_members_through_the_tunnel),
		cmocka_unit_test(test_moved_member_is_proven_again),
		cmocka_unit_test(test_fresh_mesh_converges),
	};
	int ret = cmocka_run_group_tests(tests, NULL, NULL);

	free(fakes);
	return ret;
}
