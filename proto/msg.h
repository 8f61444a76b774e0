/* SPDX-License-Identifier: MIT */
/*
 * Gossip messages (plaintext, before sealing). One struct for every type:
 * which fields matter depends on `type`. Every message may carry
 * piggybacked records and rumours.
 *
 * Wire form: msgpack array [type, sender bin8, seq, body..., records
 * array, rumours array, pad bin] — exact layout per type in msg_rules.h.
 *
 * Issue 11 added WIRE_RELAY (relay allocation between members).
 *
 * Issue 10 (authority mode) added WIRE_TRUST (trust objects and pages of
 * their hashes, for gossip/trust*.c) and the trust digest of every
 * SYNC_DIGEST (trust_count, trust_digest). Issue 11 added the optional
 * `seen` field of WIRE_ACK.
 */
#ifndef MESHD_PROTO_MSG_H
#define MESHD_PROTO_MSG_H

#include <stddef.h>
#include <stdint.h>
#include "wire.h"

enum wire_type {
	WIRE_JOIN = 1,        /* joiner -> seed (underlay): records[0] = joiner's record; padded */
	WIRE_JOIN_ACK = 2,    /* seed -> joiner: records[0] = seed's, observed, prefix, first members */
	WIRE_PING = 3,        /* seq, target = id the prober expects to answer */
	WIRE_PING_REQ = 4,    /* seq, target + target_addr: probe it for me */
	WIRE_ACK = 5,         /* seq (answers PING; relayed for PING_REQ); optional seen */
	WIRE_NACK = 6,        /* seq: relay could not reach target (Lifeguard) */
	WIRE_SYNC_DIGEST = 7, /* anti-entropy: bucket sums under `prefix` (or one summary) */
	WIRE_SYNC_ENTRIES = 8,/* anti-entropy: (short id, version) of one bucket */
	WIRE_RECORDS = 9,     /* records only (sync answers, gossip with nothing to ride on) */
	WIRE_LEAVE = 10,      /* records[0] = owner's signed record with WIRE_REC_LEAVING */
	WIRE_TRUST = 11,      /* trust objects (spends, revocations, grants) and/or a hash page */
	WIRE_RELAY = 12,      /* relay allocation (issue 11, P5): relay_op, relay_peer, relay_port */
	WIRE_PUNCH = 13,      /* hole punch: origin -> coordinator -> target (issue 11) */
	WIRE_TYPE_MAX = WIRE_PUNCH,
};

enum wire_liveness { WIRE_LIVE_ALIVE = 0, WIRE_LIVE_SUSPECT = 1, WIRE_LIVE_FAILED = 2 };

/* "origin thinks subject (at version) is suspect/failed" — unsigned claim. */
struct wire_rumor {
	uint8_t subject[WIRE_ID_LEN];
	uint64_t version;
	uint8_t state;                       /* enum wire_liveness */
	uint8_t origin[WIRE_SHORT_ID_LEN];
};

struct wire_sync_bucket {
	uint64_t hash;   /* sum of entry hashes under this bucket */
	uint32_t count;  /* number of entries under this bucket */
};

struct wire_sync_entry {
	uint8_t id[WIRE_SHORT_ID_LEN];
	uint64_t version;
};

#define WIRE_SYNC_REPLY (1U << 0)  /* an answer: do not answer it again */

/*
 * WIRE_TRUST flags. The meaning of a page is gossip/'s (T8); the codec
 * only guarantees: known flags, hashes strictly ascending and all >=
 * trust_from, MORE only with PAGE, and no hashes or trust_from without PAGE.
 */
#define WIRE_TRUST_PAGE (1U << 0)   /* hash[] = the sender's object hashes from trust_from on */
#define WIRE_TRUST_MORE (1U << 1)   /* the sender holds more hashes after hash[n_hashes - 1] */
#define WIRE_TRUST_REPLY (1U << 2)  /* an answer: do not answer it again */
#define WIRE_TRUST_FLAGS_KNOWN (WIRE_TRUST_PAGE | WIRE_TRUST_MORE | WIRE_TRUST_REPLY)

/*
 * WIRE_RELAY ops. A asks relay R for a pair (A, relay_peer = B); R
 * answers A and B with OK {relay_peer = the other member, relay_port =
 * the R port to send to}, or A with REFUSE; BYE (either way) ends the
 * pair. relay_port is non-zero exactly in OK.
 */
enum wire_relay_op { WIRE_RELAY_REQ = 1, WIRE_RELAY_OK = 2, WIRE_RELAY_REFUSE = 3,
		     WIRE_RELAY_BYE = 4, WIRE_RELAY_OP_MAX = WIRE_RELAY_BYE };

/*
 * WIRE_PUNCH flags. Without FWD the message is a request from its origin
 * (sender == punch_from) to a coordinator; with FWD it is the
 * coordinator's one forward of it to punch_to. What is acted upon is
 * gossip/'s (punch.c); the codec only guarantees known flags, a real
 * endpoint and at <= WIRE_PUNCH_AT_MAX.
 */
#define WIRE_PUNCH_FWD (1U << 0)
#define WIRE_PUNCH_FLAGS_KNOWN (WIRE_PUNCH_FWD)

struct wire_msg {
	uint8_t type;                        /* enum wire_type */
	uint8_t sender[WIRE_SHORT_ID_LEN];
	uint32_t seq;

