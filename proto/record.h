/* SPDX-License-Identifier: MIT */
/*
 * Member records: canonical msgpack encoding and the owner's detached
 * Ed25519 signature over it.
 *
 * Wire form: a msgpack array of 10, or 11 with an admission:
 *   [id bin32, version uint, name str, overlay array of [family uint,
 *    ip bin4|bin16, len uint], addr_gen uint, endpoints array of [family,
 *    ip bin, port uint], gossip_port uint, flags uint, tags array of
 *    [key str, val str], sig bin64 (, admission (trust.h))]
 * The first 9 are the signed body. The signature covers
 * RECORD_SIG_CONTEXT followed by the body encoded as its own fixarray 9
 * — or fixarray 10 with the admission appended, so the owner signs its
 * admission too (the context keeps a record signature from ever being
 * valid for anything else the identity key signs). A record without an
 * admission (open mode) encodes exactly as before admissions existed. Canonical means msgpack-c's
 * smallest encodings; the decoder refuses anything else, so a record has
 * exactly one byte form and a changed bit always breaks the signature.
 *
 * Valid (record_validate): version <= WIRE_VERSION_MAX; name printable UTF-8 <= 63 bytes (may be
 * empty); overlay: at most one IPv4 and one IPv6, prefix len within the
 * family; endpoints: IPv4/IPv6 with a non-zero port; gossip_port non-zero;
 * only WIRE_REC_FLAGS_KNOWN flags; tags: unique non-empty keys of
 * printable ASCII without spaces, values printable UTF-8; an admission,
 * if any, within trust_admission_validate (its signatures and the
 * authority-mode rules are trust_admission_check's, proto/trust.h).
 */
#ifndef MESHD_PROTO_RECORD_H
#define MESHD_PROTO_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include "wire.h"
#include "identity.h"

enum {
	/* Exact size of the largest valid record's encoding: 503 without an
	 * admission (RECORD_MAX_OPEN_ENCODED), + TRUST_ADMISSION_MAX_ENCODED. */
	RECORD_MAX_OPEN_ENCODED = 503,   /* 457 with 2 endpoints (before issue 11) */
	RECORD_MAX_ENCODED = 503 + 227,
	RECORD_FIELDS = 10,        /* body fields + signature */
};
#define RECORD_SIG_CONTEXT "meshd record v1"  /* signed with its NUL: 16 bytes */

struct mp_reader;  /* bounded msgpack cursor: proto/mp_reader.h */
struct mp_writer;

/* Check field ranges (name length, families, counts, flags). 0 or -WIRE_EVALUE. */
int record_validate(const struct wire_record *r);
/* Sign `r` (its id must be idn->id) in place. */
int record_sign(struct wire_record *r, const struct identity *idn);
/* Verify r->sig against the canonical encoding of r. 0 or -WIRE_EAUTH. */
int record_verify(const struct wire_record *r);

/* Encode into buf; returns bytes written or negative error. */
int record_encode(const struct wire_record *r, uint8_t *buf, size_t len);
/* Decode exactly one record from buf (no trailing bytes). Does NOT verify. */
int record_decode(struct wire_record *r, const uint8_t *buf, size_t len);
/* Streaming forms used inside messages. */
int record_write(struct mp_writer *w, const struct wire_record *r);
int record_read(struct mp_reader *rd, struct wire_record *r);

/* 1 if a and b encode to the same bytes (signature and admission included), else 0. */
int record_same(const struct wire_record *a, const struct wire_record *b);

#endif
