// SPDX-License-Identifier: MIT
/*
 * The small attacks and tools: a byte-counting sink, spoofed JOIN_ACKs,
 * PING_REQs that name an address, replays by an outsider from a forged
 * source, the test's own classifier of captured datagrams, and a key
 * ground to sort below a given member's.
 */
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "att.h"
#include "proto/envelope.h"

int cmd_sink(const struct att_opts *o)
{
	static struct att a;
	double seconds = o->seconds > 0 ? o->seconds : 10;

	att_open(&a, o->bind, NULL);   /* counts bytes; opens nothing */
	att_poll(&a, (long)(seconds * 1000));
	att_report("label=%s sink=%s sink_bytes=%llu sink_datagrams=%llu", o->name ? o->name : "sink",
		   o->bind, (unsigned long long)a.recv_bytes, (unsigned long long)a.recv_dgrams);
	return 0;
}

int cmd_joinack(const struct att_opts *o)
{
	static struct att a;
	struct wire_addr to;
	long count = o->count > 0 ? o->count : 100;
	long wait = o->interval_ms > 0 ? o->interval_ms : 50;

	if (!o->key_file || !o->target)
		att_die("joinack needs --key and --target");
	att_open(&a, o->bind, o->key_file);
	att_identity(&a, o->name ? o->name : "adv-seed", o->endpoint);
	att_parse_addr(&to, o->target);
	/* A second identity's record: a JOIN_ACK whose records[0] is not the sender's. */
	struct identity other;
	struct wire_record other_rec = a.rec;

	if (identity_generate(&other) < 0)
		att_die("identity_generate");
	memcpy(other_rec.id, other.id, WIRE_ID_LEN);
	snprintf(other_rec.name, sizeof(other_rec.name), "adv-other");
	if (record_sign(&other_rec, &other) < 0)
		att_die("record_sign");
	identity_wipe(&other);
	for (long i = 0; i < count; i++) {
		struct wire_msg m;

		msg_init(&m, WIRE_JOIN_ACK, a.idn.id);
		/* The JOIN's seq is sealed from us: guess (0, small, random). */
		if (i % 3 == 0)
			m.seq = (uint32_t)i;
		else
			randombytes_buf(&m.seq, sizeof(m.seq));
		/* Attacker-chosen: 10.66.x.y, a range no test node has. */
		m.observed.family = WIRE_AF_INET;
		m.observed.ip[0] = 10;
		m.observed.ip[1] = 66;
		m.observed.ip[2] = (uint8_t)(i / 250);
		m.observed.ip[3] = (uint8_t)(1 + i % 250);
		m.observed.port = (uint16_t)(40000 + i);
		m.n_records = 1;
		m.record[0] = i % 5 != 4 ? a.rec : other_rec;
		att_send(&a, &to, &m);
		att_poll(&a, wait);
	}
	att_report("attack=joinack_spoof spoofs=%ld datagrams=%llu bytes=%llu", count,
		   (unsigned long long)a.sent_dgrams, (unsigned long long)a.sent_bytes);
	return 0;
}

int cmd_pingreq(const struct att_opts *o)
{
	static struct att a;
	uint8_t target[WIRE_ID_LEN];
	struct wire_addr sink;
	long count = o->count > 0 ? o->count : 100;
	long wait = o->interval_ms > 0 ? o->interval_ms : 30;

	if (!o->key_file || !o->n_nodes || !o->sink)
		att_die("pingreq needs --key, --node, --victim-id and --sink");
	att_parse_id(target, o->victim_id);
	att_parse_addr(&sink, o->sink);
	att_open(&a, o->bind, o->key_file);
	att_identity(&a, o->name ? o->name : "adv-pingreq", o->endpoint);
	if (!att_join(&a, o->node, o->n_nodes, 10))
		att_die("pingreq: no JOIN_ACK from any node");
	att_poll(&a, 1500);   /* be a member a while: answer the first probes */
	for (long i = 0; i < count; i++) {
		struct wire_msg m;

		msg_init(&m, WIRE_PING_REQ, a.idn.id);
		randombytes_buf(&m.seq, sizeof(m.seq));
		memcpy(m.target, target, WIRE_SHORT_ID_LEN);
		m.target_addr = sink;
		att_send(&a, &o->node[i % o->n_nodes], &m);
		att_poll(&a, wait);
	}
	att_report("attack=pingreq_target_addr attempts=%ld datagrams=%llu", count,
		   (unsigned long long)a.sent_dgrams);
	return 0;
}

