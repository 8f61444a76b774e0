/* SPDX-License-Identifier: MIT */
/*
 * Authority mode, trust objects (T7, T8, T9): revocations and their
 * effects, dissemination and anti-entropy between engines, grants, the
 * state-file round trip.
 */
#include <errno.h>

#include "trust_fixture.h"

enum { OUT = 50 };

static struct auth A, B;
static struct invite SELF_INV;

static void admit_self(struct tnet *net, uint32_t idx, struct wire_record *r)
{
	(void)net;
	(void)idx;
	r->has_admission = true;
	assert_int_equal(trust_admission_make(&r->adm, &SELF_INV.cert, SELF_INV.seed, r->id, T0 - 100), 0);
}

static void setup_net(struct tnet *net, uint32_t n, uint32_t seed)
{
	struct gossip_config c;

	fx_auth(&A, 1);
	fx_auth(&B, 2);
	fx_invite(&SELF_INV, &A, 0, T0 + 86400, 1000, 0);
	fx_config(&c, &A);
	tn_init_tmpl(net, n, seed, &c, admit_self, NULL);
}

static int offer(struct tnet *net, uint32_t to, const struct identity *x, const struct wire_record *r)
{
	struct wire_msg m;

	msg_init(&m, WIRE_RECORDS, x->id);
	m.record[m.n_records++] = *r;
	return tn_input(net, to, OUT, &m);
}

static const struct gossip_trust_stats *ts(const struct tnet *net, uint32_t i)
{
	return gossip_trust_stats(net->node[i].g);
}

static int submit_rev(struct tnet *net, uint32_t at, const struct trust_revocation *rev)
{
	struct gossip_trust_obj o = fx_obj_rev(rev);

	return gossip_trust_submit(net->node[at].g, &o, net->now);
}

/* A converged mesh of n in authority mode whose addresses are proven. */
static void mesh(struct tnet *net, uint32_t n, uint32_t seed)
{
	setup_net(net, n, seed);
	tn_connect_all(net);
	tn_run(net, 5000);
	for (uint32_t i = 0; i < n; i++)
		assert_int_equal(gossip_count(net->node[i].g, GOSSIP_ALIVE), n);
}

static void test_revoke_live_member(void **state)
{
	struct tnet net;
	struct trust_revocation rev;
	const uint8_t *victim;
	struct wire_record r;

	(void)state;
	mesh(&net, 5, 1);
	victim = tn_id(&net, 4);
	fx_revoke(&rev, &A, TRUST_REVOKE_MEMBER, victim, NULL);
	assert_int_equal(submit_rev(&net, 0, &rev), 0);
	/* At once where it was submitted. */
	assert_null(gossip_find(net.node[0].g, victim));
	assert_int_equal(tn_count(&net.node[0], GOSSIP_EV_REVOKED, victim), 1);
	assert_true(net.node[0].n_stored >= 1);
	assert_int_equal(submit_rev(&net, 0, &rev), -EALREADY);
	tn_run(&net, 2000);
	for (uint32_t i = 0; i < 4; i++) {
		assert_null(gossip_find(net.node[i].g, victim));
		assert_non_null(gossip_revoked(net.node[i].g, victim));
		assert_int_equal(tn_count(&net.node[i], GOSSIP_EV_REVOKED, victim), 1);
		assert_int_equal(ts(&net, i)->digest_xor, ts(&net, 0)->digest_xor);
		assert_int_equal(ts(&net, i)->revocations, 1);
	}
	/* Never undone: its newer record, relayed by anyone, is refused... */
	fx_record(&r, &net.node[4].idn, 4, 5000, &SELF_INV, T0 - 100);
	offer(&net, 1, &net.node[3].idn, &r);
	assert_null(gossip_find(net.node[1].g, victim));
	assert_true(ts(&net, 1)->refused[GOSSIP_TRUST_REVOKED_MEMBER] >= 1);
	assert_int_equal(gossip_restore(net.node[1].g, &r, net.now), -EPERM);
	/* ...and so is every datagram it sends itself, before anything is read. */
	tn_run(&net, 5000);
	{
		uint64_t refused = 0;

		for (uint32_t i = 0; i < 4; i++)
			refused += gossip_stats(net.node[i].g)->refused_by_reason[GOSSIP_REFUSE_REVOKED];
		assert_true(refused > 0);
	}
	for (uint32_t i = 0; i < 4; i++)
		assert_null(gossip_find(net.node[i].g, victim));
	tn_free(&net);
}

