/* SPDX-License-Identifier: MIT */
/*
 * Replies and first contact (issue 9, D7 and D8): nothing we send to an
 * address that has not proven it is its member's is larger than what
 * asked for it; ACKs go to members, not to sources; relays ping only
 * what they know; a JOIN_ACK must answer our own JOIN; a replayed JOIN
 * gets nothing. Attackers here are outside identities fed to node 0;
 * "victim" is an address where no engine lives, whose bytes tnet counts.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tnet.h"
#include "gossip/internal.h"

enum { OUT = 50, VICTIM = 60, VICTIM2 = 61, FAKES = 100, N_FAKES = 20 };

static struct gossip_config cfg(void)
{
	struct gossip_config c;

	gossip_config_defaults(&c);
	return c;
}

static void reset_out(struct tnet *net)
{
	memset(net->out_bytes, 0, sizeof(net->out_bytes));
	memset(net->out_msgs, 0, sizeof(net->out_msgs));
	net->n_out = 0;
}

/* Bytes at the victim as sealed datagrams (plaintext + envelope each). */
static uint64_t sealed_at(const struct tnet *net, uint32_t slot)
{
	return net->out_bytes[slot] + net->out_msgs[slot] * WIRE_ENVELOPE_OVERHEAD;
}

static uint32_t count_out(const struct tnet *net, uint32_t slot, uint8_t type)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < net->n_out; i++)
		n += net->out[i].to.ip[3] == slot + 1 && tn_type(net->out[i].buf, net->out[i].len) == type;
	return n;
}

/* Datagrams node `from` queued to engine `to` since queue position `since`. */
static uint32_t count_q(const struct tnet *net, uint32_t since, uint32_t from, uint32_t to, uint8_t type)
{
	uint32_t n = 0;

	for (uint32_t i = since; i < net->nq; i++)
		n += net->q[i].from == from && net->q[i].to == to &&
		     tn_type(net->q[i].buf, net->q[i].len) == type;
	return n;
}

/*
 * Node 0 of a 3-node mesh also holds N_FAKES other members (records to
 * push) and the attacker x, whose signed record names the victim's address.
 */
static void setup(struct tnet *net, struct identity *x, struct wire_record *rx)
{
	struct gossip_config c = cfg();

	tn_init(net, 3, 30, &c);
	tn_connect_all(net);
	for (uint32_t i = 0; i < N_FAKES; i++) {
		struct identity f;
		struct wire_record r;

		tn_identity(&f, 400 + i);
		tn_record(&r, &f, FAKES + i, 1);
		assert_int_equal(gossip_restore(net->node[0].g, &r, 0), 0);
	}
	tn_identity(x, 300);
	tn_record(rx, x, VICTIM, 1);
	assert_int_equal(gossip_restore(net->node[0].g, rx, 0), 0);
	reset_out(net);
}

/* Feed m from x to node 0; returns its length. */
static size_t feed(struct tnet *net, const struct wire_msg *m)
{
	uint8_t buf[WIRE_MAX_PLAINTEXT];
	size_t len = tn_encode(m, buf);
	struct wire_addr from;

	tn_addr(OUT, &from);
	assert_int_equal(gossip_input(net->node[0].g, &from, buf, len, net->now), 0);
	return len;
}

static void sync_requests(struct wire_msg m[5], const struct identity *x)
{
	/* An empty root listing: "I have nothing, push me all". */
	msg_init(&m[0], WIRE_SYNC_ENTRIES, x->id);
	/* The same, padded to the largest datagram. */
	m[1] = m[0];
	assert_true(msg_pad_to(&m[1], WIRE_MAX_PLAINTEXT) > 0);
	/* Sixteen empty root buckets. */
	msg_init(&m[2], WIRE_SYNC_DIGEST, x->id);
	m[2].n_buckets = WIRE_SYNC_FANOUT;
	/* A summary that differs: answered with sixteen buckets. */
	msg_init(&m[3], WIRE_SYNC_DIGEST, x->id);
	m[3].n_buckets = 1;
	/* A want list naming members we hold, at version 0. */
	msg_init(&m[4], WIRE_SYNC_ENTRIES, x->id);
	m[4].sync_flags = WIRE_SYNC_REPLY;
}

static void want_all(struct tnet *net, struct wire_msg *m)
{
	for (uint32_t i = 0; i < N_FAKES && m->n_entries < WIRE_MAX_ENTRIES; i++) {
		struct identity f;

		tn_identity(&f, 400 + i);
		memcpy(m->entry[m->n_entries++].id, f.id, WIRE_SHORT_ID_LEN);
	}
	(void)net;
}

