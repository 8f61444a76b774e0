/* SPDX-License-Identifier: MIT */
/*
 * The network-key AEAD envelope around every datagram:
 *   version (1) | nonce (24) | XChaCha20-Poly1305(plaintext) | tag (16)
 * with the version byte as associated data. Anything that fails to open
 * is dropped by the caller without a reply.
 */
#ifndef MESHD_PROTO_ENVELOPE_H
#define MESHD_PROTO_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>
#include "wire.h"

/*
 * Seal `plain` into `out` (needs plain_len + WIRE_ENVELOPE_OVERHEAD bytes).
 * The nonce comes from the caller (24 random bytes) so the core stays
 * free of hidden randomness. Returns sealed length or negative error.
 */
int envelope_seal(uint8_t *out, size_t out_len, const uint8_t *plain, size_t plain_len,
		  const uint8_t key[static WIRE_KEY_LEN], const uint8_t nonce[static WIRE_NONCE_LEN]);
/* Open into `plain` (needs len - overhead bytes); returns plaintext length or error. */
int envelope_open(uint8_t *plain, size_t plain_len, const uint8_t *in, size_t in_len,
		  const uint8_t key[static WIRE_KEY_LEN]);

#endif
