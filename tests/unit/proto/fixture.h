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
#include "proto/trust.h"

/* Identity from seed bytes (i + n) for i in 0..31. */
void fx_identity(struct identity *idn, uint8_t n);
/* Typical record: 10-char name, one IPv4 overlay, one IPv4 endpoint; signed. */
void fx_record_typical(struct wire_record *r, const struct identity *idn);
/* The largest valid record (every field at its cap); signed. */
void fx_record_max(struct wire_record *r, const struct identity *idn);
/* Fill every field of m that `type` carries at its cap (records excluded). */
void fx_msg_max_body(struct wire_msg *m, uint8_t type);
/* Trust objects (issue 10). FX_NOW: the unix time the fixtures are made at. */
#define FX_NOW UINT64_C(1764400000)
struct fx_authority {
	uint8_t sk[TRUST_SECRET_KEY_LEN];
	uint8_t pk[WIRE_ID_LEN];
};
/* Authority key from seed bytes (i + 100 + n). */
void fx_authority(struct fx_authority *a, uint8_t n);
/* Typical invite by a: not_after FX_NOW + 1 day, 1 use, 30-day admissions,
 * no constraint; its secret (seed bytes i + 200 + n) in invite_seed. */
void fx_invite(struct trust_invite *inv, uint8_t invite_seed[static TRUST_SEED_LEN],
	       const struct fx_authority *a, uint8_t n);
/* Give r (owned by idn) an admission through inv made at admitted_at; re-signs r. */
void fx_admit(struct wire_record *r, const struct identity *idn, const struct trust_invite *inv,
	      const uint8_t invite_seed[static TRUST_SEED_LEN], uint64_t admitted_at);
/* The largest valid record: fx_record_max with the largest admission (every cap). */
void fx_record_max_admitted(struct wire_record *r, const struct identity *idn,
			    const struct fx_authority *a);
/* Member revocation of idn's id with two overlay addresses (the largest revocation). */
void fx_revocation(struct trust_revocation *rev, const struct fx_authority *a,
		   const uint8_t target[static WIRE_ID_LEN]);
/* Grant of a fixed key (bytes 0x42) to member, epoch UINT32_MAX (the largest grant). */
void fx_grant(struct trust_grant *g, const struct fx_authority *a,
	      const uint8_t member[static WIRE_ID_LEN]);
/* Encode or fail the test; returns the length. */
size_t fx_encode_msg(const struct wire_msg *m, uint8_t *buf, size_t len);

#endif
