/* SPDX-License-Identifier: MIT */
/*
 * Verified records, stored once and reference counted. A member table
 * holds pointers into here; so does the piggyback queue. Sharing one pool
 * between engines (the simulator) turns N copies, N hashes and N
 * signature checks of a record into one.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* The pool's mutable wrapper around the immutable record the engines see. */
struct item {
	uint32_t refs;
	uint32_t pos;     /* index in the table, kept up to date as entries move */
	struct grec g;
};

struct pent {
	struct item *it;
	uint32_t key;     /* low half of it->g.key: compare before fetching it */
};

struct gossip_recpool {
	struct pent *t;
	uint32_t mask, used;
};

static struct item *item_of(const struct grec *h)
{
	/* Every grec handed out lives inside an item this pool allocated. */
	return (struct item *)((uintptr_t)h - offsetof(struct item, g));
}

static uint64_t rec_key(const struct wire_record *r)
{
	return hash_mix(hash_id(r->id, 0) ^ hash_mix(r->version + 0x9e3779b97f4a7c15ULL));
}

int gossip_recpool_new(struct gossip_recpool **out)
{
	struct gossip_recpool *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->mask = 63;
	p->t = calloc(p->mask + 1, sizeof(*p->t));
	if (!p->t) {
		free(p);
		return -ENOMEM;
	}
	*out = p;
	return 0;
}

void gossip_recpool_free(struct gossip_recpool *p)
{
	if (!p)
		return;
	for (uint32_t i = 0; i <= p->mask; i++)
		free(p->t[i].it);
	free(p->t);
	free(p);
}

const struct grec *recpool_find(const struct gossip_recpool *p, const struct wire_record *r)
{
	uint64_t key = rec_key(r);

	for (uint32_t i = (uint32_t)key & p->mask; p->t[i].it; i = (i + 1) & p->mask) {
		const struct grec *h = &p->t[i].it->g;

		/* Pointer first: restoring from another engine's table is common. */
		if (p->t[i].key == (uint32_t)key && (&h->rec == r || record_same(&h->rec, r)))
			return h;
	}
	return NULL;
}

void recpool_ref(struct gossip_recpool *p, const struct grec *h)
{
	(void)p;
	item_of(h)->refs++;
}

static void place(struct pent *t, uint32_t mask, struct pent e)
{
	uint32_t i = (uint32_t)e.it->g.key & mask;

	while (t[i].it)
		i = (i + 1) & mask;
	t[i] = e;
	e.it->pos = i;
}

static int grow(struct gossip_recpool *p)
{
	uint32_t nmask = p->mask * 2 + 1;
	struct pent *nt = calloc((size_t)nmask + 1, sizeof(*nt));

	if (!nt)
		return -ENOMEM;
	for (uint32_t i = 0; i <= p->mask; i++)
		if (p->t[i].it)
			place(nt, nmask, p->t[i]);
	free(p->t);
	p->t = nt;
	p->mask = nmask;
	return 0;
}

const struct grec *recpool_add(struct gossip_recpool *p, const struct wire_record *r)
{
	const struct grec *old = recpool_find(p, r);
	struct item *it;

	if (old) {
		recpool_ref(p, old);
		return old;
	}
	if ((p->used + 1) * 4 > (p->mask + 1) * 3 && grow(p))
		return NULL;
	it = malloc(sizeof(*it));
	if (!it)
		return NULL;
	it->g.rec = *r;
	if (identity_wg_public(it->g.wg_public, r->id)) {
		free(it);
		return NULL;
	}
	it->g.dhash = hash_digest(r->id, r->version);
	it->g.key = rec_key(r);
	it->refs = 1;
	place(p->t, p->mask, (struct pent){ .it = it, .key = (uint32_t)it->g.key });
	p->used++;
	return &it->g;
}

/* Linear probing: close the hole so later entries stay reachable. */
static void delete_at(struct gossip_recpool *p, uint32_t i)
{
	uint32_t j = i;

	p->t[i].it = NULL;
	for (;;) {
		uint32_t home;

		j = (j + 1) & p->mask;
		if (!p->t[j].it)
			break;
		home = (uint32_t)p->t[j].it->g.key & p->mask;
		/* Move j back into the hole unless its home lies in (i, j]. */
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			p->t[i] = p->t[j];
			p->t[i].it->pos = i;
			p->t[j].it = NULL;
			i = j;
		}
	}
}

void recpool_put(struct gossip_recpool *p, const struct grec *h)
{
	struct item *it;

	if (!h)
		return;
	it = item_of(h);
	if (--it->refs)
		return;
	delete_at(p, it->pos);
	p->used--;
	free(it);
}
