/* SPDX-License-Identifier: MIT */
/*
 * Authority mode, records (T4, T6): one engine fed records from outside
 * identities. Every refusal leaves no member, raises its reason's
 * counter, and costs at most one signature check; a passing control case
 * sits beside each.
 */
#include <errno.h>

#include "trust_fixture.h"

enum { OUT = 50 };

static struct auth A, B;          /* A is configured; B is not */
static struct invite SELF_INV;    /* admits the engines themselves */

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

static int offer(struct tnet *net, const struct identity *x, const struct wire_record *r)
{
	struct wire_msg m;

	msg_init(&m, WIRE_RECORDS, x->id);
	m.record[m.n_records++] = *r;
	return tn_input(net, 0, OUT, &m);
}

static const struct gossip_trust_stats *ts(const struct tnet *net)
{
	return gossip_trust_stats(net->node[0].g);
}

/* Signature checks (record and trust) so far at node 0. */
static uint64_t checks(const struct tnet *net)
{
	return gossip_stats(net->node[0].g)->verified + ts(net)->checks;
}

static void test_valid_admission_enters(void **state)
{
	struct tnet net;
	struct identity x;
	struct invite inv;
	struct wire_record r;

	(void)state;
	setup_net(&net, 1, 1);
	fx_invite(&inv, &A, 1, T0 + 3600, 5, 0);
	tn_identity(&x, 100);
	fx_record(&r, &x, OUT, 10, &inv, T0);
	assert_int_equal(offer(&net, &x, &r), 0);
	assert_non_null(gossip_find(net.node[0].g, x.id));
	assert_int_equal(tn_count(&net.node[0], GOSSIP_EV_ADDED, x.id), 1);
	/* Our own spend and x's. */
	assert_int_equal(ts(&net)->spends, 2);
	assert_int_equal(ts(&net)->invites, 2);
	/* A newer record with the same admission: no admission check at all. */
	{
		uint64_t before = ts(&net)->checks;

		fx_record(&r, &x, OUT, 11, &inv, T0);
		assert_int_equal(offer(&net, &x, &r), 0);
		assert_int_equal(ts(&net)->checks, before);
		assert_int_equal(gossip_find(net.node[0].g, x.id)->rec->version, 11);
	}
	tn_free(&net);
}

static void test_no_admission_costs_nothing(void **state)
{
	struct tnet net;
	struct identity x;
	struct wire_record r;
	uint64_t before;

	(void)state;
	setup_net(&net, 1, 2);
	before = checks(&net);
	for (uint32_t i = 0; i < 20; i++) {
		tn_identity(&x, 200 + i);
		tn_record(&r, &x, OUT, 10);
		offer(&net, &x, &r);
		assert_null(gossip_find(net.node[0].g, x.id));
	}
	assert_int_equal(checks(&net), before);
	assert_int_equal(ts(&net)->refused[GOSSIP_TRUST_NO_ADMISSION], 20);
	assert_int_equal(gossip_size(net.node[0].g), 1);
	tn_free(&net);
}

static void test_wrong_authority(void **state)
{
	struct tnet net;
	struct identity x;
	struct invite inv;
	struct wire_record r;
	uint64_t before;

	(void)state;
	setup_net(&net, 1, 3);
	fx_invite(&inv, &B, 1, T0 + 3600, 5, 0);
	tn_identity(&x, 101);
	fx_record(&r, &x, OUT, 10, &inv, T0);
	before = checks(&net);
	offer(&net, &x, &r);
	assert_null(gossip_find(net.node[0].g, x.id));
	assert_int_equal(checks(&net), before);
	assert_int_equal(ts(&net)->refused[GOSSIP_TRUST_UNKNOWN_AUTHORITY], 1);
	tn_free(&net);
}

/* A made-up certificate costs its one check, and the record's own signature is never checked. */
static void test_tampered_invite_one_check(void **state)
{
	struct tnet net;
	struct identity x;
	struct invite inv;
	struct wire_record r;
	uint64_t before;

	(void)state;
	setup_net(&net, 1, 4);
	fx_invite(&inv, &A, 1, T0 + 3600, 1, 0);
	inv.cert.uses = 1000;   /* after signing */
	tn_identity(&x, 102);
	fx_record(&r, &x, OUT, 10, &inv, T0);
	before = checks(&net);
	for (int i = 0; i < 5; i++) {
		r.version++;
		assert_int_equal(record_sign(&r, &x), 0);
		offer(&net, &x, &r);
	}
	assert_null(gossip_find(net.node[0].g, x.id));
	assert_int_equal(checks(&net), before + 5);
	assert_int_equal(gossip_stats(net.node[0].g)->verified, 0);
	assert_int_equal(ts(&net)->refused[GOSSIP_TRUST_BAD_INVITE_SIGNATURE], 5);
	tn_free(&net);
}

