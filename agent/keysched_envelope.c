/* SPDX-License-Identifier: MIT */
/*
 * The network-key envelope under the key schedule (keysched.h): kept
 * apart from keysched.c so that the schedule itself needs no proto, and
 * from net.c so that the unit test runs exactly what the socket runs.
 */
#include "../proto/envelope.h"
#include "keysched.h"

int keysched_seal(const struct keysched *ks, const struct wire_addr *to, int64_t now,
		  uint8_t *out, size_t out_len, const uint8_t *plain, size_t plain_len,
		  const uint8_t nonce[static WIRE_NONCE_LEN])
{
	return envelope_seal(out, out_len, plain, plain_len, keysched_seal_key(ks, to, now)->key,
			     nonce);
}

int keysched_open(struct keysched *ks, const struct wire_addr *from, int64_t now,
		  uint8_t *plain, size_t plain_len, const uint8_t *in, size_t in_len, bool *old)
{
	const struct keysched_key *keys[2];
	size_t n = keysched_open_keys(ks, now, keys);
	int k = -WIRE_EAUTH;

	*old = false;
	/* A datagram in neither key (a revoked member's, once the window is over) stops here. */
	for (size_t i = 0; i < n && k < 0; i++) {
		k = envelope_open(plain, plain_len, in, in_len, keys[i]->key);
		if (k >= 0) {
			keysched_note_peer(ks, from, keys[i]->epoch);
			/* Only past activation is the previous key a laggard's. */
			*old = keys[i] == &ks->prev && now >= ks->cur.activate_at;
		}
	}
	return k;
}
