/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/envelope.h"
#include "simnet.h"

struct sim_msg {
	uint32_t from, len;
	bool tunnel;              /* sent to an overlay address: arrives from the sender's */
	uint8_t data[];
};

enum { IP4_UDP = 20 + 8, WG_DATA_HDR = 16, WG_TAG = 16, WG_PAD = 16 };

uint32_t sim_wire_bytes(size_t len, bool tunnel)
{
	uint32_t inner = (uint32_t)len + WIRE_ENVELOPE_OVERHEAD + IP4_UDP;

	if (!tunnel)
		return inner;
	return IP4_UDP + WG_DATA_HDR + (inner + WG_PAD - 1) / WG_PAD * WG_PAD + WG_TAG;
}

bool sim_overlay(const struct sim *s, uint32_t idx, struct wire_addr *a)
{
	const struct wire_record *r = gossip_self(s->nodes[idx].g)->rec;

	memset(a, 0, sizeof(*a));
	if (!r->n_overlay || r->overlay[0].family != WIRE_AF_INET)
		return false;
	a->family = WIRE_AF_INET;
	memcpy(a->ip, r->overlay[0].ip, 4);
	a->port = SIM_GOSSIP_PORT;
	return true;
}

static uint32_t ip4(const struct wire_addr *a)
{
	return (uint32_t)a->ip[0] << 24 | (uint32_t)a->ip[1] << 16 | (uint32_t)a->ip[2] << 8 | a->ip[3];
}

static uint32_t ov_hash(uint32_t v, uint32_t mask)
{
	return (v * 2654435761u) & mask;
}

/*
 * Overlay address -> node. Addresses change (a lost claim renumbers), so
 * a miss or a stale hit rebuilds the table from every node's own record:
 * O(N) once per change. Two live nodes briefly on one address (a claim
 * being contested) reach the first found, as a router would pick one.
 */
static void ov_rebuild(struct sim *s)
{
	memset(s->ov_slot, 0, (size_t)(s->ov_mask + 1) * sizeof(*s->ov_slot));
	for (uint32_t i = 0; i < s->n; i++) {
		struct wire_addr a;
		uint32_t h;

		if (s->nodes[i].dead || !sim_overlay(s, i, &a))
			continue;
		for (h = ov_hash(ip4(&a), s->ov_mask); s->ov_slot[h]; h = (h + 1) & s->ov_mask)
			;
		s->ov_slot[h] = i + 1;
	}
}

static int64_t ov_find(struct sim *s, const struct wire_addr *to)
{
	for (int pass = 0; pass < 2; pass++) {
		uint32_t v = ip4(to);

		for (uint32_t h = ov_hash(v, s->ov_mask); s->ov_slot[h]; h = (h + 1) & s->ov_mask) {
			struct wire_addr a;
			uint32_t i = s->ov_slot[h] - 1;

			if (sim_overlay(s, i, &a) && ip4(&a) == v)
				return i;
		}
		ov_rebuild(s);
	}
	return -1;
}

/* Node i lives at 100.64.0.0 + i + 1 (100.64/10 holds 4M nodes). */
void sim_addr(uint32_t idx, struct wire_addr *a)
{
	uint32_t v = idx + 1;

	memset(a, 0, sizeof(*a));
	a->family = WIRE_AF_INET;
	a->ip[0] = 100;
	a->ip[1] = (uint8_t)(64 + (v >> 16));
	a->ip[2] = (uint8_t)(v >> 8);
	a->ip[3] = (uint8_t)v;
	a->port = SIM_GOSSIP_PORT;
}

static int64_t node_of(const struct sim *s, const struct wire_addr *a)
{
	uint32_t v;

	if (a->family != WIRE_AF_INET || a->ip[0] != 100 || a->ip[1] < 64 || a->ip[1] >= 128)
		return -1;
	v = ((uint32_t)(a->ip[1] - 64) << 16) | ((uint32_t)a->ip[2] << 8) | a->ip[3];
	return v >= 1 && v <= s->n ? (int64_t)v - 1 : -1;
}

static uint64_t io_rand(void *ctx)
{
	return rng_next(&((struct node *)ctx)->rng);
}

