/* SPDX-License-Identifier: MIT */
/*
 * Issue 10 in messages: WIRE_TRUST, the SYNC_DIGEST trust digest, and
 * records carrying the largest admission still fitting every message
 * that packs them (JOIN, JOIN_ACK, SYNC_DIGEST, LEAVE, RECORDS).
 */
#include <stdio.h>
#include <string.h>

#include "fixture.h"
#include "proto/envelope.h"

static struct identity idn;
static struct fx_authority auth;
static struct wire_msg m, back;
static uint8_t buf[WIRE_MAX_PLAINTEXT + 64], again[WIRE_MAX_PLAINTEXT + 64];
static struct wire_record maxrec;

static size_t round_trip(const struct wire_msg *msg)
{
	size_t n = fx_encode_msg(msg, buf, sizeof(buf));

	assert_int_equal(msg_encoded_size(msg), (int)n);
	assert_int_equal(msg_decode(&back, buf, n), 0);
	assert_int_equal(fx_encode_msg(&back, again, sizeof(again)), n);
	assert_memory_equal(buf, again, n);
	return n;
}

/* Pack one kind of object until the datagram is full, as gossip/ will. */
static void pack_spends(struct wire_msg *msg, const struct trust_spend *sp)
{
	int size = msg_encoded_size(msg);

	while (msg->n_spends < WIRE_MAX_TRUST_SPENDS &&
	       size + msg_spend_cost(sp) <= WIRE_MAX_PLAINTEXT) {
		msg->spend[msg->n_spends++] = *sp;
		assert_int_equal(msg_encoded_size(msg), size + msg_spend_cost(sp));
		size = msg_encoded_size(msg);
	}
}

static void test_trust_round_trip(void **state)
{
	struct trust_spend sp;
	struct trust_revocation rev;
	struct trust_grant g;
	size_t n;

	(void)state;
	memcpy(sp.member, maxrec.id, WIRE_ID_LEN);
	sp.adm = maxrec.adm;
	fx_revocation(&rev, &auth, idn.id);
	fx_grant(&g, &auth, idn.id);

	/* one of each, no page */
	msg_init(&m, WIRE_TRUST, idn.id);
	m.spend[m.n_spends++] = sp;
	m.revocation[m.n_revocations++] = rev;
	m.grant[m.n_grants++] = g;
	n = round_trip(&m);
	printf("# WIRE_TRUST with the largest spend, revocation and grant: %zu bytes\n", n);
	assert_int_equal(back.n_spends, 1);
	assert_true(trust_admission_same(&back.spend[0].adm, &sp.adm));
	assert_int_equal(trust_revocation_hash(&back.revocation[0]), trust_revocation_hash(&rev));
	assert_memory_equal(&back.grant[0], &g, sizeof(g));

	/* as many of the largest spends as fit */
	msg_init(&m, WIRE_TRUST, idn.id);
	pack_spends(&m, &sp);
	n = round_trip(&m);
	printf("# WIRE_TRUST: %u largest spends in %zu bytes\n", m.n_spends, n);
	assert_true(m.n_spends >= 4);

	/* every cap at once is over the datagram: the encoder says so */
	msg_init(&m, WIRE_TRUST, idn.id);
	m.n_revocations = WIRE_MAX_TRUST_REVOCATIONS;
	for (int i = 0; i < WIRE_MAX_TRUST_REVOCATIONS; i++)
		m.revocation[i] = rev;
	assert_true(msg_encoded_size(&m) > WIRE_MAX_PLAINTEXT);
	assert_int_equal(msg_encode(&m, buf, sizeof(buf)), -WIRE_ESPACE);
	m.n_revocations = 7;
	round_trip(&m);
	m.n_revocations = 0;
	m.n_grants = 5;
	for (int i = 0; i < 5; i++)
		m.grant[i] = g;
	round_trip(&m);

	/* the largest page fits with room to spare and seals under 1200 */
	fx_msg_max_body(&m, WIRE_TRUST);
	n = round_trip(&m);
	assert_int_equal(back.n_hashes, WIRE_MAX_TRUST_HASHES);
	assert_memory_equal(back.hash, m.hash, sizeof(m.hash));
	assert_int_equal(back.trust_from, m.trust_from);
	assert_int_equal(back.trust_flags, WIRE_TRUST_FLAGS_KNOWN);
	printf("# WIRE_TRUST page of %d hashes: %zu bytes\n", WIRE_MAX_TRUST_HASHES, n);
	assert_true(n + MSG_TRUST_HASH_COST * 0 <= WIRE_MAX_PLAINTEXT);
}