static void test_sync_answers_to_unproven_within_request(void **state)
{
	struct wire_record rx;
	struct identity x;
	struct wire_msg *m = calloc(5, sizeof(*m));
	struct tnet net;

	(void)state;
	assert_non_null(m);
	setup(&net, &x, &rx);
	sync_requests(m, &x);
	want_all(&net, &m[4]);
	for (int i = 0; i < 5; i++) {
		size_t len;

		reset_out(&net);
		len = feed(&net, &m[i]);
		/* Sealed, the answers together are no larger than the request. */
		assert_true(sealed_at(&net, VICTIM) <= len + WIRE_ENVELOPE_OVERHEAD);
	}
	/* A padded request does get an answer: capped, not refused. */
	reset_out(&net);
	feed(&net, &m[1]);
	assert_true(net.out_msgs[VICTIM] > 0);
	assert_true(gossip_stats(net.node[0].g)->replies_capped > 0);
	free(m);
	tn_free(&net);
}

/* The PING node 0 sent to the victim's address, or NULL. */
static const struct tn_out *ping_to(const struct tnet *net, uint32_t slot, struct wire_msg *out)
{
	for (uint32_t i = 0; i < net->n_out; i++)
		if (net->out[i].to.ip[3] == slot + 1 &&
		    tn_type(net->out[i].buf, net->out[i].len) == WIRE_PING) {
			assert_int_equal(msg_decode(out, net->out[i].buf, net->out[i].len), 0);
			return &net->out[i];
		}
	return NULL;
}

static void ack_from(struct tnet *net, uint32_t slot, const struct identity *x, uint32_t seq)
{
	struct wire_msg a;
	uint8_t buf[WIRE_MAX_PLAINTEXT];
	struct wire_addr from;
	size_t len;

	msg_init(&a, WIRE_ACK, x->id);
	a.seq = seq;
	memcpy(a.target, x->id, WIRE_SHORT_ID_LEN);
	len = tn_encode(&a, buf);
	tn_addr(slot, &from);
	gossip_input(net->node[0].g, &from, buf, len, net->now);
}

static void test_proof_then_normal_sync_and_lost_on_move(void **state)
{
	struct wire_record rx, moved;
	struct identity x;
	struct wire_msg *m = calloc(3, sizeof(*m));
	struct tnet net;
	size_t len;

	(void)state;
	assert_non_null(m);
	setup(&net, &x, &rx);
	/* x brings its own record: node 0 sends it one small hello PING. */
	msg_init(&m[0], WIRE_RECORDS, x.id);
	m[0].n_records = 1;
	m[0].record[0] = rx;
	len = feed(&net, &m[0]);
	assert_non_null(ping_to(&net, VICTIM, &m[1]));
	assert_true(net.out_bytes[VICTIM] <= HELLO_PING_MAX);
	assert_true(sealed_at(&net, VICTIM) <= len + WIRE_ENVELOPE_OVERHEAD);
	assert_int_equal(gossip_stats(net.node[0].g)->hello_probes, 1);

	/* An ACK from elsewhere, or with another seq, proves nothing. */
	ack_from(&net, OUT, &x, m[1].seq);
	ack_from(&net, VICTIM, &x, m[1].seq + 1);
	assert_int_equal(gossip_stats(net.node[0].g)->proofs, 0);
	reset_out(&net);
	msg_init(&m[2], WIRE_SYNC_ENTRIES, x.id);
	len = feed(&net, &m[2]);
	assert_true(sealed_at(&net, VICTIM) <= len + WIRE_ENVELOPE_OVERHEAD);

	/* The address answered, with the seq: proven, and sync is normal. */
	ack_from(&net, VICTIM, &x, m[1].seq);
	assert_int_equal(gossip_stats(net.node[0].g)->proofs, 1);
	reset_out(&net);
	len = feed(&net, &m[2]);
	assert_true(net.out_bytes[VICTIM] > 4 * len);
	assert_true(count_out(&net, VICTIM, WIRE_SYNC_ENTRIES) >= 2);

	/* A new version at another address must prove itself again. */
	tn_record(&moved, &x, VICTIM2, 2);
	msg_init(&m[0], WIRE_RECORDS, x.id);
	m[0].n_records = 1;
	m[0].record[0] = moved;
	feed(&net, &m[0]);
	reset_out(&net);
	len = feed(&net, &m[2]);
	assert_true(sealed_at(&net, VICTIM2) <= len + WIRE_ENVELOPE_OVERHEAD);
	assert_int_equal(net.out_msgs[VICTIM], 0);
	free(m);
	tn_free(&net);
}