static void io_send(void *ctx, const struct wire_addr *to, const uint8_t *buf, size_t len)
{
	struct node *n = ctx;
	struct sim *s = n->sim;
	int64_t dst = node_of(s, to);
	bool tunnel = false;
	struct sim_msg *m;

	if (dst < 0 && s->tunnel && to->family == WIRE_AF_INET) {
		dst = ov_find(s, to);
		tunnel = true;
	}
	if (s->counting) {
		n->bytes += sim_wire_bytes(len, tunnel);
		n->dgrams_out++;
	}
	if (dst < 0 || (s->loss > 0 && rng_unit(&s->rng) < s->loss) ||
	    (s->partitioned && s->nodes[dst].group != n->group)) {
		s->dropped++;
		return;
	}
	m = malloc(sizeof(*m) + len);
	if (!m)
		return;
	m->from = n->idx;
	m->len = (uint32_t)len;
	m->tunnel = tunnel;
	memcpy(m->data, buf, len);
	heap_push(&s->heap, (struct ev){
		.t = s->now + s->lat_min + rng_below(&s->rng, s->lat_max - s->lat_min + 1),
		.node = (uint32_t)dst, .msg = m });
}

static void io_changed(void *ctx, enum gossip_event ev, const struct gossip_member *m)
{
	struct node *n = ctx;

	if (n->sim->track && n->sim->on_event)
		n->sim->on_event(n->sim, n, ev, m);
}

static void io_grant(void *ctx, const struct trust_grant *g, const uint8_t key[WIRE_KEY_LEN])
{
	struct node *n = ctx;

	(void)key;
	if (n->sim->on_grant)
		n->sim->on_grant(n->sim, n, g);
}

int sim_init(struct sim *s, uint32_t n, uint64_t seed, const struct gossip_config *base)
{
	return sim_init_tmpl(s, n, seed, base, NULL, NULL);
}

int sim_init_tmpl(struct sim *s, uint32_t n, uint64_t seed, const struct gossip_config *base,
		  void (*tmpl_fn)(void *ctx, uint32_t idx, struct wire_record *r), void *ctx)
{
	struct gossip_config cfg = *base;
	uint64_t sm = seed;
	int ret;

	memset(s, 0, sizeof(*s));
	s->n = n;
	s->trace = getenv("MESHSIM_TRACE") ? atoi(getenv("MESHSIM_TRACE")) : 0;
	s->lat_min = 1;
	s->lat_max = 10;
	rng_seed(&s->rng, splitmix64(&sm));
	s->nodes = calloc(n, sizeof(*s->nodes));
	if (!s->nodes)
		return -ENOMEM;
	ret = gossip_recpool_new(&s->pool);
	if (ret)
		return ret;
	cfg.pool = s->pool;
	cfg.size_hint = n + 16;
	s->tunnel = cfg.via_overlay;
	if (s->tunnel) {
		for (s->ov_mask = 1; s->ov_mask < 2 * n; s->ov_mask <<= 1)
			;
		s->ov_slot = calloc(s->ov_mask, sizeof(*s->ov_slot));
		if (!s->ov_slot)
			return -ENOMEM;
		s->ov_mask--;
	}
	/* Room for everyone, and a joiner may take in the whole mesh at once. */
	cfg.max_members = cfg.size_hint;
	if (cfg.admit_burst < cfg.size_hint)
		cfg.admit_burst = cfg.size_hint;
	for (uint32_t i = 0; i < n; i++) {
		struct node *nd = &s->nodes[i];
		struct gossip_io io = { .ctx = nd, .rand64 = io_rand, .send = io_send,
					.changed = io_changed, .grant = io_grant };
		struct identity idn;
		struct wire_record tmpl;
		uint8_t key_seed[32];

		nd->sim = s;
		nd->idx = i;
		rng_seed(&nd->rng, splitmix64(&sm));
		for (int k = 0; k < 32; k += 8) {
			uint64_t v = splitmix64(&sm);

			memcpy(key_seed + k, &v, 8);
		}
		ret = identity_from_seed(&idn, key_seed);
		if (ret)
			return ret;
		memset(&tmpl, 0, sizeof(tmpl));
		snprintf(tmpl.name, sizeof(tmpl.name), "n%u", i);
		tmpl.version = 1;
		tmpl.n_endpoints = 1;
		sim_addr(i, &tmpl.endpoint[0]);
		tmpl.endpoint[0].port = SIM_WG_PORT;
		tmpl.gossip_port = SIM_GOSSIP_PORT;
		memcpy(tmpl.id, idn.id, WIRE_ID_LEN);
		if (tmpl_fn)
			tmpl_fn(ctx, i, &tmpl);
		ret = gossip_new(&nd->g, &cfg, &idn, &tmpl, &io, 0);
		identity_wipe(&idn);
		if (ret)
			return ret;
	}
	return 0;
}

