// SPDX-License-Identifier: MIT
/*
 * meshd-forge: records with forged admissions for authority.sh (issue 10,
 * scenario 8). It reads an invite token, as a network-key holder might
 * have one (the network key and an invite certificate; the certificate
 * alone is in every admitted member's record), and offers COUNT fresh
 * identities, each in a validly signed record carrying that invite:
 *
 *   copied  the bind is not over the identity (an admission copied out of
 *           a member's record): every record must cost at most one
 *           signature check and add no member
 *   stolen  the bind is valid, made with the token's invite secret (a
 *           stolen token): for a one-time invite already spent, every
 *           spend loses to the first; for an expired invite (admitted_at
 *           is now, past not_after), every record is refused; no member
 *
 * The records pin the token's name, address and tags, so the invite's
 * constraints hold and the bind is what is judged.
 *
 *   meshd-forge MODE TOKEN_FILE BIND_IP:PORT COUNT RATE HOST:PORT...
 *
 * RATE is datagrams per second. Prints one `FORGE key=value` line; exit 0
 * when everything was sent (it never reads replies).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "proto/envelope.h"
#include "proto/identity.h"
#include "proto/msg.h"
#include "proto/record.h"
#include "proto/token.h"
#include "proto/trust.h"

enum { MAX_TARGETS = 16 };

static void die(const char *what)
{
	fprintf(stderr, "meshd-forge: %s\n", what);
	exit(2);
}

static socklen_t to_sockaddr(struct sockaddr_storage *ss, const struct wire_addr *a)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == WIRE_AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(a->port);
		memcpy(&in->sin_addr, a->ip, 4);
		return sizeof(*in);
	}
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(a->port);
	memcpy(&in6->sin6_addr, a->ip, 16);
	return sizeof(*in6);
}

static void read_token(struct token *t, const char *path)
{
	static char text[TOKEN_MAX_TEXT + 2];
	FILE *f = fopen(path, "r");
	int rc;

	if (!f || !fgets(text, sizeof(text), f))
		die("cannot read the token file");
	fclose(f);
	text[strcspn(text, "\r\n")] = 0;
	rc = token_decode(t, text);
	sodium_memzero(text, sizeof(text));
	if (rc < 0)
		die(token_strerror(rc));
}

/* A fresh identity's record with the token's pinned fields and an admission. */
static void forged_record(struct wire_record *r, const struct token *t, const struct wire_addr *ep,
			  bool stolen, long i)
{
	struct identity idn;

	memset(&idn, 0, sizeof(idn));
	crypto_sign_keypair(idn.id, idn.sk);
	memset(r, 0, sizeof(*r));
	memcpy(r->id, idn.id, WIRE_ID_LEN);
	r->version = 1;
	if (t->name[0])
		snprintf(r->name, sizeof(r->name), "%s", t->name);
	else
		snprintf(r->name, sizeof(r->name), "forge-%06ld", i);
	if (t->has_address) {
		r->n_overlay = 1;
		r->overlay[0] = t->address;
		r->flags = WIRE_REC_ADDR_PINNED;
	}
	r->n_endpoints = 1;
	r->endpoint[0] = *ep;
	r->gossip_port = ep->port;
	r->n_tags = t->n_tags;
	memcpy(r->tag, t->tag, sizeof(r->tag[0]) * t->n_tags);
	r->has_admission = true;
	r->adm.invite = t->invite;
	r->adm.admitted_at = (uint64_t)time(NULL);
	if (stolen) {
		if (trust_admission_make(&r->adm, &t->invite, t->invite_secret, idn.id,
					 r->adm.admitted_at) < 0)
			die("trust_admission_make");
	} else {
		randombytes_buf(r->adm.bind, sizeof(r->adm.bind));
	}
	if (record_sign(r, &idn) < 0)
		die("record_sign");
	sodium_memzero(&idn, sizeof(idn));
}

int main(int argc, char **argv)
{
	static struct token t;
	static struct wire_msg m;
	struct sockaddr_storage dst[MAX_TARGETS], self;
	socklen_t dst_len[MAX_TARGETS], self_len;
	struct wire_addr bind_addr;
	uint8_t plain[WIRE_MAX_PLAINTEXT], out[WIRE_MAX_DATAGRAM], nonce[WIRE_NONCE_LEN];
	long count, rate, made = 0, dgrams = 0;
	int n_dst = 0, fd;
	bool stolen;

	if (argc < 7 || identity_init_crypto() < 0) {
		fprintf(stderr, "usage: meshd-forge copied|stolen TOKEN_FILE BIND_IP:PORT COUNT RATE "
				"HOST:PORT...\n");
		return 2;
	}
	if (strcmp(argv[1], "copied") && strcmp(argv[1], "stolen"))
		die("MODE is copied or stolen");
	stolen = !strcmp(argv[1], "stolen");
	read_token(&t, argv[2]);
	if (wire_addr_parse(&bind_addr, argv[3]) < 0 || bind_addr.port == 0)
		die("bad BIND_IP:PORT (a port is needed: the records advertise it)");
	count = strtol(argv[4], NULL, 10);
	rate = strtol(argv[5], NULL, 10);
	if (count <= 0 || rate <= 0)
		die("COUNT and RATE must be positive");
	for (int i = 6; i < argc && n_dst < MAX_TARGETS; i++) {
		struct wire_addr a;

		if (wire_addr_parse(&a, argv[i]) < 0)
			die("bad HOST:PORT");
		dst_len[n_dst] = to_sockaddr(&dst[n_dst], &a);
		n_dst++;
	}
	self_len = to_sockaddr(&self, &bind_addr);
	fd = socket(self.ss_family, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&self, self_len) < 0)
		die("socket/bind");
	struct timespec t0;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (made < count) {
		int n = 0, s;

		/* As many records as fit one datagram (admissions are large). */
		msg_init(&m, WIRE_RECORDS, (const uint8_t[WIRE_ID_LEN]){ 0 });
		while (made < count && m.n_records < WIRE_MAX_RECORDS) {
			forged_record(&m.record[m.n_records], &t, &bind_addr, stolen, made);
			m.n_records++;
			if (msg_encoded_size(&m) < 0 || msg_encoded_size(&m) > (int)sizeof(plain)) {
				m.n_records--;
				break;
			}
			made++;
		}
		if (m.n_records == 0)
			die("one forged record does not fit a datagram");
		memcpy(m.sender, m.record[0].id, WIRE_SHORT_ID_LEN);
		n = msg_encode(&m, plain, sizeof(plain));
		if (n < 0)
			die(wire_strerror(n));
		randombytes_buf(nonce, sizeof(nonce));
		s = envelope_seal(out, sizeof(out), plain, (size_t)n, t.netkey, nonce);
		if (s < 0)
			die(wire_strerror(s));
		int k = (int)(dgrams % n_dst);

		if (sendto(fd, out, (size_t)s, 0, (struct sockaddr *)&dst[k], dst_len[k]) < 0 &&
		    errno != ECONNREFUSED)
			die("sendto");
		dgrams++;
		/* Paced: never ahead of RATE datagrams per second. */
		for (;;) {
			struct timespec now;
			double el;

			clock_gettime(CLOCK_MONOTONIC, &now);
			el = (double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) / 1e9;
			if ((double)dgrams <= el * (double)rate)
				break;
			usleep(1000);
		}
	}
	token_wipe(&t);
	printf("FORGE mode=%s records=%ld datagrams=%ld targets=%d\n", argv[1], made, dgrams, n_dst);
	return 0;
}
