/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>
#include <sodium.h>

#include "identity.h"

int identity_init_crypto(void)
{
	return sodium_init() < 0 ? -EIO : 0;
}

int identity_from_seed(struct identity *idn, const uint8_t seed[static 32])
{
	struct identity tmp;
	int ret = -EINVAL;

	if (crypto_sign_seed_keypair(tmp.id, tmp.sk, seed) != 0)
		goto out;
	/* Both conversions can fail (bad point); a half-derived identity is useless. */
	if (crypto_sign_ed25519_sk_to_curve25519(tmp.wg_private, tmp.sk) != 0 ||
	    crypto_sign_ed25519_pk_to_curve25519(tmp.wg_public, tmp.id) != 0)
		goto out;
	*idn = tmp;
	ret = 0;
out:
	sodium_memzero(&tmp, sizeof(tmp));
	return ret;
}

int identity_generate(struct identity *idn)
{
	uint8_t seed[32];
	int ret;

	randombytes_buf(seed, sizeof(seed));
	ret = identity_from_seed(idn, seed);
	sodium_memzero(seed, sizeof(seed));
	return ret;
}

void identity_wipe(struct identity *idn)
{
	sodium_memzero(idn, sizeof(*idn));
}

int identity_wg_public(uint8_t out[static WIRE_KEY_LEN], const uint8_t id[static WIRE_ID_LEN])
{
	uint8_t tmp[WIRE_KEY_LEN];

	if (crypto_sign_ed25519_pk_to_curve25519(tmp, id) != 0)
		return -EINVAL;
	memcpy(out, tmp, sizeof(tmp));
	return 0;
}

void key_to_base64(char out[static KEY_B64_LEN], const uint8_t key[static 32])
{
	sodium_bin2base64(out, KEY_B64_LEN, key, 32, sodium_base64_VARIANT_ORIGINAL);
}

/*
 * Exactly 44 characters that decode to exactly 32 bytes, with nothing
 * ignored: no whitespace, no trailing garbage, no non-zero pad bits
 * (re-encoding must give back the same text). `key` is written only on
 * success; the scratch copy is wiped because private keys pass here too.
 */
int key_from_base64(uint8_t key[static 32], const char *b64)
{
	uint8_t tmp[32];
	char back[KEY_B64_LEN];
	const char *end = NULL;
	size_t n = 0;
	int ret = -EINVAL;

	if (!b64 || strnlen(b64, KEY_B64_LEN) != KEY_B64_LEN - 1)
		return -EINVAL;
	if (sodium_base642bin(tmp, sizeof(tmp), b64, KEY_B64_LEN - 1, NULL, &n, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    n != sizeof(tmp) || end != b64 + KEY_B64_LEN - 1)
		goto out;
	key_to_base64(back, tmp);
	if (sodium_memcmp(back, b64, KEY_B64_LEN - 1) != 0)
		goto out;
	memcpy(key, tmp, sizeof(tmp));
	ret = 0;
out:
	sodium_memzero(tmp, sizeof(tmp));
	sodium_memzero(back, sizeof(back));
	return ret;
}

void key_to_hex(char out[static KEY_HEX_LEN], const uint8_t key[static 32])
{
	sodium_bin2hex(out, KEY_HEX_LEN, key, 32);
}

/* Exactly 64 hex digits (either case, as wireguard-tools accepts). */
int key_from_hex(uint8_t key[static 32], const char *hex)
{
	uint8_t tmp[32];
	const char *end = NULL;
	size_t n = 0;
	int ret = -EINVAL;

	if (!hex || strnlen(hex, KEY_HEX_LEN) != KEY_HEX_LEN - 1)
		return -EINVAL;
	if (sodium_hex2bin(tmp, sizeof(tmp), hex, KEY_HEX_LEN - 1, NULL, &n, &end) != 0 ||
	    n != sizeof(tmp) || end != hex + KEY_HEX_LEN - 1)
		goto out;
	memcpy(key, tmp, sizeof(tmp));
	ret = 0;
out:
	sodium_memzero(tmp, sizeof(tmp));
	return ret;
}
