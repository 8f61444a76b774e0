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
	WIRE_MAX_ENDPOINTS = 2,    /* advertised underlay endpoints */
	WIRE_MAX_TAGS = 4,
	WIRE_TAG_KEY_MAX = 15,
	WIRE_TAG_VAL_MAX = 31,
	WIRE_MAX_DEPTH = 5,        /* msgpack nesting: message > records > record > overlay > prefix */

	WIRE_MAX_RECORDS = 8,      /* signed records carried in one message */
	WIRE_MAX_RUMORS = 16,      /* liveness rumours carried in one message */
	WIRE_SYNC_FANOUT = 16,     /* digest buckets per level (one hex digit) */
	WIRE_SYNC_MAX_DEPTH = 8,   /* digest prefix length in nibbles */
	WIRE_MAX_ENTRIES = 56,     /* (short id, version) pairs in SYNC_ENTRIES */
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
#define WIRE_REC_FLAGS_KNOWN (WIRE_REC_LEAVING | WIRE_REC_ADDR_PINNED)

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
