/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tnet.h"

void tn_identity(struct identity *idn, uint32_t n)
{
	uint8_t seed[32];

	for (int i = 0; i < 32; i++)
		seed[i] = (uint8_t)(n * 131 + i * 7 + (n >> 8));
	assert_int_equal(identity_init_crypto(), 0);
	assert_int_equal(identity_from_seed(idn, seed), 0);
}

void tn_addr(uint32_t idx, struct wire_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->family = WIRE_AF_INET;
	a->ip[0] = 192;
	a->ip[1] = 0;
	a->ip[2] = 2;
	a->ip[3] = (uint8_t)(idx + 1);
	a->port = 51821;
}

static void template(struct wire_record *r, const struct identity *idn, uint32_t idx, uint64_t version)
{
	memset(r, 0, sizeof(*r));
	memcpy(r->id, idn->id, WIRE_ID_LEN);
	r->version = version;
	snprintf(r->name, sizeof(r->name), "t%u", idx);
	r->n_endpoints = 1;
	tn_addr(idx, &r->endpoint[0]);
	r->endpoint[0].port = 51820;
	r->gossip_port = 51821;
}

void tn_record(struct wire_record *r, const struct identity *idn, uint32_t idx, uint64_t version)
{
	template(r, idn, idx, version);
	assert_int_equal(record_sign(r, idn), 0);
}