static void test_unproven_member_gets_only_small_pings(void **state)
{
	struct wire_record rx;
	struct identity x;
	struct tnet net;

	(void)state;
	setup(&net, &x, &rx);
	for (uint32_t i = 1; i < 3; i++)
		assert_int_equal(gossip_restore(net.node[i].g, &rx, 0), 0);
	tn_run(&net, 10000);
	/*
	 * Gossip rounds, sync, relays' PINGs: none. Per period at most the
	 * probe's three tries and a sweep, from each of the 3 nodes.
	 */
	assert_true(net.out_msgs[VICTIM] > 0);
	assert_true(net.out_msgs[VICTIM] <= 4 * 10 * 3);
	for (uint32_t i = 0; i < net.n_out; i++)
		if (net.out[i].to.ip[3] == VICTIM + 1) {
			assert_int_equal(tn_type(net.out[i].buf, net.out[i].len), WIRE_PING);
			assert_true(net.out[i].len <= HELLO_PING_MAX);
		}
	tn_free(&net);
}

static void test_ack_goes_to_member_not_source(void **state)
{
	struct gossip_config c = cfg();
	struct identity z;
	struct wire_msg m;
	struct tnet net;
	uint32_t q0;

	(void)state;
	tn_init(&net, 3, 31, &c);
	tn_connect_all(&net);
	reset_out(&net);
	/* Node 1's PING, replayed from a forged source. */
	msg_init(&m, WIRE_PING, tn_id(&net, 1));
	m.seq = 77;
	memcpy(m.target, tn_id(&net, 0), WIRE_SHORT_ID_LEN);
	q0 = net.nq;
	assert_int_equal(tn_input(&net, 0, OUT, &m), 0);
	assert_int_equal(net.out_msgs[OUT], 0);
	assert_int_equal(count_q(&net, q0, 0, 1, WIRE_ACK), 1);

	/* A PING from a sender we do not know: nothing at all. */
	tn_identity(&z, 330);
	msg_init(&m, WIRE_PING, z.id);
	m.seq = 78;
	memcpy(m.target, tn_id(&net, 0), WIRE_SHORT_ID_LEN);
	q0 = net.nq;
	assert_int_equal(tn_input(&net, 0, OUT, &m), 0);
	assert_int_equal(net.nq, q0);
	assert_int_equal(net.out_msgs[OUT], 0);
	assert_int_equal(gossip_stats(net.node[0].g)->pings_unknown, 1);
	tn_free(&net);
}

static void test_ping_req_pings_only_the_member_address(void **state)
{
	struct wire_record rx;
	uint8_t buf[WIRE_MAX_PLAINTEXT];
	struct identity x, z;
	struct wire_msg m;
	struct tnet net;
	uint64_t refused;
	size_t len;
	uint32_t q0, seq;

	(void)state;
	setup(&net, &x, &rx);
	tn_run(&net, 5000);   /* node 0 proves nodes 1 and 2 */
	assert_true(gossip_stats(net.node[0].g)->proofs >= 2);
	reset_out(&net);

	/* Node 1 asks for node 2, naming the victim's address: node 2's own is pinged. */
	msg_init(&m, WIRE_PING_REQ, tn_id(&net, 1));
	m.seq = 99;
	memcpy(m.target, tn_id(&net, 2), WIRE_SHORT_ID_LEN);
	tn_addr(VICTIM, &m.target_addr);
	q0 = net.nq;
	assert_int_equal(tn_input(&net, 0, OUT, &m), 0);
	assert_int_equal(count_q(&net, q0, 0, 2, WIRE_PING), 1);
	assert_int_equal(net.out_msgs[VICTIM], 0);

	/* A target nobody knows: a NACK at once, no PING. */
	refused = gossip_stats(net.node[0].g)->relays_refused;
	tn_identity(&z, 331);
	memcpy(m.target, z.id, WIRE_SHORT_ID_LEN);
	m.seq = 100;
	q0 = net.nq;
	len = tn_encode(&m, buf);
	assert_int_equal(tn_input(&net, 0, OUT, &m), 0);
	assert_int_equal(count_q(&net, q0, 0, 1, WIRE_NACK), 1);
	assert_int_equal(gossip_stats(net.node[0].g)->relays_refused, refused + 1);
	/* A member whose address never answered us: one small PING, no retry. */
	memcpy(m.target, x.id, WIRE_SHORT_ID_LEN);
	m.seq = 101;
	assert_int_equal(tn_input(&net, 0, OUT, &m), 0);
	assert_int_equal(net.out_msgs[VICTIM], 1);
	assert_true(net.out_bytes[VICTIM] <= len);
	assert_non_null(ping_to(&net, VICTIM, &m));
	seq = m.seq;
	tn_run(&net, 1000);
	for (uint32_t i = 1; i < net.n_out; i++) {
		assert_int_equal(msg_decode(&m, net.out[i].buf, net.out[i].len), 0);
		assert_true(m.type != WIRE_PING || m.seq != seq);
	}

	/* Nor from an asker we do not know. */
	msg_init(&m, WIRE_PING_REQ, z.id);
	m.seq = 102;
	memcpy(m.target, tn_id(&net, 2), WIRE_SHORT_ID_LEN);
	tn_addr(2, &m.target_addr);
	q0 = net.nq;
	assert_int_equal(tn_input(&net, 0, OUT, &m), 0);
	assert_int_equal(count_q(&net, q0, 0, 2, WIRE_PING), 0);
	assert_int_equal(net.out_msgs[OUT], 0);
	tn_free(&net);
}