static void test_bad_revocations_change_nothing(void **state)
{
	struct tnet net;
	struct trust_revocation rev;

	(void)state;
	mesh(&net, 3, 2);
	/* Tampered after signing. */
	fx_revoke(&rev, &A, TRUST_REVOKE_MEMBER, tn_id(&net, 2), NULL);
	memcpy(rev.target, tn_id(&net, 1), WIRE_ID_LEN);
	assert_int_equal(submit_rev(&net, 0, &rev), -TRUST_ESIG);
	/* Signed by an authority this mesh does not have. */
	fx_revoke(&rev, &B, TRUST_REVOKE_MEMBER, tn_id(&net, 2), NULL);
	assert_int_equal(submit_rev(&net, 0, &rev), -TRUST_EUNKNOWN_AUTH);
	/* The same through the network. */
	{
		struct wire_msg m;

		msg_init(&m, WIRE_TRUST, net.node[1].idn.id);
		m.revocation[m.n_revocations++] = rev;
		assert_int_equal(tn_input(&net, 0, 1, &m), 0);
	}
	assert_non_null(gossip_find(net.node[0].g, tn_id(&net, 2)));
	assert_non_null(gossip_find(net.node[0].g, tn_id(&net, 1)));
	assert_int_equal(ts(&net, 0)->revocations, 0);
	assert_int_equal(ts(&net, 0)->refused[GOSSIP_TRUST_BAD_SIGNATURE], 1);
	assert_int_equal(ts(&net, 0)->refused[GOSSIP_TRUST_UNKNOWN_AUTHORITY], 2);
	/* From a sender we do not know: refused unread. */
	{
		struct identity x;
		struct wire_msg m;

		tn_identity(&x, 120);
		fx_revoke(&rev, &A, TRUST_REVOKE_MEMBER, tn_id(&net, 2), NULL);
		msg_init(&m, WIRE_TRUST, x.id);
		m.revocation[m.n_revocations++] = rev;
		assert_int_equal(tn_input(&net, 0, OUT, &m), -ENOENT);
		assert_non_null(gossip_find(net.node[0].g, tn_id(&net, 2)));
	}
	tn_free(&net);
}

/*
 * A member's WIRE_TRUST of bad objects costs at most 8 signature checks:
 * four spends through four new invites with wrong binds (2 checks each)
 * and a tampered revocation (1 more) get 8.
 */
static void test_objects_check_budget(void **state)
{
	struct tnet net;
	struct wire_msg m;
	struct trust_revocation *rev;
	uint8_t id[WIRE_ID_LEN];
	uint64_t before;

	(void)state;
	mesh(&net, 2, 15);
	msg_init(&m, WIRE_TRUST, net.node[1].idn.id);
	for (int i = 0; i < 4; i++) {
		struct trust_spend *sp = &m.spend[m.n_spends++];
		struct invite inv;

		fx_invite(&inv, &A, (uint8_t)(20 + i), T0 + 3600, 1, 0);
		memset(sp->member, 0x70 + i, WIRE_ID_LEN);
		assert_int_equal(trust_admission_make(&sp->adm, &inv.cert, inv.seed, sp->member, T0), 0);
		sp->member[0] ^= 1;   /* the bind names another member */
	}
	rev = &m.revocation[m.n_revocations++];
	memset(id, 0x60, sizeof(id));
	fx_revoke(rev, &A, TRUST_REVOKE_MEMBER, id, NULL);
	rev->revoked_at++;   /* tampered */
	before = ts(&net, 0)->checks;
	assert_int_equal(tn_input(&net, 0, 1, &m), 0);
	assert_int_equal(ts(&net, 0)->checks, before + 8);
	assert_int_equal(ts(&net, 0)->revocations, 0);
	assert_int_equal(ts(&net, 0)->refused[GOSSIP_TRUST_BAD_SIGNATURE], 1);
	tn_free(&net);
}

static void overlay(struct wire_record *r, uint8_t last)
{
	r->n_overlay = 1;
	r->overlay[0].family = WIRE_AF_INET;
	r->overlay[0].ip[0] = 10;
	r->overlay[0].ip[3] = last;
	r->overlay[0].len = 24;
	r->flags |= WIRE_REC_ADDR_PINNED;
}

