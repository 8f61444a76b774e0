/* SPDX-License-Identifier: MIT */
/*
 * Writes the seed corpora: valid records and messages of every type
 * (raw and sealed with fuzz_key), plus the hostile inputs every decoder
 * must survive. Deterministic, so the committed seeds can be
 * regenerated: gen_corpus tests/fuzz/corpus
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_key.h"
#include "proto/envelope.h"
#include "proto/identity.h"
#include "proto/msg.h"
#include "proto/record.h"

static const char *root;

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

static void put_records(const struct identity *idn)
{
	struct wire_record r;
	uint8_t buf[RECORD_MAX_ENCODED];

	for (int full = 0; full < 2; full++) {
		int n;

		make_record(&r, idn, full);
		n = record_encode(&r, buf, sizeof(buf));
		if (n < 0)
			die("record_encode", n);
		put("fuzz_record", full ? "record-full" : "record-typical", buf, (size_t)n);
	}
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
}

int main(int argc, char **argv)
{
	struct identity idn;
	uint8_t seed[32];

	if (argc != 2) {
		fprintf(stderr, "usage: gen_corpus DIR (with DIR/fuzz_record, DIR/fuzz_envelope_msg)\n");
		return 2;
	}
	root = argv[1];
	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)(0x80 + i);
	if (identity_init_crypto() || identity_from_seed(&idn, seed))
		die("identity", -WIRE_EVALUE);
	put_hostile("fuzz_record");
	put_hostile("fuzz_envelope_msg");
	put_records(&idn);
	put_messages(&idn);
	identity_wipe(&idn);
	return 0;
}