/*
 * A key holder copies a real member's certificate and binds it to its own
 * identities with a key of its own: each record costs exactly one check
 * (the bind), however many identities it offers, and adds no member.
 */
static void test_copied_invite_forged_bind(void **state)
{
	struct tnet net;
	struct identity x, y;
	struct invite inv, fake;
	struct wire_record r;
	uint64_t before;

	(void)state;
	setup_net(&net, 1, 5);
	fx_invite(&inv, &A, 1, T0 + 3600, 10, 0);
	tn_identity(&x, 103);
	fx_record(&r, &x, OUT, 10, &inv, T0);
	assert_int_equal(offer(&net, &x, &r), 0);   /* the certificate is now known */
	/* Same certificate, bind made with another key (the attacker lacks the invite secret). */
	fake = inv;
	memset(fake.seed, 0x77, sizeof(fake.seed));
	before = checks(&net);
	for (uint32_t i = 0; i < 30; i++) {
		/* tn_identity(n) repeats with n * 131 mod 256: 316 is x. */
		tn_identity(&y, 300 + i + (i >= 16));
		memset(&r, 0, sizeof(r));
		fx_record(&r, &y, OUT, 10, NULL, 0);
		r.has_admission = true;
		r.adm.invite = inv.cert;
		r.adm.admitted_at = T0;
		{
			/* trust_admission_make refuses a seed not matching invite_pub: sign by hand. */
			uint8_t sk[TRUST_SECRET_KEY_LEN], pk[WIRE_ID_LEN], msg[15 + 32 + 8];

			assert_int_equal(trust_key_from_seed(sk, pk, fake.seed), 0);
			memcpy(msg, TRUST_ADMIT_CONTEXT, 15);
			memcpy(msg + 15, y.id, 32);
			for (int k = 0; k < 8; k++)
				msg[47 + k] = (uint8_t)(r.adm.admitted_at >> (56 - 8 * k));
			crypto_sign_detached(r.adm.bind, NULL, msg, sizeof(msg), sk);
		}
		assert_int_equal(record_sign(&r, &y), 0);
		offer(&net, &y, &r);
		assert_null(gossip_find(net.node[0].g, y.id));
	}
	assert_int_equal(checks(&net), before + 30);
	assert_int_equal(ts(&net)->refused[GOSSIP_TRUST_BAD_BIND], 30);
	assert_int_equal(gossip_size(net.node[0].g), 2);
	/* A real member's admission on another identity: the bind names the member. */
	tn_identity(&y, 399);
	fx_record(&r, &x, OUT, 10, &inv, T0);
	{
		struct trust_admission stolen = r.adm;

		fx_record(&r, &y, OUT, 10, NULL, 0);
		r.has_admission = true;
		r.adm = stolen;
		assert_int_equal(record_sign(&r, &y), 0);
	}
	before = checks(&net);
	offer(&net, &y, &r);
	assert_null(gossip_find(net.node[0].g, y.id));
	assert_int_equal(checks(&net), before + 1);
	tn_free(&net);
}

static void test_times(void **state)
{
	struct tnet net;
	struct identity x;
	struct invite inv, ttl;
	struct wire_record r;

	(void)state;
	setup_net(&net, 1, 6);
	fx_invite(&inv, &A, 1, T0 + 3600, 10, 0);
	fx_invite(&ttl, &A, 2, T0 + 3600, 10, 600);
	tn_identity(&x, 104);
	/* Admitted after the invite expired. */
	fx_record(&r, &x, OUT, 10, &inv, T0 + 3601);
	offer(&net, &x, &r);
	assert_int_equal(ts(&net)->refused[GOSSIP_TRUST_INVITE_EXPIRED], 1);
	/* Dated beyond now + skew (now = T0). */
	fx_record(&r, &x, OUT, 11, &inv, T0 + TRUST_SKEW_S + 1);
	offer(&net, &x, &r);
	assert_int_equal(ts(&net)->refused[GOSSIP_TRUST_FUTURE_DATED], 1);
	/* Within the skew: fine. */
	fx_record(&r, &x, OUT, 12, &inv, T0 + TRUST_SKEW_S);
	/* An admission whose ttl (+ skew) has run out. */
	{
		struct identity y;
		struct wire_record ry;

		tn_identity(&y, 105);
		fx_record(&ry, &y, OUT + 1, 10, &ttl, T0 - 600 - TRUST_SKEW_S - 1);
		offer(&net, &y, &ry);
		assert_int_equal(ts(&net)->refused[GOSSIP_TRUST_ADMISSION_EXPIRED], 1);
		assert_null(gossip_find(net.node[0].g, y.id));
		/* Still valid now: it enters, and leaves when it runs out (the sweep). */
		fx_record(&ry, &y, OUT + 1, 11, &ttl, T0);
		assert_int_equal(offer(&net, &y, &ry), 0);
		assert_non_null(gossip_find(net.node[0].g, y.id));
		tn_run(&net, (600 + TRUST_SKEW_S + 20) * 1000ULL);
		assert_null(gossip_find(net.node[0].g, y.id));
		assert_int_equal(ts(&net)->refused[GOSSIP_TRUST_ADMISSION_EXPIRED], 2);
	}
	tn_free(&net);
}

