/* SPDX-License-Identifier: MIT */
/*
 * What a key holder can and cannot do with liveness rumours and versions:
 * versions are bounded and never wrap, a rumour never fails anyone by
 * itself, the suspect's own answer beats hearsay, and a failed holder
 * keeps its overlay address. Attackers are outsiders (no engine at their
 * slot) who hold the network key.
 */
#include <errno.h>
#include <string.h>

#include "tnet.h"

enum { OUT = 80 };

static struct gossip_config cfg(void)
{
	struct gossip_config c;

	gossip_config_defaults(&c);
	return c;
}

static void rumor(struct wire_msg *m, const uint8_t *sender, const uint8_t *subject,
		  uint64_t version, uint8_t st, const uint8_t *origin)
{
	msg_init(m, WIRE_RECORDS, sender);
	m->n_rumors = 1;
	memcpy(m->rumor[0].subject, subject, WIRE_ID_LEN);
	m->rumor[0].version = version;
	m->rumor[0].state = st;
	memcpy(m->rumor[0].origin, origin, WIRE_SHORT_ID_LEN);
}

static int send_records(struct tnet *net, uint32_t to, const struct wire_record *recs, int n)
{
	struct wire_msg m;

	msg_init(&m, WIRE_RECORDS, recs[0].id);
	for (int i = 0; i < n; i++)
		m.record[m.n_records++] = recs[i];
	return tn_input(net, to, OUT, &m);
}

static uint64_t version_at(const struct tnet *net, uint32_t observer, uint32_t subject)
{
	return gossip_find(net->node[observer].g, tn_id(net, subject))->rec->version;
}

/*
 * The reported attack: a SUSPECT rumour at 2^64-2 to the victim, then a
 * FAILED one at 2^64-1 to another node. Then the same with the versions
 * the victim really holds. Nobody fails it, and its version moves only by
 * one per refutation.
 */
static void test_version_rumours_cannot_evict(void **state)
{
	struct gossip_config c = cfg();
	struct identity z;
	struct wire_msg m;
	struct tnet net;
	uint64_t v;

	(void)state;
	tn_init(&net, 3, 60, &c);
	tn_connect_all(&net);
	tn_run(&net, 3000);
	tn_identity(&z, 600);
	v = gossip_self(net.node[0].g)->rec->version;

	rumor(&m, z.id, tn_id(&net, 0), UINT64_MAX - 1, WIRE_LIVE_SUSPECT, tn_id(&net, 1));
	assert_int_equal(tn_input(&net, 0, OUT, &m), 0);
	assert_true(gossip_self(net.node[0].g)->rec->version == v);
	rumor(&m, z.id, tn_id(&net, 0), UINT64_MAX, WIRE_LIVE_FAILED, tn_id(&net, 2));
	assert_int_equal(tn_input(&net, 1, OUT, &m), 0);
	assert_int_equal(tn_state(&net, 1, 0), GOSSIP_ALIVE);

	/* At the version it holds: refuted with exactly the next one... */
	rumor(&m, z.id, tn_id(&net, 0), v, WIRE_LIVE_SUSPECT, tn_id(&net, 1));
	assert_int_equal(tn_input(&net, 0, OUT, &m), 0);
	assert_true(gossip_self(net.node[0].g)->rec->version == v + 1);
	tn_run(&net, 2000);
	/* ...and FAILED at that version, told to the others, fails nobody. */
	rumor(&m, z.id, tn_id(&net, 0), v + 1, WIRE_LIVE_FAILED, tn_id(&net, 2));
	assert_int_equal(tn_input(&net, 1, OUT, &m), 0);
	rumor(&m, z.id, tn_id(&net, 0), v + 1, WIRE_LIVE_FAILED, tn_id(&net, 1));
	assert_int_equal(tn_input(&net, 2, OUT, &m), 0);
	tn_run(&net, 30000);
	for (uint32_t i = 0; i < 3; i++) {
		assert_int_equal(tn_count(&net.node[i], GOSSIP_EV_FAILED, tn_id(&net, 0)), 0);
		assert_int_equal(gossip_count(net.node[i].g, GOSSIP_ALIVE), 3);
		assert_true(version_at(&net, i, 0) <= v + 3);
	}
	tn_free(&net);
}

