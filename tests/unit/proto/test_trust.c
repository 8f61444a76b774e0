/* SPDX-License-Identifier: MIT */
/* Trust objects (issue 10): codecs, signatures and the admission rules. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sodium.h>

#include "fixture.h"

static struct identity idn, other;
static struct fx_authority auth, auth2;
static const uint8_t (*auths)[WIRE_ID_LEN];
static uint8_t auth_list[2][WIRE_ID_LEN];

/* ---- codecs ---- */

static void test_max_sizes_exact(void **state)
{
	struct wire_record r;
	struct trust_spend sp;
	struct trust_revocation rev, rback;
	struct trust_grant g, gback;
	struct trust_invite iback;
	struct trust_admission aback;
	struct trust_spend sback;
	uint8_t buf[TRUST_OBJECT_MAX_ENCODED + 1], again[TRUST_OBJECT_MAX_ENCODED];

	(void)state;
	fx_record_max_admitted(&r, &idn, &auth);
	assert_int_equal(trust_invite_encode(&r.adm.invite, buf, sizeof(buf)), TRUST_INVITE_MAX_ENCODED);
	assert_int_equal(trust_invite_encode(&r.adm.invite, buf, TRUST_INVITE_MAX_ENCODED - 1), -WIRE_ESPACE);
	assert_int_equal(trust_invite_decode(&iback, buf, TRUST_INVITE_MAX_ENCODED), 0);
	assert_memory_equal(&iback, &r.adm.invite, sizeof(iback));

	assert_int_equal(trust_admission_encode(&r.adm, buf, sizeof(buf)), TRUST_ADMISSION_MAX_ENCODED);
	assert_int_equal(trust_admission_decode(&aback, buf, TRUST_ADMISSION_MAX_ENCODED), 0);
	assert_true(trust_admission_same(&aback, &r.adm));

	memcpy(sp.member, r.id, WIRE_ID_LEN);
	sp.adm = r.adm;
	assert_int_equal(trust_spend_encode(&sp, buf, sizeof(buf)), TRUST_SPEND_MAX_ENCODED);
	assert_int_equal(msg_spend_cost(&sp), TRUST_SPEND_MAX_ENCODED);
	assert_int_equal(trust_spend_decode(&sback, buf, TRUST_SPEND_MAX_ENCODED), 0);
	assert_int_equal(trust_spend_encode(&sback, again, sizeof(again)), TRUST_SPEND_MAX_ENCODED);
	assert_memory_equal(buf, again, TRUST_SPEND_MAX_ENCODED);

	fx_revocation(&rev, &auth, idn.id);
	assert_int_equal(trust_revocation_encode(&rev, buf, sizeof(buf)), TRUST_REVOCATION_MAX_ENCODED);
	assert_int_equal(msg_revocation_cost(&rev), TRUST_REVOCATION_MAX_ENCODED);
	assert_int_equal(trust_revocation_decode(&rback, buf, TRUST_REVOCATION_MAX_ENCODED), 0);
	assert_int_equal(trust_revocation_encode(&rback, again, sizeof(again)), TRUST_REVOCATION_MAX_ENCODED);
	assert_memory_equal(buf, again, TRUST_REVOCATION_MAX_ENCODED);

	fx_grant(&g, &auth, idn.id);
	assert_int_equal(trust_grant_encode(&g, buf, sizeof(buf)), TRUST_GRANT_MAX_ENCODED);
	assert_int_equal(msg_grant_cost(&g), TRUST_GRANT_MAX_ENCODED);
	assert_int_equal(trust_grant_decode(&gback, buf, TRUST_GRANT_MAX_ENCODED), 0);
	assert_memory_equal(&gback, &g, sizeof(g));
	printf("# max: invite %d, admission %d, spend %d, revocation %d, grant %d bytes\n",
	       TRUST_INVITE_MAX_ENCODED, TRUST_ADMISSION_MAX_ENCODED, TRUST_SPEND_MAX_ENCODED,
	       TRUST_REVOCATION_MAX_ENCODED, TRUST_GRANT_MAX_ENCODED);
}

/* Every object: truncated at each length, trailing byte, oversized input. */
typedef int (*decode_fn)(void *obj, const uint8_t *buf, size_t len);

