/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "fixture.h"
#include "proto/mp_reader.h"

static struct identity idn;

static size_t encode(const struct wire_record *r, uint8_t *buf, size_t len)
{
	int n = record_encode(r, buf, len);

	assert_true(n > 0);
	return (size_t)n;
}

static void test_round_trip_typical(void **state)
{
	struct wire_record r, back;
	uint8_t buf[RECORD_MAX_ENCODED], again[RECORD_MAX_ENCODED];
	size_t n;

	(void)state;
	fx_record_typical(&r, &idn);
	n = encode(&r, buf, sizeof(buf));
	printf("# typical record: %zu bytes, msg_record_cost %d\n", n, msg_record_cost(&r));
	assert_int_equal(msg_record_cost(&r), (int)n);
	assert_int_equal(record_decode(&back, buf, n), 0);
	assert_int_equal(record_verify(&back), 0);
	assert_true(record_same(&r, &back));
	assert_int_equal(encode(&back, again, sizeof(again)), n);
	assert_memory_equal(buf, again, n);
}

/* RECORD_MAX_OPEN_ENCODED is exact: the fullest open-mode record is that long, and fits. */
static void test_max_record(void **state)
{
	struct wire_record r, back;
	uint8_t buf[RECORD_MAX_OPEN_ENCODED];

	(void)state;
	fx_record_max(&r, &idn);
	assert_int_equal(record_encode(&r, buf, sizeof(buf)), RECORD_MAX_OPEN_ENCODED);
	assert_int_equal(record_encode(&r, buf, sizeof(buf) - 1), -WIRE_ESPACE);
	assert_int_equal(record_decode(&back, buf, sizeof(buf)), 0);
	assert_int_equal(record_verify(&back), 0);
	assert_true(record_same(&r, &back));
}

/* Any changed bit: the decoder refuses it or the signature does not hold. */
static void test_every_bit_flip(void **state)
{
	struct wire_record recs[2], back;
	uint8_t buf[RECORD_MAX_ENCODED];

	(void)state;
	fx_record_typical(&recs[0], &idn);
	fx_record_max(&recs[1], &idn);
	for (int k = 0; k < 2; k++) {
		size_t n = encode(&recs[k], buf, sizeof(buf));

		for (size_t bit = 0; bit < n * 8; bit++) {
			buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			if (record_decode(&back, buf, n) == 0 && record_verify(&back) == 0)
				fail_msg("record %d: flipped bit %zu still verifies", k, bit);
			buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
		assert_int_equal(record_decode(&back, buf, n), 0);
	}
}

static void test_truncated_and_trailing(void **state)
{
	struct wire_record r, back;
	uint8_t buf[RECORD_MAX_ENCODED + 1];
	size_t n;

	(void)state;
	fx_record_max(&r, &idn);
	n = encode(&r, buf, sizeof(buf));
	for (size_t len = 0; len < n; len++)
		assert_int_equal(record_decode(&back, buf, len), -WIRE_ETRUNC);
	fx_record_typical(&r, &idn);
	n = encode(&r, buf, sizeof(buf));
	buf[n] = 0;
	assert_int_equal(record_decode(&back, buf, n + 1), -WIRE_ETRAILING);
	assert_int_equal(record_decode(&back, buf, RECORD_MAX_ENCODED + 1), -WIRE_ELIMIT);
}

static void test_tampered_fields(void **state)
{
	struct wire_record r, t;

	(void)state;
	fx_record_typical(&r, &idn);
	t = r;
	t.version++;
	assert_int_equal(record_verify(&t), -WIRE_EAUTH);
	t = r;
	t.endpoint[0].port++;
	assert_int_equal(record_verify(&t), -WIRE_EAUTH);
	t = r;
	t.sig[63] ^= 0x80;
	assert_int_equal(record_verify(&t), -WIRE_EAUTH);
	t = r;
	t.id[0] ^= 1;
	assert_int_equal(record_verify(&t), -WIRE_EAUTH);
	/* Only the owner signs its record. */
	struct identity other;
	fx_identity(&other, 99);
	assert_int_equal(record_sign(&t, &other), -WIRE_EVALUE);
	identity_wipe(&other);
}

static void expect_invalid(const struct wire_record *r)
{
	struct wire_record t = *r;
	uint8_t buf[RECORD_MAX_ENCODED];

	assert_int_equal(record_validate(&t), -WIRE_EVALUE);
	assert_int_equal(record_sign(&t, &idn), -WIRE_EVALUE);
	assert_int_equal(record_encode(&t, buf, sizeof(buf)), -WIRE_EVALUE);
	assert_int_equal(record_verify(&t), -WIRE_EAUTH);
}

static void test_validate(void **state)
{
	struct wire_record r, t;

	(void)state;
	fx_record_typical(&r, &idn);
	assert_int_equal(record_validate(&r), 0);

	const char *bad_names[] = {
		"tab\there", "del\x7f", "\xc3", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80",
		"\xf4\x90\x80\x80", "\xc2\x85", "evil\xe2\x80\xaegnp", "\xff",
	};
	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
		t = r;
		strcpy(t.name, bad_names[i]);
		expect_invalid(&t);
	}
	const char *good_names[] = { "", "Zürich-1", "東京", "a b", "\xf0\x9f\x90\x99" };
	for (size_t i = 0; i < sizeof(good_names) / sizeof(good_names[0]); i++) {
		t = r;
		strcpy(t.name, good_names[i]);
		assert_int_equal(record_sign(&t, &idn), 0);
	}
	t = r;
	memset(t.name, 'x', sizeof(t.name));  /* no NUL within 64 */
	expect_invalid(&t);

	t = r; t.overlay[0].family = 5; expect_invalid(&t);
	t = r; t.overlay[0].len = 33; expect_invalid(&t);
	t = r; t.n_overlay = 3; expect_invalid(&t);
	t = r; t.n_overlay = 2; t.overlay[1] = t.overlay[0]; expect_invalid(&t);
	t = r; t.n_endpoints = WIRE_MAX_ENDPOINTS + 1; expect_invalid(&t);
	t = r; t.endpoint[0].port = 0; expect_invalid(&t);
	t = r; t.endpoint[0].family = 0; expect_invalid(&t);
	t = r; t.gossip_port = 0; expect_invalid(&t);
	t = r; t.version = WIRE_VERSION_MAX + 1; expect_invalid(&t);
	t = r; t.version = UINT64_MAX; expect_invalid(&t);
	t = r; t.version = WIRE_VERSION_MAX;
	assert_int_equal(record_sign(&t, &idn), 0);
	t = r; t.flags = 1U << 3;   /* the first unknown flag */ expect_invalid(&t);
	t = r; t.n_tags = 5; expect_invalid(&t);
	t = r; t.n_tags = 1; expect_invalid(&t);  /* empty key */
	t = r; t.n_tags = 1; strcpy(t.tag[0].key, "a b"); expect_invalid(&t);
	t = r; t.n_tags = 2; strcpy(t.tag[0].key, "role"); strcpy(t.tag[1].key, "role");
	expect_invalid(&t);
	t = r; t.n_tags = 1; strcpy(t.tag[0].key, "role"); strcpy(t.tag[0].val, "a\nb");
	expect_invalid(&t);
	t = r; t.n_tags = 1; strcpy(t.tag[0].key, "role"); strcpy(t.tag[0].val, "");
	assert_int_equal(record_sign(&t, &idn), 0);
}

