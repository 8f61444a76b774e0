/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "fixture.h"

void fx_identity(struct identity *idn, uint8_t n)
{
	uint8_t seed[32];

	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)(i + n);
	assert_int_equal(identity_init_crypto(), 0);
	assert_int_equal(identity_from_seed(idn, seed), 0);
}

void fx_record_typical(struct wire_record *r, const struct identity *idn)
{
	memset(r, 0, sizeof(*r));
	memcpy(r->id, idn->id, WIRE_ID_LEN);
	r->version = 1735689600123ULL;  /* wall-clock ms, as the agent uses */
	strcpy(r->name, "node-alpha");
	r->n_overlay = 1;
	assert_int_equal(wire_prefix_parse(&r->overlay[0], "10.42.17.3/16"), 0);
	r->n_endpoints = 1;
	assert_int_equal(wire_addr_parse(&r->endpoint[0], "203.0.113.77:51820"), 0);
	r->gossip_port = 51821;
	assert_int_equal(record_sign(r, idn), 0);
}

void fx_record_max(struct wire_record *r, const struct identity *idn)
{
	memset(r, 0, sizeof(*r));
	memcpy(r->id, idn->id, WIRE_ID_LEN);
	r->version = WIRE_VERSION_MAX;  /* still an 8-byte uint: the longest encoding */
	memset(r->name, 'n', WIRE_NAME_MAX);
	r->n_overlay = 2;
	assert_int_equal(wire_prefix_parse(&r->overlay[0], "255.255.255.255/32"), 0);
	assert_int_equal(wire_prefix_parse(&r->overlay[1], "fd00:ffff::ffff/128"), 0);
	r->addr_gen = UINT8_MAX;
	r->n_endpoints = WIRE_MAX_ENDPOINTS;
	for (int i = 0; i < WIRE_MAX_ENDPOINTS; i++) {
		char ep[WIRE_ADDR_STRLEN];

		snprintf(ep, sizeof(ep), "[2001:db8::%d]:65535", i + 1);
		assert_int_equal(wire_addr_parse(&r->endpoint[i], ep), 0);
	}
	r->gossip_port = UINT16_MAX;
	r->flags = WIRE_REC_FLAGS_KNOWN;
	r->n_tags = WIRE_MAX_TAGS;
	for (int i = 0; i < WIRE_MAX_TAGS; i++) {
		memset(r->tag[i].key, 'k', WIRE_TAG_KEY_MAX);
		r->tag[i].key[0] = (char)('a' + i);
		memset(r->tag[i].val, 'v', WIRE_TAG_VAL_MAX);
	}
	assert_int_equal(record_sign(r, idn), 0);
}

void fx_msg_max_body(struct wire_msg *m, uint8_t type)
{
	uint8_t sender[WIRE_ID_LEN];

	memset(sender, 0xab, sizeof(sender));
	msg_init(m, type, sender);
	m->seq = UINT32_MAX;
	memset(m->target, 0xcd, sizeof(m->target));
	assert_int_equal(wire_addr_parse(&m->target_addr, "[2001:db8::7]:65535"), 0);
	assert_int_equal(wire_addr_parse(&m->observed, "[2001:db8::8]:65535"), 0);
	assert_int_equal(wire_prefix_parse(&m->overlay_prefix, "fd42::/64"), 0);
	if (type == WIRE_ACK)   /* the optional field, at its largest */
		assert_int_equal(wire_addr_parse(&m->seen, "[2001:db8::9]:65535"), 0);
	m->sync_flags = WIRE_SYNC_REPLY;
	m->prefix_len = WIRE_SYNC_MAX_DEPTH;
	memset(m->prefix, 0xef, sizeof(m->prefix));
	if (type == WIRE_SYNC_DIGEST) {
		m->trust_count = UINT32_MAX;
		m->trust_digest = UINT64_MAX;
		m->n_buckets = WIRE_SYNC_FANOUT;
		for (int i = 0; i < WIRE_SYNC_FANOUT; i++)
			m->bucket[i] = (struct wire_sync_bucket){ UINT64_MAX - (uint64_t)i, UINT32_MAX };
	}
	if (type == WIRE_SYNC_ENTRIES) {
		m->n_entries = WIRE_MAX_ENTRIES;
		for (int i = 0; i < WIRE_MAX_ENTRIES; i++) {
			memset(m->entry[i].id, i, WIRE_SHORT_ID_LEN);
			m->entry[i].version = UINT64_MAX - (uint64_t)i;
		}
	}
	if (type == WIRE_RELAY) {
		m->relay_op = WIRE_RELAY_OK;
		memset(m->relay_peer, 0xfe, sizeof(m->relay_peer));
		m->relay_port = UINT16_MAX;
	}
	if (type == WIRE_PUNCH) {
		m->punch_flags = WIRE_PUNCH_FLAGS_KNOWN;
		memset(m->punch_from, 0xf1, WIRE_SHORT_ID_LEN);
		memset(m->punch_to, 0xf2, WIRE_SHORT_ID_LEN);
		assert_int_equal(wire_addr_parse(&m->punch_ep, "[2001:db8::9]:65535"), 0);
		m->punch_at = WIRE_PUNCH_AT_MAX;
	}
	if (type == WIRE_TRUST) {
		m->trust_flags = WIRE_TRUST_FLAGS_KNOWN;
		m->trust_from = UINT64_MAX - WIRE_MAX_TRUST_HASHES;
		m->n_hashes = WIRE_MAX_TRUST_HASHES;
		for (int i = 0; i < WIRE_MAX_TRUST_HASHES; i++)
			m->hash[i] = m->trust_from + 1 + (uint64_t)i;
	}
}

