/* SPDX-License-Identifier: MIT */
/*
 * Failure detection: a silent node is suspected then failed; a suspected
 * node refutes; independent confirmations shorten the suspicion; a
 * healed partition comes back to life.
 */
#include <errno.h>
#include <string.h>

#include "tnet.h"

enum { OUT = 60 };

static struct gossip_config cfg(void)
{
	struct gossip_config c;

	gossip_config_defaults(&c);
	return c;
}

static void test_silent_node_suspected_then_failed(void **state)
{
	struct gossip_config c = cfg();
	bool iso[TN_MAX] = { 0 };
	struct tnet net;
	uint64_t cut;

	(void)state;
	tn_init(&net, 4, 10, &c);
	tn_connect_all(&net);
	tn_run(&net, 5000);
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(gossip_count(net.node[i].g, GOSSIP_ALIVE), 4);
	iso[3] = true;
	net.ctx = iso;
	net.drop = tn_drop_isolated;
	cut = net.now;
	tn_run(&net, 30000);
	for (uint32_t i = 0; i < 3; i++) {
		uint64_t s = tn_first(&net.node[i], GOSSIP_EV_SUSPECT, tn_id(&net, 3));
		uint64_t f = tn_first(&net.node[i], GOSSIP_EV_FAILED, tn_id(&net, 3));

		assert_int_equal(tn_state(&net, i, 3), GOSSIP_FAILED);
		/* Suspect first, failed at least the minimum suspicion later (N<10: 1 s). */
		assert_true(s > cut);
		assert_true(f >= s + 1000 || tn_count(&net.node[i], GOSSIP_EV_SUSPECT, tn_id(&net, 3)) == 0);
		/* Nobody else was blamed. */
		for (uint32_t j = 0; j < 3; j++)
			assert_int_equal(tn_count(&net.node[i], GOSSIP_EV_FAILED, tn_id(&net, j)), 0);
	}
	tn_free(&net);
}

static void test_suspected_owner_refutes(void **state)
{
	struct gossip_config c = cfg();
	struct tnet net;
	struct identity z;
	struct wire_record rz;
	struct wire_msg m;
	uint64_t v;

	(void)state;
	tn_init(&net, 3, 20, &c);
	tn_connect_all(&net);
	tn_identity(&z, 200);
	tn_record(&rz, &z, OUT, 1);
	assert_int_equal(gossip_restore(net.node[0].g, &rz, 0), 0);
	v = gossip_self(net.node[0].g)->rec->version;

	/* A rumour about an older version of us: nothing to answer. */
	msg_init(&m, WIRE_RECORDS, z.id);
	m.n_rumors = 1;
	memcpy(m.rumor[0].subject, tn_id(&net, 0), WIRE_ID_LEN);
	m.rumor[0].version = v - 1;
	m.rumor[0].state = WIRE_LIVE_SUSPECT;
	memcpy(m.rumor[0].origin, z.id, WIRE_SHORT_ID_LEN);
	assert_int_equal(tn_input(&net, 0, OUT, &m), 0);
	assert_int_equal(gossip_self(net.node[0].g)->rec->version, v);

	/* At our version: we sign a newer one at once, and it spreads. */
	m.rumor[0].version = v;
	assert_int_equal(tn_input(&net, 0, OUT, &m), 0);
	assert_int_equal(gossip_self(net.node[0].g)->rec->version, v + 1);
	assert_int_equal(gossip_stats(net.node[0].g)->refutations, 1);
	tn_run(&net, 2000);
	for (uint32_t i = 1; i < 3; i++)
		assert_int_equal(gossip_find(net.node[i].g, tn_id(&net, 0))->rec->version, v + 1);

	/* Declared failed at the new version: refuted the same way. */
	m.rumor[0].version = v + 1;
	m.rumor[0].state = WIRE_LIVE_FAILED;
	assert_int_equal(tn_input(&net, 0, OUT, &m), 0);
	assert_int_equal(gossip_self(net.node[0].g)->rec->version, v + 2);
	assert_int_equal(gossip_self(net.node[0].g)->state, GOSSIP_ALIVE);
	tn_free(&net);
}