/* One engine, outside members X (the subject, unreachable) and Z, W. */
static void test_failed_rumour_is_only_a_suspicion(void **state)
{
	struct gossip_config c = cfg();
	struct identity x, z, w, stranger;
	struct wire_record r;
	struct wire_msg m;
	struct tnet net;
	uint64_t t0, f;

	(void)state;
	tn_init(&net, 1, 61, &c);
	tn_identity(&x, 610);
	tn_identity(&z, 611);
	tn_identity(&w, 612);
	tn_identity(&stranger, 613);
	tn_record(&r, &x, OUT, 1);
	assert_int_equal(gossip_restore(net.node[0].g, &r, 0), 0);
	tn_record(&r, &z, OUT + 1, 1);
	assert_int_equal(gossip_restore(net.node[0].g, &r, 0), 0);
	tn_record(&r, &w, OUT + 2, 1);
	assert_int_equal(gossip_restore(net.node[0].g, &r, 0), 0);

	/* Origins that do not count: someone we do not know, the subject itself, us. */
	rumor(&m, z.id, x.id, 1, WIRE_LIVE_FAILED, stranger.id);
	assert_int_equal(tn_input(&net, 0, OUT + 1, &m), 0);
	rumor(&m, z.id, x.id, 1, WIRE_LIVE_FAILED, x.id);
	assert_int_equal(tn_input(&net, 0, OUT + 1, &m), 0);
	rumor(&m, z.id, x.id, 1, WIRE_LIVE_FAILED, tn_id(&net, 0));
	assert_int_equal(tn_input(&net, 0, OUT + 1, &m), 0);
	assert_int_equal(gossip_find(net.node[0].g, x.id)->state, GOSSIP_ALIVE);

	/* From a live member: a suspicion, not a failure. */
	t0 = net.now;
	rumor(&m, z.id, x.id, 1, WIRE_LIVE_FAILED, z.id);
	assert_int_equal(tn_input(&net, 0, OUT + 1, &m), 0);
	assert_int_equal(gossip_find(net.node[0].g, x.id)->state, GOSSIP_SUSPECT);
	assert_int_equal(tn_count(&net.node[0], GOSSIP_EV_FAILED, x.id), 0);
	/* A second FAILED voice only confirms. */
	rumor(&m, w.id, x.id, 1, WIRE_LIVE_FAILED, w.id);
	assert_int_equal(tn_input(&net, 0, OUT + 2, &m), 0);
	assert_int_equal(gossip_find(net.node[0].g, x.id)->state, GOSSIP_SUSPECT);

	/* X really is gone: failed here when our own timer ends (min 1 s at N < 10). */
	tn_run(&net, 10000);
	f = tn_first(&net.node[0], GOSSIP_EV_FAILED, x.id);
	assert_true(f >= t0 + 1000);
	assert_int_equal(gossip_find(net.node[0].g, x.id)->state, GOSSIP_FAILED);
	tn_free(&net);
}

/* Drops everything to node `ctx` and remembers the last PING's seq. */
struct capture {
	uint32_t to;
	uint32_t seq;
	uint32_t pings;
};

static bool capture_pings(struct tnet *net, uint32_t from, uint32_t to, const uint8_t *buf, size_t len)
{
	struct capture *c = net->ctx;
	struct wire_msg m;

	(void)from;
	if (to != c->to)
		return false;
	if (tn_type(buf, len) == WIRE_PING && msg_decode(&m, buf, len) == 0) {
		c->seq = m.seq;
		c->pings++;
	}
	return true;
}