void fx_authority(struct fx_authority *a, uint8_t n)
{
	uint8_t seed[TRUST_SEED_LEN];

	for (int i = 0; i < TRUST_SEED_LEN; i++)
		seed[i] = (uint8_t)(i + 100 + n);
	assert_int_equal(identity_init_crypto(), 0);
	assert_int_equal(trust_key_from_seed(a->sk, a->pk, seed), 0);
}

void fx_invite(struct trust_invite *inv, uint8_t invite_seed[static TRUST_SEED_LEN],
	       const struct fx_authority *a, uint8_t n)
{
	uint8_t sk[TRUST_SECRET_KEY_LEN];

	memset(inv, 0, sizeof(*inv));
	for (int i = 0; i < TRUST_SEED_LEN; i++)
		invite_seed[i] = (uint8_t)(i + 200 + n);
	assert_int_equal(trust_key_from_seed(sk, inv->invite_pub, invite_seed), 0);
	inv->not_after = FX_NOW + 86400;
	inv->uses = 1;
	inv->admit_ttl = 30 * 86400;
	assert_int_equal(trust_invite_sign(inv, a->sk), 0);
}

void fx_admit(struct wire_record *r, const struct identity *idn, const struct trust_invite *inv,
	      const uint8_t invite_seed[static TRUST_SEED_LEN], uint64_t admitted_at)
{
	assert_int_equal(trust_admission_make(&r->adm, inv, invite_seed, r->id, admitted_at), 0);
	r->has_admission = true;
	assert_int_equal(record_sign(r, idn), 0);
}

void fx_record_max_admitted(struct wire_record *r, const struct identity *idn,
			    const struct fx_authority *a)
{
	struct trust_invite inv;
	uint8_t seed[TRUST_SEED_LEN];

	fx_record_max(r, idn);
	fx_invite(&inv, seed, a, 7);
	inv.not_after = TRUST_TIME_MAX;
	inv.uses = TRUST_MAX_USES;
	inv.admit_ttl = TRUST_TIME_MAX;
	inv.constrain = TRUST_CONSTRAIN_KNOWN;
	assert_int_equal(trust_constraint_hash(inv.constraint, r, inv.constrain), 0);
	assert_int_equal(trust_invite_sign(&inv, a->sk), 0);
	fx_admit(r, idn, &inv, seed, TRUST_TIME_MAX);
}

void fx_revocation(struct trust_revocation *rev, const struct fx_authority *a,
		   const uint8_t target[static WIRE_ID_LEN])
{
	memset(rev, 0, sizeof(*rev));
	rev->kind = TRUST_REVOKE_MEMBER;
	memcpy(rev->target, target, WIRE_ID_LEN);
	rev->revoked_at = TRUST_TIME_MAX;
	rev->n_overlay = 2;
	assert_int_equal(wire_prefix_parse(&rev->overlay[0], "255.255.255.255/32"), 0);
	assert_int_equal(wire_prefix_parse(&rev->overlay[1], "fd00:ffff::ffff/128"), 0);
	assert_int_equal(trust_revocation_sign(rev, a->sk), 0);
}

void fx_grant(struct trust_grant *g, const struct fx_authority *a,
	      const uint8_t member[static WIRE_ID_LEN])
{
	uint8_t key[WIRE_KEY_LEN];

	memset(key, 0x42, sizeof(key));
	assert_int_equal(trust_grant_seal(g, key, member, UINT32_MAX, TRUST_TIME_MAX, a->sk), 0);
}

size_t fx_encode_msg(const struct wire_msg *m, uint8_t *buf, size_t len)
{
	int n = msg_encode(m, buf, len);

	if (n < 0)
		fail_msg("msg_encode type %u: %s", m->type, wire_strerror(n));
	return (size_t)n;
}
