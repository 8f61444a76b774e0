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
	/* A new epoch replaces the old epoch's grants. */
	assert_int_equal(trust_grant_seal(&o.u.grant, key, tn_id(&net, 2), 3, T0 + 60, A.sk), 0);
	assert_int_equal(gossip_trust_submit(net.node[0].g, &o, net.now), 0);
	assert_int_equal(ts(&net, 0)->grants, 1);
	assert_int_equal(ts(&net, 0)->epoch, 3);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_revoke_live_member),
		cmocka_unit_test(test_bad_revocations_change_nothing),
		cmocka_unit_test(test_revoked_address_held),
		cmocka_unit_test(test_revoke_invite),
		cmocka_unit_test(test_anti_entropy_brings_revocation),
		cmocka_unit_test(test_grants),
		cmocka_unit_test(test_export_import),
		cmocka_unit_test(test_self_revoked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
