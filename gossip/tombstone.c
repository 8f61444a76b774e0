/* SPDX-License-Identifier: MIT */
/*
 * Failed and left members stay as tombstones for tombstone_ms, so stale
 * gossip about them is refused; only a newer record from the owner brings
 * one back. Halfway through, a tombstone leaves the anti-entropy digest
 * (it still blocks stale records here): every node marked it at about the
 * same time, so they retire it at about the same time, and sync does not
 * keep handing around tombstones that some nodes have already forgotten.
 * At the end it is removed.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static struct tomb *at(const struct gossip *g, uint32_t i)
{
	return &g->tq[i % g->tq_cap];
}

void tomb_push(struct gossip *g, struct member *m)
{
	struct tomb *t;

	if (g->tq_tail - g->tq_head == g->tq_cap) {
		uint32_t ncap = g->tq_cap ? g->tq_cap * 2 : 16, n = g->tq_tail - g->tq_head;
		struct tomb *nq = malloc(ncap * sizeof(*nq));

		if (!nq)
			return;  /* it stays a tombstone until refreshed; it just never expires */
		for (uint32_t i = 0; i < n; i++)
			nq[i] = *at(g, g->tq_head + i);
		free(g->tq);
		g->tq = nq;
		g->tq_mid -= g->tq_head;
		g->tq_head = 0;
		g->tq_tail = n;
		g->tq_cap = ncap;
	}
	t = at(g, g->tq_tail++);
	t->slot = member_slot(g, m);
	t->since = m->pub.state_since_ms;
	memcpy(t->sid, m->pub.rec->id, WIRE_SHORT_ID_LEN);
}

/* Still the same tombstone (not resurrected, re-failed or a reused slot)? */
static struct member *still(const struct gossip *g, const struct tomb *t)
{
	struct member *m;

	if (t->slot >= g->n_slots)
		return NULL;
	m = &g->m[t->slot];
	if (!(m->flags & M_USED) || m->pub.state < GOSSIP_FAILED ||
	    m->pub.state_since_ms != t->since || memcmp(m->pub.rec->id, t->sid, WIRE_SHORT_ID_LEN))
		return NULL;
	return m;
}

void tomb_tick(struct gossip *g, uint64_t now)
{
	uint64_t half = g->cfg.tombstone_ms / 2;

	while (g->tq_mid < g->tq_tail && at(g, g->tq_mid)->since + half <= now) {
		struct member *m = still(g, at(g, g->tq_mid));

		if (m)
			member_digest(g, m, false);
		g->tq_mid++;
	}
	while (g->tq_head < g->tq_mid && at(g, g->tq_head)->since + g->cfg.tombstone_ms <= now) {
		struct member *m = still(g, at(g, g->tq_head));

		if (m) {
			member_event(g, m, GOSSIP_EV_REMOVED);
			/* A failed member's claims outlive it until here (merge.c). */
			addr_release(g, m);
			member_remove(g, m);
		}
		g->tq_head++;
	}
}

uint64_t tomb_next(const struct gossip *g)
{
	uint64_t t = NO_DEADLINE;

	if (g->tq_mid < g->tq_tail)
		t = at(g, g->tq_mid)->since + g->cfg.tombstone_ms / 2;
	if (g->tq_head < g->tq_mid && at(g, g->tq_head)->since + g->cfg.tombstone_ms < t)
		t = at(g, g->tq_head)->since + g->cfg.tombstone_ms;
	return t;
}

void tomb_free(struct gossip *g)
{
	free(g->tq);
	g->tq = NULL;
}
