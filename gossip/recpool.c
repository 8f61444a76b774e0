/* SPDX-License-Identifier: MIT */
/*
 * Verified records, stored once and reference counted. A member table
 * holds pointers into here; so does the piggyback queue. Sharing one pool
 * between engines (the simulator) turns N copies, N hashes and N
 * signature checks of a record into one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct pent {
	struct grec *h;
	uint32_t refs;
};

struct gossip_recpool {
	struct pent *t;
	uint32_t mask, used;
};

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
		free(p->t[i].h);
	free(p->t);
	free(p);
}

static uint32_t slot_of(const struct gossip_recpool *p, const struct grec *h)
{
	uint32_t i = (uint32_t)h->key & p->mask;

	while (p->t[i].h != h)
		i = (i + 1) & p->mask;
	return i;
}

const struct grec *recpool_find(const struct gossip_recpool *p, const struct wire_record *r)
{
	uint64_t key = rec_key(r);

	for (uint32_t i = (uint32_t)key & p->mask; p->t[i].h; i = (i + 1) & p->mask) {
		const struct grec *h = p->t[i].h;

		/* Pointer first: restoring from another engine's table is common. */
		if (h->key == key && (&h->rec == r || record_same(&h->rec, r)))
			return h;
	}
	return NULL;
}

void recpool_ref(struct gossip_recpool *p, const struct grec *h)
{
	p->t[slot_of(p, h)].refs++;
}

static void place(struct pent *t, uint32_t mask, struct pent e)
{
	uint32_t i = (uint32_t)e.h->key & mask;

	while (t[i].h)
		i = (i + 1) & mask;
	t[i] = e;
}

static int grow(struct gossip_recpool *p)
{
	uint32_t nmask = p->mask * 2 + 1;
	struct pent *nt = calloc((size_t)nmask + 1, sizeof(*nt));

	if (!nt)
		return -ENOMEM;
	for (uint32_t i = 0; i <= p->mask; i++)
		if (p->t[i].h)
			place(nt, nmask, p->t[i]);
	free(p->t);
	p->t = nt;
	p->mask = nmask;
	return 0;
}

const struct grec *recpool_add(struct gossip_recpool *p, const struct wire_record *r)
{
	const struct grec *old = recpool_find(p, r);
	struct grec *h;

	if (old) {
		recpool_ref(p, old);
		return old;
	}
	if ((p->used + 1) * 4 > (p->mask + 1) * 3 && grow(p))
		return NULL;
	h = malloc(sizeof(*h));
	if (!h)
		return NULL;
	h->rec = *r;
	if (identity_wg_public(h->wg_public, r->id)) {
		free(h);
		return NULL;
	}
	h->dhash = hash_digest(r->id, r->version);
	h->key = rec_key(r);
	place(p->t, p->mask, (struct pent){ .h = h, .refs = 1 });
	p->used++;
	return h;
}

/* Linear probing: close the hole so later entries stay reachable. */
static void delete_at(struct gossip_recpool *p, uint32_t i)
{
	uint32_t j = i;

	p->t[i].h = NULL;
	for (;;) {
		uint32_t home;

		j = (j + 1) & p->mask;
		if (!p->t[j].h)
			break;
		home = (uint32_t)p->t[j].h->key & p->mask;
		/* Move j back into the hole unless its home lies in (i, j]. */
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			p->t[i] = p->t[j];
			p->t[j].h = NULL;
			i = j;
		}
	}
}

void recpool_put(struct gossip_recpool *p, const struct grec *h)
{
	uint32_t i;
	struct grec *own;

	if (!h)
		return;
	i = slot_of(p, h);
	if (--p->t[i].refs)
		return;
	own = p->t[i].h;
	delete_at(p, i);
	p->used--;
	free(own);
}