/* A revoked member's addresses are never handed to anyone else. */
static void test_revoked_address_held(void **state)
{
	struct tnet net;
	struct identity x, y, z;
	struct invite inv;
	struct wire_record rx, ry, rz;
	struct trust_revocation rev;

	(void)state;
	setup_net(&net, 1, 3);
	fx_invite(&inv, &A, 1, T0 + 3600, 10, 0);
	tn_identity(&x, 121);
	tn_identity(&y, 122);
	tn_identity(&z, 123);
	fx_record(&rx, &x, OUT, 10, NULL, 0);
	overlay(&rx, 5);
	rx.has_admission = true;
	assert_int_equal(trust_admission_make(&rx.adm, &inv.cert, inv.seed, x.id, T0), 0);
	assert_int_equal(record_sign(&rx, &x), 0);
	ry = rx;
	memcpy(ry.id, y.id, WIRE_ID_LEN);
	assert_int_equal(trust_admission_make(&ry.adm, &inv.cert, inv.seed, y.id, T0), 0);
	assert_int_equal(record_sign(&ry, &y), 0);
	rz = ry;
	memcpy(rz.id, z.id, WIRE_ID_LEN);
	assert_int_equal(trust_admission_make(&rz.adm, &inv.cert, inv.seed, z.id, T0), 0);
	assert_int_equal(record_sign(&rz, &z), 0);
	assert_int_equal(offer(&net, 0, &x, &rx), 0);
	assert_int_equal(offer(&net, 0, &y, &ry), 0);    /* waits for the address: conflict */
	assert_true(gossip_find(net.node[0].g, y.id)->conflict);
	fx_revoke(&rev, &A, TRUST_REVOKE_MEMBER, x.id, &rx);
	assert_int_equal(submit_rev(&net, 0, &rev), 0);
	assert_null(gossip_find(net.node[0].g, x.id));
	/* The waiting claimant does not get it: it is gone too, never reported. */
	assert_null(gossip_find(net.node[0].g, y.id));
	assert_int_equal(tn_count(&net.node[0], GOSSIP_EV_ADDED, y.id), 0);
	assert_int_equal(tn_count(&net.node[0], GOSSIP_EV_REVOKED, x.id), 1);
	/* A newcomer claiming it is refused. */
	offer(&net, 0, &z, &rz);
	assert_null(gossip_find(net.node[0].g, z.id));
	assert_int_equal(ts(&net, 0)->refused[GOSSIP_TRUST_REVOKED_ADDRESS], 2);
	/* Another address is fine. */
	overlay(&rz, 6);
	assert_int_equal(record_sign(&rz, &z), 0);
	assert_int_equal(offer(&net, 0, &z, &rz), 0);
	assert_non_null(gossip_find(net.node[0].g, z.id));
	tn_free(&net);
}

/* Our own derived address listed in a revocation: we move off it, we are not refused. */
static void test_own_address_held_moves(void **state)
{
	struct tnet net;
	struct gossip_config c;
	struct trust_revocation rev;
	struct wire_record held;
	uint8_t other[WIRE_ID_LEN];
	const struct wire_record *self;

	(void)state;
	fx_auth(&A, 1);
	fx_invite(&SELF_INV, &A, 0, T0 + 86400, 1000, 0);
	fx_config(&c, &A);
	assert_int_equal(wire_prefix_parse(&c.overlay_prefix, "10.9.0.0/24"), 0);
	tn_init_tmpl(&net, 1, 11, &c, admit_self, NULL);
	self = gossip_self(net.node[0].g)->rec;
	assert_int_equal(self->n_overlay, 1);
	held = *self;
	memset(other, 0x42, sizeof(other));
	fx_revoke(&rev, &A, TRUST_REVOKE_MEMBER, other, &held);
	assert_int_equal(submit_rev(&net, 0, &rev), 0);
	self = gossip_self(net.node[0].g)->rec;
	assert_int_equal(self->n_overlay, 1);
	assert_false(wire_prefix_same_ip(&self->overlay[0], &held.overlay[0]));
	assert_true(self->version > held.version);
	assert_int_equal(tn_count(&net.node[0], GOSSIP_EV_REVOKED, tn_id(&net, 0)), 0);
	assert_int_equal(gossip_admission_check(net.node[0].g, self, net.now), 0);
	tn_free(&net);
}