static int read_hex_line(FILE *f, uint8_t *buf, size_t cap)
{
	char line[2 * WIRE_MAX_DATAGRAM + 16];
	size_t n;

	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = 0;
		if (!line[0])
			continue;
		if (sodium_hex2bin(buf, cap, line, strlen(line), NULL, &n, NULL) < 0)
			att_die("bad hex line");
		return (int)n;
	}
	return -1;
}

int cmd_replay(const struct att_opts *o)
{
	static struct att a;
	static uint8_t dg[64][WIRE_MAX_DATAGRAM];
	size_t len[64];
	int n = 0, r;
	struct wire_addr to;
	long count = o->count > 0 ? o->count : 100;
	double wait = o->seconds > 0 ? o->seconds : 3;
	FILE *f;

	if (!o->file || !o->target)
		att_die("replay needs --file and --target");
	/* No key: a passive outsider. The bound address is the forged source. */
	att_open(&a, o->bind, NULL);
	att_parse_addr(&to, o->target);
	f = fopen(o->file, "r");
	if (!f)
		att_die("cannot open %s", o->file);
	while (n < 64 && (r = read_hex_line(f, dg[n], sizeof(dg[n]))) >= 0)
		len[n++] = (size_t)r;
	fclose(f);
	if (!n)
		att_die("nothing captured to replay in %s", o->file);
	for (long rep = 0; rep < count; rep++) {
		for (int i = 0; i < n; i++)
			att_send_raw(&a, &to, dg[i], len[i]);
		att_poll(&a, o->interval_ms > 0 ? o->interval_ms : 20);
	}
	att_poll(&a, (long)(wait * 1000));
	att_report("attack=replay label=%s captured=%d replays=%ld answers=%llu answer_bytes=%llu",
		   o->name ? o->name : "replay", n, (long)n * count,
		   (unsigned long long)a.recv_dgrams, (unsigned long long)a.recv_bytes);
	return 0;
}

static const char *type_name(uint8_t t)
{
	static const char *const names[] = { "?", "JOIN", "JOIN_ACK", "PING", "PING_REQ", "ACK",
					     "NACK", "SYNC_DIGEST", "SYNC_ENTRIES", "RECORDS",
					     "LEAVE" };

	return t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

/* The test's oracle, not the attacker: it holds the key to label captures. */
int cmd_classify(const struct att_opts *o)
{
	uint8_t key[WIRE_KEY_LEN], buf[WIRE_MAX_DATAGRAM], plain[WIRE_MAX_DATAGRAM];
	struct wire_msg *m = malloc(sizeof(*m));
	FILE *f;
	int n;

	if (!m || !o->key_file || !o->file || !o->name)
		att_die("classify needs --key, --file and --name TYPE");
	if (identity_init_crypto() < 0)
		att_die("libsodium");
	att_read_netkey(o->key_file, key);
	f = fopen(o->file, "r");
	if (!f)
		att_die("cannot open %s", o->file);
	while ((n = read_hex_line(f, buf, sizeof(buf))) >= 0) {
		char hex[2 * WIRE_MAX_DATAGRAM + 1];
		int p = envelope_open(plain, sizeof(plain), buf, (size_t)n, key);

		if (p < 0 || msg_decode(m, plain, (size_t)p) < 0 || strcmp(type_name(m->type), o->name))
			continue;
		puts(sodium_bin2hex(hex, sizeof(hex), buf, (size_t)n));
	}
	fclose(f);
	free(m);
	sodium_memzero(key, sizeof(key));
	return 0;
}

int cmd_lowkey(const struct att_opts *o)
{
	uint8_t above[WIRE_ID_LEN], seed[32];
	struct identity idn;
	char b64[KEY_B64_LEN], wg[KEY_B64_LEN];
	int fd;

	if (!o->file || !o->victim_id)
		att_die("lowkey needs --file and --victim-id");
	if (identity_init_crypto() < 0)
		att_die("libsodium");
	att_parse_id(above, o->victim_id);
	do {
		randombytes_buf(seed, sizeof(seed));
		if (identity_from_seed(&idn, seed) < 0)
			att_die("identity_from_seed");
	} while (memcmp(idn.id, above, WIRE_ID_LEN) >= 0 || (above[0] > 0 && idn.id[0] >= above[0]));
	key_to_base64(b64, seed);
	fd = open(o->file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || dprintf(fd, "%s\n", b64) < 0 || close(fd) < 0)
		att_die("cannot write %s", o->file);
	key_to_base64(b64, idn.id);
	key_to_base64(wg, idn.wg_public);
	printf("id=%s wg_public=%s\n", b64, wg);
	identity_wipe(&idn);
	sodium_memzero(seed, sizeof(seed));
	return 0;
}