static void ack_from(struct wire_msg *m, const uint8_t *sender, const uint8_t *target, uint32_t seq)
{
	msg_init(m, WIRE_ACK, sender);
	m->seq = seq;
	memcpy(m->target, target, WIRE_SHORT_ID_LEN);
}

/*
 * A rumour makes node 0 suspect node 2 and PING it at once; node 2's own
 * ACK ends node 0's suspicion, and rumours about that version are then
 * ignored here until node 2's record changes. (Node 2 never sees the
 * PING here, so it is the ACK, not a refutation, that clears it.)
 */
static void test_suspect_answer_beats_rumours(void **state)
{
	struct gossip_config c = cfg();
	struct capture cap = { .to = 2 };
	struct identity z;
	struct wire_record r2;
	struct wire_msg m;
	struct tnet net;
	uint64_t v;

	(void)state;
	tn_init(&net, 3, 62, &c);
	tn_connect_all(&net);
	tn_run(&net, 3000);  /* addresses proven: confirm probes go only to proven ones */
	net.ctx = &cap;
	net.drop = capture_pings;
	tn_identity(&z, 620);
	v = version_at(&net, 0, 2);

	rumor(&m, z.id, tn_id(&net, 2), v, WIRE_LIVE_SUSPECT, tn_id(&net, 1));
	assert_int_equal(tn_input(&net, 0, OUT, &m), 0);
	assert_int_equal(tn_state(&net, 0, 2), GOSSIP_SUSPECT);
	assert_int_equal(cap.pings, 1);

	/* Not an answer: a wrong seq, or a relay speaking for it. */
	ack_from(&m, tn_id(&net, 2), tn_id(&net, 2), cap.seq ^ 0x100);
	assert_int_equal(tn_input(&net, 0, 2, &m), -ESTALE);
	ack_from(&m, tn_id(&net, 1), tn_id(&net, 2), cap.seq);
	assert_int_equal(tn_input(&net, 0, 1, &m), 0);
	assert_int_equal(tn_state(&net, 0, 2), GOSSIP_SUSPECT);

	/* Its own answer. */
	ack_from(&m, tn_id(&net, 2), tn_id(&net, 2), cap.seq);
	assert_int_equal(tn_input(&net, 0, 2, &m), 0);
	assert_int_equal(tn_state(&net, 0, 2), GOSSIP_ALIVE);
	assert_true(version_at(&net, 0, 2) == v);
	assert_int_equal(gossip_stats(net.node[0].g)->susp_cleared, 1);

	/* Same version, any voice: ignored now, and no second PING. */
	rumor(&m, z.id, tn_id(&net, 2), v, WIRE_LIVE_SUSPECT, tn_id(&net, 1));
	assert_int_equal(tn_input(&net, 0, OUT, &m), 0);
	rumor(&m, z.id, tn_id(&net, 2), v, WIRE_LIVE_FAILED, tn_id(&net, 1));
	assert_int_equal(tn_input(&net, 0, OUT, &m), 0);
	assert_int_equal(tn_state(&net, 0, 2), GOSSIP_ALIVE);
	assert_int_equal(cap.pings, 1);

	/* A new record of it: rumours about that one count again. */
	tn_record(&r2, &net.node[2].idn, 2, v + 1);
	assert_int_equal(send_records(&net, 0, &r2, 1), 0);
	rumor(&m, z.id, tn_id(&net, 2), v + 1, WIRE_LIVE_SUSPECT, tn_id(&net, 1));
	assert_int_equal(tn_input(&net, 0, OUT, &m), 0);
	assert_int_equal(tn_state(&net, 0, 2), GOSSIP_SUSPECT);
	tn_free(&net);
}