/* Revoking an invite takes out everyone it admitted and admits nobody more. */
static void test_revoke_invite(void **state)
{
	struct tnet net;
	struct identity x, y, w;
	struct invite bad, good;
	struct wire_record rx, ry, rw;
	struct trust_revocation rev;

	(void)state;
	setup_net(&net, 1, 4);
	fx_invite(&bad, &A, 1, T0 + 3600, 10, 0);
	fx_invite(&good, &A, 2, T0 + 3600, 10, 0);
	tn_identity(&x, 124);
	tn_identity(&y, 125);
	tn_identity(&w, 126);
	fx_record(&rx, &x, OUT, 10, &bad, T0);
	fx_record(&ry, &y, OUT + 1, 10, &bad, T0);
	fx_record(&rw, &w, OUT + 2, 10, &good, T0);
	assert_int_equal(offer(&net, 0, &x, &rx), 0);
	assert_int_equal(offer(&net, 0, &w, &rw), 0);
	fx_revoke(&rev, &A, TRUST_REVOKE_INVITE, bad.cert.invite_pub, NULL);
	assert_int_equal(submit_rev(&net, 0, &rev), 0);
	assert_null(gossip_find(net.node[0].g, x.id));
	assert_int_equal(tn_count(&net.node[0], GOSSIP_EV_REVOKED, x.id), 1);
	assert_non_null(gossip_find(net.node[0].g, w.id));
	offer(&net, 0, &y, &ry);
	assert_null(gossip_find(net.node[0].g, y.id));
	assert_int_equal(ts(&net, 0)->refused[GOSSIP_TRUST_REVOKED_INVITE], 2);
	/* Its spends went with it: self's and w's remain. */
	assert_int_equal(ts(&net, 0)->spends, 2);
	tn_free(&net);
}

static bool drop_node2(struct tnet *net, uint32_t from, uint32_t to, const uint8_t *buf, size_t len)
{
	(void)buf;
	(void)len;
	return *(bool *)net->ctx && (from == 2 || to == 2);
}

/* A node away while a revocation spreads learns it from anti-entropy when it is back. */
static void test_anti_entropy_brings_revocation(void **state)
{
	struct tnet net;
	struct trust_revocation rev;
	bool away = true;
	uint64_t pages = 0;

	(void)state;
	mesh(&net, 5, 5);
	net.ctx = &away;
	net.drop = drop_node2;
	fx_revoke(&rev, &A, TRUST_REVOKE_MEMBER, tn_id(&net, 4), NULL);
	assert_int_equal(submit_rev(&net, 0, &rev), 0);
	tn_run(&net, 3000);   /* gossip is done with it by now */
	assert_null(gossip_revoked(net.node[2].g, tn_id(&net, 4)));
	assert_null(gossip_find(net.node[1].g, tn_id(&net, 4)));
	away = false;
	tn_run(&net, 30000);
	assert_non_null(gossip_revoked(net.node[2].g, tn_id(&net, 4)));
	assert_null(gossip_find(net.node[2].g, tn_id(&net, 4)));
	for (uint32_t i = 0; i < 4; i++)
		pages += ts(&net, i)->pages_sent;
	assert_true(pages > 0);
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(ts(&net, i)->digest_xor, ts(&net, 0)->digest_xor);
	tn_free(&net);
}

/* More objects than a page holds: pages rotate until both stores agree. */
static void test_anti_entropy_pages(void **state)
{
	struct tnet net;
	struct trust_revocation rev;
	struct gossip_trust_obj o;

	(void)state;
	mesh(&net, 2, 10);
	for (uint32_t i = 0; i < 300; i++) {
		uint8_t id[WIRE_ID_LEN];

		memset(id, 0xee, sizeof(id));
		id[0] = (uint8_t)i;
		id[1] = (uint8_t)(i >> 8);
		fx_revoke(&rev, &A, TRUST_REVOKE_MEMBER, id, NULL);
		o = fx_obj_rev(&rev);
		assert_int_equal(gossip_trust_import(net.node[0].g, &o, net.now), 0);
	}
	assert_int_equal(ts(&net, 1)->revocations, 0);
	tn_run(&net, 120000);
	assert_int_equal(ts(&net, 1)->revocations, 300);
	assert_int_equal(ts(&net, 1)->digest_xor, ts(&net, 0)->digest_xor);
	assert_int_equal(ts(&net, 1)->digest_count, ts(&net, 0)->digest_count);
	/* Both still members of each other: nothing else was disturbed. */
	assert_int_equal(gossip_count(net.node[1].g, GOSSIP_ALIVE), 2);
	tn_free(&net);
}