static uint32_t queued_join_seq(const struct tnet *net)
{
	struct wire_msg *m = malloc(sizeof(*m));
	uint32_t seq = 0;

	assert_non_null(m);
	for (uint32_t i = 0; i < net->nq; i++)
		if (tn_type(net->q[i].buf, net->q[i].len) == WIRE_JOIN) {
			assert_int_equal(msg_decode(m, net->q[i].buf, net->q[i].len), 0);
			seq = m->seq;
		}
	free(m);
	return seq;
}

static void test_join_ack_must_answer_our_join(void **state)
{
	struct gossip_config c = cfg();
	struct wire_record ry;
	struct wire_addr seed, expect;
	struct identity y;
	struct wire_msg *m = malloc(sizeof(*m));
	struct tnet net;
	uint32_t nonce;

	(void)state;
	assert_non_null(m);
	tn_init(&net, 2, 32, &c);
	tn_addr(0, &seed);
	assert_int_equal(gossip_join(net.node[1].g, &seed, 1, 0), 0);
	nonce = queued_join_seq(&net);
	tn_identity(&y, 340);
	tn_record(&ry, &y, OUT, 1);

	/* A stranger's JOIN_ACK with its own record but not our nonce. */
	msg_init(m, WIRE_JOIN_ACK, y.id);
	m->seq = nonce + 1;
	tn_addr(VICTIM, &m->observed);
	m->n_records = 1;
	m->record[0] = ry;
	assert_int_equal(tn_input(&net, 1, OUT, m), -ESTALE);
	/* Our nonce, but led by someone else's record (the seed's, replayed). */
	m->seq = nonce;
	m->record[0] = *gossip_self(net.node[0].g)->rec;
	assert_int_equal(tn_input(&net, 1, OUT, m), -EPROTO);
	assert_int_equal(net.node[1].n_observed, 0);
	assert_false(gossip_joined(net.node[1].g));
	assert_null(gossip_find(net.node[1].g, y.id));

	/* The seed's real answer is taken, with the address the seed saw. */
	tn_run(&net, 100);
	assert_true(gossip_joined(net.node[1].g));
	assert_int_equal(net.node[1].n_observed, 1);
	tn_addr(1, &expect);
	assert_true(wire_addr_equal(&net.node[1].observed, &expect));

	/* Once joined, even a well-formed one with our nonce is refused. */
	m->record[0] = ry;
	assert_int_equal(tn_input(&net, 1, OUT, m), -EPROTO);
	assert_int_equal(net.node[1].n_observed, 1);
	free(m);
	tn_free(&net);
}

static void join_msg(struct wire_msg *m, const struct identity *j, uint64_t version, uint32_t seq)
{
	struct wire_record r;

	tn_record(&r, j, OUT, version);
	msg_init(m, WIRE_JOIN, j->id);
	m->seq = seq;
	m->n_records = 1;
	m->record[0] = r;
	assert_true(msg_pad_to(m, WIRE_MAX_PLAINTEXT) > 0);
}