static void check_framing(const uint8_t *enc, size_t n, size_t max, decode_fn decode)
{
	uint8_t buf[TRUST_OBJECT_MAX_ENCODED + 2];
	union {
		struct trust_invite i;
		struct trust_spend s;
		struct trust_revocation r;
		struct trust_grant g;
	} o;

	memcpy(buf, enc, n);
	for (size_t len = 0; len < n; len++)
		if (decode(&o, buf, len) != -WIRE_ETRUNC)
			fail_msg("length %zu/%zu not refused as truncated", len, n);
	buf[n] = 0;
	assert_int_equal(decode(&o, buf, n + 1), n + 1 > max ? -WIRE_ELIMIT : -WIRE_ETRAILING);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(decode(&o, buf, max + 1), -WIRE_ELIMIT);
}

static int dec_invite(void *o, const uint8_t *b, size_t n) { return trust_invite_decode(o, b, n); }
static int dec_spend(void *o, const uint8_t *b, size_t n) { return trust_spend_decode(o, b, n); }
static int dec_revocation(void *o, const uint8_t *b, size_t n) { return trust_revocation_decode(o, b, n); }
static int dec_grant(void *o, const uint8_t *b, size_t n) { return trust_grant_decode(o, b, n); }

static void test_framing(void **state)
{
	struct wire_record r;
	struct trust_spend sp;
	struct trust_revocation rev;
	struct trust_grant g;
	uint8_t buf[TRUST_OBJECT_MAX_ENCODED];
	int n;

	(void)state;
	fx_record_max_admitted(&r, &idn, &auth);
	n = trust_invite_encode(&r.adm.invite, buf, sizeof(buf));
	check_framing(buf, (size_t)n, TRUST_INVITE_MAX_ENCODED, dec_invite);
	memcpy(sp.member, r.id, WIRE_ID_LEN);
	sp.adm = r.adm;
	n = trust_spend_encode(&sp, buf, sizeof(buf));
	check_framing(buf, (size_t)n, TRUST_SPEND_MAX_ENCODED, dec_spend);
	fx_revocation(&rev, &auth, idn.id);
	n = trust_revocation_encode(&rev, buf, sizeof(buf));
	check_framing(buf, (size_t)n, TRUST_REVOCATION_MAX_ENCODED, dec_revocation);
	fx_grant(&g, &auth, idn.id);
	n = trust_grant_encode(&g, buf, sizeof(buf));
	check_framing(buf, (size_t)n, TRUST_GRANT_MAX_ENCODED, dec_grant);
}

/* Insert bytes at `at` (for hand-made non-canonical forms). */
static size_t splice(uint8_t *buf, size_t n, size_t at, size_t cut, const uint8_t *ins, size_t k)
{
	memmove(buf + at + k, buf + at + cut, n - at - cut);
	memcpy(buf + at, ins, k);
	return n - cut + k;
}

/* Typical invite layout: 98 | c4 08 auth | c4 20 pub | ce not_after(4) | uses | ce ttl(4) | constrain | c4 10 .. | c4 40 .. */
enum { AT_NOT_AFTER = 45, AT_USES = 50, AT_TTL = 51, AT_CONSTRAIN = 56, AT_CONSTRAINT = 59 };