static void test_trust_refusals(void **state)
{
	struct trust_revocation rev;

	(void)state;
	fx_revocation(&rev, &auth, idn.id);
	fx_msg_max_body(&m, WIRE_TRUST);
	m.hash[5] = m.hash[4];               /* duplicate */
	assert_int_equal(msg_encode(&m, buf, sizeof(buf)), -WIRE_ECANON);
	fx_msg_max_body(&m, WIRE_TRUST);
	m.hash[5] = m.hash[4] - 1;           /* out of order */
	assert_int_equal(msg_encode(&m, buf, sizeof(buf)), -WIRE_ECANON);
	fx_msg_max_body(&m, WIRE_TRUST);
	m.trust_from = m.hash[0] + 1;        /* a hash below the page's start */
	assert_int_equal(msg_encode(&m, buf, sizeof(buf)), -WIRE_ECANON);
	fx_msg_max_body(&m, WIRE_TRUST);
	m.trust_flags = 8;
	assert_int_equal(msg_encode(&m, buf, sizeof(buf)), -WIRE_EVALUE);
	m.trust_flags = WIRE_TRUST_REPLY;    /* hashes without PAGE */
	assert_int_equal(msg_encode(&m, buf, sizeof(buf)), -WIRE_EVALUE);
	m.n_hashes = 0;                      /* trust_from without PAGE */
	assert_int_equal(msg_encode(&m, buf, sizeof(buf)), -WIRE_EVALUE);
	m.trust_from = 0;
	m.trust_flags = WIRE_TRUST_MORE;     /* MORE without PAGE */
	assert_int_equal(msg_encode(&m, buf, sizeof(buf)), -WIRE_EVALUE);
	m.trust_flags = 0;
	round_trip(&m);                      /* an empty WIRE_TRUST is valid */
	m.n_hashes = WIRE_MAX_TRUST_HASHES + 1;
	assert_int_equal(msg_encode(&m, buf, sizeof(buf)), -WIRE_ELIMIT);
	msg_init(&m, WIRE_TRUST, idn.id);
	m.n_revocations = 1;
	m.revocation[0] = rev;
	m.revocation[0].kind = 0;            /* invalid object inside */
	assert_int_equal(msg_encode(&m, buf, sizeof(buf)), -WIRE_EVALUE);
	m.n_revocations = 0;
	m.n_grants = WIRE_MAX_TRUST_GRANTS + 1;
	assert_int_equal(msg_encode(&m, buf, sizeof(buf)), -WIRE_ELIMIT);

	/* bytes: [9c, 0b, c4 08 <8>, seq 00, flags, from, hashes, spends, revs, grants, recs, rums, pad] */
	msg_init(&m, WIRE_TRUST, idn.id);
	m.trust_flags = WIRE_TRUST_PAGE;
	m.n_hashes = 2;
	m.hash[0] = 1, m.hash[1] = 2;
	size_t n = fx_encode_msg(&m, buf, sizeof(buf));
	assert_int_equal(buf[0], 0x9c);
	assert_int_equal(buf[1], WIRE_TRUST);
	/* ... 01 00 92 01 02 90 90 90 90 90 c4 00 */
	assert_int_equal(buf[n - 12], 0x01);
	assert_int_equal(buf[n - 10], 0x92);
	assert_int_equal(msg_decode(&back, buf, n), 0);
	buf[n - 8] = 0x01;                   /* descending */
	buf[n - 9] = 0x02;
	assert_int_equal(msg_decode(&back, buf, n), -WIRE_ECANON);
	buf[n - 9] = 0x01, buf[n - 8] = 0x02;
	buf[n - 10] = 0x93;                  /* 3 hashes claimed */
	assert_true(msg_decode(&back, buf, n) < 0);
	buf[n - 10] = 0x92;
	buf[n - 7] = 0x99;                   /* 9 spends > cap */
	assert_int_equal(msg_decode(&back, buf, n), -WIRE_ELIMIT);
	buf[n - 7] = 0x90;
	buf[n - 6] = 0x9f;                   /* 15 revocations: over the cap */
	assert_int_equal(msg_decode(&back, buf, n), -WIRE_ELIMIT);
	buf[n - 6] = 0x90;
	buf[n - 12] = 0x08;                  /* unknown flag */
	assert_int_equal(msg_decode(&back, buf, n), -WIRE_EVALUE);
}

