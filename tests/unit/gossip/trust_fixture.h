/* SPDX-License-Identifier: MIT */
/*
 * Authority-mode fixtures for the trust tests: an authority, invites,
 * admitted records, revocations and grants, made the way meshctl and a
 * newly invited agent make them (proto/trust.h).
 */
#ifndef TRUST_FIXTURE_H
#define TRUST_FIXTURE_H

#include <stdio.h>
#include <string.h>
#include <sodium.h>

#include "tnet.h"
#include "proto/trust.h"

enum { T0 = 1700000000 };  /* the engines' wall clock at now_ms 0 */

struct auth {
	uint8_t sk[TRUST_SECRET_KEY_LEN];
	uint8_t pk[WIRE_ID_LEN];
};

struct invite {
	struct trust_invite cert;
	uint8_t seed[TRUST_SEED_LEN];
};

static inline void fx_auth(struct auth *a, uint8_t n)
{
	uint8_t seed[TRUST_SEED_LEN];

	memset(seed, 0xa0 + n, sizeof(seed));
	assert_int_equal(trust_key_from_seed(a->sk, a->pk, seed), 0);
}

static inline void fx_invite(struct invite *inv, const struct auth *a, uint8_t n, uint64_t not_after,
			     uint16_t uses, uint64_t ttl)
{
	uint8_t sk[TRUST_SECRET_KEY_LEN];

	memset(inv, 0, sizeof(*inv));
	memset(inv->seed, 0x10 + n, sizeof(inv->seed));
	assert_int_equal(trust_key_from_seed(sk, inv->cert.invite_pub, inv->seed), 0);
	inv->cert.not_after = not_after;
	inv->cert.uses = uses;
	inv->cert.admit_ttl = ttl;
	assert_int_equal(trust_invite_sign(&inv->cert, a->sk), 0);
}

static inline void fx_config(struct gossip_config *c, const struct auth *a)
{
	gossip_config_defaults(c);
	c->n_authorities = 1;
	memcpy(c->authority[0], a->pk, WIRE_ID_LEN);
	c->unix_now = T0;
}

/* The record tn_record makes, admitted through inv at `at`, signed. */
static inline void fx_record(struct wire_record *r, const struct identity *idn, uint32_t idx,
			     uint64_t version, const struct invite *inv, uint64_t at)
{
	memset(r, 0, sizeof(*r));
	memcpy(r->id, idn->id, WIRE_ID_LEN);
	r->version = version;
	snprintf(r->name, sizeof(r->name), "t%u", idx);
	r->n_endpoints = 1;
	tn_addr(idx, &r->endpoint[0]);
	r->endpoint[0].port = 51820;
	r->gossip_port = 51821;
	if (inv) {
		r->has_admission = true;
		assert_int_equal(trust_admission_make(&r->adm, &inv->cert, inv->seed, idn->id, at), 0);
	}
	assert_int_equal(record_sign(r, idn), 0);
}

static inline void fx_revoke(struct trust_revocation *rev, const struct auth *a, uint8_t kind,
			     const uint8_t target[WIRE_ID_LEN], const struct wire_record *held)
{
	memset(rev, 0, sizeof(*rev));
	rev->kind = kind;
	memcpy(rev->target, target, WIRE_ID_LEN);
	rev->revoked_at = T0;
	if (held) {
		rev->n_overlay = held->n_overlay;
		memcpy(rev->overlay, held->overlay, sizeof(rev->overlay));
	}
	assert_int_equal(trust_revocation_sign(rev, a->sk), 0);
}

static inline struct gossip_trust_obj fx_obj_rev(const struct trust_revocation *rev)
{
	struct gossip_trust_obj o = { .kind = GOSSIP_TRUST_REVOCATION };

	o.u.rev = *rev;
	return o;
}

#endif
