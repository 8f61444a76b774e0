/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>
#include <sodium.h>

#include "fixture.h"

/*
 * Seed 00 01 .. 1f. The Ed25519 key is libsodium's; the WireGuard public
 * key was computed once with `echo <wg private> | wg pubkey` (wireguard-tools),
 * so this pins our derivation to what WireGuard itself computes.
 */
static const char vec_ed25519_pk[] = "A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=";
static const char vec_wg_private[] = "OJTupJxYCu+BaTV2K+BJVZ1tFEDe3hLmoSXxhB//jm8=";
static const char vec_wg_public[] = "RwHQhIhFH1RaQJ+1iuPlhYHKQKw/fxFGmM1x3qxzygE=";

static void test_wg_vector(void **state)
{
	struct identity idn;
	char b64[KEY_B64_LEN];
	uint8_t pub[WIRE_KEY_LEN], scalar_pub[WIRE_KEY_LEN];

	(void)state;
	fx_identity(&idn, 0);
	key_to_base64(b64, idn.id);
	assert_string_equal(b64, vec_ed25519_pk);
	key_to_base64(b64, idn.wg_private);
	assert_string_equal(b64, vec_wg_private);
	key_to_base64(b64, idn.wg_public);
	assert_string_equal(b64, vec_wg_public);
	/* Any member's WireGuard key follows from its id alone. */
	assert_int_equal(identity_wg_public(pub, idn.id), 0);
	assert_memory_equal(pub, idn.wg_public, WIRE_KEY_LEN);
	/* And matches the X25519 public key of the derived private key. */
	assert_int_equal(crypto_scalarmult_base(scalar_pub, idn.wg_private), 0);
	assert_memory_equal(scalar_pub, idn.wg_public, WIRE_KEY_LEN);
	identity_wipe(&idn);
}

static void test_generate_and_wipe(void **state)
{
	struct identity a, b, zero;
	uint8_t pub[WIRE_KEY_LEN];

	(void)state;
	assert_int_equal(identity_init_crypto(), 0);
	assert_int_equal(identity_init_crypto(), 0);  /* idempotent */
	assert_int_equal(identity_generate(&a), 0);
	assert_int_equal(identity_generate(&b), 0);
	assert_memory_not_equal(a.id, b.id, WIRE_ID_LEN);
	assert_int_equal(identity_wg_public(pub, a.id), 0);
	assert_memory_equal(pub, a.wg_public, WIRE_KEY_LEN);
	/* The secret key's second half is the public key (libsodium layout). */
	assert_memory_equal(a.sk + 32, a.id, 32);
	identity_wipe(&a);
	memset(&zero, 0, sizeof(zero));
	assert_memory_equal(&a, &zero, sizeof(a));
	identity_wipe(&b);
}

static void test_bad_point(void **state)
{
	uint8_t id[WIRE_ID_LEN] = { 0 }, out[WIRE_KEY_LEN];

	(void)state;
	memset(out, 0x77, sizeof(out));
	/* All-zero: a small-order point; libsodium refuses to convert it. */
	assert_int_equal(identity_wg_public(out, id), -EINVAL);
	id[0] = 1;  /* the identity element: small order too */
	assert_int_equal(identity_wg_public(out, id), -EINVAL);
	for (size_t i = 0; i < sizeof(out); i++)
		assert_int_equal(out[i], 0x77);
}