static void test_grants(void **state)
{
	struct tnet net;
	struct gossip_trust_obj o = { .kind = GOSSIP_TRUST_GRANT };
	struct trust_revocation rev;
	uint8_t key[WIRE_KEY_LEN];

	(void)state;
	mesh(&net, 4, 6);
	memset(key, 0x5a, sizeof(key));
	assert_int_equal(trust_grant_seal(&o.u.grant, key, tn_id(&net, 1), 2, T0 + 60, A.sk), 0);
	assert_int_equal(gossip_trust_submit(net.node[0].g, &o, net.now), 0);
	tn_run(&net, 2000);
	assert_int_equal(net.node[1].n_grants, 1);
	assert_int_equal(net.node[1].grant_epoch, 2);
	assert_memory_equal(net.node[1].grant_key, key, WIRE_KEY_LEN);
	for (uint32_t i = 0; i < 4; i++) {
		assert_int_equal(ts(&net, i)->grants, 1);
		assert_int_equal(ts(&net, i)->epoch, 2);
		if (i != 1)
			assert_int_equal(net.node[i].n_grants, 0);
	}
	/* An older epoch is refused. */
	assert_int_equal(trust_grant_seal(&o.u.grant, key, tn_id(&net, 2), 1, T0 + 60, A.sk), 0);
	assert_int_equal(gossip_trust_submit(net.node[0].g, &o, net.now), -ESTALE);
	assert_int_equal(ts(&net, 0)->refused[GOSSIP_TRUST_OLD_EPOCH], 1);
	/* Tampered: refused. */
	assert_int_equal(trust_grant_seal(&o.u.grant, key, tn_id(&net, 2), 2, T0 + 60, A.sk), 0);
	o.u.grant.activate_at++;
	assert_int_equal(gossip_trust_submit(net.node[0].g, &o, net.now), -TRUST_ESIG);
	/* A revoked member gets none. */
	fx_revoke(&rev, &A, TRUST_REVOKE_MEMBER, tn_id(&net, 3), NULL);
	assert_int_equal(submit_rev(&net, 0, &rev), 0);
	assert_int_equal(trust_grant_seal(&o.u.grant, key, tn_id(&net, 3), 2, T0 + 60, A.sk), 0);
	assert_int_equal(gossip_trust_submit(net.node[0].g, &o, net.now), -TRUST_EREVOKED);
	/* Revoking a member that holds a grant drops it (every node then agrees). */
	fx_revoke(&rev, &A, TRUST_REVOKE_MEMBER, tn_id(&net, 1), NULL);
	assert_int_equal(submit_rev(&net, 0, &rev), 0);
	assert_int_equal(ts(&net, 0)->grants, 0);
	/* A new epoch replaces the old epoch's grants. */
	assert_int_equal(trust_grant_seal(&o.u.grant, key, tn_id(&net, 2), 3, T0 + 60, A.sk), 0);
	assert_int_equal(gossip_trust_submit(net.node[0].g, &o, net.now), 0);
	assert_int_equal(ts(&net, 0)->grants, 1);
	assert_int_equal(ts(&net, 0)->epoch, 3);
	tn_run(&net, 2000);
	assert_int_equal(ts(&net, 2)->epoch, 3);
	assert_int_equal(net.node[2].n_grants, 1);
	tn_free(&net);
}

/* Grants submitted at one node go straight to their members, not only by gossip. */
static void test_grants_direct(void **state)
{
	struct tnet net;
	struct gossip_config c;
	struct gossip_trust_obj o = { .kind = GOSSIP_TRUST_GRANT };
	uint8_t key[WIRE_KEY_LEN];

	(void)state;
	fx_auth(&A, 1);
	fx_invite(&SELF_INV, &A, 0, T0 + 86400, 1000, 0);
	fx_config(&c, &A);
	c.gossip_fanout = 1;   /* gossip alone would take several rounds */
	tn_init_tmpl(&net, 8, 17, &c, admit_self, NULL);
	tn_connect_all(&net);
	tn_run(&net, 8000);
	memset(key, 0x33, sizeof(key));
	for (uint32_t i = 1; i < 8; i++) {
		assert_int_equal(trust_grant_seal(&o.u.grant, key, tn_id(&net, i), 1, T0 + 60, A.sk), 0);
		assert_int_equal(gossip_trust_submit(net.node[0].g, &o, net.now), 0);
	}
	tn_run(&net, 250);
	for (uint32_t i = 1; i < 8; i++)
		assert_int_equal(net.node[i].n_grants, 1);
	tn_free(&net);
}