/* Without the drop rule: node 2 hears the PING, refutes, and stays alive everywhere. */
static void test_confirm_probe_carries_the_rumour(void **state)
{
	struct gossip_config c = cfg();
	struct identity z;
	struct wire_msg m;
	struct tnet net;
	uint64_t v;

	(void)state;
	tn_init(&net, 3, 63, &c);
	tn_connect_all(&net);
	tn_run(&net, 3000);  /* addresses proven: confirm probes go only to proven ones */
	tn_identity(&z, 630);
	v = version_at(&net, 0, 2);
	rumor(&m, z.id, tn_id(&net, 2), v, WIRE_LIVE_FAILED, tn_id(&net, 1));
	assert_int_equal(tn_input(&net, 0, OUT, &m), 0);
	tn_run(&net, 20);
	assert_true(gossip_self(net.node[2].g)->rec->version == v + 1);
	tn_run(&net, 10000);
	for (uint32_t i = 0; i < 3; i++) {
		assert_int_equal(gossip_count(net.node[i].g, GOSSIP_ALIVE), 3);
		assert_int_equal(tn_count(&net.node[i], GOSSIP_EV_FAILED, tn_id(&net, 2)), 0);
	}
	tn_free(&net);
}

static void claim(struct wire_record *r, const struct identity *idn, uint32_t slot, uint64_t v,
		  const struct wire_prefix *addr, uint32_t flags)
{
	tn_record(r, idn, slot, v);
	r->n_overlay = 1;
	r->overlay[0] = *addr;
	r->flags |= WIRE_REC_ADDR_PINNED | flags;
	assert_int_equal(record_sign(r, idn), 0);
}

/*
 * V (outside, silent) holds an address; node 1 claims it too. V is failed
 * (a rumour, then our own timer): node 1 still does not get it. V comes
 * back (a refutation): it keeps it. Only V's tombstone expiring hands it
 * over.
 */
static void test_failed_holder_keeps_address(void **state)
{
	struct gossip_config c = cfg();
	struct wire_record rv, t;
	struct identity v;
	struct wire_prefix p;
	struct wire_msg m;
	struct tnet net;
	uint64_t f;

	(void)state;
	c.tombstone_ms = 60 * 1000;
	tn_init(&net, 3, 64, &c);
	assert_int_equal(wire_prefix_parse(&p, "10.42.7.7/16"), 0);
	tn_identity(&v, 640);
	claim(&rv, &v, OUT, 1, &p, 0);
	assert_int_equal(send_records(&net, 0, &rv, 1), 0);
	t = *gossip_self(net.node[1].g)->rec;
	t.n_overlay = 1;
	t.overlay[0] = p;
	t.flags |= WIRE_REC_ADDR_PINNED;
	assert_int_equal(gossip_update_self(net.node[1].g, &t, 0), 0);
	tn_connect_all(&net);
	assert_true(gossip_find(net.node[0].g, tn_id(&net, 1))->conflict);

	rumor(&m, tn_id(&net, 1), v.id, 1, WIRE_LIVE_FAILED, tn_id(&net, 2));
	assert_int_equal(tn_input(&net, 0, 1, &m), 0);
	assert_true(gossip_find(net.node[0].g, tn_id(&net, 1))->conflict);
	tn_run(&net, 10000);
	assert_int_equal(gossip_find(net.node[0].g, v.id)->state, GOSSIP_FAILED);
	assert_true(gossip_find(net.node[0].g, tn_id(&net, 1))->conflict);
	assert_int_equal(tn_count(&net.node[0], GOSSIP_EV_ADDED, tn_id(&net, 1)), 0);

	/* V refutes: alive again, still the holder. */
	claim(&rv, &v, OUT, 2, &p, 0);
	assert_int_equal(send_records(&net, 0, &rv, 1), 0);
	assert_int_equal(gossip_find(net.node[0].g, v.id)->state, GOSSIP_ALIVE);
	assert_false(gossip_find(net.node[0].g, v.id)->conflict);
	assert_true(gossip_find(net.node[0].g, tn_id(&net, 1))->conflict);

	/* Silent for good: failed, then forgotten; only then does the address move. */
	for (int i = 0; i < 120 && gossip_find(net.node[0].g, v.id)->state != GOSSIP_FAILED; i++)
		tn_run(&net, 1000);
	assert_int_equal(gossip_find(net.node[0].g, v.id)->state, GOSSIP_FAILED);
	f = net.now;
	tn_run(&net, 58000);
	assert_true(gossip_find(net.node[0].g, tn_id(&net, 1))->conflict);
	tn_run(&net, f + 62000 - net.now);
	assert_true(gossip_find(net.node[0].g, v.id) == NULL ||
		    gossip_find(net.node[0].g, v.id)->conflict);
	assert_false(gossip_find(net.node[0].g, tn_id(&net, 1))->conflict);
	assert_int_equal(tn_count(&net.node[0], GOSSIP_EV_ADDED, tn_id(&net, 1)), 1);
	tn_free(&net);
}

