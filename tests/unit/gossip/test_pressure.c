/* SPDX-License-Identifier: MIT */
/*
 * What keeps a real newcomer moving while a key holder's made-up
 * identities fill the tables (adversary item 4): entries about members
 * that answered us go first in the piggyback queue; a table that
 * overflowed lately passes on only members that answered it, by gossip
 * or by sync; a record
 * brought by a member that answered us may push out a silent identity
 * still in its grace; and in tunnel mode a seed's JOIN_ACK waits until the
 * joiner's WireGuard peer is programmed.
 */
#include <string.h>

#include "tnet.h"

enum { OUT = 60 };
/* gossip/internal.h UNPROVEN_GRACE_MS: the tests see only the public API. */
enum { GRACE_MS = 10000 };

static struct gossip_config cfg(void)
{
	struct gossip_config c;

	gossip_config_defaults(&c);
	return c;
}

/* x's record in a datagram sent by `sender_id` from slot src to node 0. */
static int bring(struct tnet *net, const struct identity *x, uint32_t x_slot,
		 const uint8_t *sender_id, uint32_t src, uint64_t version)
{
	struct wire_record r;
	struct wire_msg m;

	tn_record(&r, x, x_slot, version);
	msg_init(&m, WIRE_RECORDS, sender_id);
	m.record[m.n_records++] = r;
	return tn_input(net, 0, src, &m);
}

static const struct gossip_stats *st(const struct tnet *net, uint32_t i)
{
	return gossip_stats(net->node[i].g);
}

/* Outsiders, each from its own address (its own admission bucket). */
static void fill(struct tnet *net, struct identity *x, uint32_t n, uint32_t seed)
{
	for (uint32_t i = 0; i < n; i++) {
		tn_identity(&x[i], seed + i);
		assert_int_equal(bring(net, &x[i], OUT + i, x[i].id, OUT + i, 1), 0);
	}
}

static void test_vouched_entries_go_first(void **state)
{
	struct gossip_config c = cfg();
	struct identity x[20];
	struct wire_record r;
	struct wire_msg m;
	struct tnet net;

	(void)state;
	tn_init(&net, 3, 900, &c);
	tn_connect_all(&net);
	tn_run(&net, 5000);   /* everyone answered everyone */
	/* Node 2 re-signs: queued at node 0 before twenty silent identities. */
	r = *gossip_self(net.node[2].g)->rec;
	r.version += 1;
	assert_int_equal(record_sign(&r, &net.node[2].idn), 0);
	msg_init(&m, WIRE_RECORDS, r.id);
	m.record[m.n_records++] = r;
	assert_int_equal(tn_input(&net, 0, 2, &m), 0);
	fill(&net, x, 20, 920);
	net.node[0].first_records_len = 0;
	tn_run(&net, 250);
	assert_true(net.node[0].first_records_len > 0);
	assert_int_equal(msg_decode(&m, net.node[0].first_records, net.node[0].first_records_len), 0);
	/* Newest first would have put it behind all twenty. */
	assert_true(m.n_records > 0);
	assert_memory_equal(m.record[0].id, r.id, WIRE_ID_LEN);
	tn_free(&net);
}

/*
 * Node 0's table (max_members 16: self, node 1, 14 outsiders) full, past
 * the outsiders' grace; one more outsider then makes room and marks the
 * table as overflowing.
 */
static void overflow(struct tnet *net, struct identity *x, uint32_t seed)
{
	fill(net, x, 14, seed);
	assert_int_equal(gossip_size(net->node[0].g), 16);
	tn_run(net, GRACE_MS);
	tn_identity(&x[14], seed + 14);
	assert_int_equal(bring(net, &x[14], OUT + 14, x[14].id, OUT + 14, 1), 0);
	assert_non_null(gossip_find(net->node[0].g, x[14].id));
}

static void test_overflowing_table_keeps_the_silent_to_itself(void **state)
{
	struct gossip_config c = cfg();
	struct identity x[16];
	struct tnet net;

	(void)state;
	c.max_members = 16;
	tn_init(&net, 2, 940, &c);
	tn_connect_all(&net);
	tn_run(&net, 3000);
	overflow(&net, x, 950);
	tn_identity(&x[15], 965);
	memcpy(net.watch, x[15].id, WIRE_ID_LEN);
	assert_int_equal(bring(&net, &x[15], OUT + 15, x[15].id, OUT + 15, 1), 0);
	assert_non_null(gossip_find(net.node[0].g, x[15].id));
	/* Gossip rounds and anti-entropy (every 2 s) alike. */
	tn_run(&net, 10000);
	assert_int_equal(net.node[0].carried, 0);
	assert_null(gossip_find(net.node[1].g, x[15].id));
	assert_true(st(&net, 0)->relays_held > 0);
	tn_free(&net);
}

