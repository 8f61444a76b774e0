/* SPDX-License-Identifier: MIT */
/*
 * Writes the fuzz_state seeds: state files exactly as state_save writes
 * them (signed records of fixed identities), and damaged ones (a crash
 * mid-write, an old magic, bad base64, a cut record, CRLF, overlong
 * lines). Deterministic: gen_state_seeds tests/fuzz/corpus/fuzz_state
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../proto/record.h"
#include "state.h"

static const char *dir;

static void die(const char *what)
{
	fprintf(stderr, "gen_state_seeds: %s\n", what);
	exit(1);
}

static void put(const char *name, const char *text, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0)
		die(path);
}

static void make_record(struct wire_record *r, int i, int full)
{
	struct identity idn;
	uint8_t seed[32];

	memset(seed, 0x40 + i, sizeof(seed));
	if (identity_from_seed(&idn, seed) != 0)
		die("identity");
	memset(r, 0, sizeof(*r));
	memcpy(r->id, idn.id, WIRE_ID_LEN);
	r->version = 1735689600000ULL + (uint64_t)i;
	snprintf(r->name, sizeof(r->name), full ? "a-long-name-for-node-%d-in-rack-17-unit-42" :
		 "node-%d", i);
	wire_prefix_parse(&r->overlay[0], "10.42.17.3/16");
	r->overlay[0].ip[3] = (uint8_t)i;
	r->n_overlay = 1;
	if (full) {
		wire_prefix_parse(&r->overlay[1], "fd42::17:3/64");
		r->n_overlay = 2;
	}
	wire_addr_parse(&r->endpoint[0], "203.0.113.77:51820");
	r->endpoint[0].ip[3] = (uint8_t)i;
	r->n_endpoints = 1;
	if (full) {
		wire_addr_parse(&r->endpoint[1], "[2001:db8::77]:51820");
		r->n_endpoints = 2;
		r->n_tags = 2;
		strcpy(r->tag[0].key, "role");
		strcpy(r->tag[0].val, "db");
		strcpy(r->tag[1].key, "zone");
		strcpy(r->tag[1].val, "eu-central");
	}
	r->gossip_port = 51821;
	if (record_sign(r, &idn) != 0)
		die("record_sign");
	identity_wipe(&idn);
}

static void save(const char *name, uint64_t self_version, const struct wire_record *recs, size_t n)
{
	const struct wire_record *p[4];
	char path[512], err[256];

	for (size_t i = 0; i < n; i++)
		p[i] = &recs[i];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (state_save(path, self_version, p, n, err, sizeof(err)) != 0)
		die(err);
}

/* "record <base64>" of the first len bytes of r's encoding. */
static void record_line(char *out, size_t cap, const struct wire_record *r, size_t cut)
{
	uint8_t bin[RECORD_MAX_ENCODED];
	int n = record_encode(r, bin, sizeof(bin));

	if (n <= 0)
		die("record_encode");
	strcpy(out, "record ");
	sodium_bin2base64(out + 7, cap - 7, bin, cut && cut < (size_t)n ? cut : (size_t)n,
			  sodium_base64_VARIANT_ORIGINAL);
}

static void put_hostile(const struct wire_record *r)
{
	char line[1024], text[4096], big[2048];

	record_line(line, sizeof(line), r, 0);
	/* Cut by a crash mid-write: the last line has no newline. */
	snprintf(text, sizeof(text), "meshd-state 1\nself-version 7\n%s", line);
	put("hostile-cut-line", text, strlen(text));
	snprintf(text, sizeof(text), "meshd-state 2\nself-version 7\n%s\n", line);
	put("hostile-other-magic", text, strlen(text));
	snprintf(text, sizeof(text), "meshd-state 1\r\nself-version 7\r\n%s\r\n", line);
	put("hostile-crlf", text, strlen(text));
	snprintf(text, sizeof(text), "meshd-state 1\nself-version 18446744073709551616\n"
		 "self-version -1\nself-version 12x\nrecord \nrecord ====\nrecord !!!!\n%s\n", line);
	put("hostile-bad-values", text, strlen(text));
	record_line(line, sizeof(line), r, 40);
	snprintf(text, sizeof(text), "meshd-state 1\nself-version 7\n%s\n", line);
	put("hostile-cut-record", text, strlen(text));
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	snprintf(text, sizeof(text), "meshd-state 1\nrecord %s\nself-version 9\n", big);
	put("hostile-long-line", text, strlen(text));
}

int main(int argc, char **argv)
{
	struct wire_record r[3];

	if (argc != 2) {
		fprintf(stderr, "usage: gen_state_seeds DIR\n");
		return 2;
	}
	dir = argv[1];
	if (identity_init_crypto() != 0)
		die("libsodium");
	for (int i = 0; i < 3; i++)
		make_record(&r[i], i + 1, i == 2);
	save("state-empty", 0, NULL, 0);
	save("state-one", 1735689600123ULL, r, 1);
	save("state-three", 1735689600456ULL, r, 3);
	put_hostile(&r[2]);
	return 0;
}