static void test_constraint(void **state)
{
	struct tnet net;
	struct identity x;
	struct invite inv;
	struct wire_record r;
	uint8_t sk[TRUST_SECRET_KEY_LEN];

	(void)state;
	setup_net(&net, 1, 7);
	memset(&inv, 0, sizeof(inv));
	memset(inv.seed, 0x31, sizeof(inv.seed));
	assert_int_equal(trust_key_from_seed(sk, inv.cert.invite_pub, inv.seed), 0);
	inv.cert.not_after = T0 + 3600;
	inv.cert.uses = 1;
	inv.cert.constrain = TRUST_CONSTRAIN_NAME;
	assert_int_equal(trust_constraint_hash_fields(inv.cert.constraint, TRUST_CONSTRAIN_NAME, "alpha",
						      NULL, 0, NULL, 0), 0);
	assert_int_equal(trust_invite_sign(&inv.cert, A.sk), 0);
	tn_identity(&x, 106);
	fx_record(&r, &x, OUT, 10, &inv, T0);   /* named "t50" */
	offer(&net, &x, &r);
	assert_null(gossip_find(net.node[0].g, x.id));
	assert_int_equal(ts(&net)->refused[GOSSIP_TRUST_CONSTRAINT_MISMATCH], 1);
	snprintf(r.name, sizeof(r.name), "alpha");
	assert_int_equal(record_sign(&r, &x), 0);
	assert_int_equal(offer(&net, &x, &r), 0);
	assert_non_null(gossip_find(net.node[0].g, x.id));
	tn_free(&net);
}

/*
 * T6: a one-time invite used twice. The later spend loses wherever it
 * arrives; an earlier one arriving late takes the use over and the member
 * holding it is taken out.
 */
static void test_reused_invite(void **state)
{
	struct tnet net;
	struct identity x, y, z;
	struct invite inv;
	struct wire_record rx, ry, rz;
	uint64_t before;

	(void)state;
	setup_net(&net, 1, 8);
	fx_invite(&inv, &A, 1, T0 + 3600, 1, 0);
	tn_identity(&x, 107);
	tn_identity(&y, 108);
	tn_identity(&z, 109);
	fx_record(&rx, &x, OUT, 10, &inv, T0 - 50);
	fx_record(&ry, &y, OUT + 1, 10, &inv, T0 - 20);
	fx_record(&rz, &z, OUT + 2, 10, &inv, T0 - 90);
	assert_int_equal(offer(&net, &x, &rx), 0);
	assert_non_null(gossip_find(net.node[0].g, x.id));
	offer(&net, &y, &ry);
	assert_null(gossip_find(net.node[0].g, y.id));
	assert_int_equal(ts(&net)->refused[GOSSIP_TRUST_OVERSPENT], 1);
	assert_int_equal(ts(&net)->losers, 1);
	/* Offered again: a known loser, no check. */
	before = checks(&net);
	ry.version++;
	assert_int_equal(record_sign(&ry, &y), 0);
	offer(&net, &y, &ry);
	assert_int_equal(checks(&net), before);
	assert_int_equal(ts(&net)->losers, 1);
	/* An earlier spend: it wins, x is taken out. */
	assert_int_equal(offer(&net, &z, &rz), 0);
	assert_non_null(gossip_find(net.node[0].g, z.id));
	assert_null(gossip_find(net.node[0].g, x.id));
	assert_int_equal(tn_count(&net.node[0], GOSSIP_EV_REMOVED, x.id), 1);
	assert_int_equal(ts(&net)->losers, 2);
	/* x again: refused. */
	rx.version++;
	assert_int_equal(record_sign(&rx, &x), 0);
	offer(&net, &x, &rx);
	assert_null(gossip_find(net.node[0].g, x.id));
	tn_free(&net);
}