/* A table that never overflowed passes everyone on at once, however full. */
static void test_full_but_never_overflowed_relays_all(void **state)
{
	struct gossip_config c = cfg();
	struct identity x[16];
	struct tnet net;

	(void)state;
	c.max_members = 16;
	tn_init(&net, 2, 1030, &c);
	tn_connect_all(&net);
	tn_run(&net, 3000);
	fill(&net, x, 13, 1040);
	tn_identity(&x[13], 1053);
	memcpy(net.watch, x[13].id, WIRE_ID_LEN);
	assert_int_equal(bring(&net, &x[13], OUT + 13, x[13].id, OUT + 13, 1), 0);
	assert_int_equal(gossip_size(net.node[0].g), 16);
	tn_run(&net, 1000);
	assert_true(net.node[0].carried > 0);
	assert_int_equal(st(&net, 0)->relays_held, 0);
	tn_free(&net);
}

static void test_answering_member_is_relayed_when_pressed(void **state)
{
	struct gossip_config c = cfg();
	struct identity x[16];
	struct wire_addr seed;
	struct tnet net;

	(void)state;
	c.max_members = 16;
	tn_init(&net, 3, 970, &c);
	/* Nodes 0 and 1 know each other; node 2 is new to both. */
	assert_int_equal(gossip_restore(net.node[0].g, gossip_self(net.node[1].g)->rec, net.now), 0);
	assert_int_equal(gossip_restore(net.node[1].g, gossip_self(net.node[0].g)->rec, net.now), 0);
	tn_run(&net, 3000);
	overflow(&net, x, 980);
	memcpy(net.watch, tn_id(&net, 2), WIRE_ID_LEN);
	/* Node 2 joins through node 0: held until the hello probe's answer proves it. */
	tn_addr(0, &seed);
	assert_int_equal(gossip_join(net.node[2].g, &seed, 1, net.now), 0);
	tn_run(&net, 3000);
	assert_true(net.node[0].carried > 0);
	assert_non_null(gossip_find(net.node[1].g, tn_id(&net, 2)));
	tn_free(&net);
}

static void test_answering_member_makes_room_in_grace(void **state)
{
	struct gossip_config c = cfg();
	struct identity x[3];
	struct tnet net;

	(void)state;
	c.max_members = 3;   /* self, node 1 and one more */
	tn_init(&net, 2, 990, &c);
	tn_connect_all(&net);
	tn_run(&net, 3000);  /* node 1 answered: proven */
	for (int i = 0; i < 3; i++)
		tn_identity(&x[i], 995 + (uint32_t)i);
	assert_int_equal(bring(&net, &x[0], OUT, x[0].id, OUT, 1), 0);
	assert_non_null(gossip_find(net.node[0].g, x[0].id));
	/* An outsider's record does not push a silent one out within its grace... */
	assert_int_equal(bring(&net, &x[1], OUT + 1, x[1].id, OUT + 1, 1), 0);
	assert_null(gossip_find(net.node[0].g, x[1].id));
	/* ...nor does one claiming to come from node 1 from another address... */
	assert_int_equal(bring(&net, &x[1], OUT + 1, tn_id(&net, 1), OUT + 2, 1), 0);
	assert_null(gossip_find(net.node[0].g, x[1].id));
	/* ...but node 1, from its own address, does. */
	assert_int_equal(bring(&net, &x[2], OUT + 3, tn_id(&net, 1), 1, 1), 0);
	assert_non_null(gossip_find(net.node[0].g, x[2].id));
	assert_null(gossip_find(net.node[0].g, x[0].id));
	assert_non_null(gossip_find(net.node[0].g, tn_id(&net, 1)));
	assert_int_equal(st(&net, 0)->evicted_unproven, 1);
	tn_free(&net);
}

static struct gossip_config tunnel_cfg(void)
{
	struct gossip_config c = cfg();

	c.via_overlay = true;
	assert_int_equal(wire_prefix_parse(&c.overlay_prefix, "10.99.0.0/16"), 0);
	return c;
}