static void test_invite_refusals(void **state)
{
	struct trust_invite inv, back;
	uint8_t seed[TRUST_SEED_LEN], buf[TRUST_INVITE_MAX_ENCODED + 8], bad[sizeof(buf)];
	size_t n, k;

	(void)state;
	fx_invite(&inv, seed, &auth, 1);
	n = (size_t)trust_invite_encode(&inv, buf, sizeof(buf));
	assert_int_equal(buf[0], 0x98);
	assert_int_equal(buf[AT_NOT_AFTER], 0xce);
	assert_int_equal(buf[AT_USES], 1);
	assert_int_equal(buf[AT_TTL], 0xce);
	assert_int_equal(buf[AT_CONSTRAIN], 0);
	assert_int_equal(trust_invite_decode(&back, buf, n), 0);

	/* uses 1 as uint8 (cc 01): a second byte form */
	memcpy(bad, buf, n);
	k = splice(bad, n, AT_USES, 1, (const uint8_t[]){ 0xcc, 0x01 }, 2);
	assert_int_equal(trust_invite_decode(&back, bad, k), -WIRE_ECANON);
	/* not_after as uint64 */
	memcpy(bad, buf, n);
	k = splice(bad, n, AT_NOT_AFTER, 1, (const uint8_t[]){ 0xcf, 0, 0, 0, 0 }, 5);
	assert_int_equal(trust_invite_decode(&back, bad, k), -WIRE_ECANON);
	/* a map where the array should be; one field short; one too many */
	memcpy(bad, buf, n);
	bad[0] = 0x88;
	assert_int_equal(trust_invite_decode(&back, bad, n), -WIRE_ETYPE);
	bad[0] = 0x97;
	assert_true(trust_invite_decode(&back, bad, n) < 0);
	bad[0] = 0x99;
	assert_true(trust_invite_decode(&back, bad, n) < 0);
	/* values: uses 0, unknown constrain bit, constraint set without constrain */
	memcpy(bad, buf, n);
	bad[AT_USES] = 0;
	assert_int_equal(trust_invite_decode(&back, bad, n), -WIRE_EVALUE);
	memcpy(bad, buf, n);
	bad[AT_CONSTRAIN] = 8;
	assert_int_equal(trust_invite_decode(&back, bad, n), -WIRE_EVALUE);
	memcpy(bad, buf, n);
	bad[AT_CONSTRAINT] = 1;
	assert_int_equal(trust_invite_decode(&back, bad, n), -WIRE_EVALUE);
	/* auth id of 7 bytes */
	memcpy(bad, buf, n);
	bad[2] = 7;
	assert_true(trust_invite_decode(&back, bad, n) < 0);

	/* The encoder refuses the same values. */
	back = inv;
	back.uses = TRUST_MAX_USES + 1;
	assert_int_equal(trust_invite_encode(&back, buf, sizeof(buf)), -WIRE_EVALUE);
	back = inv;
	back.not_after = TRUST_TIME_MAX + 1;
	assert_int_equal(trust_invite_encode(&back, buf, sizeof(buf)), -WIRE_EVALUE);
	back = inv;
	back.admit_ttl = TRUST_TIME_MAX + 1;
	assert_int_equal(trust_invite_encode(&back, buf, sizeof(buf)), -WIRE_EVALUE);
	back = inv;
	back.constraint[15] = 1;
	assert_int_equal(trust_invite_encode(&back, buf, sizeof(buf)), -WIRE_EVALUE);
	assert_int_equal(trust_invite_sign(&back, auth.sk), -WIRE_EVALUE);
}

static void test_revocation_grant_refusals(void **state)
{
	struct trust_revocation rev, t;
	struct trust_grant g, tg;
	uint8_t buf[TRUST_OBJECT_MAX_ENCODED];

	(void)state;
	fx_revocation(&rev, &auth, idn.id);
	t = rev;
	t.kind = TRUST_REVOKE_INVITE;    /* an invite holds no address */
	assert_int_equal(trust_revocation_encode(&t, buf, sizeof(buf)), -WIRE_EVALUE);
	t.n_overlay = 0;
	assert_true(trust_revocation_encode(&t, buf, sizeof(buf)) > 0);
	t = rev;
	t.kind = 3;
	assert_int_equal(trust_revocation_encode(&t, buf, sizeof(buf)), -WIRE_EVALUE);
	t = rev;
	t.overlay[1] = t.overlay[0];     /* two IPv4 */
	assert_int_equal(trust_revocation_encode(&t, buf, sizeof(buf)), -WIRE_EVALUE);
	t = rev;
	t.overlay[0].family = WIRE_AF_NONE;
	t.overlay[0].len = 0;
	assert_int_equal(trust_revocation_encode(&t, buf, sizeof(buf)), -WIRE_EVALUE);
	t = rev;
	t.revoked_at = TRUST_TIME_MAX + 1;
	assert_int_equal(trust_revocation_encode(&t, buf, sizeof(buf)), -WIRE_EVALUE);
	t = rev;
	t.n_overlay = WIRE_MAX_OVERLAY + 1;
	assert_int_equal(trust_revocation_encode(&t, buf, sizeof(buf)), -WIRE_EVALUE);

	fx_grant(&g, &auth, idn.id);
	tg = g;
	tg.epoch = 0;                    /* epoch 0 is never granted */
	assert_int_equal(trust_grant_encode(&tg, buf, sizeof(buf)), -WIRE_EVALUE);
	tg = g;
	tg.activate_at = TRUST_TIME_MAX + 1;
	assert_int_equal(trust_grant_encode(&tg, buf, sizeof(buf)), -WIRE_EVALUE);
}

