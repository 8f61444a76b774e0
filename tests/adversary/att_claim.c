// SPDX-License-Identifier: MIT
/*
 * Address theft by fresh claims. Each attempt is a new identity whose id
 * was ground to sort below the victim's (the tie rule between equally
 * young claims favours the lower id), whose signed record pins the
 * victim's overlay address and advertises our socket as its endpoint; it
 * JOINs through every node and from then on answers every PING aimed at
 * any identity of this run, as a live member does (so a node that can
 * reach it may prove it: the strongest form of the claim). The test
 * restarts the owner and starts this right after, so attempts land from
 * the owner's first moments back to well after.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "att.h"
#include "proto/envelope.h"

struct claimer {
	struct att a;
	struct identity *ids;
	int n_ids;
	uint64_t pings, acks, join_acks;
};

/* A fresh identity whose id sorts below `above` (and in a lower first byte, as lowkey). */
static void ground(struct identity *idn, const uint8_t above[static WIRE_ID_LEN])
{
	uint8_t seed[32];

	do {
		randombytes_buf(seed, sizeof(seed));
		if (identity_from_seed(idn, seed) < 0)
			att_die("identity_from_seed");
	} while (memcmp(idn->id, above, WIRE_ID_LEN) >= 0 || (above[0] > 0 && idn->id[0] >= above[0]));
	sodium_memzero(seed, sizeof(seed));
}

static const struct identity *ours(const struct claimer *c, const uint8_t sid[static WIRE_SHORT_ID_LEN])
{
	for (int i = 0; i < c->n_ids; i++)
		if (memcmp(c->ids[i].id, sid, WIRE_SHORT_ID_LEN) == 0)
			return &c->ids[i];
	return NULL;
}

static void on_datagram(struct claimer *c, const uint8_t *buf, size_t len, const struct wire_addr *from)
{
	uint8_t plain[WIRE_MAX_DATAGRAM];
	struct wire_msg *m = malloc(sizeof(*m));
	const struct identity *me;
	int n;

	if (!m)
		att_die("out of memory");
	n = envelope_open(plain, sizeof(plain), buf, len, c->a.key);
	if (n < 0 || msg_decode(m, plain, (size_t)n) < 0)
		goto out;
	if (m->type == WIRE_JOIN_ACK)
		c->join_acks++;
	if (m->type == WIRE_PING && (me = ours(c, m->target))) {
		struct wire_msg ack;

		c->pings++;
		msg_init(&ack, WIRE_ACK, me->id);
		ack.seq = m->seq;
		memcpy(ack.target, me->id, WIRE_SHORT_ID_LEN);
		att_send(&c->a, from, &ack);
		c->acks++;
	}
out:
	free(m);
}

/* Answer for every identity of this run until `until` (monotonic ms). */
static void serve(struct claimer *c, uint64_t until)
{
	for (;;) {
		uint64_t now = att_now_ms();
		struct pollfd p = { .fd = c->a.fd, .events = POLLIN };
		uint8_t buf[2048];
		struct sockaddr_in in;
		socklen_t sl = sizeof(in);
		struct wire_addr from;
		ssize_t r;

		if (now >= until || poll(&p, 1, (int)(until - now)) <= 0)
			return;
		r = recvfrom(c->a.fd, buf, sizeof(buf), 0, (struct sockaddr *)&in, &sl);
		if (r < 0)
			continue;
		memset(&from, 0, sizeof(from));
		from.family = WIRE_AF_INET;
		memcpy(from.ip, &in.sin_addr, 4);
		from.port = ntohs(in.sin_port);
		on_datagram(c, buf, (size_t)r, &from);
	}
}

static void attempt(struct claimer *c, const struct att_opts *o, const uint8_t victim[static WIRE_ID_LEN],
		    const struct wire_prefix *addr, long k)
{
	struct identity *idn = &c->ids[c->n_ids];
	struct wire_record *r = &c->a.rec;
	struct wire_msg m;

	ground(idn, victim);
	memset(r, 0, sizeof(*r));
	memcpy(r->id, idn->id, WIRE_ID_LEN);
	r->version = 1;
	snprintf(r->name, sizeof(r->name), "%s-%ld", o->name ? o->name : "claim", k);
	r->n_endpoints = 1;
	r->endpoint[0] = c->a.self;
	r->gossip_port = c->a.self.port;
	r->n_overlay = 1;
	r->overlay[0] = *addr;
	r->flags = WIRE_REC_ADDR_PINNED;
	if (record_sign(r, idn) < 0)
		att_die("record_sign");
	c->n_ids++;
	msg_init(&m, WIRE_JOIN, idn->id);
	randombytes_buf(&m.seq, sizeof(m.seq));
	m.n_records = 1;
	m.record[0] = *r;
	if (msg_pad_to(&m, WIRE_MAX_PLAINTEXT) < 0)
		att_die("msg_pad_to");
	/* Through every node, the owner included: every view gets the claim first-hand. */
	for (int i = 0; i < o->n_nodes; i++)
		att_send(&c->a, &o->node[i], &m);
}

int cmd_claim(const struct att_opts *o)
{
	static struct claimer c;
	uint8_t victim[WIRE_ID_LEN];
	struct wire_prefix addr;
	long count = o->count > 0 ? o->count : 20;
	long gap = o->interval_ms > 0 ? o->interval_ms : 500;
	uint64_t t0;

	if (!o->key_file || !o->n_nodes || !o->victim_id || !o->address)
		att_die("claim needs --key, --node, --victim-id and --address");
	if (wire_prefix_parse(&addr, o->address) < 0)
		att_die("bad --address %s", o->address);
	att_parse_id(victim, o->victim_id);
	att_open(&c.a, o->bind, o->key_file);
	c.ids = calloc((size_t)count, sizeof(*c.ids));
	if (!c.ids)
		att_die("out of memory");
	t0 = att_now_ms();
	for (long k = 0; k < count; k++) {
		serve(&c, t0 + (uint64_t)o->delay_ms + (uint64_t)(k * gap));
		attempt(&c, o, victim, &addr, k);
	}
	/* Stay a live member of every claim a while longer: a late proof still counts. */
	serve(&c, att_now_ms() + (uint64_t)gap + 1000);
	att_report("attack=claim attempts=%ld delay_ms=%ld interval_ms=%ld join_acks=%llu "
		   "pings_for_claims=%llu acks_sent=%llu",
		   count, o->delay_ms, gap, (unsigned long long)c.join_acks, (unsigned long long)c.pings,
		   (unsigned long long)c.acks);
	for (int i = 0; i < c.n_ids; i++)
		identity_wipe(&c.ids[i]);
	free(c.ids);
	return 0;
}
