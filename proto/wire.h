/* SPDX-License-Identifier: MIT */
/*
 * The meshd wire format: every size, count and depth limit as a named
 * constant, and the plain structs that records and messages decode into.
 * Decoders check every count against these caps *and* against the bytes
 * left before touching a field; nothing is ever allocated from a count.
 */
#ifndef MESHD_PROTO_WIRE_H
#define MESHD_PROTO_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	WIRE_VERSION = 1,          /* envelope version byte */
	WIRE_MAX_DATAGRAM = 1200,  /* fits any sane tunnel MTU (1280 - IPv6 - UDP - slack) */

	WIRE_ID_LEN = 32,          /* Ed25519 identity public key */
	WIRE_SHORT_ID_LEN = 8,     /* first bytes of the id: names a sender/entry */
	WIRE_SIG_LEN = 64,         /* Ed25519 detached signature */
	WIRE_KEY_LEN = 32,         /* network key, WireGuard keys */
	WIRE_NONCE_LEN = 24,       /* XChaCha20-Poly1305 */
	WIRE_TAG_LEN = 16,
	/* version byte + nonce in front, Poly1305 tag behind */
	WIRE_ENVELOPE_OVERHEAD = 1 + WIRE_NONCE_LEN + WIRE_TAG_LEN,
	WIRE_MAX_PLAINTEXT = WIRE_MAX_DATAGRAM - WIRE_ENVELOPE_OVERHEAD,

	WIRE_NAME_MAX = 63,        /* bytes, not counting a NUL */
	WIRE_MAX_OVERLAY = 2,      /* one IPv4 and/or one IPv6 overlay address */
	/* Ordered endpoint candidates (issue 11): operator-given, public as
	 * observed, LAN, global IPv6. Peers try them in order. */
	WIRE_MAX_ENDPOINTS = 4,
	WIRE_MAX_TAGS = 4,
	WIRE_TAG_KEY_MAX = 15,
	WIRE_TAG_VAL_MAX = 31,
	/* msgpack nesting: message > records > record > overlay > prefix, and
	 * (issue 10) message > records > record > admission > invite, message >
	 * spends > spend > admission > invite: trust objects keep to it. */
	WIRE_MAX_DEPTH = 5,

	WIRE_MAX_RECORDS = 8,      /* signed records carried in one message */
	WIRE_MAX_RUMORS = 16,      /* liveness rumours carried in one message */
	WIRE_SYNC_FANOUT = 16,     /* digest buckets per level (one hex digit) */
	WIRE_SYNC_MAX_DEPTH = 8,   /* digest prefix length in nibbles */
	WIRE_MAX_ENTRIES = 56,     /* (short id, version) pairs in SYNC_ENTRIES */

	/* Trust objects (issue 10; proto/trust.h) */
	WIRE_AUTH_ID_LEN = 8,      /* authority short id: first bytes of its public key */
	WIRE_CONSTRAINT_LEN = 16,  /* BLAKE2b-128 of an invite's constrained fields */
	WIRE_SEALED_KEY_LEN = 80,  /* crypto_box_seal of a 32-byte network key */
	WIRE_KEY_HASH_LEN = 16,    /* BLAKE2b-128 of a network key */
	WIRE_MAX_TRUST_SPENDS = 8,       /* spends in one WIRE_TRUST message */
	WIRE_MAX_TRUST_REVOCATIONS = 8,  /* revocations in one WIRE_TRUST message */
	WIRE_MAX_TRUST_GRANTS = 8,       /* grants in one WIRE_TRUST message */
	WIRE_MAX_TRUST_HASHES = 112,     /* object hashes in one WIRE_TRUST page (9 bytes each) */

	/* Hole punching (issue 11; WIRE_PUNCH) */
	WIRE_PUNCH_AT_MAX = 10000, /* ms: a punch is agreed at most this far ahead */
};

/*
 * The highest record version anyone may sign or accept. Versions are
 * wall-clock milliseconds at start-up (about 2^41 today) plus one per
 * refutation or update, so 2^62 is never reached honestly; with every
 * version bounded far below 2^64, no "+ 1" anywhere can wrap, and a
 * far-future version cannot be planted to exhaust an owner's range.
 */
#define WIRE_VERSION_MAX (UINT64_C(1) << 62)

enum wire_family { WIRE_AF_NONE = 0, WIRE_AF_INET = 4, WIRE_AF_INET6 = 6 };

/* An IP address and UDP port (underlay endpoint or gossip destination). */
struct wire_addr {
	uint8_t family;            /* enum wire_family */
	uint8_t ip[16];            /* IPv4 in the first 4 bytes */
	uint16_t port;             /* host order */
};

/* An overlay address with its prefix length (10.42.0.7/16). */
struct wire_prefix {
	uint8_t family;
	uint8_t ip[16];
	uint8_t len;
};

struct wire_tag {
	char key[WIRE_TAG_KEY_MAX + 1];
	char val[WIRE_TAG_VAL_MAX + 1];
};

/* Record flags (signed). */
#define WIRE_REC_LEAVING (1U << 0)  /* owner left the mesh on purpose */
#define WIRE_REC_ADDR_PINNED (1U << 1) /* overlay address set by the operator, not derived */
/* Issue 11, P5: the owner runs a relay (--relay) and takes WIRE_RELAY requests. */
#define WIRE_REC_RELAY (1U << 2)
#define WIRE_REC_FLAGS_KNOWN (WIRE_REC_LEAVING | WIRE_REC_ADDR_PINNED | WIRE_REC_RELAY)

