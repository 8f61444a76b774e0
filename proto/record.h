/* SPDX-License-Identifier: MIT */
/*
 * Member records: canonical msgpack encoding and the owner's detached
 * Ed25519 signature over it.
 *
 * Wire form: a msgpack array of 11: [id bin32, version uint, name str,
 * overlay array of [family uint, ip bin4|bin16, len uint], addr_gen uint,
 * endpoints array of [family, ip bin, port uint], gossip_port uint,
 * flags uint, tags array of [key str, val str], ...] — the first 10 are
 * the signed body (encoded as their own fixarray 10), the 11th is sig
 * bin64. Canonical means msgpack-c's smallest encodings; the decoder
 * refuses anything else, so a record has exactly one byte form and a
 * changed bit always breaks the signature.
 */
#ifndef MESHD_PROTO_RECORD_H
#define MESHD_PROTO_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include "wire.h"
#include "identity.h"

enum { RECORD_MAX_ENCODED = 420 };  /* upper bound of any valid record's encoding */

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

/* Byte-exact comparison of two records including signature. */
int record_same(const struct wire_record *a, const struct wire_record *b);

#endif
