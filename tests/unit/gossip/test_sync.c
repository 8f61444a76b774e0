/* SPDX-License-Identifier: MIT */
/*
 * Anti-entropy and joining: a member that missed every broadcast is
 * repaired by sync; sync costs one small datagram per interval once
 * converged; a new node joins through one seed and learns everyone.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tnet.h"

enum { OUT = 80 };

static struct gossip_config cfg(void)
{
	struct gossip_config c;

	gossip_config_defaults(&c);
	return c;
}

/* Node 4 hears nothing but anti-entropy; ctx (if set) counts what it lost. */
/* Records reach 4 only by sync; bare PINGs and ACKs pass (they prove addresses). */
static bool only_sync_to_4(struct tnet *net, uint32_t from, uint32_t to, const uint8_t *buf, size_t len)
{
	uint8_t t = tn_type(buf, len);
	bool drop = to == 4 && t != WIRE_SYNC_DIGEST && t != WIRE_SYNC_ENTRIES;
	struct wire_msg *m;

	if (drop && (t == WIRE_PING || t == WIRE_ACK)) {
		m = malloc(sizeof(*m));
		assert_non_null(m);
		assert_int_equal(msg_decode(m, buf, len), 0);
		drop = m->n_records > 0;
		free(m);
	}

	(void)from;
	if (drop && net->ctx)
		(*(uint64_t *)net->ctx)++;
	return drop;
}

static void test_sync_repairs_member_that_missed_every_broadcast(void **state)
{
	struct gossip_config c = cfg();
	struct identity x[12];
	struct wire_record r;
	struct wire_msg m;
	struct tnet net;
	uint64_t lost = 0, entries = 0;

	(void)state;
	tn_init(&net, 5, 1, &c);
	tn_connect_all(&net);
	tn_run(&net, 3000);
	net.drop = only_sync_to_4;
	net.ctx = &lost;
	for (uint32_t i = 0; i < 5; i++)
		memset(net.node[i].sent, 0, sizeof(net.node[i].sent));
	/* Twelve new members appear at node 0 and are gossiped everywhere but to 4. */
	for (uint32_t i = 0; i < 12; i++) {
		tn_identity(&x[i], 600 + i);
		tn_record(&r, &x[i], OUT + i, 1);
		msg_init(&m, WIRE_RECORDS, x[i].id);
		m.n_records = 1;
		m.record[0] = r;
		assert_int_equal(tn_input(&net, 0, OUT + i, &m), 0);
	}
	tn_run(&net, 15000);
	for (uint32_t i = 0; i < 12; i++) {
		assert_non_null(gossip_find(net.node[3].g, x[i].id));
		assert_non_null(gossip_find(net.node[4].g, x[i].id));
	}
	/* The broadcasts were aimed at 4 too, and all lost: sync did it. */
	assert_true(lost > 0);
	for (uint32_t i = 0; i < 5; i++)
		entries += net.node[i].sent[WIRE_SYNC_ENTRIES];
	assert_true(entries > 0);
	tn_free(&net);
}

static void test_sync_repairs_stale_version_and_tombstone(void **state)
{
	struct gossip_config c = cfg();
	bool iso[TN_MAX] = { 0 };
	struct tnet net;

	(void)state;
	tn_init(&net, 5, 2, &c);
	tn_connect_all(&net);
	tn_run(&net, 3000);
	/* Node 4 is cut off while node 2 leaves: 4 keeps its old, live record. */
	iso[4] = true;
	net.ctx = iso;
	net.drop = tn_drop_isolated;
	assert_int_equal(gossip_leave(net.node[2].g, net.now), 0);
	tn_run(&net, 3000);
	/* Back, but broadcasts stay off for it: only sync can tell it. */
	net.ctx = NULL;
	net.drop = only_sync_to_4;
	tn_run(&net, 20000);
	assert_int_equal(tn_state(&net, 4, 2), GOSSIP_LEFT);
	tn_free(&net);
}

static void test_steady_state_sync_is_one_digest(void **state)
{
	struct gossip_config c = cfg();
	uint64_t digests = 0, others = 0;
	struct tnet net;

	(void)state;
	tn_init(&net, 8, 3, &c);
	tn_connect_all(&net);
	tn_run(&net, 10000);
	for (uint32_t i = 0; i < 8; i++)
		memset(net.node[i].sent, 0, sizeof(net.node[i].sent));
	tn_run(&net, 20000);
	for (uint32_t i = 0; i < 8; i++) {
		digests += net.node[i].sent[WIRE_SYNC_DIGEST];
		others += net.node[i].sent[WIRE_SYNC_ENTRIES] + net.node[i].sent[WIRE_RECORDS];
	}
	/* One digest per node per 2 s interval, nothing else: equal sums end it. */
	assert_true(digests >= 8 * 9 && digests <= 8 * 11);
	assert_int_equal(others, 0);
	tn_free(&net);
}