/*
 * A version above WIRE_VERSION_MAX does not decode, even correctly signed:
 * built by hand here, since the encoder refuses it too.
 */
static void test_version_bound(void **state)
{
	struct wire_record r, back;
	uint8_t buf[RECORD_MAX_ENCODED];
	size_t n;

	(void)state;
	fx_record_max(&r, &idn);
	n = encode(&r, buf, sizeof(buf));
	assert_int_equal(record_decode(&back, buf, n), 0);
	assert_true(back.version == WIRE_VERSION_MAX);
	/* uint64 (0xcf) at offset 1 + 34, big-endian: bump it by one */
	assert_int_equal(buf[35], 0xcf);
	buf[43] |= 1;
	assert_int_equal(record_decode(&back, buf, n), -WIRE_EVALUE);
	buf[36] = 0xff;
	assert_int_equal(record_decode(&back, buf, n), -WIRE_EVALUE);
}

/* Hand-built encodings that only a hostile or buggy peer would send. */
static void test_hostile(void **state)
{
	struct wire_record r, back;
	uint8_t buf[RECORD_MAX_ENCODED];
	size_t n;

	(void)state;
	const uint8_t huge_array[] = { 0xdd, 0xff, 0xff, 0xff, 0xff };
	const uint8_t huge_map[] = { 0xdf, 0xff, 0xff, 0xff, 0xff };
	assert_int_equal(record_decode(&back, huge_array, sizeof(huge_array)), -WIRE_ELIMIT);
	assert_int_equal(record_decode(&back, huge_map, sizeof(huge_map)), -WIRE_ETYPE);

	fx_record_typical(&r, &idn);
	n = encode(&r, buf, sizeof(buf));
	/* version is uint64 (0xcf) at offset 1 + 34: re-encode it non-canonically */
	{
		uint8_t nc[RECORD_MAX_ENCODED + 8];
		struct wire_record small = r;
		size_t m;

		small.version = 5;
		assert_int_equal(record_sign(&small, &idn), 0);
		m = encode(&small, buf, sizeof(buf));
		assert_int_equal(buf[35], 0x05);
		memcpy(nc, buf, 35);
		nc[35] = 0xcd, nc[36] = 0x00, nc[37] = 0x05;  /* uint16 5 */
		memcpy(nc + 38, buf + 36, m - 36);
		assert_int_equal(record_decode(&back, nc, m + 2), -WIRE_ECANON);
		nc[35] = 0xd0, nc[36] = 0x05;  /* int8 5 */
		memcpy(nc + 37, buf + 36, m - 36);
		assert_int_equal(record_decode(&back, nc, m + 1), -WIRE_ETYPE);
	}
	/* Name with an embedded NUL would shorten the C string. */
	fx_record_typical(&r, &idn);
	n = encode(&r, buf, sizeof(buf));
	assert_int_equal(buf[44], 0xaa);  /* fixstr 10 after id and version */
	buf[46] = 0;
	assert_int_equal(record_decode(&back, buf, n), -WIRE_EVALUE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_typical),
		cmocka_unit_test(test_max_record),
		cmocka_unit_test(test_every_bit_flip),
		cmocka_unit_test(test_truncated_and_trailing),
		cmocka_unit_test(test_tampered_fields),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_version_bound),
		cmocka_unit_test(test_hostile),
	};

	fx_identity(&idn, 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