void sim_free(struct sim *s, bool exiting)
{
	struct ev e;

	/* Only worth it for big meshes; small ones tear down so leak checkers see all. */
	if (exiting && s->n >= 2000)
		return;
	while (heap_pop(&s->heap, &e))
		free(e.msg);
	heap_free(&s->heap);
	for (uint32_t i = 0; i < s->n; i++)
		gossip_free(s->nodes[i].g);
	free(s->nodes);
	free(s->ov_slot);
	gossip_recpool_free(s->pool);
	memset(s, 0, sizeof(*s));
}

/*
 * Node 0 restores every record; each next node copies its predecessor's
 * table (which holds everyone, itself included). Same result as N^2
 * gossip_restore calls, a good deal faster at N = 10,000.
 */
int sim_prepopulate(struct sim *s, uint32_t members)
{
	for (uint32_t j = 1; j < members; j++) {
		int ret = gossip_restore(s->nodes[0].g, gossip_self(s->nodes[j].g)->rec, s->now);

		if (ret)
			return ret;
	}
	for (uint32_t i = 1; i < members; i++) {
		int ret = gossip_restore_from(s->nodes[i].g, s->nodes[i - 1].g, s->now);

		if (ret)
			return ret;
	}
	return 0;
}

static void arm(struct sim *s, struct node *n, uint64_t t)
{
	if (t <= s->now)
		t = s->now + 1;  /* a deadline in the past: run it next, never loop */
	if (n->timer_at > s->now && n->timer_at <= t)
		return;          /* an earlier tick is armed; it will re-arm */
	n->timer_at = t;
	heap_push(&s->heap, (struct ev){ .t = t, .node = n->idx, .gen = ++n->timer_gen });
}

void sim_rearm(struct sim *s, struct node *n)
{
	if (!n->dead)
		arm(s, n, gossip_next_deadline(n->g));
}

void sim_start(struct sim *s)
{
	for (uint32_t i = 0; i < s->n; i++)
		sim_rearm(s, &s->nodes[i]);
}

static uint64_t checks(const struct node *n)
{
	const struct gossip_stats *st = gossip_stats(n->g);

	return st->verified + st->verified_elsewhere;
}

void sim_count_start(struct sim *s)
{
	s->counting = true;
	for (uint32_t i = 0; i < s->n; i++)
		s->nodes[i].verify_base = checks(&s->nodes[i]);
}

uint64_t sim_verifications(const struct sim *s, uint32_t idx)
{
	return checks(&s->nodes[idx]) - s->nodes[idx].verify_base;
}

void sim_kill(struct sim *s, uint32_t idx)
{
	s->nodes[idx].dead = true;
}

void sim_pause(struct sim *s, uint32_t idx, uint64_t until)
{
	s->nodes[idx].paused_until = until;
}

static void deliver(struct sim *s, struct node *n, struct sim_msg *m)
{
	struct wire_addr from;

	int ret;

	/* Through the tunnel the agent hears the sender's overlay address. */
	if (!m->tunnel || !sim_overlay(s, m->from, &from))
		sim_addr(m->from, &from);
	s->delivered++;
	if (s->counting)
		n->dgrams_in++;
	ret = gossip_input(n->g, &from, m->data, m->len, s->now);
	if (s->trace > 1)
		fprintf(stderr, "%8llu %5u -> %5u type %2u len %4u ret %d\n",
			(unsigned long long)s->now, m->from, n->idx,
			m->len > 1 ? m->data[1] : 0, m->len, ret);
	free(m);
}

void sim_run(struct sim *s, uint64_t t)
{
	struct ev e;

	while (!s->stop && s->heap.n && heap_top(&s->heap)->t <= t) {
		struct node *n;

		heap_pop(&s->heap, &e);
		s->now = e.t;
		n = &s->nodes[e.node];
		if (n->dead) {
			free(e.msg);
			continue;
		}
		if (n->paused_until > s->now) {
			/* Frozen: input waits in the socket buffer, timers fire late. */
			if (e.msg || e.gen == n->timer_gen) {
				e.t = n->paused_until;
				heap_push(&s->heap, e);
			}
			continue;
		}
		if (e.msg) {
			deliver(s, n, e.msg);
			arm(s, n, gossip_next_deadline(n->g));
		} else if (e.gen == n->timer_gen) {
			n->timer_at = 0;
			arm(s, n, gossip_tick(n->g, s->now));
		} else {
			continue;
		}
		if (s->after)
			s->after(s, n);
	}
	if (!s->stop && s->now < t)
		s->now = t;
}
