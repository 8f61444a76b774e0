/* SPDX-License-Identifier: MIT */
#include <string.h>
#include <sodium.h>

#include "envelope.h"

enum { HEADER_LEN = 1 + WIRE_NONCE_LEN };

int envelope_seal(uint8_t *out, size_t out_len, const uint8_t *plain, size_t plain_len,
		  const uint8_t key[static WIRE_KEY_LEN], const uint8_t nonce[static WIRE_NONCE_LEN])
{
	const uint8_t version = WIRE_VERSION;
	unsigned long long clen;

	if (plain_len > WIRE_MAX_PLAINTEXT)
		return -WIRE_ELIMIT;
	if (out_len < plain_len + WIRE_ENVELOPE_OVERHEAD)
		return -WIRE_ESPACE;
	/* libsodium handles in-place only at the same address: move first. */
	if (plain_len)
		memmove(out + HEADER_LEN, plain, plain_len);
	crypto_aead_xchacha20poly1305_ietf_encrypt(out + HEADER_LEN, &clen, out + HEADER_LEN,
						   plain_len, &version, 1, NULL, nonce, key);
	out[0] = version;
	memcpy(out + 1, nonce, WIRE_NONCE_LEN);
	return (int)(HEADER_LEN + clen);
}

/*
 * libsodium zeroes its output when the tag does not match; decrypting
 * into scratch first keeps the caller's buffer untouched on any error.
 */
int envelope_open(uint8_t *plain, size_t plain_len, const uint8_t *in, size_t in_len,
		  const uint8_t key[static WIRE_KEY_LEN])
{
	uint8_t scratch[WIRE_MAX_PLAINTEXT];
	unsigned long long mlen = 0;
	int ret;

	if (in_len > WIRE_MAX_DATAGRAM)
		return -WIRE_ELIMIT;
	if (in_len < WIRE_ENVELOPE_OVERHEAD)
		return -WIRE_ETRUNC;
	if (in[0] != WIRE_VERSION)
		return -WIRE_EVERSION;
	if (plain_len < in_len - WIRE_ENVELOPE_OVERHEAD)
		return -WIRE_ESPACE;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(scratch, &mlen, NULL, in + HEADER_LEN,
						       in_len - HEADER_LEN, in, 1, in + 1,
						       key) != 0) {
		ret = -WIRE_EAUTH;
		goto out;
	}
	memcpy(plain, scratch, (size_t)mlen);
	ret = (int)mlen;
out:
	sodium_memzero(scratch, sizeof(scratch));
	return ret;
}
