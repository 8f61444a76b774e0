/* SPDX-License-Identifier: MIT */
/*
 * Lifeguard suspicion. A suspect has a timeout that starts at
 *   max = suspicion_max_mult * min,
 *   min = suspicion_min_mult * log10(max(N, 10)) * probe_interval
 * and shrinks logarithmically with each independent confirmation
 * (a suspicion from another origin) down to min at
 * suspicion_confirmations; at its end the member is failed. A suspicion
 * nobody else shares therefore waits long for a refutation, while one
 * that many members report independently is acted on quickly.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

uint64_t susp_timeout(const struct gossip *g, uint32_t confirmations)
{
	uint32_t n = member_live(g), k = g->cfg.suspicion_confirmations;
	double min = g->cfg.suspicion_min_mult * log10(n > 10 ? n : 10) * g->cfg.probe_interval_ms;
	double max = g->cfg.suspicion_max_mult * min, t;

	if (max < min)
		max = min;
	if (!k || confirmations >= k)
		return (uint64_t)min;
	t = max - (max - min) * log(confirmations + 1.0) / log(k + 1.0);
	return (uint64_t)(t > min ? t : min);
}

static struct suspicion *find(const struct gossip *g, uint32_t slot)
{
	for (uint32_t i = 0; i < g->n_susp; i++)
		if (g->susp[i].slot == slot)
			return &g->susp[i];
	return NULL;
}

static void drop(struct gossip *g, struct suspicion *s)
{
	*s = g->susp[--g->n_susp];
}

void susp_start(struct gossip *g, struct member *m, const uint8_t origin[static WIRE_SHORT_ID_LEN],
		uint64_t now)
{
	uint32_t slot = member_slot(g, m), live;
	struct suspicion *s;

	if (g->n_susp == g->cap_susp) {
		uint32_t ncap = g->cap_susp ? g->cap_susp * 2 : 8;
		struct suspicion *n = realloc(g->susp, ncap * sizeof(*n));

		if (!n)
			return;  /* stays alive; the next failed probe tries again */
		g->susp = n;
		g->cap_susp = ncap;
	}
	s = &g->susp[g->n_susp++];
	memset(s, 0, sizeof(*s));
	s->slot = slot;
	s->version = m->pub.rec->version;
	s->start = now;
	s->n_origins = 1;
	memcpy(s->origins[0], origin, WIRE_SHORT_ID_LEN);
	s->deadline = now + susp_timeout(g, 0);
	member_set_state(g, m, GOSSIP_SUSPECT, now);
	member_event(g, m, GOSSIP_EV_SUSPECT);
	g->stats.suspicions++;
	bcast_rumor(g, m->pub.rec->id, m->pub.rec->version, WIRE_LIVE_SUSPECT, origin);
	/*
	 * Confirmations need others to probe the suspect, and a random probe
	 * order reaches it only about once per interval mesh-wide. So a few
	 * of those who hear the rumour (2k of N on average) probe it next:
	 * a dead member collects its confirmations within about one interval,
	 * while a live one is rarely failed by that handful under loss, and
	 * their pings carry the suspicion to it (buddy system) so it refutes.
	 */
	live = member_live(g);
	if (memcmp(origin, g->idn.id, WIRE_SHORT_ID_LEN) != 0 &&
	    gossip_rand(g) % (live ? live : 1) < 2 * (uint64_t)g->cfg.suspicion_confirmations)
		probe_urgent(g, slot);
}

void susp_confirm(struct gossip *g, struct member *m, const uint8_t origin[static WIRE_SHORT_ID_LEN],
		  uint64_t now)
{
	struct suspicion *s = find(g, member_slot(g, m));
	uint32_t conf;

	(void)now;
	if (!s || s->n_origins >= SUSP_MAX_ORIGINS)
		return;
	for (int i = 0; i < s->n_origins; i++)
		if (memcmp(s->origins[i], origin, WIRE_SHORT_ID_LEN) == 0)
			return;
	memcpy(s->origins[s->n_origins++], origin, WIRE_SHORT_ID_LEN);
	conf = s->n_origins - 1u;
	s->deadline = s->start + susp_timeout(g, conf);
	/* Pass the confirmation on, so others can count it too. */
	bcast_rumor(g, m->pub.rec->id, m->pub.rec->version, WIRE_LIVE_SUSPECT, origin);
}

void susp_cancel(struct gossip *g, struct member *m)
{
	struct suspicion *s = find(g, member_slot(g, m));

	if (s)
		drop(g, s);
}

void susp_tick(struct gossip *g, uint64_t now)
{
	for (uint32_t i = g->n_susp; i-- > 0;) {
		struct suspicion *s = &g->susp[i];
		struct member *m = &g->m[s->slot];
		uint64_t v = s->version;

		if (s->deadline > now)
			continue;
		drop(g, s);
		if ((m->flags & M_USED) && m->pub.state == GOSSIP_SUSPECT && m->pub.rec->version == v)
			mark_failed(g, m, g->idn.id, now);
	}
}

uint64_t susp_next(const struct gossip *g)
{
	uint64_t t = NO_DEADLINE;

	for (uint32_t i = 0; i < g->n_susp; i++)
		if (g->susp[i].deadline < t)
			t = g->susp[i].deadline;
	return t;
}

void susp_free(struct gossip *g)
{
	free(g->susp);
	g->susp = NULL;
	g->n_susp = g->cap_susp = 0;
}