/* Every message that packs records still fits the largest admitted one. */
static void test_records_with_admission_fit(void **state)
{
	const uint8_t types[] = { WIRE_JOIN, WIRE_JOIN_ACK, WIRE_SYNC_DIGEST, WIRE_SYNC_ENTRIES,
				  WIRE_RECORDS, WIRE_LEAVE, WIRE_PING, WIRE_PING_REQ, WIRE_ACK };
	struct wire_record leaving = maxrec;
	uint8_t sealed[WIRE_MAX_DATAGRAM + 64], key[WIRE_KEY_LEN] = { 1 }, nonce[WIRE_NONCE_LEN] = { 2 };

	(void)state;
	assert_int_equal(msg_record_cost(&maxrec), RECORD_MAX_ENCODED);
	leaving.flags |= WIRE_REC_LEAVING;
	assert_int_equal(record_sign(&leaving, &idn), 0);
	for (size_t i = 0; i < sizeof(types); i++) {
		fx_msg_max_body(&m, types[i]);
		/* a SYNC_ENTRIES push carries records, a listing entries (gossip/sync.c) */
		if (types[i] == WIRE_SYNC_ENTRIES)
			m.n_entries = 0;
		m.record[m.n_records++] = types[i] == WIRE_LEAVE ? leaving : maxrec;
		size_t n = round_trip(&m);

		assert_true(record_same(&back.record[0], &m.record[0]));
		assert_int_equal(record_verify(&back.record[0]), 0);
		int s = envelope_seal(sealed, sizeof(sealed), buf, n, key, nonce);
		assert_true(s > 0 && s <= WIRE_MAX_DATAGRAM);
		printf("# type %2u max body + largest admitted record: %zu bytes, sealed %d\n",
		       types[i], n, s);
		/* JOIN and SYNC_DIGEST pad to the limit (gossip/join.c, sync.c) */
		assert_int_equal(msg_pad_to(&m, WIRE_MAX_PLAINTEXT), WIRE_MAX_PLAINTEXT);
	}
	/* typical admitted records: how many ride in one datagram */
	struct wire_record r;
	struct trust_invite inv;
	uint8_t seed[TRUST_SEED_LEN];
	fx_record_typical(&r, &idn);
	int open_cost = msg_record_cost(&r);
	fx_invite(&inv, seed, &auth, 1);
	fx_admit(&r, &idn, &inv, seed, FX_NOW);
	msg_init(&m, WIRE_RECORDS, idn.id);
	while (m.n_records < WIRE_MAX_RECORDS &&
	       msg_encoded_size(&m) + msg_record_cost(&r) <= WIRE_MAX_PLAINTEXT)
		m.record[m.n_records++] = r;
	round_trip(&m);
	printf("# typical admitted record %d bytes (open %d): %u per datagram\n",
	       msg_record_cost(&r), open_cost, m.n_records);
	assert_true(m.n_records >= 3);
}

static void test_sync_trust_digest(void **state)
{
	(void)state;
	fx_msg_max_body(&m, WIRE_SYNC_DIGEST);
	round_trip(&m);
	assert_int_equal(back.trust_count, UINT32_MAX);
	assert_int_equal(back.trust_digest, UINT64_MAX);
	m.trust_count = 3;
	m.trust_digest = 0x0123456789abcdefULL;
	round_trip(&m);
	assert_int_equal(back.trust_count, 3);
	assert_int_equal(back.trust_digest, 0x0123456789abcdefULL);
	/* SYNC_ENTRIES does not carry it */
	fx_msg_max_body(&m, WIRE_SYNC_ENTRIES);
	m.trust_count = 3;
	round_trip(&m);
	assert_int_equal(back.trust_count, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trust_round_trip),
		cmocka_unit_test(test_trust_refusals),
		cmocka_unit_test(test_records_with_admission_fit),
		cmocka_unit_test(test_sync_trust_digest),
	};

	fx_identity(&idn, 1);
	fx_authority(&auth, 1);
	fx_record_max_admitted(&maxrec, &idn, &auth);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
