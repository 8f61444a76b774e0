/* SPDX-License-Identifier: MIT */
/*
 * Internal to proto/: the per-type layout and value rules shared by the
 * encoder and the decoder, so that both refuse exactly the same messages
 * and decode(encode(m)) / encode(decode(b)) are identities.
 *
 * Message: array [type, sender bin8, seq, body..., records, rumours, pad]
 *   JOIN, RECORDS, LEAVE:  no body
 *   JOIN_ACK:              observed addr, overlay_prefix prefix
 *   PING, ACK, NACK:       target bin8 (short id)
 *   ACK with seen:         target bin8, seen addr (one field more)
 *   PING_REQ:              target bin8, target_addr addr
 *   SYNC_DIGEST:           sync_flags, prefix_len, prefix bin, buckets
 *                          array of 0, 1 (summary) or 16 [hash uint, count uint],
 *                          trust_count uint, trust_digest uint
 *   SYNC_ENTRIES:          sync_flags, prefix_len, prefix bin, entries
 *                          array of [short id bin8, version uint]
 *   TRUST:                 trust_flags uint, trust_from uint, hashes array
 *                          of uint, spends array, revocations array, grants
 *                          array (object forms in trust.h)
 *   RELAY:                 relay_op uint, relay_peer bin32, relay_port uint
 *   PUNCH:                 punch_flags uint, punch_from bin8, punch_to
 *                          bin8, punch_ep addr, punch_at uint
 * records: array of records (record.h); rumours: array of
 * [subject bin32, version uint, state uint, origin bin8]; pad: bin of
 * zero bytes. prefix is ceil(prefix_len / 2) bytes of nibbles, high
 * nibble first, an unused low nibble zero.
 */
#ifndef MESHD_PROTO_MSG_RULES_H
#define MESHD_PROTO_MSG_RULES_H

#include "msg.h"

enum { MSG_COMMON_FIELDS = 6 };  /* type, sender, seq, records, rumours, pad */

/* Body fields of a known type, or -WIRE_EVERSION. */
int msg_body_fields(uint8_t type);
/* Body fields of m: msg_body_fields plus its optional fields present. */
int msg_fields_of(const struct wire_msg *m);
struct mp_writer;
/* Stream m into w (any size: the WIRE_MAX_PLAINTEXT cap is msg_encode's). */
int msg_write(struct mp_writer *w, const struct wire_msg *m);
/* Value rules beyond the msgpack caps; 0 or a negative WIRE error. */
int msg_check(const struct wire_msg *m);

#endif