static uint64_t t_rand(void *ctx)
{
	struct tnode *n = ctx;
	uint64_t z = (n->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint8_t tn_type(const uint8_t *buf, size_t len)
{
	/* [type, ...]: a fixarray header then a positive fixint. */
	return len > 1 && (buf[0] & 0xf0) == 0x90 ? buf[1] : 0;
}

/* Underlay 192.0.2.(i+1), or the overlay address in node i's own record (tunnel mode). */
static int node_of(const struct tnet *net, const struct wire_addr *a, bool *overlay)
{
	*overlay = false;
	if (a->family != WIRE_AF_INET)
		return -1;
	if (a->ip[0] == 192 && a->ip[1] == 0 && a->ip[2] == 2)
		return a->ip[3] >= 1 && a->ip[3] <= net->n ? a->ip[3] - 1 : -1;
	for (uint32_t i = 0; i < net->n; i++) {
		const struct wire_record *r = gossip_self(net->node[i].g)->rec;

		if (r->n_overlay && memcmp(r->overlay[0].ip, a->ip, 4) == 0 && a->port == r->gossip_port) {
			*overlay = true;
			return (int)i;
		}
	}
	return -1;
}

static void t_send(void *ctx, const struct wire_addr *to, const uint8_t *buf, size_t len)
{
	struct tnode *n = ctx;
	struct tnet *net = n->net;
	bool overlay;
	int dst = node_of(net, to, &overlay);
	uint8_t type = tn_type(buf, len);
	struct tn_msg *m;

	n->to_overlay += overlay;
	assert_true(len <= WIRE_MAX_PLAINTEXT);
	if (type == WIRE_RECORDS && !n->first_records_len) {
		memcpy(n->first_records, buf, len);
		n->first_records_len = len;
	}
	{
		/* Everything the engine sends must decode. */
		struct wire_msg *dm = malloc(sizeof(*dm));

		assert_non_null(dm);
		assert_int_equal(msg_decode(dm, buf, len), 0);
		for (int i = 0; i < dm->n_records; i++)
			if (memcmp(dm->record[i].id, net->watch, WIRE_ID_LEN) == 0)
				n->carried++;
		free(dm);
	}
	if (type < GOSSIP_NTYPES) {
		n->sent[type]++;
		if (len > n->max_len[type])
			n->max_len[type] = len;
	}
	if (dst < 0 && !overlay && to->family == WIRE_AF_INET && to->ip[0] == 192 && to->ip[1] == 0 &&
	    to->ip[2] == 2 && to->ip[3] >= 1) {
		net->out_bytes[to->ip[3] - 1] += len;
		net->out_msgs[to->ip[3] - 1]++;
		if (net->n_out < TN_OUT_MAX) {
			struct tn_out *o = &net->out[net->n_out++];

			o->from = n->idx;
			o->len = (uint32_t)len;
			o->to = *to;
			memcpy(o->buf, buf, len);
		}
	}
	if (dst < 0 && type < GOSSIP_NTYPES)
		net->nowhere[type]++;
	if (dst < 0 || (net->drop && net->drop(net, n->idx, (uint32_t)dst, buf, len))) {
		net->dropped++;
		return;
	}
	assert_true(net->nq < TN_QMAX);
	m = &net->q[net->nq++];
	m->at = net->now + 1;
	m->from = n->idx;
	m->to = (uint32_t)dst;
	m->len = (uint32_t)len;
	m->overlay = overlay;
	memcpy(m->buf, buf, len);
}

static void t_changed(void *ctx, enum gossip_event ev, const struct gossip_member *m)
{
	struct tnode *n = ctx;
	struct tn_event *e;

	if (n->n_log == TN_LOG)
		return;
	e = &n->log[n->n_log++];
	e->ev = ev;
	memcpy(e->id, m->rec->id, WIRE_ID_LEN);
	e->version = m->rec->version;
	e->at = n->net->now;
}

static void t_observed(void *ctx, const struct wire_addr *addr)
{
	struct tnode *n = ctx;

	n->observed = *addr;
	n->n_observed++;
}

static void t_stored(void *ctx)
{
	((struct tnode *)ctx)->n_stored++;
}

static void t_grant(void *ctx, const struct trust_grant *g, const uint8_t key[WIRE_KEY_LEN])
{
	struct tnode *n = ctx;

	n->n_grants++;
	n->grant_epoch = g->epoch;
	memcpy(n->grant_key, key, WIRE_KEY_LEN);
}

static void t_relay(void *ctx, uint8_t op, const struct gossip_member *from,
		    const struct gossip_member *peer, uint16_t port)
{
	struct tnode *n = ctx;

	n->n_relay++;
	n->relay_op = op;
	n->relay_port = port;
	memcpy(n->relay_from, from->rec->id, WIRE_ID_LEN);
	memcpy(n->relay_peer, peer->rec->id, WIRE_ID_LEN);
}

static void t_punch(void *ctx, const struct gossip_member *peer, const struct wire_addr *ep,
		    uint32_t at_ms)
{
	struct tnode *n = ctx;

	n->n_punch++;
	memcpy(n->punch_peer, peer->rec->id, WIRE_ID_LEN);
	n->punch_ep = *ep;
	n->punch_at = at_ms;
}

static bool t_seen(void *ctx, const struct gossip_member *m, struct wire_addr *out)
{
	struct tnode *n = ctx;

	return n->net->seen && n->net->seen(n->net, n->idx, m, out);
}

static void t_public(void *ctx, const struct wire_addr *addr)
{
	struct tnode *n = ctx;

	n->public_ep = *addr;
	n->n_public++;
}

static void start(struct tnode *t, const struct gossip_config *cfg, uint64_t now)
{
	struct gossip_io io = { .ctx = t, .rand64 = t_rand, .send = t_send, .changed = t_changed,
				.observed = t_observed, .trust_stored = t_stored, .grant = t_grant,
				.relay = t_relay, .punch = t_punch, .seen = t_seen,
				.public_endpoint = t_public };
	struct wire_record tmpl;

	template(&tmpl, &t->idn, t->idx, 1000);
	if (t->net->tmpl)
		t->net->tmpl(t->net, t->idx, &tmpl);
	assert_int_equal(gossip_new(&t->g, cfg, &t->idn, &tmpl, &io, now), 0);
}

void tn_recreate(struct tnet *net, uint32_t i, const struct gossip_config *cfg)
{
	gossip_free(net->node[i].g);
	net->node[i].n_log = 0;
	start(&net->node[i], cfg, net->now);
}

void tn_init(struct tnet *net, uint32_t n, uint32_t seed_base, const struct gossip_config *cfg)
{
	tn_init_tmpl(net, n, seed_base, cfg, NULL, NULL);
}

void tn_init_tmpl(struct tnet *net, uint32_t n, uint32_t seed_base, const struct gossip_config *cfg,
		  void (*tmpl)(struct tnet *net, uint32_t idx, struct wire_record *r), void *ctx)
{
	assert_true(n <= TN_MAX);
	memset(net, 0, sizeof(*net));
	net->tmpl = tmpl;
	net->ctx = ctx;
	net->n = n;
	net->cfg = *cfg;
	net->q = calloc(TN_QMAX, sizeof(*net->q));
	assert_non_null(net->q);
	net->out = calloc(TN_OUT_MAX, sizeof(*net->out));
	assert_non_null(net->out);
	for (uint32_t i = 0; i < n; i++) {
		struct tnode *t = &net->node[i];

		t->net = net;
		t->idx = i;
		t->rng = seed_base * 1000 + i;
		tn_identity(&t->idn, seed_base + i);
		start(t, cfg, 0);
	}
}

void tn_free(struct tnet *net)
{
	for (uint32_t i = 0; i < net->n; i++)
		gossip_free(net->node[i].g);
	free(net->q);
	free(net->out);
}

void tn_connect_all(struct tnet *net)
{
	for (uint32_t i = 0; i < net->n; i++)
		for (uint32_t j = 0; j < net->n; j++)
			if (i != j)
				assert_int_equal(gossip_restore(net->node[i].g,
								gossip_self(net->node[j].g)->rec,
								net->now), 0);
}

static void deliver_one(struct tnet *net, uint32_t k)
{
	struct tn_msg m = net->q[k];
	struct wire_addr from;

	memmove(&net->q[k], &net->q[k + 1], (net->nq - k - 1) * sizeof(*net->q));
	net->nq--;
	tn_addr(m.from, &from);
	if (m.overlay) {
		/* Through the tunnel: from the sender's overlay address (WireGuard's source). */
		const struct wire_record *r = gossip_self(net->node[m.from].g)->rec;

		from.family = r->overlay[0].family;
		memcpy(from.ip, r->overlay[0].ip, sizeof(from.ip));
		from.port = r->gossip_port;
	}
	gossip_input(net->node[m.to].g, &from, m.buf, m.len, net->now);
}

void tn_run(struct tnet *net, uint64_t ms)
{
	uint64_t end = net->now + ms;

	for (;;) {
		uint64_t next = end + 1;
		int who = -1;

		for (uint32_t i = 0; i < net->n; i++) {
			uint64_t d = gossip_next_deadline(net->node[i].g);

			if (d < next) {
				next = d;
				who = (int)i;
			}
		}
		/* Datagrams first at equal times: FIFO order. */
		if (net->nq && net->q[0].at <= next && net->q[0].at <= end) {
			if (net->q[0].at > net->now)
				net->now = net->q[0].at;
			deliver_one(net, 0);
			continue;
		}
		if (who < 0 || next > end)
			break;
		if (next > net->now)
			net->now = next;
		gossip_tick(net->node[who].g, net->now);
	}
	net->now = end;
}

size_t tn_encode(const struct wire_msg *m, uint8_t *buf)
{
	int n = msg_encode(m, buf, WIRE_MAX_PLAINTEXT);

	assert_true(n > 0);
	return (size_t)n;
}

int tn_input(struct tnet *net, uint32_t to, uint32_t from, const struct wire_msg *m)
{
	uint8_t buf[WIRE_MAX_PLAINTEXT];
	struct wire_addr a;
	size_t len = tn_encode(m, buf);

	tn_addr(from, &a);
	return gossip_input(net->node[to].g, &a, buf, len, net->now);
}

int tn_count(const struct tnode *n, enum gossip_event ev, const uint8_t id[static WIRE_ID_LEN])
{
	int c = 0;

	for (uint32_t i = 0; i < n->n_log; i++)
		c += n->log[i].ev == ev && memcmp(n->log[i].id, id, WIRE_ID_LEN) == 0;
	return c;
}

uint64_t tn_first(const struct tnode *n, enum gossip_event ev, const uint8_t id[static WIRE_ID_LEN])
{
	for (uint32_t i = 0; i < n->n_log; i++)
		if (n->log[i].ev == ev && memcmp(n->log[i].id, id, WIRE_ID_LEN) == 0)
			return n->log[i].at;
	return 0;
}

const uint8_t *tn_id(const struct tnet *net, uint32_t i)
{
	return net->node[i].idn.id;
}

enum gossip_state tn_state(const struct tnet *net, uint32_t observer, uint32_t subject)
{
	const struct gossip_member *m = gossip_find(net->node[observer].g, tn_id(net, subject));

	assert_non_null(m);
	return m->state;
}

/* ctx: a bool[TN_MAX] of isolated nodes. */
bool tn_drop_isolated(struct tnet *net, uint32_t from, uint32_t to, const uint8_t *buf, size_t len)
{
	const bool *iso = net->ctx;

	(void)buf;
	(void)len;
	return iso[from] || iso[to];
}

bool tn_drop_cross(struct tnet *net, uint32_t from, uint32_t to, const uint8_t *buf, size_t len)
{
	const bool *side = net->ctx;

	(void)buf;
	(void)len;
	return side[from] != side[to];
}
