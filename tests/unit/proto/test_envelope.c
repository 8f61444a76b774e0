/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "fixture.h"
#include "proto/envelope.h"

static const uint8_t key[WIRE_KEY_LEN] = { 0x42, 1, 2, 3 };
static const uint8_t nonce[WIRE_NONCE_LEN] = { 0x24, 9, 8, 7 };
static uint8_t plain[WIRE_MAX_PLAINTEXT + 1], sealed[WIRE_MAX_DATAGRAM + 64],
	out[WIRE_MAX_PLAINTEXT + 64];

static int seal(size_t len)
{
	for (size_t i = 0; i < len; i++)
		plain[i] = (uint8_t)(i * 7 + 3);
	return envelope_seal(sealed, sizeof(sealed), plain, len, key, nonce);
}

/* The caller's buffer is untouched on any failure. */
static void expect_open_fails(const uint8_t *in, size_t len, const uint8_t *k, int err)
{
	memset(out, 0x5a, sizeof(out));
	assert_int_equal(envelope_open(out, sizeof(out), in, len, k), err);
	for (size_t i = 0; i < sizeof(out); i++)
		assert_int_equal(out[i], 0x5a);
}

static void test_round_trip(void **state)
{
	const size_t sizes[] = { 0, 1, 55, 1000, WIRE_MAX_PLAINTEXT };

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		int n = seal(sizes[i]);

		assert_int_equal(n, (int)(sizes[i] + WIRE_ENVELOPE_OVERHEAD));
		assert_int_equal(sealed[0], WIRE_VERSION);
		assert_memory_equal(sealed + 1, nonce, WIRE_NONCE_LEN);
		assert_int_equal(envelope_open(out, sizes[i], sealed, (size_t)n, key), (int)sizes[i]);
		if (sizes[i])
			assert_memory_equal(out, plain, sizes[i]);
	}
	assert_int_equal(seal(WIRE_MAX_PLAINTEXT), WIRE_MAX_DATAGRAM);
}

static void test_seal_limits(void **state)
{
	(void)state;
	assert_int_equal(seal(WIRE_MAX_PLAINTEXT + 1), -WIRE_ELIMIT);
	assert_int_equal(envelope_seal(sealed, 10 + WIRE_ENVELOPE_OVERHEAD - 1, plain, 10, key, nonce),
			 -WIRE_ESPACE);
	/* Sealing in place, plaintext already where the caller keeps it. */
	memcpy(sealed, "hello", 5);
	assert_int_equal(envelope_seal(sealed, sizeof(sealed), sealed, 5, key, nonce),
			 5 + WIRE_ENVELOPE_OVERHEAD);
	assert_int_equal(envelope_open(out, sizeof(out), sealed, 5 + WIRE_ENVELOPE_OVERHEAD, key), 5);
	assert_memory_equal(out, "hello", 5);
}

static void test_every_bit_flip(void **state)
{
	(void)state;
	size_t n = (size_t)seal(100);

	for (size_t bit = 0; bit < n * 8; bit++) {
		sealed[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		expect_open_fails(sealed, n, key, bit < 8 ? -WIRE_EVERSION : -WIRE_EAUTH);
		sealed[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	assert_int_equal(envelope_open(out, sizeof(out), sealed, n, key), 100);
}

static void test_truncated_and_oversized(void **state)
{
	uint8_t big[WIRE_MAX_DATAGRAM + 1];

	(void)state;
	size_t n = (size_t)seal(100);
	for (size_t len = 0; len < n; len++)
		expect_open_fails(sealed, len, key,
				  len < WIRE_ENVELOPE_OVERHEAD ? -WIRE_ETRUNC : -WIRE_EAUTH);
	/* An extra byte is not "trailing": it shifts the tag, so it fails auth. */
	sealed[n] = 0;
	expect_open_fails(sealed, n + 1, key, -WIRE_EAUTH);
	memset(big, 0, sizeof(big));
	big[0] = WIRE_VERSION;
	expect_open_fails(big, sizeof(big), key, -WIRE_ELIMIT);
	expect_open_fails(NULL, 0, key, -WIRE_ETRUNC);
}

static void test_wrong_key_version_space(void **state)
{
	uint8_t other[WIRE_KEY_LEN];

	(void)state;
	size_t n = (size_t)seal(64);
	memcpy(other, key, sizeof(other));
	other[31] ^= 1;
	expect_open_fails(sealed, n, other, -WIRE_EAUTH);
	sealed[0] = WIRE_VERSION + 1;
	expect_open_fails(sealed, n, key, -WIRE_EVERSION);
	sealed[0] = WIRE_VERSION;
	memset(out, 0x5a, sizeof(out));
	assert_int_equal(envelope_open(out, 63, sealed, n, key), -WIRE_ESPACE);
	assert_int_equal(out[0], 0x5a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_seal_limits),
		cmocka_unit_test(test_every_bit_flip),
		cmocka_unit_test(test_truncated_and_oversized),
		cmocka_unit_test(test_wrong_key_version_space),
	};

	assert_int_equal(identity_init_crypto(), 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