/* A failed holder's signed leave releases at once. */
static void test_failed_holder_leaving_releases(void **state)
{
	struct gossip_config c = cfg();
	struct identity v, thief, z;
	struct wire_record rv, rm, rz;
	struct wire_prefix p;
	struct wire_msg m;
	struct tnet net;

	(void)state;
	tn_init(&net, 1, 65, &c);
	assert_int_equal(wire_prefix_parse(&p, "10.42.8.8/16"), 0);
	tn_identity(&v, 650);
	tn_identity(&thief, 651);
	tn_identity(&z, 652);
	claim(&rv, &v, OUT, 1, &p, 0);
	claim(&rm, &thief, OUT + 1, 1, &p, 0);
	tn_record(&rz, &z, OUT + 2, 1);
	assert_int_equal(send_records(&net, 0, &rz, 1), 0);
	assert_int_equal(send_records(&net, 0, &rv, 1), 0);
	assert_int_equal(send_records(&net, 0, &rm, 1), 0);
	rumor(&m, z.id, v.id, 1, WIRE_LIVE_SUSPECT, z.id);
	assert_int_equal(tn_input(&net, 0, OUT + 2, &m), 0);
	/* Nobody answers at OUT+n: the thief stays alive only by re-signing. */
	for (uint64_t k = 2; k < 12; k++) {
		tn_run(&net, 1000);
		claim(&rm, &thief, OUT + 1, k, &p, 0);
		assert_int_equal(send_records(&net, 0, &rm, 1), 0);
	}
	assert_int_equal(gossip_find(net.node[0].g, v.id)->state, GOSSIP_FAILED);
	assert_true(gossip_find(net.node[0].g, thief.id)->conflict);
	claim(&rv, &v, OUT, 2, &p, WIRE_REC_LEAVING);
	assert_int_equal(send_records(&net, 0, &rv, 1), 0);
	assert_int_equal(gossip_find(net.node[0].g, v.id)->state, GOSSIP_LEFT);
	assert_false(gossip_find(net.node[0].g, thief.id)->conflict);
	assert_int_equal(tn_count(&net.node[0], GOSSIP_EV_ADDED, thief.id), 1);
	tn_free(&net);
}

/* An outside identity whose id sorts below `than`. */
static void lower_identity(struct identity *out, const uint8_t *than, uint32_t from)
{
	for (uint32_t k = from;; k++) {
		tn_identity(out, k);
		if (memcmp(out->id, than, WIRE_ID_LEN) < 0)
			return;
	}
}

/*
 * Node 0 restarted 1 s ago with its derived address; a lower id claims it.
 * `how`: 0 nothing known (young: it moves), 1 the state file said we held
 * it, 2 the mesh handed back a record of ours with it, 3 the same but
 * with a bad signature. Returns whether node 0 moved.
 */