static void test_base64(void **state)
{
	struct identity idn;
	uint8_t key[32], back[32];
	char b64[KEY_B64_LEN], bad[64];

	(void)state;
	fx_identity(&idn, 5);
	memcpy(key, idn.wg_public, 32);
	key_to_base64(b64, key);
	assert_int_equal(strlen(b64), 44);
	assert_int_equal(key_from_base64(back, b64), 0);
	assert_memory_equal(back, key, 32);
	assert_int_equal(key_from_base64(back, vec_wg_public), 0);

	memset(back, 0x77, sizeof(back));
	const char *rejects[] = {
		"", "=", "    ", "\n",
		"RwHQhIhFH1RaQJ+1iuPlhYHKQKw/fxFGmM1x3qxzygE",      /* no pad */
		"RwHQhIhFH1RaQJ+1iuPlhYHKQKw/fxFGmM1x3qxzygE==",    /* extra pad */
		"RwHQhIhFH1RaQJ+1iuPlhYHKQKw/fxFGmM1x3qxzygE=\n",   /* newline */
		" RwHQhIhFH1RaQJ+1iuPlhYHKQKw/fxFGmM1x3qxzygE=",    /* leading space */
		"RwHQhIhFH1RaQJ+1iuPlhYHKQKw/fxFGmM1x3qxzygE=x",    /* trailing garbage */
		"RwHQhIhFH1RaQJ+1iuPlhYHKQKw/fxFGmM1x3qxzygF=",     /* non-zero pad bits */
		"RwHQhIhFH1RaQJ-1iuPlhYHKQKw_fxFGmM1x3qxzygE=",     /* URL-safe alphabet */
		"RwHQhIhFH1RaQJ+1iuPlhYHKQKw/fxFGmM1x3qxzyg==",     /* 31 bytes */
		"RwHQhIhFH1RaQJ+1iuPlhYHK QKw/fxFGmM1x3qxzygE",     /* inner space */
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", /* 36 bytes */
	};
	for (size_t i = 0; i < sizeof(rejects) / sizeof(rejects[0]); i++) {
		if (key_from_base64(back, rejects[i]) != -EINVAL)
			fail_msg("accepted \"%s\"", rejects[i]);
	}
	assert_int_equal(key_from_base64(back, NULL), -EINVAL);
	for (size_t i = 0; i < sizeof(back); i++)
		assert_int_equal(back[i], 0x77);
	/* Not NUL-terminated within 45 bytes: still rejected, no over-read. */
	memset(bad, 'A', sizeof(bad));
	bad[sizeof(bad) - 1] = '\0';
	assert_int_equal(key_from_base64(back, bad), -EINVAL);
	identity_wipe(&idn);
}

static void test_hex(void **state)
{
	uint8_t key[32], back[32];
	char hex[KEY_HEX_LEN], upper[KEY_HEX_LEN];

	(void)state;
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)(0xf0 + i);
	key_to_hex(hex, key);
	assert_int_equal(strlen(hex), 64);
	assert_int_equal(strncmp(hex, "f0f1f2", 6), 0);
	assert_int_equal(key_from_hex(back, hex), 0);
	assert_memory_equal(back, key, 32);
	for (int i = 0; i < KEY_HEX_LEN; i++)
		upper[i] = (char)(hex[i] >= 'a' && hex[i] <= 'f' ? hex[i] - 32 : hex[i]);
	assert_int_equal(key_from_hex(back, upper), 0);
	assert_memory_equal(back, key, 32);

	char bad[KEY_HEX_LEN + 1];
	memcpy(bad, hex, sizeof(hex));
	bad[63] = 'g';
	assert_int_equal(key_from_hex(back, bad), -EINVAL);
	bad[63] = hex[63];
	bad[64] = '0', bad[65] = '\0';
	assert_int_equal(key_from_hex(back, bad), -EINVAL);
	bad[62] = '\0';
	assert_int_equal(key_from_hex(back, bad), -EINVAL);
	bad[0] = ' ';
	assert_int_equal(key_from_hex(back, bad), -EINVAL);
	assert_int_equal(key_from_hex(back, ""), -EINVAL);
	assert_int_equal(key_from_hex(back, NULL), -EINVAL);
	memcpy(bad, hex, sizeof(hex));
	bad[10] = ':';
	assert_int_equal(key_from_hex(back, bad), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wg_vector),
		cmocka_unit_test(test_generate_and_wipe),
		cmocka_unit_test(test_bad_point),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_hex),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