struct bag {
	struct gossip_trust_obj o[16];
	uint32_t n;
};

static void collect(void *arg, const struct gossip_trust_obj *o)
{
	struct bag *b = arg;

	assert_true(b->n < 16);
	b->o[b->n++] = *o;
}

/* Export to the state file and import at start: same store, nothing gossiped. */
static void test_export_import(void **state)
{
	struct tnet net;
	struct trust_revocation rev;
	struct gossip_config c;
	struct bag bag = { .n = 0 };
	struct identity x;
	struct invite inv;
	struct wire_record r;

	(void)state;
	setup_net(&net, 2, 7);
	fx_invite(&inv, &A, 1, T0 + 3600, 1, 0);
	tn_identity(&x, 127);
	fx_record(&r, &x, OUT, 10, &inv, T0);
	assert_int_equal(offer(&net, 0, &x, &r), 0);
	fx_revoke(&rev, &A, TRUST_REVOKE_MEMBER, x.id, NULL);
	assert_int_equal(submit_rev(&net, 0, &rev), 0);
	gossip_trust_foreach(net.node[0].g, collect, &bag);
	assert_int_equal(bag.n, ts(&net, 0)->digest_count);
	assert_int_equal(bag.n, 3);   /* own spend, x's spend, the revocation */
	c = net.cfg;
	tn_recreate(&net, 1, &c);
	for (uint32_t i = 0; i < bag.n; i++) {
		int ret = gossip_trust_import(net.node[1].g, &bag.o[i], net.now);

		assert_true(ret == 0 || ret == -EALREADY);
	}
	assert_int_equal(ts(&net, 1)->digest_count, 3 + 1);   /* and its own spend */
	assert_non_null(gossip_revoked(net.node[1].g, x.id));
	/* The spent one-time invite stays spent: a second member through it loses. */
	{
		struct identity y;

		tn_identity(&y, 128);
		fx_record(&r, &y, OUT + 1, 10, &inv, T0 + 1);
		offer(&net, 1, &y, &r);
		assert_null(gossip_find(net.node[1].g, y.id));
		assert_int_equal(ts(&net, 1)->refused[GOSSIP_TRUST_OVERSPENT], 1);
	}
	/* A spend on its own: future-dated refused, one admitted long ago still counts. */
	{
		struct gossip_trust_obj o = { .kind = GOSSIP_TRUST_SPEND };
		struct invite inv2;
		struct identity y;

		fx_invite(&inv2, &A, 2, T0 + 3600, 1, 60);
		tn_identity(&y, 129);
		memcpy(o.u.spend.member, y.id, WIRE_ID_LEN);
		assert_int_equal(trust_admission_make(&o.u.spend.adm, &inv2.cert, inv2.seed, y.id,
						      T0 + TRUST_SKEW_S + 100), 0);
		assert_int_equal(gossip_trust_submit(net.node[0].g, &o, net.now), -TRUST_EFUTURE);
		assert_int_equal(trust_admission_make(&o.u.spend.adm, &inv2.cert, inv2.seed, y.id,
						      T0 - 7200), 0);
		assert_int_equal(gossip_trust_submit(net.node[0].g, &o, net.now), 0);
	}
	tn_free(&net);
	/* Imported objects are not gossiped again (the mesh has them); submitted ones are. */
	{
		struct tnet n2;
		struct gossip_config c2;
		struct gossip_trust_obj o = fx_obj_rev(&rev);

		fx_config(&c2, &A);
		c2.sync_interval_ms = 3600000;   /* gossip alone */
		tn_init_tmpl(&n2, 2, 9, &c2, admit_self, NULL);
		tn_connect_all(&n2);
		tn_run(&n2, 5000);
		/* Restored records' spends are not gossiped either. */
		assert_int_equal(ts(&n2, 1)->objects_sent, 0);
		assert_int_equal(gossip_trust_import(n2.node[1].g, &o, n2.now), 0);
		tn_run(&n2, 1000);
		assert_int_equal(ts(&n2, 1)->objects_sent, 0);
		assert_int_equal(gossip_trust_submit(n2.node[0].g, &o, n2.now), 0);
		tn_run(&n2, 1000);
		assert_true(ts(&n2, 0)->objects_sent > 0);
		tn_free(&n2);
	}
}

