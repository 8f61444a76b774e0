/* SPDX-License-Identifier: MIT */
/*
 * bootstrap: a fleet boot. Nobody knows anybody; node 0 is the seed and
 * the other N-1 start at random instants within spread_ms, each joining
 * through the seed alone. Done when every node holds all N alive.
 *
 * Unlike the other scenarios nothing is prepopulated, so every record a
 * node holds reached it through JOIN_ACKs, gossip and anti-entropy: the
 * per-node signature checks are the real cost of a cold start, against a
 * floor of N-1 per node (each other member's record checked once).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "cost.h"
#include "sc_common.h"

enum { BOOT_TIMEOUT_MS = 600000 };

struct boot {
	uint32_t full;            /* nodes holding all N alive */
	uint64_t done_at;
	uint64_t false_failures;
};

static void boot_after(struct sim *s, struct node *n)
{
	struct boot *b = s->sc;

	if (n->full || gossip_count(n->g, GOSSIP_ALIVE) < s->n)
		return;
	n->full = true;
	if (++b->full == s->n) {
		b->done_at = s->now;
		s->stop = true;
	}
}

static void boot_event(struct sim *s, struct node *n, enum gossip_event ev,
		       const struct gossip_member *m)
{
	struct boot *b = s->sc;

	(void)n;
	/* Nobody is killed: every failure seen during the boot is false. */
	if (ev == GOSSIP_EV_FAILED && !m->self)
		b->false_failures++;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int run_bootstrap(const struct sc_opts *o, struct sc_result *r)
{
	struct boot b = { 0 };
	uint64_t *start = calloc(o->nodes, sizeof(*start));
	struct wire_addr seed;
	struct sim s;
	double cpu0 = sim_cpu_now();
	int ret = start ? sim_init(&s, o->nodes, o->seed, &o->cfg) : -ENOMEM;

	if (ret) {
		free(start);
		return ret;
	}
	/* (start time << 20 | node) sorts the joiners by start time. */
	for (uint32_t i = 1; i < o->nodes; i++) {
		start[i] = (rng_below(&s.rng, o->spread_ms + 1) << 20) | i;
		s.nodes[i].dead = true;   /* not started yet */
	}
	qsort(start + 1, o->nodes - 1, sizeof(*start), cmp_u64);
	s.loss = o->loss;
	s.sc = &b;
	s.after = boot_after;
	s.on_event = boot_event;
	s.track = true;
	sim_count_start(&s);
	sim_rearm(&s, &s.nodes[0]);
	sim_addr(0, &seed);
	for (uint32_t k = 1; k < o->nodes && !ret; k++) {
		uint32_t i = (uint32_t)(start[k] & 0xfffff);
		struct node *n = &s.nodes[i];

		sim_run(&s, start[k] >> 20);
		n->dead = false;
		ret = gossip_join(n->g, &seed, 1, s.now);
		sim_rearm(&s, n);
	}
	if (!ret) {
		boot_after(&s, &s.nodes[0]);   /* N = 1 .. 2 corner: maybe done already */
		sim_run(&s, BOOT_TIMEOUT_MS);
		r->reached = (double)b.full / s.n;
		if (b.done_at) {
			r->converge_s = (double)b.done_at / 1000.0;
			r->rounds = ceil((double)b.done_at / ROUND_MS);
		}
		r->bytes_per_node_s = bytes_rate(&s, s.n, s.now);
		r->false_failures = b.false_failures;
		engine_totals(&s, r);
		/* Everything the engines did, identities and signing included. */
		r->engine_cpu_s = sim_cpu_now() - cpu0;
		for (uint32_t i = 0; i < s.n; i++)
			r->verified_actual += gossip_stats(s.nodes[i].g)->verified;
	}
	sim_free(&s, o->exiting);
	free(start);
	return ret;
}