/* Spends kept per invite: uses + 8, the lowest; the rest lose without a check. */
static void test_spends_bounded(void **state)
{
	struct tnet net;
	struct identity x;
	struct invite inv;
	struct wire_record r;
	uint64_t before;

	(void)state;
	setup_net(&net, 1, 9);
	fx_invite(&inv, &A, 1, T0 + 3600, 2, 0);
	for (uint32_t i = 0; i < 10; i++) {
		tn_identity(&x, 400 + i);
		fx_record(&r, &x, OUT, 10, &inv, T0 - 1000 + i);
		offer(&net, &x, &r);
	}
	assert_int_equal(ts(&net)->spends, 1 + 10);
	before = checks(&net);
	for (uint32_t i = 10; i < 40; i++) {
		tn_identity(&x, 400 + i);
		fx_record(&r, &x, OUT, 10, &inv, T0 - 1000 + i);
		offer(&net, &x, &r);
	}
	assert_int_equal(ts(&net)->spends, 1 + 10);
	assert_int_equal(checks(&net), before);
	assert_int_equal(gossip_size(net.node[0].g), 3);
	tn_free(&net);
}

/* A JOIN without a valid admission is refused as a whole, with its reason. */
static void test_join_refused(void **state)
{
	struct tnet net;
	struct identity x;
	struct wire_record r;
	struct wire_msg m;

	(void)state;
	setup_net(&net, 1, 10);
	tn_identity(&x, 110);
	tn_record(&r, &x, OUT, 10);
	msg_init(&m, WIRE_JOIN, x.id);
	m.seq = 1;
	m.record[m.n_records++] = r;
	assert_int_equal(tn_input(&net, 0, OUT, &m), -EPERM);
	assert_int_equal(gossip_stats(net.node[0].g)->refused_by_reason[GOSSIP_REFUSE_ADMISSION], 1);
	assert_int_equal(net.nq, 0);
	tn_free(&net);
}

/* Open mode: records without admissions enter as before; the trust API says no. */
static void test_open_mode_unchanged(void **state)
{
	struct gossip_config c;
	struct tnet net;
	struct identity x;
	struct wire_record r;
	struct trust_revocation rev;
	struct gossip_trust_obj o;
	struct wire_msg m;

	(void)state;
	fx_auth(&A, 1);
	gossip_config_defaults(&c);
	tn_init(&net, 1, 11, &c);
	tn_identity(&x, 111);
	tn_record(&r, &x, OUT, 10);
	msg_init(&m, WIRE_RECORDS, x.id);
	m.record[m.n_records++] = r;
	assert_int_equal(tn_input(&net, 0, OUT, &m), 0);
	assert_non_null(gossip_find(net.node[0].g, x.id));
	fx_revoke(&rev, &A, TRUST_REVOKE_MEMBER, x.id, NULL);
	o = fx_obj_rev(&rev);
	assert_int_equal(gossip_trust_submit(net.node[0].g, &o, 0), -EPERM);
	assert_non_null(gossip_find(net.node[0].g, x.id));
	/* A WIRE_TRUST in open mode is unexpected. */
	msg_init(&m, WIRE_TRUST, x.id);
	m.revocation[m.n_revocations++] = rev;
	assert_int_equal(tn_input(&net, 0, OUT, &m), -EPROTO);
	assert_int_equal(gossip_trust_stats(net.node[0].g)->digest_count, 0);
	tn_free(&net);
}

/* The agent updates its record without repeating the admission: it is kept. */
static void test_update_self_keeps_admission(void **state)
{
	struct tnet net;
	struct wire_record t;
	const struct wire_record *self;

	(void)state;
	setup_net(&net, 1, 12);
	tn_record(&t, &net.node[0].idn, 7, 1);
	assert_false(t.has_admission);
	assert_int_equal(gossip_update_self(net.node[0].g, &t, 10), 0);
	self = gossip_self(net.node[0].g)->rec;
	assert_true(self->has_admission);
	assert_int_equal(record_verify(self), 0);
	assert_int_equal(gossip_admission_check(net.node[0].g, self, 10), 0);
	tn_free(&net);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_admission_enters),
		cmocka_unit_test(test_no_admission_costs_nothing),
		cmocka_unit_test(test_wrong_authority),
		cmocka_unit_test(test_tampered_invite_one_check),
		cmocka_unit_test(test_copied_invite_forged_bind),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_constraint),
		cmocka_unit_test(test_reused_invite),
		cmocka_unit_test(test_spends_bounded),
		cmocka_unit_test(test_join_refused),
		cmocka_unit_test(test_open_mode_unchanged),
		cmocka_unit_test(test_update_self_keeps_admission),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