static void test_join_through_one_seed(void **state)
{
	struct gossip_config c = cfg();
	struct wire_addr seed;
	struct tnet net;

	(void)state;
	tn_init(&net, 9, 4, &c);
	/* Nodes 0..7 are a mesh; node 8 knows only node 0's address. */
	for (uint32_t i = 0; i < 8; i++)
		for (uint32_t j = 0; j < 8; j++)
			if (i != j)
				assert_int_equal(gossip_restore(net.node[i].g,
								gossip_self(net.node[j].g)->rec, 0), 0);
	tn_run(&net, 3000);
	assert_false(gossip_joined(net.node[0].g) == false);
	tn_addr(0, &seed);
	assert_int_equal(gossip_join(net.node[8].g, &seed, 1, net.now), 0);
	assert_false(gossip_joined(net.node[8].g));
	tn_run(&net, 2000);
	assert_true(gossip_joined(net.node[8].g));
	assert_int_equal(gossip_count(net.node[8].g, GOSSIP_ALIVE), 9);
	for (uint32_t i = 0; i < 8; i++)
		assert_non_null(gossip_find(net.node[i].g, tn_id(&net, 8)));
	/* JOIN is padded to the largest datagram; the answer is never larger. */
	assert_int_equal(net.node[8].max_len[WIRE_JOIN], WIRE_MAX_PLAINTEXT);
	assert_true(net.node[0].max_len[WIRE_JOIN_ACK] <= net.node[8].max_len[WIRE_JOIN]);
	assert_int_equal(net.node[8].sent[WIRE_JOIN], 1);
	tn_free(&net);
}

static bool drop_first_joins(struct tnet *net, uint32_t from, uint32_t to, const uint8_t *buf, size_t len)
{
	int *left = net->ctx;

	(void)from;
	(void)to;
	if (tn_type(buf, len) == WIRE_JOIN && *left > 0) {
		(*left)--;
		return true;
	}
	return false;
}

static void test_join_retried_until_acked(void **state)
{
	struct gossip_config c = cfg();
	struct wire_addr seed;
	struct tnet net;
	int lose = 2;

	(void)state;
	c.join_retry_ms = 1000;
	tn_init(&net, 3, 5, &c);
	gossip_restore(net.node[0].g, gossip_self(net.node[1].g)->rec, 0);
	gossip_restore(net.node[1].g, gossip_self(net.node[0].g)->rec, 0);
	net.ctx = &lose;
	net.drop = drop_first_joins;
	tn_addr(0, &seed);
	assert_int_equal(gossip_join(net.node[2].g, &seed, 1, net.now), 0);
	tn_run(&net, 2500);
	/* Retries at 1 s, then 2 s later (backoff): two lost, the third not yet sent. */
	assert_false(gossip_joined(net.node[2].g));
	assert_int_equal(net.node[2].sent[WIRE_JOIN], 2);
	tn_run(&net, 1000);
	assert_true(gossip_joined(net.node[2].g));
	assert_int_equal(net.node[2].sent[WIRE_JOIN], 3);
	assert_int_equal(gossip_count(net.node[2].g, GOSSIP_ALIVE), 3);
	tn_free(&net);
}

static void test_unpadded_join_gets_no_answer(void **state)
{
	struct gossip_config c = cfg();
	struct identity x;
	struct wire_msg m;
	struct tnet net;

	(void)state;
	tn_init(&net, 1, 6, &c);
	tn_identity(&x, 700);
	msg_init(&m, WIRE_JOIN, x.id);
	m.n_records = 1;
	tn_record(&m.record[0], &x, OUT, 1);
	assert_int_equal(tn_input(&net, 0, OUT, &m), 0);
	/* Accepted as a member, but a small JOIN cannot draw a larger JOIN_ACK. */
	assert_non_null(gossip_find(net.node[0].g, x.id));
	assert_int_equal(net.node[0].sent[WIRE_JOIN_ACK], 0);
	/* A JOIN whose record is someone else's is refused. */
	msg_init(&m, WIRE_JOIN, net.node[0].idn.id);
	m.sender[0] ^= 0xff;
	m.n_records = 1;
	tn_record(&m.record[0], &x, OUT, 2);
	assert_int_equal(tn_input(&net, 0, OUT, &m), -EPROTO);
	assert_int_equal(gossip_find(net.node[0].g, x.id)->rec->version, 1);
	tn_free(&net);
}