static void test_isolated_then_reachable_refutes_via_buddy(void **state)
{
	struct gossip_config c = cfg();
	bool iso[TN_MAX] = { 0 };
	struct tnet net;
	uint64_t v;

	(void)state;
	/* Long suspicion: the node comes back before anyone fails it. */
	c.suspicion_min_mult = 10;
	tn_init(&net, 4, 30, &c);
	tn_connect_all(&net);
	tn_run(&net, 3000);
	v = gossip_self(net.node[2].g)->rec->version;
	iso[2] = true;
	net.ctx = iso;
	net.drop = tn_drop_isolated;
	tn_run(&net, 4000);
	assert_true(tn_count(&net.node[0], GOSSIP_EV_SUSPECT, tn_id(&net, 2)) +
		    tn_count(&net.node[1], GOSSIP_EV_SUSPECT, tn_id(&net, 2)) > 0);
	iso[2] = false;
	tn_run(&net, 5000);
	/* Pings to a suspect carry the suspicion; it answers with a new version. */
	assert_true(gossip_self(net.node[2].g)->rec->version > v);
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(gossip_count(net.node[i].g, GOSSIP_ALIVE), 4);
	assert_int_equal(tn_count(&net.node[0], GOSSIP_EV_FAILED, tn_id(&net, 2)), 0);
	tn_free(&net);
}

/*
 * One engine, five outside members. Y suspects X; with `confirm` more
 * origins agreeing at once, when does the engine fail X?
 */
static uint64_t fail_time(uint32_t confirm)
{
	struct gossip_config c = cfg();
	struct identity who[6];
	struct wire_record r;
	struct wire_msg m;
	struct tnet net;
	uint64_t t0, t;

	/* Keep our own probes out of it: they would add a confirmation. */
	c.probe_interval_ms = 1000;
	tn_init(&net, 1, 40, &c);
	for (uint32_t i = 0; i < 6; i++) {
		tn_identity(&who[i], 300 + i);
		tn_record(&r, &who[i], OUT + i, 1);
		assert_int_equal(gossip_restore(net.node[0].g, &r, 0), 0);
	}
	t0 = net.now = 100;
	for (uint32_t k = 0; k <= confirm; k++) {
		msg_init(&m, WIRE_RECORDS, who[1 + k].id);
		m.n_rumors = 1;
		memcpy(m.rumor[0].subject, who[0].id, WIRE_ID_LEN);
		m.rumor[0].version = 1;
		m.rumor[0].state = WIRE_LIVE_SUSPECT;
		memcpy(m.rumor[0].origin, who[1 + k].id, WIRE_SHORT_ID_LEN);
		assert_int_equal(tn_input(&net, 0, OUT + 1 + k, &m), 0);
	}
	assert_int_equal(gossip_find(net.node[0].g, who[0].id)->state, GOSSIP_SUSPECT);
	tn_run(&net, 20000);
	t = tn_first(&net.node[0], GOSSIP_EV_FAILED, who[0].id);
	tn_free(&net);
	assert_true(t > 0);
	return t - t0;
}

static void test_confirmations_shorten_suspicion(void **state)
{
	/* N = 7 (< 10): min = 1 * log10(10) * 1 s = 1 s, max = 6 s, k = 3. */
	uint64_t none = fail_time(0), all = fail_time(3);

	(void)state;
	assert_true(all >= 1000 && all <= 1100);
	/* Alone it waits longer; our own failed probes may add one confirmation (3.5 s). */
	assert_true(none >= 3500);
	assert_true(none > all);
}

static void test_partition_heals(void **state)
{
	struct gossip_config c = cfg();
	bool side[TN_MAX] = { 0 };
	struct tnet net;

	(void)state;
	tn_init(&net, 6, 50, &c);
	tn_connect_all(&net);
	tn_run(&net, 3000);
	for (uint32_t i = 3; i < 6; i++)
		side[i] = true;
	net.ctx = side;
	net.drop = tn_drop_cross;
	tn_run(&net, 60000);
	assert_int_equal(tn_state(&net, 0, 4), GOSSIP_FAILED);
	assert_int_equal(tn_state(&net, 4, 0), GOSSIP_FAILED);
	net.drop = NULL;
	tn_run(&net, 30000);
	for (uint32_t i = 0; i < 6; i++)
		assert_int_equal(gossip_count(net.node[i].g, GOSSIP_ALIVE), 6);
	tn_free(&net);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_silent_node_suspected_then_failed),
		cmocka_unit_test(test_suspected_owner_refutes),
		cmocka_unit_test(test_isolated_then_reachable_refutes_via_buddy),
		cmocka_unit_test(test_confirmations_shorten_suspicion),
		cmocka_unit_test(test_partition_heals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
