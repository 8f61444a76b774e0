// SPDX-License-Identifier: MIT
/*
 * The attacker's plumbing and the least a member must do to stay one:
 * answer PINGs aimed at it (so it keeps its place and, after the
 * return-routability fix, gets its address proven) and read what the
 * mesh sends it (records, so it knows current versions like any member).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "att.h"
#include "proto/envelope.h"

void att_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("meshd-attacker: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

uint64_t att_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void att_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void att_report(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("ADVERSARY ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	fflush(stdout);
	va_end(ap);
}

void att_parse_addr(struct wire_addr *a, const char *hostport)
{
	if (!hostport || wire_addr_parse(a, hostport) < 0 || a->family != WIRE_AF_INET)
		att_die("not an IPv4 HOST:PORT: %s", hostport ? hostport : "(none)");
}

static socklen_t to_sockaddr(struct sockaddr_in *in, const struct wire_addr *a)
{
	memset(in, 0, sizeof(*in));
	in->sin_family = AF_INET;
	in->sin_port = htons(a->port);
	memcpy(&in->sin_addr, a->ip, 4);
	return sizeof(*in);
}

static void from_sockaddr(struct wire_addr *a, const struct sockaddr_in *in)
{
	memset(a, 0, sizeof(*a));
	a->family = WIRE_AF_INET;
	memcpy(a->ip, &in->sin_addr, 4);
	a->port = ntohs(in->sin_port);
}

void att_read_netkey(const char *path, uint8_t key[static WIRE_KEY_LEN])
{
	char line[128] = "";
	FILE *f = fopen(path, "r");

	if (!f || !fgets(line, sizeof(line), f))
		att_die("cannot read network key file %s", path);
	fclose(f);
	line[strcspn(line, "\r\n")] = 0;
	if (key_from_base64(key, line) < 0)
		att_die("network key file %s is not one base64 key", path);
	sodium_memzero(line, sizeof(line));
}

void att_parse_id(uint8_t id[static WIRE_ID_LEN], const char *b64)
{
	if (!b64 || key_from_base64(id, b64) < 0)
		att_die("not a base64 member id: %s", b64 ? b64 : "(none)");
}

void att_open(struct att *a, const char *bind_to, const char *key_file)
{
	struct sockaddr_in in;
	struct sockaddr_in got;
	socklen_t len = sizeof(got);
	int buf = 4 << 20;

	memset(a, 0, sizeof(*a));
	if (identity_init_crypto() < 0)
		att_die("libsodium");
	att_parse_addr(&a->self, bind_to);
	a->fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (a->fd < 0)
		att_die("socket: %s", strerror(errno));
	setsockopt(a->fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	setsockopt(a->fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	if (bind(a->fd, (struct sockaddr *)&in, to_sockaddr(&in, &a->self)) < 0)
		att_die("bind %s: %s", bind_to, strerror(errno));
	if (getsockname(a->fd, (struct sockaddr *)&got, &len) == 0)
		a->self.port = ntohs(got.sin_port);
	if (key_file) {
		att_read_netkey(key_file, a->key);
		a->have_key = true;
	}
}

void att_identity(struct att *a, const char *name, const char *endpoint)
{
	struct wire_record *r = &a->rec;

	if (identity_generate(&a->idn) < 0)
		att_die("identity_generate");
	memset(r, 0, sizeof(*r));
	memcpy(r->id, a->idn.id, WIRE_ID_LEN);
	/* Like an agent: wall-clock milliseconds, far below any version cap. */
	r->version = wall_ms();
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->n_endpoints = 1;
	if (endpoint)
		att_parse_addr(&r->endpoint[0], endpoint);
	else
		r->endpoint[0] = a->self;
	/* No overlay address: members then gossip to endpoint:gossip_port,
	 * the underlay, which is where this program listens. */
	r->gossip_port = r->endpoint[0].port;
	if (record_sign(r, &a->idn) < 0)
		att_die("record_sign");
}

void att_send_raw(struct att *a, const struct wire_addr *to, const uint8_t *buf, size_t len)
{
	struct sockaddr_in in;

	for (;;) {
		if (sendto(a->fd, buf, len, 0, (struct sockaddr *)&in, to_sockaddr(&in, to)) >= 0)
			break;
		if (errno == ENOBUFS || errno == EAGAIN) {
			att_sleep_ms(1);   /* our own queue is full: wait, the datagram must go */
			continue;
		}
		if (errno != ECONNREFUSED && errno != EHOSTUNREACH)
			att_die("sendto: %s", strerror(errno));
		break;   /* an ICMP error from an earlier datagram: not this one's */
	}
	a->sent_bytes += len;
	a->sent_dgrams++;
}

static size_t seal(const struct att *a, uint8_t out[static WIRE_MAX_DATAGRAM],
		   const uint8_t *plain, size_t n)
{
	uint8_t nonce[WIRE_NONCE_LEN];
	int s;

	randombytes_buf(nonce, sizeof(nonce));
	s = envelope_seal(out, WIRE_MAX_DATAGRAM, plain, n, a->key, nonce);
	if (s < 0)
		att_die("envelope_seal: %s", wire_strerror(s));
	return (size_t)s;
}

