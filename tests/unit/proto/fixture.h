/* SPDX-License-Identifier: MIT */
/* Deterministic identities, records and messages for the proto tests. */
#ifndef MESHD_TEST_PROTO_FIXTURE_H
#define MESHD_TEST_PROTO_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "proto/identity.h"
#include "proto/msg.h"
#include "proto/record.h"

/* Identity from seed bytes (i + n) for i in 0..31. */
void fx_identity(struct identity *idn, uint8_t n);
/* Typical record: 10-char name, one IPv4 overlay, one IPv4 endpoint; signed. */
void fx_record_typical(struct wire_record *r, const struct identity *idn);
/* The largest valid record (every field at its cap); signed. */
void fx_record_max(struct wire_record *r, const struct identity *idn);
/* Fill every field of m that `type` carries at its cap (records excluded). */
void fx_msg_max_body(struct wire_msg *m, uint8_t type);
/* Encode or fail the test; returns the length. */
size_t fx_encode_msg(const struct wire_msg *m, uint8_t *buf, size_t len);

#endif
