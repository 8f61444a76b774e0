/* SPDX-License-Identifier: MIT */
/*
 * The network-key schedule (plan T9): which key seals a datagram and
 * which keys may open one, across a rotation, with no datagram lost.
 *
 * Two keys at most: the newest (`cur`, epoch E) and the one before it
 * (`prev`). A rotation grant names activate_at (unix seconds):
 *   now <  activate_at               seal with prev; open with both
 *   activate_at <= now < +transition seal with cur, except towards a peer
 *                                    whose last datagram opened with prev
 *                                    (a laggard must still get its grant);
 *                                    open with both
 *   now >= activate_at + transition  prev is wiped: only cur opens
 * So every node opens both keys for as long as any node may still seal
 * with the old one, and a member that got no grant (a revoked one) can
 * produce nothing anyone opens once the window is over.
 *
 * Pure: time comes in as an argument; the agent reads and writes the
 * state file (keysched_format / keysched_parse produce and take its text).
 *
 * File (<state-dir>/netkeys, 0600):   meshd-netkeys 1
 *                                     key EPOCH ACTIVATE_AT BASE64   (newest)
 *                                     key EPOCH ACTIVATE_AT BASE64   (previous, optional)
 */
#ifndef MESHD_AGENT_KEYSCHED_H
#define MESHD_AGENT_KEYSCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../proto/wire.h"

enum {
	KEYSCHED_PEERS = 512,       /* peers whose last key we remember (direct-mapped) */
	KEYSCHED_TEXT_MAX = 256,    /* the state file's size */
};

struct keysched_key {
	uint8_t key[WIRE_KEY_LEN];
	uint64_t epoch;
	int64_t activate_at;        /* unix s from which it seals (0 = from the start) */
	bool set;
};

struct keysched_peer {
	struct wire_addr addr;
	uint64_t epoch;
	bool used;
};

struct keysched {
	struct keysched_key cur, prev;
	uint32_t transition_s;
	uint8_t hkey[16];           /* random: the peer table's index is not steerable */
	uint64_t opened_prev;       /* datagrams that opened only with the previous key */
	struct keysched_peer peer[KEYSCHED_PEERS];
};

/* One key, active now. transition_s: how long prev opens after activate_at. */
void keysched_init(struct keysched *ks, const uint8_t key[static WIRE_KEY_LEN], uint64_t epoch,
		   uint32_t transition_s);
/*
 * A new key (from a verified grant): it becomes cur and cur becomes prev,
 * except that a cur not active yet at `now` is replaced (prev, the key in
 * use, stays). 0, -EALREADY (this epoch or a newer one is held: nothing
 * changes), -EEXIST (the same epoch with another key is held: nothing
 * changes).
 */
int keysched_install(struct keysched *ks, const uint8_t key[static WIRE_KEY_LEN], uint64_t epoch,
		     int64_t activate_at, int64_t now);
/* Wipe prev once its window is over; true when it did (save the file). */
bool keysched_expire(struct keysched *ks, int64_t now);

/* The keys to try on a datagram, most likely first; returns 1 or 2. */
size_t keysched_open_keys(const struct keysched *ks, int64_t now,
			  const struct keysched_key *out[static 2]);
/* Which key opened the last datagram from `from` (for keysched_seal_key). */
void keysched_note_peer(struct keysched *ks, const struct wire_addr *from, uint64_t epoch);
/* The key to seal a datagram to `to` with. */
const struct keysched_key *keysched_seal_key(const struct keysched *ks,
					     const struct wire_addr *to, int64_t now);
/*
 * The envelope under the schedule (keysched_envelope.c; needs proto):
 * seal to `to` with keysched_seal_key; open with the keys
 * keysched_open_keys gives, noting which one opened for the sender.
 * Returns the plaintext length or a negative error (-WIRE_EAUTH when no
 * key opens it); *old is set when it came in the previous key after the
 * new one became active (a laggard's, or a revoked member's in the window).
 */
int keysched_seal(const struct keysched *ks, const struct wire_addr *to, int64_t now,
		  uint8_t *out, size_t out_len, const uint8_t *plain, size_t plain_len,
		  const uint8_t nonce[static WIRE_NONCE_LEN]);
int keysched_open(struct keysched *ks, const struct wire_addr *from, int64_t now,
		  uint8_t *plain, size_t plain_len, const uint8_t *in, size_t in_len, bool *old);

/* The epoch that seals by default now (status and metrics). */
uint64_t keysched_epoch(const struct keysched *ks, int64_t now);

/* The state file's text (NUL-terminated); returns its length or -ENOSPC. */
int keysched_format(const struct keysched *ks, char *buf, size_t cap);
/* Parse it into ks (keys only; the peer table starts empty). 0 or -EINVAL. */
int keysched_parse(struct keysched *ks, const char *text, size_t len, uint32_t transition_s);
void keysched_wipe(struct keysched *ks);

#endif
