/* SPDX-License-Identifier: MIT */
/* The engine's hash functions: index keys (fast) and digest entries (keyed, fixed). */
#include <string.h>
#include <sodium.h>

#include "internal.h"

/* murmur3's finaliser: every input bit reaches every output bit. */
uint64_t hash_mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/*
 * Index key of an id: its first 8 bytes under a per-engine random salt.
 * Ids are Ed25519 keys, so honest ones are uniform already; the salt
 * keeps a network-key holder who grinds keys from aiming at one chain
 * of every engine's index. Lookups by short id (8 bytes) use the same key.
 */
uint64_t hash_id(const uint8_t *id, uint64_t salt)
{
	uint64_t x;

	memcpy(&x, id, sizeof(x));
	return hash_mix(x ^ salt);
}

/*
 * A digest entry: SipHash of (id, version) under a key fixed for the
 * protocol, so every node hashes an entry alike and bucket sums compare.
 * It need not be secret: a member can already send any digest it likes;
 * it only has to make accidental equal sums over different sets unlikely.
 */
uint64_t hash_digest(const uint8_t id[static WIRE_ID_LEN], uint64_t version)
{
	static const uint8_t key[crypto_shorthash_KEYBYTES] = "meshd sync v1 k";
	uint8_t in[WIRE_ID_LEN + 8], out[crypto_shorthash_BYTES];
	uint64_t h;

	memcpy(in, id, WIRE_ID_LEN);
	for (int i = 0; i < 8; i++)
		in[WIRE_ID_LEN + i] = (uint8_t)(version >> (8 * i));
	crypto_shorthash(out, in, sizeof(in), key);
	h = 0;
	for (int i = 7; i >= 0; i--)   /* little-endian on every host: sums must agree */
		h = (h << 8) | out[i];
	return h;
}
