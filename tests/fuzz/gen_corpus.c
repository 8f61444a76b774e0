/* SPDX-License-Identifier: MIT */
/*
 * Writes the seed corpora: valid records and messages of every type
 * (raw and sealed with fuzz_key), trust objects and invite tokens, plus
 * the hostile inputs every decoder must survive. Deterministic, so the
 * committed seeds can be regenerated: gen_corpus tests/fuzz/corpus
 * (the target folders must exist).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_key.h"
#include "proto/envelope.h"
#include "proto/identity.h"
#include "proto/msg.h"
#include "proto/record.h"
#include "proto/token.h"
#include "proto/trust.h"

static const char *root;
/* Authority of the trust seeds: seed bytes 0x40..0x5f (fuzz_trust.c knows its key). */
static uint8_t auth_sk[TRUST_SECRET_KEY_LEN], auth_pk[WIRE_ID_LEN];
enum { NOW = 1764400000 };

static void die(const char *what, int err)
{
	fprintf(stderr, "gen_corpus: %s: %s\n", what, wire_strerror(err));
	exit(1);
}

static void put(const char *target, const char *name, const uint8_t *p, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s/%s", root, target, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static void put_hostile(const char *target)
{
	static const uint8_t huge_array[] = { 0xdd, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t huge_map[] = { 0xdf, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t huge_str[] = { 0x96, 0x09, 0xdb, 0xff, 0xff, 0xff, 0xff };
	uint8_t deep[128];

	memset(deep, 0x91, sizeof(deep));
	put(target, "hostile-array32", huge_array, sizeof(huge_array));
	put(target, "hostile-map32", huge_map, sizeof(huge_map));
	put(target, "hostile-str32", huge_str, sizeof(huge_str));
	put(target, "hostile-deep", deep, sizeof(deep));
}

static void make_record(struct wire_record *r, const struct identity *idn, int full)
{
	int ret;

	memset(r, 0, sizeof(*r));
	memcpy(r->id, idn->id, WIRE_ID_LEN);
	r->version = full ? WIRE_VERSION_MAX : 1735689600123ULL;
	strcpy(r->name, full ? "a-rather-long-node-name-in-zürich-datacenter-rack-17-unit-42" : "node-alpha");
	r->n_overlay = full ? 2 : 1;
	wire_prefix_parse(&r->overlay[0], "10.42.17.3/16");
	wire_prefix_parse(&r->overlay[1], "fd42::17:3/64");
	r->n_endpoints = full ? 2 : 1;
	wire_addr_parse(&r->endpoint[0], "203.0.113.77:51820");
	wire_addr_parse(&r->endpoint[1], "[2001:db8::77]:51820");
	r->gossip_port = 51821;
	r->addr_gen = full ? 3 : 0;
	r->flags = full ? WIRE_REC_ADDR_PINNED : 0;
	r->n_tags = full ? 2 : 0;
	strcpy(r->tag[0].key, "role");
	strcpy(r->tag[0].val, "db");
	strcpy(r->tag[1].key, "zone");
	strcpy(r->tag[1].val, "eu-central");
	ret = record_sign(r, idn);
	if (ret)
		die("record_sign", ret);
}

/* An invite by the seeds' authority; its secret is seed bytes 0x60 + n ... */
static void make_invite(struct trust_invite *inv, uint8_t secret[static TRUST_SEED_LEN], uint8_t n,
			const struct wire_record *pin)
{
	uint8_t sk[TRUST_SECRET_KEY_LEN];
	int ret;

	memset(inv, 0, sizeof(*inv));
	for (int i = 0; i < TRUST_SEED_LEN; i++)
		secret[i] = (uint8_t)(0x60 + n + i);
	if (trust_key_from_seed(sk, inv->invite_pub, secret))
		die("trust_key_from_seed", -WIRE_EVALUE);
	inv->not_after = NOW + 86400;
	inv->uses = pin ? 1 : 5;
	inv->admit_ttl = pin ? 0 : 90 * 86400;
	if (pin) {
		inv->constrain = TRUST_CONSTRAIN_KNOWN;
		ret = trust_constraint_hash(inv->constraint, pin, inv->constrain);
		if (ret)
			die("trust_constraint_hash", ret);
	}
	ret = trust_invite_sign(inv, auth_sk);
	if (ret)
		die("trust_invite_sign", ret);
}

/* Give r an admission (constrained to its own fields when pinned) and re-sign it. */
static void admit(struct wire_record *r, const struct identity *idn, int pinned)
{
	struct trust_invite inv;
	uint8_t secret[TRUST_SEED_LEN];
	int ret;

	make_invite(&inv, secret, pinned ? 1 : 0, pinned ? r : NULL);
	ret = trust_admission_make(&r->adm, &inv, secret, r->id, NOW);
	if (ret)
		die("trust_admission_make", ret);
	r->has_admission = true;
	ret = record_sign(r, idn);
	if (ret)
		die("record_sign", ret);
}

static void make_revocation(struct trust_revocation *rev, const struct identity *idn, int invite)
{
	int ret;

	memset(rev, 0, sizeof(*rev));
	rev->kind = invite ? TRUST_REVOKE_INVITE : TRUST_REVOKE_MEMBER;
	memcpy(rev->target, idn->id, WIRE_ID_LEN);
	rev->revoked_at = NOW;
	if (!invite) {
		rev->n_overlay = 2;
		wire_prefix_parse(&rev->overlay[0], "10.42.17.3/16");
		wire_prefix_parse(&rev->overlay[1], "fd42::17:3/64");
	}
	ret = trust_revocation_sign(rev, auth_sk);
	if (ret)
		die("trust_revocation_sign", ret);
}

static void make_grant(struct trust_grant *g, const struct identity *idn)
{
	uint8_t key[WIRE_KEY_LEN];
	int ret;

	memset(key, 0x4b, sizeof(key));
	ret = trust_grant_seal(g, key, idn->id, 2, NOW + 60, auth_sk);
	if (ret)
		die("trust_grant_seal", ret);
}

/* r with WIRE_MAX_ENDPOINTS candidates, re-signed. */
static void put_candidates(struct wire_record *r, const struct identity *idn)
{
	static const char *const ep[] = { "203.0.113.77:51820", "198.51.100.4:51820",
					  "192.168.1.7:51820", "[2001:db8::77]:51820" };

	_Static_assert(sizeof(ep) / sizeof(ep[0]) == WIRE_MAX_ENDPOINTS, "one per candidate");
	r->n_endpoints = WIRE_MAX_ENDPOINTS;
	for (int i = 0; i < WIRE_MAX_ENDPOINTS; i++)
		wire_addr_parse(&r->endpoint[i], ep[i]);
	if (record_sign(r, idn))
		die("record_sign", -WIRE_EVALUE);
}

static void put_records(const struct identity *idn)
{
	struct wire_record r;
	uint8_t buf[RECORD_MAX_ENCODED];

	int n;

	for (int full = 0; full < 2; full++) {
		make_record(&r, idn, full);
		n = record_encode(&r, buf, sizeof(buf));
		if (n < 0)
			die("record_encode", n);
		put("fuzz_record", full ? "record-full" : "record-typical", buf, (size_t)n);
		admit(&r, idn, full);
		n = record_encode(&r, buf, sizeof(buf));
		if (n < 0)
			die("record_encode", n);
		put("fuzz_record", full ? "record-full-admitted" : "record-typical-admitted", buf,
		    (size_t)n);
	}
	make_record(&r, idn, 1);
	put_candidates(&r, idn);
	n = record_encode(&r, buf, sizeof(buf));
	if (n < 0)
		die("record_encode", n);
	put("fuzz_record", "record-candidates", buf, (size_t)n);
}

/* fuzz_trust: one kind byte (0 invite .. 4 grant), then the object. */
static void put_trust_object(const char *name, uint8_t kind, int n, const uint8_t *obj)
{
	uint8_t buf[1 + TRUST_OBJECT_MAX_ENCODED];

	if (n < 0)
		die(name, n);
	buf[0] = kind;
	memcpy(buf + 1, obj, (size_t)n);
	put("fuzz_trust", name, buf, (size_t)n + 1);
}

static void put_trust(const struct identity *idn)
{
	uint8_t buf[TRUST_OBJECT_MAX_ENCODED];
	struct wire_record r;
	struct trust_spend sp;
	struct trust_revocation rev;
	struct trust_grant g;

	for (int pinned = 0; pinned < 2; pinned++) {
		make_record(&r, idn, pinned);
		admit(&r, idn, pinned);
		put_trust_object(pinned ? "invite-pinned" : "invite", 0,
				 trust_invite_encode(&r.adm.invite, buf, sizeof(buf)), buf);
		put_trust_object(pinned ? "admission-pinned" : "admission", 1,
				 trust_admission_encode(&r.adm, buf, sizeof(buf)), buf);
		memcpy(sp.member, r.id, WIRE_ID_LEN);
		sp.adm = r.adm;
		put_trust_object(pinned ? "spend-pinned" : "spend", 2,
				 trust_spend_encode(&sp, buf, sizeof(buf)), buf);
	}
	make_revocation(&rev, idn, 0);
	put_trust_object("revocation-member", 3, trust_revocation_encode(&rev, buf, sizeof(buf)), buf);
	make_revocation(&rev, idn, 1);
	put_trust_object("revocation-invite", 3, trust_revocation_encode(&rev, buf, sizeof(buf)), buf);
	make_grant(&g, idn);
	put_trust_object("grant", 4, trust_grant_encode(&g, buf, sizeof(buf)), buf);
}

static void put_text(const char *target, const char *name, const char *text)
{
	put(target, name, (const uint8_t *)text, strlen(text));
}

/* fuzz_token: a full and a minimal token, and malformed ones. */
static void put_tokens(const struct identity *idn)
{
	char text[TOKEN_MAX_TEXT];
	struct wire_record r;
	struct token t;
	int n;

	memset(&t, 0, sizeof(t));
	memset(t.netkey, 0x6e, WIRE_KEY_LEN);
	t.n_auth = 1;
	memcpy(t.auth[0], auth_pk, WIRE_ID_LEN);
	make_record(&r, idn, 0);
	make_invite(&t.invite, t.invite_secret, 2, NULL);
	n = token_encode(&t, text, sizeof(text));
	if (n < 0)
		die("token_encode", n);
	put_text("fuzz_token", "token-minimal", text);

	/* pinned to name, address and tags, with seeds and a prefix */
	t.n_seeds = 2;
	wire_addr_parse(&t.seed[0], "192.0.2.1:51821");
	wire_addr_parse(&t.seed[1], "[2001:db8::1]:51821");
	t.has_prefix = true;
	wire_prefix_parse(&t.prefix, "10.42.0.0/16");
	strcpy(t.name, r.name);
	t.has_address = true;
	t.address = r.overlay[0];
	t.n_tags = 1;
	strcpy(t.tag[0].key, "role");
	strcpy(t.tag[0].val, "db");
	r.n_tags = 1;
	memcpy(r.tag, t.tag, sizeof(t.tag[0]));
	make_invite(&t.invite, t.invite_secret, 3, &r);
	n = token_encode(&t, text, sizeof(text));
	if (n < 0)
		die("token_encode", n);
	put_text("fuzz_token", "token-pinned", text);

	put_text("fuzz_token", "hostile-no-prefix", text + 7);
	text[n - 1] = text[n - 1] == 'A' ? 'B' : 'A';
	put_text("fuzz_token", "hostile-last-char", text);
	text[20] = '=';
	put_text("fuzz_token", "hostile-padding", text);
	put_text("fuzz_token", "hostile-empty", "meshd1:");
	put_text("fuzz_token", "hostile-array32", "meshd1:3f____8");
	token_wipe(&t);
}

static void fill_msg(struct wire_msg *m, uint8_t type, const struct identity *idn)
{
	msg_init(m, type, idn->id);
	m->seq = 4242;
	memset(m->target, 0x5c, sizeof(m->target));
	wire_addr_parse(&m->target_addr, "10.42.0.9:51821");
	wire_addr_parse(&m->observed, "198.51.100.4:40000");
	wire_prefix_parse(&m->overlay_prefix, "10.42.0.0/16");
	m->prefix_len = 3;
	m->prefix[0] = 0xa5;
	m->prefix[1] = 0x70;
	if (type == WIRE_SYNC_DIGEST) {
		m->trust_count = 3;
		m->trust_digest = 0x0123456789abcdefULL;
		m->n_buckets = WIRE_SYNC_FANOUT;
		for (int i = 0; i < WIRE_SYNC_FANOUT; i++)
			m->bucket[i] = (struct wire_sync_bucket){ 0x9e3779b97f4a7c15ULL * (uint64_t)i, (uint32_t)i };
	}
	if (type == WIRE_SYNC_ENTRIES) {
		m->n_entries = 5;
		for (int i = 0; i < 5; i++) {
			memset(m->entry[i].id, 0x10 * i, WIRE_SHORT_ID_LEN);
			m->entry[i].version = 1735689600000ULL + (uint64_t)i;
		}
	}
	m->n_rumors = 2;
	for (int i = 0; i < 2; i++) {
		memset(m->rumor[i].subject, 0x30 + i, WIRE_ID_LEN);
		m->rumor[i].version = 77;
		m->rumor[i].state = WIRE_LIVE_SUSPECT + (uint8_t)i;
		memcpy(m->rumor[i].origin, idn->id, WIRE_SHORT_ID_LEN);
	}
	m->n_records = 1;
	make_record(&m->record[0], idn, type == WIRE_JOIN_ACK);
	if (type == WIRE_LEAVE) {
		m->record[0].flags |= WIRE_REC_LEAVING;
		if (record_sign(&m->record[0], idn))
			die("record_sign", -WIRE_EVALUE);
	}
	if (type == WIRE_JOIN)
		m->pad = 40;
	if (type == WIRE_RELAY) {
		m->n_records = 0;
		m->relay_op = WIRE_RELAY_OK;
		memset(m->relay_peer, 0x42, WIRE_ID_LEN);
		m->relay_port = 40001;
	}
	if (type == WIRE_PUNCH) {
		m->n_records = m->n_rumors = 0;
		m->punch_flags = WIRE_PUNCH_FWD;
		memset(m->punch_from, 0x5b, WIRE_SHORT_ID_LEN);
		memset(m->punch_to, 0x5d, WIRE_SHORT_ID_LEN);
		wire_addr_parse(&m->punch_ep, "203.0.113.7:51820");
		m->punch_at = 1000;
	}
	if (type == WIRE_TRUST) {
		m->n_records = 0;
		m->trust_flags = WIRE_TRUST_PAGE | WIRE_TRUST_MORE;
		m->trust_from = 0x1000;
		m->n_hashes = 3;
		m->hash[0] = 0x1000, m->hash[1] = 0x9e3779b97f4a7c15ULL, m->hash[2] = UINT64_MAX;
		make_record(&m->record[0], idn, 0);
		admit(&m->record[0], idn, 0);
		memcpy(m->spend[0].member, idn->id, WIRE_ID_LEN);
		m->spend[0].adm = m->record[0].adm;
		m->n_spends = 1;
		make_revocation(&m->revocation[0], idn, 0);
		make_revocation(&m->revocation[1], idn, 1);
		m->n_revocations = 2;
		make_grant(&m->grant[0], idn);
		m->n_grants = 1;
	}
}

/* A PUNCH naming one member as both ends, and one agreed too far ahead. */
static void put_hostile_punch(const struct identity *idn)
{
	static struct wire_msg m;
	uint8_t plain[WIRE_MAX_PLAINTEXT];
	int n;

	fill_msg(&m, WIRE_PUNCH, idn);
	n = msg_encode(&m, plain, sizeof(plain));
	if (n < 0)
		die("msg_encode", n);
	for (int i = 0; i + WIRE_SHORT_ID_LEN <= n; i++)
		if (memcmp(plain + i, m.punch_to, WIRE_SHORT_ID_LEN) == 0) {
			memcpy(plain + i, m.punch_from, WIRE_SHORT_ID_LEN);
			break;
		}
	put("fuzz_envelope_msg", "hostile-punch-self", plain, (size_t)n);
	m.punch_at = WIRE_PUNCH_AT_MAX;     /* cd 27 10: the largest allowed, as uint16 */
	n = msg_encode(&m, plain, sizeof(plain));
	if (n < 0)
		die("msg_encode", n);
	for (int i = 0; i + 3 <= n; i++)
		if (plain[i] == 0xcd && plain[i + 1] == 0x27 && plain[i + 2] == 0x10) {
			plain[i + 2] = 0x11;
			break;
		}
	put("fuzz_envelope_msg", "hostile-punch-late", plain, (size_t)n);
}

static void put_messages(const struct identity *idn)
{
	static struct wire_msg m;
	uint8_t plain[WIRE_MAX_PLAINTEXT], sealed[WIRE_MAX_DATAGRAM], nonce[WIRE_NONCE_LEN];
	char name[64];

	for (uint8_t type = 1; type <= WIRE_TYPE_MAX; type++) {
		int n, s;

		fill_msg(&m, type, idn);
		n = msg_encode(&m, plain, sizeof(plain));
		if (n == -WIRE_EVERSION)
			continue;   /* a number reserved for a type this tree does not have */
		if (n < 0)
			die("msg_encode", n);
		snprintf(name, sizeof(name), "msg-%02u-raw", type);
		put("fuzz_envelope_msg", name, plain, (size_t)n);
		memset(nonce, type, sizeof(nonce));
		s = envelope_seal(sealed, sizeof(sealed), plain, (size_t)n, fuzz_key, nonce);
		if (s < 0)
			die("envelope_seal", s);
		snprintf(name, sizeof(name), "msg-%02u-sealed", type);
		put("fuzz_envelope_msg", name, sealed, (size_t)s);
	}
	/* A JOIN_ACK whose records carry admissions (authority mode). */
	fill_msg(&m, WIRE_JOIN_ACK, idn);
	admit(&m.record[0], idn, 1);
	make_record(&m.record[1], idn, 0);
	admit(&m.record[1], idn, 0);
	m.n_records = 2;
	int n = msg_encode(&m, plain, sizeof(plain));
	if (n < 0)
		die("msg_encode", n);
	put("fuzz_envelope_msg", "msg-02-admitted-raw", plain, (size_t)n);
	/* Issue 11: an ACK with its optional `seen`, whose record has four
	 * endpoint candidates (operator, public, LAN, global IPv6). */
	fill_msg(&m, WIRE_ACK, idn);
	wire_addr_parse(&m.seen, "198.51.100.4:51820");
	put_candidates(&m.record[0], idn);
	n = msg_encode(&m, plain, sizeof(plain));
	if (n < 0)
		die("msg_encode", n);
	put("fuzz_envelope_msg", "msg-05-seen-raw", plain, (size_t)n);
	put_hostile_punch(idn);
}

int main(int argc, char **argv)
{
	struct identity idn;
	uint8_t seed[32];

	if (argc != 2) {
		fprintf(stderr, "usage: gen_corpus DIR (with DIR/fuzz_record, DIR/fuzz_envelope_msg, "
				"DIR/fuzz_trust, DIR/fuzz_token)\n");
		return 2;
	}
	root = argv[1];
	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)(0x80 + i);
	if (identity_init_crypto() || identity_from_seed(&idn, seed))
		die("identity", -WIRE_EVALUE);
	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)(0x40 + i);
	if (trust_key_from_seed(auth_sk, auth_pk, seed))
		die("authority", -WIRE_EVALUE);
	put_hostile("fuzz_record");
	put_hostile("fuzz_envelope_msg");
	put_hostile("fuzz_trust");
	put_records(&idn);
	put_messages(&idn);
	put_trust(&idn);
	put_tokens(&idn);
	identity_wipe(&idn);
	return 0;
}