size_t att_send_patched(struct att *a, const struct wire_addr *to, const struct wire_msg *m,
			uint64_t marker, uint64_t value)
{
	uint8_t plain[WIRE_MAX_PLAINTEXT], out[WIRE_MAX_DATAGRAM], mk[9], val[8];
	int n = msg_encode(m, plain, sizeof(plain));
	size_t s;

	if (n < 0)
		att_die("msg_encode: %s", wire_strerror(n));
	if (marker) {
		mk[0] = 0xcf;   /* msgpack uint64: the marker is chosen to need it */
		for (int i = 0; i < 8; i++) {
			mk[1 + i] = (uint8_t)(marker >> (56 - 8 * i));
			val[i] = (uint8_t)(value >> (56 - 8 * i));
		}
		for (int i = 0; i + 9 <= n; i++)
			if (memcmp(plain + i, mk, 9) == 0)
				memcpy(plain + i + 1, val, 8);
	}
	s = seal(a, out, plain, (size_t)n);
	att_send_raw(a, to, out, s);
	return s;
}

size_t att_send(struct att *a, const struct wire_addr *to, const struct wire_msg *m)
{
	return att_send_patched(a, to, m, 0, 0);
}

static void learn(struct att *a, const struct wire_record *r)
{
	struct att_seen *s = NULL;

	for (int i = 0; i < a->n_seen && !s; i++)
		if (memcmp(a->seen[i].id, r->id, WIRE_ID_LEN) == 0)
			s = &a->seen[i];
	if (!s) {
		if (a->n_seen == ATT_MAX_SEEN)
			return;
		s = &a->seen[a->n_seen++];
		memcpy(s->id, r->id, WIRE_ID_LEN);
		s->version = 0;
	}
	/* Only signed records teach versions: a member verifies, so do we. */
	if (r->version > s->version && record_verify(r) == 0) {
		s->version = r->version;
		snprintf(s->name, sizeof(s->name), "%s", r->name);
		memset(&s->gossip, 0, sizeof(s->gossip));
		if (r->n_endpoints) {
			s->gossip = r->endpoint[0];
			s->gossip.port = r->gossip_port;
		}
	}
}

const struct att_seen *att_seen_find(const struct att *a, const uint8_t id[static WIRE_ID_LEN])
{
	for (int i = 0; i < a->n_seen; i++)
		if (memcmp(a->seen[i].id, id, WIRE_ID_LEN) == 0)
			return &a->seen[i];
	return NULL;
}

static void handle(struct att *a, const uint8_t *buf, size_t len, const struct wire_addr *from)
{
	uint8_t plain[WIRE_MAX_DATAGRAM];
	struct wire_msg *m = malloc(sizeof(*m));
	int n;

	if (!m)
		att_die("out of memory");
	n = envelope_open(plain, sizeof(plain), buf, len, a->key);
	if (n < 0 || msg_decode(m, plain, (size_t)n) < 0)
		goto out;
	for (int i = 0; i < m->n_records; i++)
		learn(a, &m->record[i]);
	if (m->type == WIRE_JOIN_ACK)
		a->join_acks++;
	if (m->type == WIRE_PING && memcmp(m->target, a->idn.id, WIRE_SHORT_ID_LEN) == 0) {
		struct wire_msg ack;

		msg_init(&ack, WIRE_ACK, a->idn.id);
		ack.seq = m->seq;
		memcpy(ack.target, a->idn.id, WIRE_SHORT_ID_LEN);
		att_send(a, from, &ack);
		a->acks_sent++;
	}
out:
	free(m);
}

void att_poll(struct att *a, long ms)
{
	uint64_t end = att_now_ms() + (uint64_t)ms;

	for (;;) {
		uint64_t now = att_now_ms();
		struct pollfd p = { .fd = a->fd, .events = POLLIN };
		uint8_t buf[2048];
		struct sockaddr_in in;
		socklen_t sl = sizeof(in);
		struct wire_addr from;
		ssize_t r;

		if (now >= end || poll(&p, 1, (int)(end - now)) <= 0)
			return;
		r = recvfrom(a->fd, buf, sizeof(buf), 0, (struct sockaddr *)&in, &sl);
		if (r < 0)
			continue;
		a->recv_bytes += (uint64_t)r;
		a->recv_dgrams++;
		from_sockaddr(&from, &in);
		if (a->have_key)
			handle(a, buf, (size_t)r, &from);
	}
}

bool att_join(struct att *a, const struct wire_addr *nodes, int n, int tries)
{
	struct wire_msg m;
	uint64_t before = a->join_acks;

	msg_init(&m, WIRE_JOIN, a->idn.id);
	randombytes_buf(&m.seq, sizeof(m.seq));
	m.n_records = 1;
	m.record[0] = a->rec;
	/* Padded to the largest datagram, as a real joiner must for an answer. */
	if (msg_pad_to(&m, WIRE_MAX_PLAINTEXT) < 0)
		att_die("msg_pad_to");
	for (int t = 0; t < tries; t++) {
		att_send(a, &nodes[t % n], &m);
		att_poll(a, 300);
		if (a->join_acks > before)
			return true;
	}
	return false;
}

void att_pull(struct att *a, const struct wire_addr *node, long wait_ms)
{
	struct wire_msg m;

	/* An empty root listing: "I hold nothing anywhere", so the node
	 * pushes its table. Padded, and carrying our record, the way a joiner
	 * pulls, so a node that budgets replies to unproven members by the
	 * request's size still answers within that budget. */
	msg_init(&m, WIRE_SYNC_ENTRIES, a->idn.id);
	m.n_records = 1;
	m.record[0] = a->rec;
	if (msg_pad_to(&m, WIRE_MAX_PLAINTEXT) < 0)
		att_die("msg_pad_to");
	att_send(a, node, &m);
	att_poll(a, wait_ms);
}