/* Every bit of every object: refused, or a different object whose signature fails. */
static void test_every_bit_flip(void **state)
{
	struct wire_record r;
	struct trust_revocation rev, rb;
	struct trust_grant g, gb;
	struct trust_spend sp, sb;
	uint8_t buf[TRUST_OBJECT_MAX_ENCODED];
	size_t n;

	(void)state;
	fx_record_typical(&r, &idn);
	{
		struct trust_invite inv;
		uint8_t seed[TRUST_SEED_LEN];

		fx_invite(&inv, seed, &auth, 2);
		fx_admit(&r, &idn, &inv, seed, FX_NOW);
	}
	memcpy(sp.member, r.id, WIRE_ID_LEN);
	sp.adm = r.adm;
	n = (size_t)trust_spend_encode(&sp, buf, sizeof(buf));
	for (size_t bit = 0; bit < n * 8; bit++) {
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		if (trust_spend_decode(&sb, buf, n) == 0 &&
		    trust_invite_verify(&sb.adm.invite, auth.pk) == 0 &&
		    trust_bind_verify(&sb.adm, sb.member) == 0)
			fail_msg("spend bit %zu still verifies", bit);
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	fx_revocation(&rev, &auth, idn.id);
	n = (size_t)trust_revocation_encode(&rev, buf, sizeof(buf));
	for (size_t bit = 0; bit < n * 8; bit++) {
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		if (trust_revocation_decode(&rb, buf, n) == 0 &&
		    trust_revocation_verify(&rb, auths, 2) == 0)
			fail_msg("revocation bit %zu still verifies", bit);
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	fx_grant(&g, &auth, idn.id);
	n = (size_t)trust_grant_encode(&g, buf, sizeof(buf));
	for (size_t bit = 0; bit < n * 8; bit++) {
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		if (trust_grant_decode(&gb, buf, n) == 0 && trust_grant_verify(&gb, auths, 2) == 0)
			fail_msg("grant bit %zu still verifies", bit);
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
}

/* ---- admission rules ---- */

static void admitted(struct wire_record *r, struct trust_invite *inv, uint8_t seed[static 32])
{
	fx_record_typical(r, &idn);
	fx_invite(inv, seed, &auth, 3);
	fx_admit(r, &idn, inv, seed, FX_NOW);
}

static void test_admission_valid(void **state)
{
	struct wire_record r;
	struct trust_invite inv;
	uint8_t seed[TRUST_SEED_LEN];

	(void)state;
	admitted(&r, &inv, seed);
	assert_int_equal(record_verify(&r), 0);
	assert_int_equal(trust_admission_check(&r, auths, 2, FX_NOW), 0);
	/* the authority may be any of the configured ones */
	assert_int_equal(trust_admission_check(&r, auths + 0, 1, FX_NOW), 0);
	memcpy(auth_list[0], auth2.pk, WIRE_ID_LEN);
	memcpy(auth_list[1], auth.pk, WIRE_ID_LEN);
	assert_int_equal(trust_admission_check(&r, auths, 2, FX_NOW), 0);
	memcpy(auth_list[0], auth.pk, WIRE_ID_LEN);
	memcpy(auth_list[1], auth2.pk, WIRE_ID_LEN);
	assert_int_equal(trust_admission_expiry(&r.adm), FX_NOW + 30 * 86400);
}

static void test_admission_refusals(void **state)
{
	struct wire_record r, t;
	struct trust_invite inv;
	uint8_t seed[TRUST_SEED_LEN];

	(void)state;
	admitted(&r, &inv, seed);

	/* no admission */
	fx_record_typical(&t, &idn);
	assert_int_equal(trust_admission_check(&t, auths, 2, FX_NOW), -TRUST_ENOADMISSION);
	/* wrong authority: only auth2 configured */
	assert_int_equal(trust_admission_check(&r, auths + 1, 1, FX_NOW), -TRUST_EUNKNOWN_AUTH);
	assert_int_equal(trust_admission_check(&r, auths, 0, FX_NOW), -TRUST_EUNKNOWN_AUTH);
	/* an invite signed by auth2 but claiming auth's short id */
	t = r;
	assert_int_equal(trust_invite_sign(&t.adm.invite, auth2.sk), 0);
	memcpy(t.adm.invite.auth, auth.pk, WIRE_AUTH_ID_LEN);
	assert_int_equal(trust_admission_check(&t, auths, 1, FX_NOW), -TRUST_EINVITE_SIG);
	/* tampered invite (more uses), record re-signed by its owner */
	t = r;
	t.adm.invite.uses = 1000;
	assert_int_equal(record_sign(&t, &idn), 0);
	assert_int_equal(trust_admission_check(&t, auths, 2, FX_NOW), -TRUST_EINVITE_SIG);
	t = r;
	t.adm.invite.not_after += 1;
	assert_int_equal(trust_admission_check(&t, auths, 2, FX_NOW), -TRUST_EINVITE_SIG);
	t = r;
	t.adm.invite.sig[0] ^= 1;
	assert_int_equal(trust_admission_check(&t, auths, 2, FX_NOW), -TRUST_EINVITE_SIG);
	/* the record's own signature covers the admission */
	t = r;
	t.adm.admitted_at += 1;
	assert_int_equal(record_verify(&t), -WIRE_EAUTH);
	t = r;
	t.has_admission = false;
	assert_int_equal(record_verify(&t), -WIRE_EAUTH);

	/* bad bind: another member's admission, or a tampered bind */
	t = r;
	memcpy(t.id, other.id, WIRE_ID_LEN);
	assert_int_equal(record_sign(&t, &other), 0);
	assert_int_equal(trust_admission_check(&t, auths, 2, FX_NOW), -TRUST_EBIND);
	t = r;
	t.adm.bind[10] ^= 4;
	assert_int_equal(trust_admission_check(&t, auths, 2, FX_NOW), -TRUST_EBIND);
	t = r;
	t.adm.admitted_at -= 1;          /* bind covers admitted_at */
	assert_int_equal(trust_admission_check(&t, auths, 2, FX_NOW), -TRUST_EBIND);
	/* an admission made with the wrong invite secret cannot be made */
	seed[0] ^= 1;
	assert_int_equal(trust_admission_make(&t.adm, &inv, seed, idn.id, FX_NOW), -WIRE_EVALUE);
	seed[0] ^= 1;
}

static void test_admission_times(void **state)
{
	struct wire_record r;
	struct trust_invite inv;
	uint8_t seed[TRUST_SEED_LEN];
	uint64_t ttl;

	(void)state;
	fx_record_typical(&r, &idn);
	fx_invite(&inv, seed, &auth, 4);
	ttl = inv.admit_ttl;

	/* admitted at not_after: fine; one second later: the invite had expired */
	fx_admit(&r, &idn, &inv, seed, inv.not_after);
	assert_int_equal(trust_admission_check(&r, auths, 2, inv.not_after), 0);
	fx_admit(&r, &idn, &inv, seed, inv.not_after + 1);
	assert_int_equal(trust_admission_check(&r, auths, 2, inv.not_after + 1), -TRUST_EINVITE_EXPIRED);

	/* future-dated: within the skew fine, beyond it refused */
	fx_admit(&r, &idn, &inv, seed, FX_NOW + TRUST_SKEW_S);
	assert_int_equal(trust_admission_check(&r, auths, 2, FX_NOW), 0);
	fx_admit(&r, &idn, &inv, seed, FX_NOW + TRUST_SKEW_S + 1);
	assert_int_equal(trust_admission_check(&r, auths, 2, FX_NOW), -TRUST_EFUTURE);
	assert_int_equal(trust_admission_check(&r, auths, 2, FX_NOW + 1), 0);

	/* expiry: ttl + skew after admission still valid, one second more not */
	fx_admit(&r, &idn, &inv, seed, FX_NOW);
	assert_int_equal(trust_admission_check(&r, auths, 2, FX_NOW + ttl + TRUST_SKEW_S), 0);
	assert_int_equal(trust_admission_check(&r, auths, 2, FX_NOW + ttl + TRUST_SKEW_S + 1),
			 -TRUST_EADMISSION_EXPIRED);
	assert_int_equal(trust_admission_check_times(&r.adm, UINT64_MAX), -TRUST_EADMISSION_EXPIRED);

	/* admit_ttl 0: never expires */
	inv.admit_ttl = 0;
	assert_int_equal(trust_invite_sign(&inv, auth.sk), 0);
	fx_admit(&r, &idn, &inv, seed, FX_NOW);
	assert_int_equal(trust_admission_check(&r, auths, 2, TRUST_TIME_MAX), 0);
	assert_int_equal(trust_admission_check_times(&r.adm, UINT64_MAX), 0);
	assert_int_equal(trust_admission_expiry(&r.adm), 0);
}

static void test_spend_check(void **state)
{
	struct wire_record r, t;
	struct trust_invite inv;
	struct trust_spend sp, bad;
	uint8_t seed[TRUST_SEED_LEN];

	(void)state;
	admitted(&r, &inv, seed);
	fx_record_typical(&t, &idn);
	assert_int_equal(trust_spend_from_record(&sp, &t), -WIRE_EVALUE);
	assert_int_equal(trust_spend_from_record(&sp, &r), 0);
	assert_memory_equal(sp.member, idn.id, WIRE_ID_LEN);
	assert_int_equal(trust_spend_check(&sp, auths, 2, FX_NOW), 0);
	/* an expired admission still counts as a spend */
	assert_int_equal(trust_spend_check(&sp, auths, 2, FX_NOW + 365 * 86400), 0);
	assert_int_equal(trust_spend_check(&sp, auths + 1, 1, FX_NOW), -TRUST_EUNKNOWN_AUTH);
	assert_int_equal(trust_spend_check(&sp, auths, 2, FX_NOW - TRUST_SKEW_S - 1), -TRUST_EFUTURE);
	bad = sp;
	memcpy(bad.member, other.id, WIRE_ID_LEN);  /* someone else claiming the use */
	assert_int_equal(trust_spend_check(&bad, auths, 2, FX_NOW), -TRUST_EBIND);
	bad = sp;
	bad.adm.invite.uses = 2;
	assert_int_equal(trust_spend_check(&bad, auths, 2, FX_NOW), -TRUST_EINVITE_SIG);
	fx_admit(&r, &idn, &inv, seed, inv.not_after + 1);
	assert_int_equal(trust_spend_from_record(&sp, &r), 0);
	assert_int_equal(trust_spend_check(&sp, auths, 2, inv.not_after + 1), -TRUST_EINVITE_EXPIRED);
}

static void test_constraints(void **state)
{
	struct wire_record r, t;
	struct trust_invite inv;
	uint8_t seed[TRUST_SEED_LEN], h[WIRE_CONSTRAINT_LEN], h2[WIRE_CONSTRAINT_LEN];

	(void)state;
	fx_record_typical(&r, &idn);
	r.n_tags = 1;
	strcpy(r.tag[0].key, "role");
	strcpy(r.tag[0].val, "db");
	fx_invite(&inv, seed, &auth, 5);

	/* hash from loose fields == hash from the record */
	assert_int_equal(trust_constraint_hash(h, &r, TRUST_CONSTRAIN_KNOWN), 0);
	assert_int_equal(trust_constraint_hash_fields(h2, TRUST_CONSTRAIN_KNOWN, r.name, r.overlay,
						      r.n_overlay, r.tag, r.n_tags), 0);
	assert_memory_equal(h, h2, sizeof(h));
	/* the bits are part of the hash: name-only differs from all */
	assert_int_equal(trust_constraint_hash(h2, &r, TRUST_CONSTRAIN_NAME), 0);
	assert_memory_not_equal(h, h2, sizeof(h));
	assert_int_equal(trust_constraint_hash(h2, &r, 0), 0);
	assert_true(sodium_is_zero(h2, sizeof(h2)));
	assert_int_equal(trust_constraint_hash(h2, &r, 8), -WIRE_EVALUE);

	for (uint8_t bits = 1; bits <= TRUST_CONSTRAIN_KNOWN; bits++) {
		inv.constrain = bits;
		assert_int_equal(trust_constraint_hash(inv.constraint, &r, bits), 0);
		assert_int_equal(trust_invite_sign(&inv, auth.sk), 0);
		fx_admit(&r, &idn, &inv, seed, FX_NOW);
		assert_int_equal(trust_admission_check(&r, auths, 2, FX_NOW), 0);

		/* name */
		t = r;
		strcpy(t.name, "node-beta");
		assert_int_equal(record_sign(&t, &idn), 0);
		assert_int_equal(trust_admission_check(&t, auths, 2, FX_NOW),
				 bits & TRUST_CONSTRAIN_NAME ? -TRUST_ECONSTRAINT : 0);
		/* address */
		t = r;
		t.overlay[0].ip[3] ^= 1;
		assert_int_equal(record_sign(&t, &idn), 0);
		assert_int_equal(trust_admission_check(&t, auths, 2, FX_NOW),
				 bits & TRUST_CONSTRAIN_ADDRESS ? -TRUST_ECONSTRAINT : 0);
		t = r;
		t.n_overlay = 2;             /* an extra address is a different list */
		assert_int_equal(wire_prefix_parse(&t.overlay[1], "fd42::3/64"), 0);
		assert_int_equal(record_sign(&t, &idn), 0);
		assert_int_equal(trust_admission_check(&t, auths, 2, FX_NOW),
				 bits & TRUST_CONSTRAIN_ADDRESS ? -TRUST_ECONSTRAINT : 0);
		/* tags */
		t = r;
		strcpy(t.tag[0].val, "web");
		assert_int_equal(record_sign(&t, &idn), 0);
		assert_int_equal(trust_admission_check(&t, auths, 2, FX_NOW),
				 bits & TRUST_CONSTRAIN_TAGS ? -TRUST_ECONSTRAINT : 0);
		/* what is not constrained may change freely: endpoints, port */
		t = r;
		t.endpoint[0].port++;
		t.version++;
		assert_int_equal(record_sign(&t, &idn), 0);
		assert_int_equal(trust_admission_check(&t, auths, 2, FX_NOW), 0);
	}
}

/* ---- revocations, grants ---- */

static void test_revocation_sign_verify(void **state)
{
	struct trust_revocation rev, t;

	(void)state;
	fx_revocation(&rev, &auth, idn.id);
	assert_memory_equal(rev.auth, auth.pk, WIRE_AUTH_ID_LEN);
	assert_int_equal(trust_revocation_verify(&rev, auths, 2), 0);
	assert_int_equal(trust_revocation_verify(&rev, auths + 1, 1), -TRUST_EUNKNOWN_AUTH);
	t = rev;
	t.target[0] ^= 1;
	assert_int_equal(trust_revocation_verify(&t, auths, 2), -TRUST_ESIG);
	t = rev;
	t.kind = TRUST_REVOKE_INVITE;
	t.n_overlay = 0;
	assert_int_equal(trust_revocation_verify(&t, auths, 2), -TRUST_ESIG);
	t = rev;
	t.n_overlay = 1;
	assert_int_equal(trust_revocation_verify(&t, auths, 2), -TRUST_ESIG);
	/* signed by auth2 under auth's short id */
	t = rev;
	assert_int_equal(trust_revocation_sign(&t, auth2.sk), 0);
	assert_int_equal(trust_revocation_verify(&t, auths, 2), 0);
	memcpy(t.auth, auth.pk, WIRE_AUTH_ID_LEN);
	assert_int_equal(trust_revocation_verify(&t, auths, 2), -TRUST_ESIG);
	/* invalid: refused before any signature check */
	t = rev;
	t.kind = 9;
	assert_int_equal(trust_revocation_verify(&t, auths, 2), -TRUST_ESIG);
}

static void test_grant_seal_open(void **state)
{
	struct trust_grant g, t;
	uint8_t key[WIRE_KEY_LEN], out[WIRE_KEY_LEN], h[WIRE_KEY_HASH_LEN];

	(void)state;
	randombytes_buf(key, sizeof(key));
	assert_int_equal(trust_grant_seal(&g, key, idn.id, 7, FX_NOW + 60, auth.sk), 0);
	assert_int_equal(g.epoch, 7);
	assert_int_equal(trust_grant_verify(&g, auths, 2), 0);
	assert_int_equal(trust_grant_open(&idn, &g, out), 0);
	assert_memory_equal(out, key, sizeof(key));
	trust_key_hash(h, key);
	assert_memory_equal(h, g.key_hash, sizeof(h));

	/* wrong recipient: another identity cannot open it, whatever the member field says */
	memset(out, 0x77, sizeof(out));
	assert_int_equal(trust_grant_open(&other, &g, out), -TRUST_EGRANT);
	assert_true(sodium_is_zero(out, sizeof(out)));
	t = g;
	memcpy(t.member, other.id, WIRE_ID_LEN);
	assert_int_equal(trust_grant_open(&other, &t, out), -TRUST_EGRANT);
	assert_int_equal(trust_grant_verify(&t, auths, 2), -TRUST_ESIG);
	/* tampered sealed box or key hash */
	t = g;
	t.sealed[40] ^= 1;
	assert_int_equal(trust_grant_open(&idn, &t, out), -TRUST_EGRANT);
	t = g;
	t.key_hash[0] ^= 1;
	assert_int_equal(trust_grant_open(&idn, &t, out), -TRUST_EGRANT);
	assert_true(sodium_is_zero(out, sizeof(out)));
	assert_int_equal(trust_grant_verify(&t, auths, 2), -TRUST_ESIG);
	/* signature: unknown authority, tampered epoch or activation */
	assert_int_equal(trust_grant_verify(&g, auths + 1, 1), -TRUST_EUNKNOWN_AUTH);
	t = g;
	t.epoch++;
	assert_int_equal(trust_grant_verify(&t, auths, 2), -TRUST_ESIG);
	t = g;
	t.activate_at--;
	assert_int_equal(trust_grant_verify(&t, auths, 2), -TRUST_ESIG);
	/* a member id that is not a curve point cannot be sealed to */
	uint8_t bad_id[WIRE_ID_LEN];
	memset(bad_id, 0xff, sizeof(bad_id));
	uint8_t wg[WIRE_KEY_LEN];
	if (identity_wg_public(wg, bad_id) != 0)
		assert_int_equal(trust_grant_seal(&t, key, bad_id, 1, FX_NOW, auth.sk), -EINVAL);
}

/* ---- hashes, reasons ---- */

static void test_hashes(void **state)
{
	struct trust_revocation rev, rev2;
	struct trust_grant g;
	struct trust_spend sp;
	struct wire_record r;
	struct trust_invite inv;
	uint8_t seed[TRUST_SEED_LEN], d1[16], d2[16];

	(void)state;
	admitted(&r, &inv, seed);
	memcpy(sp.member, r.id, WIRE_ID_LEN);
	sp.adm = r.adm;
	fx_revocation(&rev, &auth, idn.id);
	fx_grant(&g, &auth, idn.id);
	uint64_t hs = trust_spend_hash(&sp), hr = trust_revocation_hash(&rev), hg = trust_grant_hash(&g);
	assert_true(hs && hr && hg && hs != hr && hr != hg && hs != hg);
	assert_int_equal(trust_spend_hash(&sp), hs);  /* deterministic */
	rev2 = rev;
	rev2.revoked_at--;
	assert_int_not_equal(trust_revocation_hash(&rev2), hr);
	rev2.kind = 0;                   /* invalid: no hash */
	assert_int_equal(trust_revocation_hash(&rev2), 0);
	assert_int_equal(trust_invite_digest(d1, &inv), 0);
	inv.sig[5] ^= 1;
	assert_int_equal(trust_invite_digest(d2, &inv), 0);
	assert_memory_not_equal(d1, d2, sizeof(d1));
}

static void test_reasons(void **state)
{
	(void)state;
	assert_int_equal(sizeof(TRUST_INVITE_CONTEXT), 16);
	assert_int_equal(sizeof(TRUST_ADMIT_CONTEXT), 15);
	assert_int_equal(sizeof(TRUST_REVOKE_CONTEXT), 16);
	assert_int_equal(sizeof(TRUST_GRANT_CONTEXT), 15);
	for (int e = TRUST_ENOADMISSION; e < TRUST_REASON_END; e++) {
		const char *name = trust_reason_name(-e);

		assert_string_not_equal(name, "other");
		assert_string_not_equal(wire_strerror(-e), "unknown error");
		assert_string_equal(wire_strerror(-e), trust_strerror(-e));
		for (size_t i = 0; name[i]; i++)  /* usable as a Prometheus label value */
			assert_true((name[i] >= 'a' && name[i] <= 'z') || name[i] == '_');
		for (int f = TRUST_ENOADMISSION; f < e; f++)
			assert_string_not_equal(trust_reason_name(-f), name);
	}
	assert_string_equal(trust_reason_name(-WIRE_EAUTH), "other");
	assert_string_equal(trust_strerror(-WIRE_EAUTH), wire_strerror(-WIRE_EAUTH));
	assert_string_equal(trust_strerror(-TRUST_EUNKNOWN_AUTH), "signed by an unknown authority");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_max_sizes_exact),
		cmocka_unit_test(test_framing),
		cmocka_unit_test(test_invite_refusals),
		cmocka_unit_test(test_revocation_grant_refusals),
		cmocka_unit_test(test_every_bit_flip),
		cmocka_unit_test(test_admission_valid),
		cmocka_unit_test(test_admission_refusals),
		cmocka_unit_test(test_admission_times),
		cmocka_unit_test(test_spend_check),
		cmocka_unit_test(test_constraints),
		cmocka_unit_test(test_revocation_sign_verify),
		cmocka_unit_test(test_grant_seal_open),
		cmocka_unit_test(test_hashes),
		cmocka_unit_test(test_reasons),
	};

	fx_identity(&idn, 1);
	fx_identity(&other, 2);
	fx_authority(&auth, 1);
	fx_authority(&auth2, 2);
	memcpy(auth_list[0], auth.pk, WIRE_ID_LEN);
	memcpy(auth_list[1], auth2.pk, WIRE_ID_LEN);
	auths = (const uint8_t (*)[WIRE_ID_LEN])auth_list;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
