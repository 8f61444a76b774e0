/* SPDX-License-Identifier: MIT */
/*
 * Member names are unique in our view, by the rule addresses follow
 * (addr.c): the claim this node accepted first keeps a name; records
 * accepted in one input are taken lower id first, so the lower id wins
 * a tie. Any later claimant is flagged name_conflict and is never shown
 * under that name (meshctl, hooks), so an impostor cannot pass for a
 * member by calling itself like it. Names compare byte for byte; the
 * empty name is nobody's and never conflicts.
 *
 * A holder keeps its name while suspect or failed (its tombstone keeps
 * it, as it keeps its address): a rumour cannot hand a name over, and a
 * member down for maintenance finds its name waiting. A tombstone
 * learned by sync claims a free name too, so that nodes which knew the
 * member alive and nodes which did not agree. The name is free again when
 * its holder renames, leaves or is forgotten; then the lowest id among the
 * waiting claimants takes it, a rule every node applies alike.
 *
 * The index holds holders only: buckets of slot+1 heads, chained through
 * member.nnext, grown to keep chains about 4 long. It costs no room in
 * the member slot (nnext fills padding) and about one byte per member.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

enum { NAMES_MIN_BUCKETS = 16, NAMES_LOAD = 4 };

static uint64_t name_hash(const struct gossip *g, const char *name)
{
	uint64_t h = 0xcbf29ce484222325ULL;   /* FNV-1a, then mixed under the salt */

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	return hash_mix(h ^ g->salt);
}

static const char *name_of(const struct member *m)
{
	return m->pub.rec->name;
}

static uint32_t *bucket(const struct gossip *g, const char *name)
{
	return &g->nhead[name_hash(g, name) & g->nhead_mask];
}

/* Slot+1 of the member holding this name in our view, or 0. */
static uint32_t holder(const struct gossip *g, const char *name)
{
	if (!g->nhead || !name[0])
		return 0;
	for (uint32_t s = *bucket(g, name); s; s = g->m[s - 1].nnext)
		if (strcmp(name_of(&g->m[s - 1]), name) == 0)
			return s;
	return 0;
}

static void grow(struct gossip *g)
{
	uint32_t n = g->nhead ? (g->nhead_mask + 1) * 2 : NAMES_MIN_BUCKETS;
	uint32_t *old = g->nhead, omask = g->nhead_mask;

	g->nhead = calloc(n, sizeof(*g->nhead));
	if (!g->nhead) {
		/* Keep the old buckets: chains only get longer. */
		g->nhead = old;
		return;
	}
	g->nhead_mask = n - 1;
	for (uint32_t b = 0; old && b <= omask; b++) {
		for (uint32_t s = old[b], next; s; s = next) {
			uint32_t *head = bucket(g, name_of(&g->m[s - 1]));

			next = g->m[s - 1].nnext;
			g->m[s - 1].nnext = *head;
			*head = s;
		}
	}
	free(old);
}

static bool link_holder(struct gossip *g, struct member *m)
{
	uint32_t *head;

	if (!g->nhead || g->n_names >= (uint64_t)(g->nhead_mask + 1) * NAMES_LOAD)
		grow(g);
	if (!g->nhead)
		return false;
	head = bucket(g, name_of(m));
	m->nnext = *head;
	*head = member_slot(g, m) + 1;
	m->flags |= M_NAMED;
	g->n_names++;
	return true;
}

static void unlink_holder(struct gossip *g, struct member *m)
{
	uint32_t *p = bucket(g, name_of(m)), slot = member_slot(g, m) + 1;

	while (*p != slot)
		p = &g->m[*p - 1].nnext;
	*p = m->nnext;
	m->nnext = 0;
	m->flags &= ~M_NAMED;
	g->n_names--;
}

static void set_flag(struct gossip *g, struct member *m, bool c)
{
	if (c == m->pub.name_conflict)
		return;
	m->pub.name_conflict = c;
	g->n_name_conflicted += c ? 1 : (uint32_t)-1;
}

/* The member's name claim as its current record and state say. */
void names_update(struct gossip *g, struct member *m)
{
	uint32_t h;

	if (m->flags & M_NAMED)
		return;
	h = holder(g, name_of(m));
	/* A member that left gives names up; it never takes one. */
	if (!h && name_of(m)[0] && m->pub.state != GOSSIP_LEFT && link_holder(g, m))
		h = member_slot(g, m) + 1;
	set_flag(g, m, h && h != member_slot(g, m) + 1);
}

/* The name is free again: the lowest waiting id takes it. */
static void handover(struct gossip *g, const char *name)
{
	struct member *best = NULL;

	if (!g->n_name_conflicted || holder(g, name))
		return;
	for (uint32_t s = 0; s < g->n_slots; s++) {
		struct member *c = &g->m[s];

		if (!(c->flags & M_USED) || !c->pub.name_conflict || c->pub.state == GOSSIP_LEFT ||
		    strcmp(name_of(c), name) != 0)
			continue;
		if (!best || id_cmp(c->pub.rec->id, best->pub.rec->id) < 0)
			best = c;
	}
	if (!best || !link_holder(g, best))
		return;
	set_flag(g, best, false);
	/* Shown under its name from now on; one not yet reported waits for its address. */
	if ((best->flags & M_REPORTED) && !best->pub.conflict)
		member_event(g, best, GOSSIP_EV_UPDATED);
}

/*
 * m gives up its name (renames, leaves, is forgotten); `name` is a copy,
 * as m's record may be on its way out. A member that stays (left) is
 * flagged if the name went to another; one being forgotten is not.
 */
void names_release(struct gossip *g, struct member *m, const char *name, bool forget)
{
	if (m->flags & M_NAMED) {
		unlink_holder(g, m);
		handover(g, name);
	}
	set_flag(g, m, !forget && holder(g, name) != 0);
}

void names_free(struct gossip *g)
{
	free(g->nhead);
	g->nhead = NULL;
}