static bool restart_case(int how)
{
	struct gossip_config c = cfg();
	struct wire_record r, own;
	struct wire_prefix mine;
	struct identity o;
	struct tnet net;
	bool moved;

	assert_int_equal(wire_prefix_parse(&c.overlay_prefix, "10.42.0.0/16"), 0);
	c.self_claim_established = how == 1;
	tn_init(&net, 1, 66, &c);
	mine = gossip_self(net.node[0].g)->rec->overlay[0];
	own = *gossip_self(net.node[0].g)->rec;
	own.version -= 1;
	if (how >= 2) {
		struct wire_record both[2];
		struct identity z;

		/* Older than ours, so it rides along with something new (as in sync). */
		assert_int_equal(record_sign(&own, &net.node[0].idn), 0);
		if (how == 3)
			own.sig[0] ^= 1;
		tn_identity(&z, 669);
		tn_record(&both[0], &z, OUT + 1, 1);
		both[1] = own;
		assert_int_equal(send_records(&net, 0, both, 2), 0);
	}
	lower_identity(&o, tn_id(&net, 0), 660);
	claim(&r, &o, OUT, 1, &mine, 0);
	net.now = 1000;
	assert_int_equal(send_records(&net, 0, &r, 1), 0);
	moved = !wire_prefix_same_ip(&mine, &gossip_self(net.node[0].g)->rec->overlay[0]);
	assert_true(gossip_find(net.node[0].g, o.id)->conflict == !moved);
	tn_free(&net);
	return moved;
}

static void test_established_claim_survives_restart(void **state)
{
	(void)state;
	assert_true(restart_case(0));
	assert_false(restart_case(1));
	assert_false(restart_case(2));
	assert_true(restart_case(3));
}

/* Versions stop at WIRE_VERSION_MAX: refused above it, never wrapped. */
static void test_versions_saturate(void **state)
{
	struct gossip_config c = cfg();
	struct wire_record self, top;
	struct identity x, z;
	struct wire_msg m;
	struct tnet net;

	(void)state;
	tn_init(&net, 1, 67, &c);
	tn_identity(&x, 670);
	tn_identity(&z, 671);

	/* Nobody accepts a record above the bound, however it is signed. */
	tn_record(&top, &x, OUT, WIRE_VERSION_MAX);
	top.version = WIRE_VERSION_MAX + 1;
	assert_int_equal(gossip_restore(net.node[0].g, &top, 0), -WIRE_EVALUE);
	assert_null(gossip_find(net.node[0].g, x.id));

	/* An engine at the bound cannot be pushed past it, by a rumour or by itself. */
	self = *gossip_self(net.node[0].g)->rec;
	self.version = WIRE_VERSION_MAX;
	assert_int_equal(gossip_update_self(net.node[0].g, &self, 0), 0);
	assert_true(gossip_self(net.node[0].g)->rec->version == WIRE_VERSION_MAX);
	tn_record(&top, &z, OUT, 1);
	assert_int_equal(gossip_restore(net.node[0].g, &top, 0), 0);
	rumor(&m, z.id, tn_id(&net, 0), WIRE_VERSION_MAX, WIRE_LIVE_SUSPECT, z.id);
	assert_int_equal(tn_input(&net, 0, OUT, &m), 0);
	assert_true(gossip_self(net.node[0].g)->rec->version == WIRE_VERSION_MAX);
	assert_int_equal(gossip_stats(net.node[0].g)->sign_saturated, 1);
	assert_int_equal(gossip_stats(net.node[0].g)->refutations, 0);
	self.version = 0;
	assert_int_equal(gossip_update_self(net.node[0].g, &self, 0), -ERANGE);
	assert_true(gossip_self(net.node[0].g)->rec->version == WIRE_VERSION_MAX);
	assert_int_equal(gossip_stats(net.node[0].g)->sign_saturated, 2);
	tn_free(&net);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_rumours_cannot_evict),
		cmocka_unit_test(test_failed_rumour_is_only_a_suspicion),
		cmocka_unit_test(test_suspect_answer_beats_rumours),
		cmocka_unit_test(test_confirm_probe_carries_the_rumour),
		cmocka_unit_test(test_failed_holder_keeps_address),
		cmocka_unit_test(test_failed_holder_leaving_releases),
		cmocka_unit_test(test_established_claim_survives_restart),
		cmocka_unit_test(test_versions_saturate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
