// SPDX-License-Identifier: MIT
/*
 * meshd-inject: hostile datagrams for the end-to-end tests (scenario 6).
 *   random   HOST:PORT COUNT          random bytes, random sizes (0..1500)
 *   wrongkey HOST:PORT COUNT          well-formed JOINs sealed with a random key
 *   claim    HOST:PORT NETKEY IP/LEN  a validly signed record of a fresh identity
 *                                     (ground to a low id) claiming IP, as JOIN
 *                                     and as RECORDS, sealed with the real key
 *   forged   HOST:PORT NETKEY IP/LEN  the same, but altered after signing
 * Exit 0 when everything was sent; it never reads replies.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proto/envelope.h"
#include "proto/identity.h"
#include "proto/msg.h"
#include "proto/record.h"

static int sock = -1;
static struct sockaddr_storage dst;
static socklen_t dst_len;

static void die(const char *what)
{
	fprintf(stderr, "meshd-inject: %s\n", what);
	exit(1);
}

static void target(const char *hostport)
{
	struct wire_addr a;

	if (wire_addr_parse(&a, hostport) < 0)
		die("bad HOST:PORT");
	memset(&dst, 0, sizeof(dst));
	if (a.family == WIRE_AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&dst;
		in->sin_family = AF_INET;
		in->sin_port = htons(a.port);
		memcpy(&in->sin_addr, a.ip, 4);
		dst_len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&dst;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(a.port);
		memcpy(&in6->sin6_addr, a.ip, 16);
		dst_len = sizeof(*in6);
	}
	sock = socket(dst.ss_family, SOCK_DGRAM, 0);
	if (sock < 0)
		die("socket");
}

static void send_raw(const uint8_t *buf, size_t len)
{
	if (sendto(sock, buf, len, 0, (struct sockaddr *)&dst, dst_len) < 0 && errno != ECONNREFUSED)
		die("sendto");
	usleep(200); /* stay clear of socket-buffer drops: every datagram must arrive */
}

static void send_sealed(const struct wire_msg *m, const uint8_t key[static 32])
{
	uint8_t plain[WIRE_MAX_PLAINTEXT], out[WIRE_MAX_DATAGRAM], nonce[WIRE_NONCE_LEN];
	int n, s;

	n = msg_encode(m, plain, sizeof(plain));
	if (n < 0)
		die(wire_strerror(n));
	randombytes_buf(nonce, sizeof(nonce));
	s = envelope_seal(out, sizeof(out), plain, (size_t)n, key, nonce);
	if (s < 0)
		die(wire_strerror(s));
	send_raw(out, (size_t)s);
}

static void read_netkey(const char *path, uint8_t key[static 32])
{
	char line[128] = "";
	FILE *f = fopen(path, "r");

	if (!f || !fgets(line, sizeof(line), f))
		die("cannot read network key file");
	fclose(f);
	line[strcspn(line, "\r\n")] = 0;
	if (key_from_base64(key, line) < 0)
		die("network key file is not one base64 key");
}

/* A fresh identity whose id sorts before (almost) every real node's. */
static void low_identity(struct identity *idn)
{
	do {
		if (identity_generate(idn) < 0)
			die("identity");
	} while (idn->id[0] != 0);
}

static void intruder_record(struct wire_record *r, const struct identity *idn, const char *cidr)
{
	memset(r, 0, sizeof(*r));
	memcpy(r->id, idn->id, WIRE_ID_LEN);
	r->version = 1;
	snprintf(r->name, sizeof(r->name), "intruder");
	r->n_overlay = 1;
	if (wire_prefix_parse(&r->overlay[0], cidr) < 0)
		die("bad IP/LEN");
	r->flags = WIRE_REC_ADDR_PINNED;
	r->n_endpoints = 1;
	if (wire_addr_parse(&r->endpoint[0], "10.77.0.250:51820") < 0)
		die("endpoint");
	r->gossip_port = 51821;
	if (record_sign(r, idn) < 0)
		die("record_sign");
}

static void send_record(const struct identity *idn, const struct wire_record *r,
			const uint8_t key[static 32])
{
	struct wire_msg *m = calloc(1, sizeof(*m));

	if (!m)
		die("out of memory");
	msg_init(m, WIRE_JOIN, idn->id);
	m->n_records = 1;
	m->record[0] = *r;
	send_sealed(m, key);
	msg_init(m, WIRE_RECORDS, idn->id);
	m->n_records = 1;
	m->record[0] = *r;
	send_sealed(m, key);
	free(m);
}

int main(int argc, char **argv)
{
	uint8_t key[32], buf[1500];
	struct identity idn;
	struct wire_record r;
	long count;

	if (argc < 4 || identity_init_crypto() < 0) {
		fprintf(stderr, "usage: meshd-inject random|wrongkey HOST:PORT COUNT\n"
				"       meshd-inject claim|forged HOST:PORT NETKEY IP/LEN\n");
		return 2;
	}
	target(argv[2]);
	if (!strcmp(argv[1], "random")) {
		count = strtol(argv[3], NULL, 10);
		for (long i = 0; i < count; i++) {
			size_t len = randombytes_uniform(sizeof(buf) + 1);
			randombytes_buf(buf, len);
			send_raw(buf, len);
		}
	} else if (!strcmp(argv[1], "wrongkey")) {
		count = strtol(argv[3], NULL, 10);
		for (long i = 0; i < count; i++) {
			randombytes_buf(key, sizeof(key));
			low_identity(&idn);
			intruder_record(&r, &idn, "10.88.0.251/16");
			send_record(&idn, &r, key);
		}
	} else if (argc == 5 && (!strcmp(argv[1], "claim") || !strcmp(argv[1], "forged"))) {
		read_netkey(argv[3], key);
		low_identity(&idn);
		intruder_record(&r, &idn, argv[4]);
		if (!strcmp(argv[1], "forged")) {
			/* Steal a signature: bump the version after signing. */
			r.version = WIRE_VERSION_MAX;  /* the highest a decoder accepts */
		}
		send_record(&idn, &r, key);
	} else {
		return 2;
	}
	identity_wipe(&idn);
	sodium_memzero(key, sizeof(key));
	printf("meshd-inject %s: sent\n", argv[1]);
	return 0;
}