static void test_replayed_join_gets_nothing(void **state)
{
	struct gossip_config c = cfg();
	struct identity j;
	struct wire_msg *m = malloc(sizeof(*m));
	struct tnet net;

	(void)state;
	assert_non_null(m);
	tn_init(&net, 1, 33, &c);
	tn_identity(&j, 350);
	join_msg(m, &j, 5, 1234);
	reset_out(&net);
	assert_int_equal(tn_input(&net, 0, OUT, m), 0);
	assert_int_equal(count_out(&net, OUT, WIRE_JOIN_ACK), 1);
	/* A retry a few seconds later (its JOIN_ACK was lost) is answered. */
	tn_run(&net, 3000);
	reset_out(&net);
	assert_int_equal(tn_input(&net, 0, OUT, m), 0);
	assert_int_equal(count_out(&net, OUT, WIRE_JOIN_ACK), 1);

	/* The same JOIN captured and replayed later: nothing. */
	tn_run(&net, JOIN_REPLAY_MS);
	reset_out(&net);
	assert_int_equal(tn_input(&net, 0, OUT, m), -ESTALE);
	assert_int_equal(count_out(&net, OUT, WIRE_JOIN_ACK), 0);
	/* An older version: nothing. */
	join_msg(m, &j, 4, 1235);
	assert_int_equal(tn_input(&net, 0, OUT, m), -ESTALE);
	assert_int_equal(count_out(&net, OUT, WIRE_JOIN_ACK), 0);
	/* A new version (a restart) is a new join. */
	join_msg(m, &j, 6, 1236);
	assert_int_equal(tn_input(&net, 0, OUT, m), 0);
	assert_int_equal(count_out(&net, OUT, WIRE_JOIN_ACK), 1);
	free(m);
	tn_free(&net);
}

static bool drop_join_acks(struct tnet *net, uint32_t from, uint32_t to, const uint8_t *buf, size_t len)
{
	(void)net;
	(void)from;
	(void)to;
	return tn_type(buf, len) == WIRE_JOIN_ACK;
}

/* A joiner whose answers are lost re-signs before its retries look like replays. */
static void test_joiner_resigns_while_waiting(void **state)
{
	struct gossip_config c = cfg();
	struct wire_addr seed;
	struct tnet net;
	uint64_t v;

	(void)state;
	tn_init(&net, 2, 34, &c);
	v = gossip_self(net.node[1].g)->rec->version;
	tn_addr(0, &seed);
	assert_int_equal(gossip_join(net.node[1].g, &seed, 1, 0), 0);
	net.drop = drop_join_acks;
	tn_run(&net, JOIN_REPLAY_MS + 15000);
	assert_false(gossip_joined(net.node[1].g));
	assert_true(gossip_self(net.node[1].g)->rec->version > v);
	net.drop = NULL;
	tn_run(&net, 30000);
	assert_true(gossip_joined(net.node[1].g));
	assert_non_null(gossip_find(net.node[0].g, tn_id(&net, 1)));
	tn_free(&net);
}

/* The reserve set aside for a hello probe covers the largest one. */
static void test_hello_ping_fits_its_reserve(void **state)
{
	struct identity a;
	struct wire_msg m;

	(void)state;
	tn_identity(&a, 360);
	msg_init(&m, WIRE_PING, a.id);
	m.seq = UINT32_MAX;
	memcpy(m.target, a.id, WIRE_SHORT_ID_LEN);
	m.n_rumors = 1;
	memcpy(m.rumor[0].subject, a.id, WIRE_ID_LEN);
	m.rumor[0].version = UINT64_MAX;
	m.rumor[0].state = WIRE_LIVE_FAILED;
	memcpy(m.rumor[0].origin, a.id, WIRE_SHORT_ID_LEN);
	assert_true(msg_encoded_size(&m) <= HELLO_PING_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sync_answers_to_unproven_within_request),
		cmocka_unit_test(test_proof_then_normal_sync_and_lost_on_move),
		cmocka_unit_test(test_unproven_member_gets_only_small_pings),
		cmocka_unit_test(test_ack_goes_to_member_not_source),
		cmocka_unit_test(test_ping_req_pings_only_the_member_address),
		cmocka_unit_test(test_join_ack_must_answer_our_join),
		cmocka_unit_test(test_replayed_join_gets_nothing),
		cmocka_unit_test(test_joiner_resigns_while_waiting),
		cmocka_unit_test(test_hello_ping_fits_its_reserve),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