static void test_joiner_takes_prefix_and_dodges_held_address(void **state)
{
	struct gossip_config plain = cfg(), prefixed = cfg();
	struct identity h;
	struct wire_record rh;
	struct wire_prefix would;
	struct wire_addr seed;
	struct tnet net;
	const struct wire_record *r;

	(void)state;
	assert_int_equal(wire_prefix_parse(&prefixed.overlay_prefix, "10.77.0.0/16"), 0);
	tn_init(&net, 2, 7, &plain);
	/* What node 1 would derive with the prefix: learn it from a throwaway engine. */
	tn_recreate(&net, 1, &prefixed);
	would = gossip_self(net.node[1].g)->rec->overlay[0];
	tn_recreate(&net, 1, &plain);
	assert_int_equal(gossip_self(net.node[1].g)->rec->n_overlay, 0);
	/* The seed has the prefix, and a member H already holds that address. */
	tn_recreate(&net, 0, &prefixed);
	tn_identity(&h, 710);
	tn_record(&rh, &h, OUT, 1);
	rh.n_overlay = 1;
	rh.overlay[0] = would;
	assert_int_equal(record_sign(&rh, &h), 0);
	assert_int_equal(gossip_restore(net.node[0].g, &rh, 0), 0);

	tn_addr(0, &seed);
	assert_int_equal(gossip_join(net.node[1].g, &seed, 1, net.now), 0);
	tn_run(&net, 500);
	r = gossip_self(net.node[1].g)->rec;
	assert_true(gossip_joined(net.node[1].g));
	assert_int_equal(r->n_overlay, 1);
	assert_int_equal(r->overlay[0].ip[0], 10);
	assert_int_equal(r->overlay[0].ip[1], 77);
	assert_false(wire_prefix_same_ip(&r->overlay[0], &would));
	assert_int_equal(r->addr_gen, 1);
	/* The seed learned the new address too, uncontested. */
	tn_run(&net, 1000);
	assert_true(wire_prefix_same_ip(&gossip_find(net.node[0].g, tn_id(&net, 1))->rec->overlay[0],
					&r->overlay[0]));
	assert_false(gossip_find(net.node[0].g, tn_id(&net, 1))->conflict);
	tn_free(&net);
}

static void test_tunnel_mode_after_join(void **state)
{
	struct gossip_config c = cfg();
	struct wire_addr seed;
	struct tnet net;
	uint64_t before;

	(void)state;
	c.via_overlay = true;
	assert_int_equal(wire_prefix_parse(&c.overlay_prefix, "10.99.0.0/16"), 0);
	tn_init(&net, 4, 8, &c);
	for (uint32_t i = 0; i < 3; i++)
		for (uint32_t j = 0; j < 3; j++)
			if (i != j)
				assert_int_equal(gossip_restore(net.node[i].g,
								gossip_self(net.node[j].g)->rec, 0), 0);
	tn_run(&net, 3000);
	/* Members talk over the overlay; the joiner's JOIN goes to the seed's underlay. */
	assert_true(net.node[0].to_overlay > 0);
	tn_addr(0, &seed);
	before = net.node[3].to_overlay;
	assert_int_equal(gossip_join(net.node[3].g, &seed, 1, net.now), 0);
	assert_int_equal(net.node[3].to_overlay, before);
	assert_int_equal(net.node[3].sent[WIRE_JOIN], 1);
	tn_run(&net, 5000);
	assert_true(gossip_joined(net.node[3].g));
	assert_true(net.node[3].to_overlay > before);
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(gossip_count(net.node[i].g, GOSSIP_ALIVE), 4);
	tn_free(&net);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sync_repairs_member_that_missed_every_broadcast),
		cmocka_unit_test(test_sync_repairs_stale_version_and_tombstone),
		cmocka_unit_test(test_steady_state_sync_is_one_digest),
		cmocka_unit_test(test_join_through_one_seed),
		cmocka_unit_test(test_join_retried_until_acked),
		cmocka_unit_test(test_unpadded_join_gets_no_answer),
		cmocka_unit_test(test_joiner_takes_prefix_and_dodges_held_address),
		cmocka_unit_test(test_tunnel_mode_after_join),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