/* Node k's template: admitted by SELF_INV, except the last node (no admission). */
static uint32_t UNADMITTED = UINT32_MAX;

static void admit_but_one(struct tnet *net, uint32_t idx, struct wire_record *r)
{
	if (idx != UNADMITTED)
		admit_self(net, idx, r);
}

/*
 * Joining through the network: an invited node is in every table soon and
 * its spend reaches everyone; a node without an admission is refused by
 * the seed and known to nobody.
 */
static void test_join_by_invite(void **state)
{
	struct tnet net;
	struct gossip_config c;
	struct wire_addr seed;

	(void)state;
	fx_auth(&A, 1);
	fx_invite(&SELF_INV, &A, 0, T0 + 86400, 1000, 0);
	fx_config(&c, &A);
	UNADMITTED = 4;
	tn_init_tmpl(&net, 5, 16, &c, admit_but_one, NULL);
	for (uint32_t i = 0; i < 3; i++)
		for (uint32_t j = 0; j < 3; j++)
			if (i != j)
				assert_int_equal(gossip_restore(net.node[i].g, gossip_self(net.node[j].g)->rec, 0), 0);
	tn_run(&net, 3000);
	tn_addr(0, &seed);
	assert_int_equal(gossip_join(net.node[3].g, &seed, 1, net.now), 0);
	assert_int_equal(gossip_join(net.node[4].g, &seed, 1, net.now), 0);
	tn_run(&net, 5000);
	for (uint32_t i = 0; i < 4; i++) {
		assert_int_equal(gossip_count(net.node[i].g, GOSSIP_ALIVE), 4);
		assert_null(gossip_find(net.node[i].g, tn_id(&net, 4)));
		assert_int_equal(ts(&net, i)->spends, 4);
		assert_int_equal(ts(&net, i)->digest_xor, ts(&net, 0)->digest_xor);
	}
	assert_true(gossip_stats(net.node[0].g)->refused_by_reason[GOSSIP_REFUSE_ADMISSION] >= 1);
	assert_int_equal(ts(&net, 0)->refused[GOSSIP_TRUST_NO_ADMISSION],
			 gossip_stats(net.node[0].g)->refused_by_reason[GOSSIP_REFUSE_ADMISSION]);
	assert_false(gossip_joined(net.node[4].g));
	UNADMITTED = UINT32_MAX;
	tn_free(&net);
}

/* An invite whose admissions have all run out leaves the store with its spends. */
static void test_dead_invite_pruned(void **state)
{
	struct tnet net;
	struct identity x;
	struct invite inv;
	struct wire_record r;
	struct gossip_trust_obj o = { .kind = GOSSIP_TRUST_SPEND };
	uint64_t spends, invites;

	(void)state;
	setup_net(&net, 1, 18);
	fx_invite(&inv, &A, 1, T0 + 10, 3, 60);
	tn_identity(&x, 150);
	fx_record(&r, &x, OUT, 10, &inv, T0);
	assert_int_equal(offer(&net, 0, &x, &r), 0);
	spends = ts(&net, 0)->spends;
	invites = ts(&net, 0)->invites;
	assert_int_equal(spends, 2);
	/* Past not_after + ttl + skew: x is gone, the spend still held... */
	tn_run(&net, (10 + 60 + TRUST_SKEW_S + 20) * 1000ULL);
	assert_null(gossip_find(net.node[0].g, x.id));
	assert_int_equal(ts(&net, 0)->spends, spends);
	/* ...and past twice the skew the invite goes, and its spends are refused unchecked. */
	tn_run(&net, (TRUST_SKEW_S + 20) * 1000ULL);
	assert_int_equal(ts(&net, 0)->spends, spends - 1);
	assert_int_equal(ts(&net, 0)->invites, invites - 1);
	memcpy(o.u.spend.member, x.id, WIRE_ID_LEN);
	o.u.spend.adm = r.adm;
	{
		uint64_t before = ts(&net, 0)->checks;

		assert_int_equal(gossip_trust_submit(net.node[0].g, &o, net.now), -TRUST_EADMISSION_EXPIRED);
		assert_int_equal(ts(&net, 0)->checks, before);
	}
	tn_free(&net);
}

