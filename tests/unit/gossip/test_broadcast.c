/* SPDX-License-Identifier: MIT */
/* The piggyback queue: retransmit budget, order, and silence when empty. */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "tnet.h"

enum { OUT = 90 };

static struct gossip_config cfg(void)
{
	struct gossip_config c;

	gossip_config_defaults(&c);
	return c;
}

static void inject(struct tnet *net, const struct identity *x, uint32_t slot)
{
	struct wire_msg m;

	msg_init(&m, WIRE_RECORDS, x->id);
	m.n_records = 1;
	tn_record(&m.record[0], x, slot, 1);
	assert_int_equal(tn_input(net, 0, slot, &m), 0);
}

static void test_each_node_tells_a_record_budget_times(void **state)
{
	struct gossip_config c = cfg();
	struct identity x;
	struct tnet net;
	uint32_t budget;

	(void)state;
	tn_init(&net, 10, 1, &c);
	tn_connect_all(&net);
	tn_run(&net, 5000);
	tn_identity(&x, 800);
	memcpy(net.watch, x.id, WIRE_ID_LEN);
	inject(&net, &x, OUT);
	tn_run(&net, 10000);
	/* N = 11 live with X: 4 * ceil(log10(12)) = 8. */
	budget = c.retransmit_mult * (uint32_t)ceil(log10(12.0));
	for (uint32_t i = 0; i < 10; i++) {
		assert_non_null(gossip_find(net.node[i].g, x.id));
		assert_true(net.node[i].carried <= budget);
	}
	/* Node 0 heard it first and used its whole budget. */
	assert_int_equal(net.node[0].carried, budget);
	tn_free(&net);
}

static void test_newest_first_when_full(void **state)
{
	struct gossip_config c = cfg();
	struct identity x[20];
	struct wire_msg m;
	struct tnet net;

	(void)state;
	tn_init(&net, 4, 2, &c);
	tn_connect_all(&net);
	tn_run(&net, 5000);
	net.node[0].first_records_len = 0;
	for (uint32_t i = 0; i < 20; i++) {
		tn_identity(&x[i], 820 + i);
		inject(&net, &x[i], OUT + i);
	}
	tn_run(&net, 250);
	assert_true(net.node[0].first_records_len > 0);
	assert_int_equal(msg_decode(&m, net.node[0].first_records, net.node[0].first_records_len), 0);
	assert_true(m.n_records >= 5);
	/* The last ones queued go first. */
	for (int i = 0; i < m.n_records; i++)
		assert_memory_equal(m.record[i].id, x[19 - i].id, WIRE_ID_LEN);
	assert_true(net.node[0].first_records_len <= WIRE_MAX_PLAINTEXT);
	tn_free(&net);
}

static void test_empty_queue_sends_no_gossip(void **state)
{
	struct gossip_config c = cfg();
	struct tnet net;

	(void)state;
	tn_init(&net, 6, 3, &c);
	tn_connect_all(&net);
	tn_run(&net, 10000);
	for (uint32_t i = 0; i < 6; i++)
		memset(net.node[i].sent, 0, sizeof(net.node[i].sent));
	tn_run(&net, 30000);
	for (uint32_t i = 0; i < 6; i++) {
		assert_int_equal(net.node[i].sent[WIRE_RECORDS], 0);
		/* About one probe a second, answered. */
		assert_true(net.node[i].sent[WIRE_PING] >= 25 && net.node[i].sent[WIRE_PING] <= 35);
		assert_int_equal(net.node[i].sent[WIRE_PING_REQ], 0);
	}
	tn_free(&net);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_node_tells_a_record_budget_times),
		cmocka_unit_test(test_newest_first_when_full),
		cmocka_unit_test(test_empty_queue_sends_no_gossip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