/* Node 1 joins through node 0; the JOIN is delivered, nothing else runs. */
static void join_delivered(struct tnet *net)
{
	struct wire_addr seed;

	tn_addr(0, &seed);
	assert_int_equal(gossip_join(net->node[1].g, &seed, 1, net->now), 0);
	tn_run(net, 2);
	assert_non_null(gossip_find(net->node[0].g, tn_id(net, 1)));
}

static void test_tunnel_ack_waits_for_the_peer(void **state)
{
	struct gossip_config c = tunnel_cfg();
	struct tnet net;

	(void)state;
	tn_init(&net, 2, 1000, &c);
	join_delivered(&net);
	assert_int_equal(net.node[0].sent[WIRE_JOIN_ACK], 0);
	tn_run(&net, 100);
	assert_int_equal(net.node[0].sent[WIRE_JOIN_ACK], 0);
	/* The agent has programmed the joiner's peer. */
	gossip_tunnel_ready(net.node[0].g, net.now);
	assert_int_equal(net.node[0].sent[WIRE_JOIN_ACK], 1);
	tn_run(&net, 50);
	assert_true(gossip_joined(net.node[1].g));
	tn_free(&net);
}

/* Counts what node 0 sends to node 1's overlay address. */
static bool count_to_joiner(struct tnet *net, uint32_t from, uint32_t to, const uint8_t *buf,
			    size_t len)
{
	uint64_t *n = net->ctx;

	(void)buf;
	(void)len;
	if (from == 0 && to == 1)
		(*n)++;
	return false;
}

static void test_tunnel_joiner_starts_the_handshake(void **state)
{
	struct gossip_config c = tunnel_cfg();
	uint64_t before, sent = 0;
	struct tnet net;

	(void)state;
	tn_init(&net, 2, 1060, &c);
	net.ctx = &sent;
	join_delivered(&net);
	gossip_tunnel_ready(net.node[0].g, net.now);
	assert_int_equal(net.node[0].sent[WIRE_JOIN_ACK], 1);
	/* The ACK was the last thing from node 0 until node 1 speaks in the tunnel. */
	net.drop = count_to_joiner;
	before = net.node[0].to_overlay;
	gossip_tick(net.node[0].g, net.now + 300);
	assert_int_equal(net.node[0].to_overlay, before);
	/* node 1 talks (its pulls come from its overlay address): quiet over. */
	tn_run(&net, 300);
	assert_true(gossip_joined(net.node[1].g));
	tn_run(&net, 2000);
	assert_true(sent > 0);
	tn_free(&net);
}

static void test_tunnel_ack_waits_no_longer_than_its_bound(void **state)
{
	struct gossip_config c = tunnel_cfg();
	struct tnet net;

	(void)state;
	c.join_retry_ms = 2000;   /* a retry would be answered at once */
	tn_init(&net, 2, 1010, &c);
	join_delivered(&net);
	tn_run(&net, 400);
	assert_int_equal(net.node[0].sent[WIRE_JOIN_ACK], 0);
	tn_run(&net, 150);   /* ACK_WAIT_MS = 500 */
	assert_int_equal(net.node[0].sent[WIRE_JOIN_ACK], 1);
	tn_run(&net, 50);
	assert_true(gossip_joined(net.node[1].g));
	tn_free(&net);
}

static void test_underlay_ack_does_not_wait(void **state)
{
	struct gossip_config c = cfg();
	struct tnet net;

	(void)state;
	tn_init(&net, 2, 1020, &c);
	join_delivered(&net);
	assert_int_equal(net.node[0].sent[WIRE_JOIN_ACK], 1);
	tn_free(&net);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vouched_entries_go_first),
		cmocka_unit_test(test_overflowing_table_keeps_the_silent_to_itself),
		cmocka_unit_test(test_full_but_never_overflowed_relays_all),
		cmocka_unit_test(test_answering_member_is_relayed_when_pressed),
		cmocka_unit_test(test_answering_member_makes_room_in_grace),
		cmocka_unit_test(test_tunnel_ack_waits_for_the_peer),
		cmocka_unit_test(test_tunnel_joiner_starts_the_handshake),
		cmocka_unit_test(test_tunnel_ack_waits_no_longer_than_its_bound),
		cmocka_unit_test(test_underlay_ack_does_not_wait),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