/* We ourselves revoked: the agent is told, once. */
static void test_self_revoked(void **state)
{
	struct tnet net;
	struct trust_revocation rev;

	(void)state;
	setup_net(&net, 1, 8);
	fx_revoke(&rev, &A, TRUST_REVOKE_MEMBER, tn_id(&net, 0), NULL);
	assert_int_equal(submit_rev(&net, 0, &rev), 0);
	assert_int_equal(tn_count(&net.node[0], GOSSIP_EV_REVOKED, tn_id(&net, 0)), 1);
	tn_run(&net, 20000);
	assert_int_equal(tn_count(&net.node[0], GOSSIP_EV_REVOKED, tn_id(&net, 0)), 1);
	tn_free(&net);
}

/* Revocations are kept for good, up to 16,384: the next one is refused, counted. */
static void test_revocations_bounded(void **state)
{
	struct tnet net;
	struct trust_revocation rev;
	struct gossip_trust_obj o;
	uint8_t id[WIRE_ID_LEN];

	(void)state;
	setup_net(&net, 1, 14);
	memset(id, 0xcd, sizeof(id));
	for (uint32_t i = 0; i <= 16384; i++) {
		id[0] = (uint8_t)i;
		id[1] = (uint8_t)(i >> 8);
		fx_revoke(&rev, &A, TRUST_REVOKE_MEMBER, id, NULL);
		o = fx_obj_rev(&rev);
		assert_int_equal(gossip_trust_import(net.node[0].g, &o, 0), i < 16384 ? 0 : -ENOSPC);
	}
	assert_int_equal(ts(&net, 0)->revocations, 16384);
	assert_int_equal(ts(&net, 0)->refused[GOSSIP_TRUST_STORE_FULL], 1);
	/* Every one still refuses its member's datagrams. */
	id[0] = 7;
	id[1] = 3;
	assert_non_null(gossip_revoked(net.node[0].g, id));
	tn_free(&net);
}

static struct invite ONE_INV;

static void admit_one(struct tnet *net, uint32_t idx, struct wire_record *r)
{
	(void)net;
	(void)idx;
	r->has_admission = true;
	assert_int_equal(trust_admission_make(&r->adm, &ONE_INV.cert, ONE_INV.seed, r->id, T0 - 100), 0);
}

/* Our one-time invite was spent earlier by someone else: we are told, once. */
static void test_own_spend_lost(void **state)
{
	struct tnet net;
	struct gossip_config c;
	struct identity x;
	struct wire_record r;

	(void)state;
	fx_auth(&A, 1);
	fx_invite(&ONE_INV, &A, 5, T0 + 3600, 1, 0);
	fx_config(&c, &A);
	tn_init_tmpl(&net, 1, 13, &c, admit_one, NULL);
	tn_identity(&x, 140);
	fx_record(&r, &x, OUT, 10, &ONE_INV, T0 - 200);
	assert_int_equal(offer(&net, 0, &x, &r), 0);
	assert_non_null(gossip_find(net.node[0].g, x.id));
	assert_int_equal(tn_count(&net.node[0], GOSSIP_EV_REVOKED, tn_id(&net, 0)), 1);
	assert_int_equal(gossip_admission_check(net.node[0].g, gossip_self(net.node[0].g)->rec, net.now),
			 -TRUST_EOVERSPENT);
	tn_free(&net);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_revoke_live_member),
		cmocka_unit_test(test_bad_revocations_change_nothing),
		cmocka_unit_test(test_objects_check_budget),
		cmocka_unit_test(test_revoked_address_held),
		cmocka_unit_test(test_own_address_held_moves),
		cmocka_unit_test(test_revoke_invite),
		cmocka_unit_test(test_anti_entropy_brings_revocation),
		cmocka_unit_test(test_anti_entropy_pages),
		cmocka_unit_test(test_grants),
		cmocka_unit_test(test_grants_direct),
		cmocka_unit_test(test_export_import),
		cmocka_unit_test(test_join_by_invite),
		cmocka_unit_test(test_dead_invite_pruned),
		cmocka_unit_test(test_self_revoked),
		cmocka_unit_test(test_own_spend_lost),
		cmocka_unit_test(test_revocations_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