	/* PING, PING_REQ, ACK, NACK */
	/* Short id of the member probed: lets a wrong recipient (an address
	 * reused by another node) tell; 8 bytes, not 32, on every probe. */
	uint8_t target[WIRE_SHORT_ID_LEN];
	struct wire_addr target_addr;        /* PING_REQ */
	/*
	 * ACK, optional (family 0 = absent, and then the ACK encodes exactly
	 * as before the field existed): the endpoint the ACK sender's
	 * WireGuard holds for the PINGer (issue 11: endpoint observation).
	 */
	struct wire_addr seen;

	/* JOIN_ACK */
	struct wire_addr observed;           /* joiner's address as the seed saw it */
	struct wire_prefix overlay_prefix;

	/* SYNC_DIGEST, SYNC_ENTRIES: the id prefix, in nibbles */
	uint8_t sync_flags;                  /* WIRE_SYNC_* */
	uint8_t prefix_len;                  /* 0..WIRE_SYNC_MAX_DEPTH */
	uint8_t prefix[WIRE_SYNC_MAX_DEPTH / 2];
	uint8_t n_buckets;                   /* 0, 1 (summary of the span) or WIRE_SYNC_FANOUT */
	struct wire_sync_bucket bucket[WIRE_SYNC_FANOUT];
	uint8_t n_entries;
	struct wire_sync_entry entry[WIRE_MAX_ENTRIES];

	/* SYNC_DIGEST: the sender's trust digest (T8): how many trust objects
	 * it holds and the xor of their trust_*_hash() values. */
	uint32_t trust_count;
	uint64_t trust_digest;

	/* TRUST */
	uint8_t trust_flags;                 /* WIRE_TRUST_* */
	uint64_t trust_from;                 /* PAGE: first hash value the page covers */
	uint8_t n_hashes;
	uint64_t hash[WIRE_MAX_TRUST_HASHES];/* PAGE: strictly ascending, >= trust_from */
	uint8_t n_spends;
	struct trust_spend spend[WIRE_MAX_TRUST_SPENDS];
	uint8_t n_revocations;
	struct trust_revocation revocation[WIRE_MAX_TRUST_REVOCATIONS];
	uint8_t n_grants;
	struct trust_grant grant[WIRE_MAX_TRUST_GRANTS];

	/* RELAY */
	uint8_t relay_op;                    /* enum wire_relay_op */
	uint8_t relay_peer[WIRE_ID_LEN];     /* the other member of the pair */
	uint16_t relay_port;                 /* OK: the relay's port for the recipient */
	/* PUNCH: punch_from asks punch_to to send a low-TTL datagram to
	 * punch_ep (one of punch_from's record endpoints) punch_at ms after
	 * it gets this, as punch_from does towards punch_to at the same time. */
	uint8_t punch_flags;                 /* WIRE_PUNCH_* */
	uint8_t punch_from[WIRE_SHORT_ID_LEN];
	uint8_t punch_to[WIRE_SHORT_ID_LEN];
	struct wire_addr punch_ep;
	uint32_t punch_at;                   /* ms from receipt */

	uint8_t n_records;
	struct wire_record record[WIRE_MAX_RECORDS];
	uint8_t n_rumors;
	struct wire_rumor rumor[WIRE_MAX_RUMORS];

	uint16_t pad;                        /* padding bytes to add (encode) / found (decode) */
};

/* Zero a message and set type and sender. */
void msg_init(struct wire_msg *m, uint8_t type, const uint8_t sender_id[static WIRE_ID_LEN]);

/*
 * Encode; returns bytes written (<= len) or a negative error. Never
 * produces more than WIRE_MAX_PLAINTEXT bytes (-WIRE_ESPACE instead).
 */
int msg_encode(const struct wire_msg *m, uint8_t *buf, size_t len);
/* Encoded size of m, without writing (for packing piggyback to fit). */
int msg_encoded_size(const struct wire_msg *m);
/*
 * Set m->pad so the message encodes to at least `size` bytes (exactly,
 * or one more where the pad's bin header grows); for a JOIN as large as
 * the JOIN_ACK it asks for. Returns the new encoded size or an error
 * (-WIRE_ESPACE above WIRE_MAX_PLAINTEXT).
 */
int msg_pad_to(struct wire_msg *m, size_t size);
/* Upper bound of what one more record / rumour adds to a message. */
int msg_record_cost(const struct wire_record *r);
enum { MSG_RUMOR_COST = 56 };
/* Exactly what one more trust object adds to a WIRE_TRUST message (its
 * encoding; or a negative error for an invalid object). */
int msg_spend_cost(const struct trust_spend *sp);
int msg_revocation_cost(const struct trust_revocation *rev);
int msg_grant_cost(const struct trust_grant *g);
/* Upper bound per hash; the hashes array header grows by 2 bytes at the 16th. */
enum { MSG_TRUST_HASH_COST = 9 };

/*
 * Decode with every cap enforced; records and trust objects are decoded
 * but NOT verified (the engine verifies each once, and skips records it
 * already holds).
 * Returns 0 or a negative error; on error *m is unspecified.
 */
int msg_decode(struct wire_msg *m, const uint8_t *buf, size_t len);

#endif