/*
 * Trust objects (issue 10). Codecs, signatures and rules: proto/trust.h.
 * Times are unix seconds, at most TRUST_TIME_MAX, so that sums of two
 * of them never wrap.
 */

/* T3: an invite certificate, signed by an authority. */
struct trust_invite {
	uint8_t auth[WIRE_AUTH_ID_LEN];    /* authority short id */
	uint8_t invite_pub[WIRE_ID_LEN];   /* Ed25519 key of the invite: its id */
	uint64_t not_after;                /* last unix second an admission may be made */
	uint16_t uses;                     /* 1..TRUST_MAX_USES distinct members */
	uint64_t admit_ttl;                /* seconds an admission lasts; 0 = no expiry */
	uint8_t constrain;                 /* TRUST_CONSTRAIN_* bits */
	uint8_t constraint[WIRE_CONSTRAINT_LEN]; /* zero when constrain == 0 */
	uint8_t sig[WIRE_SIG_LEN];
};

/* T4: an admission, carried in the member's own record. */
struct trust_admission {
	struct trust_invite invite;
	uint64_t admitted_at;              /* unix s */
	uint8_t bind[WIRE_SIG_LEN];        /* invite key's signature over member id + admitted_at */
};

/* T6: a spend = an admission plus the member it admitted (a trust object). */
struct trust_spend {
	uint8_t member[WIRE_ID_LEN];
	struct trust_admission adm;
};

/* T7: a revocation of a member or an invite, signed by an authority. */
struct trust_revocation {
	uint8_t auth[WIRE_AUTH_ID_LEN];
	uint8_t kind;                      /* TRUST_REVOKE_MEMBER or TRUST_REVOKE_INVITE */
	uint8_t target[WIRE_ID_LEN];       /* member id or invite_pub */
	uint64_t revoked_at;               /* unix s */
	uint8_t n_overlay;                 /* member: the addresses it held (never reused) */
	struct wire_prefix overlay[WIRE_MAX_OVERLAY];
	uint8_t sig[WIRE_SIG_LEN];
};

/* T9: a network key for one member, sealed to its WireGuard key, signed by an authority. */
struct trust_grant {
	uint8_t auth[WIRE_AUTH_ID_LEN];
	uint32_t epoch;                    /* key epoch; increases by one per rotation */
	uint64_t activate_at;              /* unix s: seal with the new key from then on */
	uint8_t member[WIRE_ID_LEN];
	uint8_t sealed[WIRE_SEALED_KEY_LEN];
	uint8_t key_hash[WIRE_KEY_HASH_LEN];
	uint8_t sig[WIRE_SIG_LEN];
};

/*
 * A member record. Everything here is covered by the owner's signature.
 * The WireGuard public key is not carried: it is derived from `id`, so no
 * node can announce a WireGuard key that is not its own.
 */
struct wire_record {
	uint8_t id[WIRE_ID_LEN];
	uint64_t version;          /* strictly increasing per owner */
	char name[WIRE_NAME_MAX + 1];
	uint8_t n_overlay;
	struct wire_prefix overlay[WIRE_MAX_OVERLAY];
	uint8_t addr_gen;          /* derivation counter for a derived overlay address */
	uint8_t n_endpoints;
	struct wire_addr endpoint[WIRE_MAX_ENDPOINTS]; /* underlay ip:wg-port */
	uint16_t gossip_port;
	uint32_t flags;            /* WIRE_REC_* */
	uint8_t n_tags;
	struct wire_tag tag[WIRE_MAX_TAGS];
	uint8_t sig[WIRE_SIG_LEN];
	/* Authority mode: the admission (11th wire field, signed too). Open
	 * mode records have none and encode exactly as before it existed. */
	bool has_admission;
	struct trust_admission adm;
};

/* Error codes beyond errno: all returned negated. */
enum wire_err {
	WIRE_EOK = 0,
	WIRE_ETRUNC = 1000,  /* input ended inside a value */
	WIRE_ETYPE,          /* wrong msgpack type for a field */
	WIRE_ELIMIT,         /* a count, length or depth over its cap */
	WIRE_ECANON,         /* not the canonical encoding */
	WIRE_EVERSION,       /* unknown envelope or message version/type */
	WIRE_EAUTH,          /* envelope did not open / signature bad */
	WIRE_ETRAILING,      /* bytes after the message */
	WIRE_EVALUE,         /* a field's value is out of range */
	WIRE_ESPACE,         /* output buffer too small */
};
/* Trust refusal reasons (enum trust_reason, proto/trust.h) are 1100..1199. */

/* Static text for a -errno or -WIRE_E* code. */
const char *wire_strerror(int err);

/* Formatting helpers (for logs and the CLI). */
#define WIRE_ADDR_STRLEN 56  /* "[ffff:...:ffff]:65535" */
int wire_addr_format(const struct wire_addr *a, char *buf, size_t len);
int wire_addr_parse(struct wire_addr *a, const char *hostport);  /* "1.2.3.4:5" or "[::1]:5" */
int wire_prefix_format(const struct wire_prefix *p, char *buf, size_t len); /* "10.42.0.7/16" */
int wire_prefix_parse(struct wire_prefix *p, const char *cidr);
bool wire_addr_equal(const struct wire_addr *a, const struct wire_addr *b);
bool wire_prefix_same_ip(const struct wire_prefix *a, const struct wire_prefix *b);
/* Address bytes of a family: 4, 16, or 0 for anything else. */
size_t wire_family_len(uint8_t family);

#endif
