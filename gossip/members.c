/* SPDX-License-Identifier: MIT */
/*
 * The member table: a slot array (slot 0 is self) with an open-addressing
 * index by id, members listed by their first id byte for the digest, and
 * per-state counts. Slots are compact (the simulator holds 10^8 of them):
 * the record itself lives in the pool.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

uint64_t gossip_rand(struct gossip *g)
{
	return g->io.rand64(g->io.ctx);
}

int id_cmp(const uint8_t *a, const uint8_t *b)
{
	return memcmp(a, b, WIRE_ID_LEN);
}

static uint32_t pow2_at_least(uint64_t n)
{
	uint32_t p = 16;

	while (p < n)
		p *= 2;
	return p;
}

int members_init(struct gossip *g, uint32_t hint)
{
	uint32_t slots = pow2_at_least((uint64_t)hint * 4 / 3 + 1);

	g->cap_slots = hint > 8 ? hint : 8;
	g->m = calloc(g->cap_slots, sizeof(*g->m));
	g->idx = calloc(slots, sizeof(*g->idx));
	if (!g->m || !g->idx)
		return -ENOMEM;
	g->idx_mask = slots - 1;
	return 0;
}

void members_free(struct gossip *g)
{
	for (uint32_t i = 0; i < g->n_slots; i++)
		if (g->m[i].flags & M_USED)
			recpool_put(g->pool, member_grec(&g->m[i]));
	free(g->m);
	free(g->idx);
	g->m = NULL;
	g->idx = NULL;
}

/*
 * Index entries: slot+1 in the low half, the top of the id hash in the
 * high half, so a probe rarely has to fetch a record to compare ids.
 */
#define ENT_SLOT(e) ((uint32_t)(e) - 1)
#define ENT_FP(h) ((h) >> 32)

static uint32_t home(const struct gossip *g, const uint8_t *id)
{
	return (uint32_t)hash_id(id, g->salt) & g->idx_mask;
}

static void idx_place(uint64_t *t, uint32_t mask, uint64_t h, uint32_t v)
{
	uint32_t i = (uint32_t)h & mask;

	while (t[i])
		i = (i + 1) & mask;
	t[i] = v | (ENT_FP(h) << 32);
}

static int idx_grow(struct gossip *g)
{
	uint32_t nmask = g->idx_mask * 2 + 1;
	uint64_t *nt = calloc((size_t)nmask + 1, sizeof(*nt));

	if (!nt)
		return -ENOMEM;
	for (uint32_t i = 0; i <= g->idx_mask; i++) {
		uint64_t e = g->idx[i];

		if (e)
			idx_place(nt, nmask, hash_id(g->m[ENT_SLOT(e)].pub.rec->id, g->salt),
				  ENT_SLOT(e) + 1);
	}
	free(g->idx);
	g->idx = nt;
	g->idx_mask = nmask;
	return 0;
}

static struct member *lookup(const struct gossip *g, const uint8_t *id, size_t len)
{
	uint64_t h = hash_id(id, g->salt);

	for (uint32_t i = (uint32_t)h & g->idx_mask;; i = (i + 1) & g->idx_mask) {
		uint64_t e = g->idx[i];

		if (!e)
			return NULL;
		if ((e >> 32) == ENT_FP(h) && memcmp(g->m[ENT_SLOT(e)].pub.rec->id, id, len) == 0)
			return &g->m[ENT_SLOT(e)];
	}
}

struct member *member_find(const struct gossip *g, const uint8_t id[static WIRE_ID_LEN])
{
	return lookup(g, id, WIRE_ID_LEN);
}

struct member *member_find_short(const struct gossip *g, const uint8_t sid[static WIRE_SHORT_ID_LEN])
{
	return lookup(g, sid, WIRE_SHORT_ID_LEN);
}

static void idx_delete(struct gossip *g, uint32_t slot)
{
	uint32_t i = home(g, g->m[slot].pub.rec->id), j;

	while (ENT_SLOT(g->idx[i]) != slot)
		i = (i + 1) & g->idx_mask;
	g->idx[i] = 0;
	for (j = i;;) {
		uint64_t e;
		uint32_t k;

		j = (j + 1) & g->idx_mask;
		e = g->idx[j];
		if (!e)
			break;
		k = home(g, g->m[ENT_SLOT(e)].pub.rec->id);
		if ((j > i && (k <= i || k > j)) || (j < i && k <= i && k > j)) {
			g->idx[i] = e;
			g->idx[j] = 0;
			i = j;
		}
	}
}

static void digest_add(struct gossip *g, const struct member *m, int sign)
{
	const uint8_t *id = m->pub.rec->id;
	uint64_t h = member_grec(m)->dhash * (uint64_t)(int64_t)sign;

	g->dsum1[id[0] >> 4] += h;
	g->dcnt1[id[0] >> 4] += (uint32_t)sign;
	g->dsum2[id[0]] += h;
	g->dcnt2[id[0]] += (uint32_t)sign;
}

void member_digest(struct gossip *g, struct member *m, bool in)
{
	if (in == !!(m->flags & M_DIGEST))
		return;
	digest_add(g, m, in ? 1 : -1);
	m->flags ^= M_DIGEST;
}

static int grow_slots(struct gossip *g)
{
	uint32_t ncap = g->cap_slots * 2;
	struct member *nm = realloc(g->m, (size_t)ncap * sizeof(*nm));

	if (!nm)
		return -ENOMEM;
	memset(nm + g->cap_slots, 0, (size_t)(ncap - g->cap_slots) * sizeof(*nm));
	g->m = nm;
	g->cap_slots = ncap;
	return 0;
}

struct member *member_add(struct gossip *g, const struct grec *h, enum gossip_state st, uint64_t now)
{
	struct member *m;
	uint32_t slot;

	if ((g->idx_used + 1) * 4 > (g->idx_mask + 1) * 3 && idx_grow(g))
		return NULL;
	if (g->free_head) {
		slot = g->free_head - 1;
		g->free_head = g->m[slot].bnext;
	} else {
		if (g->n_slots == g->cap_slots && grow_slots(g))
			return NULL;
		slot = g->n_slots++;
	}
	m = &g->m[slot];
	memset(m, 0, sizeof(*m));
	m->pub.rec = &h->rec;
	m->pub.wg_public = h->wg_public;
	m->pub.state = st;
	m->pub.state_since_ms = now;
	m->pub.self = slot == 0;
	m->flags = M_USED;
	idx_place(g->idx, g->idx_mask, hash_id(h->rec.id, g->salt), slot + 1);
	g->idx_used++;
	m->bnext = g->dhead[h->rec.id[0]];
	g->dhead[h->rec.id[0]] = slot + 1;
	member_digest(g, m, true);
	g->counts[st]++;
	g->n_members++;
	names_update(g, m);
	if (slot)
		probe_order_add(g, slot);
	return m;
}

void member_remove(struct gossip *g, struct member *m)
{
	uint32_t slot = member_slot(g, m);
	uint32_t *p = &g->dhead[m->pub.rec->id[0]];
	char name[WIRE_NAME_MAX + 1];

	memcpy(name, m->pub.rec->name, sizeof(name));
	names_release(g, m, name, true);
	idx_delete(g, slot);
	g->idx_used--;
	while (*p != slot + 1)
		p = &g->m[*p - 1].bnext;
	*p = m->bnext;
	member_digest(g, m, false);
	g->counts[m->pub.state]--;
	g->n_members--;
	if (m->pub.conflict)
		g->n_conflicted--;
	if (m->flags & M_PROVEN)
		g->n_proven--;
	recpool_put(g->pool, member_grec(m));
	memset(m, 0, sizeof(*m));
	m->bnext = g->free_head;
	g->free_head = slot + 1;
}

void member_set_rec(struct gossip *g, struct member *m, const struct grec *h)
{
	bool renamed = strcmp(m->pub.rec->name, h->rec.name) != 0;
	char old[WIRE_NAME_MAX + 1];

	/* The name index reads names from records: out under the old one. */
	if (renamed) {
		memcpy(old, m->pub.rec->name, sizeof(old));
		names_release(g, m, old, false);
	}
	/* D7: a new address has to prove itself again. */
	if (member_addr_moved(m->pub.rec, &h->rec))
{
		if (m->flags & M_PROVEN)
			g->n_proven--;
		m->flags &= ~M_PROVEN;
	}
	member_digest(g, m, false);
	recpool_put(g->pool, member_grec(m));
	m->pub.rec = &h->rec;
	m->pub.wg_public = h->wg_public;
	m->flags &= (uint8_t)~M_CLEARED;  /* rumours about the new version count again */
	/* A newer record is news again, even for a retired tombstone. */
	member_digest(g, m, true);
	if (renamed)
		names_update(g, m);
}

void member_set_state(struct gossip *g, struct member *m, enum gossip_state st, uint64_t now)
{
	g->counts[m->pub.state]--;
	g->counts[st]++;
	m->pub.state = st;
	m->pub.state_since_ms = now;
	/* Leaving gives the name up; coming back may take a free one. */
	if (st == GOSSIP_LEFT)
		names_release(g, m, m->pub.rec->name, false);
	else
		names_update(g, m);
}

void member_event(struct gossip *g, struct member *m, enum gossip_event ev)
{
	if (g->io.changed)
		g->io.changed(g->io.ctx, ev, &m->pub);
}

/*
 * A live member's record or state changed. A contested address is never
 * handed to the agent (it would program it for a second peer): such a
 * member is reported as CONFLICT, and ADDED only once it holds every
 * address it claims.
 */
void member_report(struct gossip *g, struct member *m, bool content_changed)
{
	if (m->pub.conflict) {
		member_event(g, m, GOSSIP_EV_CONFLICT);
	} else if (!(m->flags & M_REPORTED)) {
		m->flags |= M_REPORTED;
		member_event(g, m, m->pub.self ? GOSSIP_EV_UPDATED : GOSSIP_EV_ADDED);
	} else if (content_changed) {
		member_event(g, m, GOSSIP_EV_UPDATED);
	}
}

bool member_probeable(const struct gossip *g, const struct member *m)
{
	/* In tunnel mode a contested overlay address routes to its holder. */
	return (m->flags & M_USED) && !m->pub.self && m->pub.state <= GOSSIP_SUSPECT &&
	       !(g->cfg.via_overlay && m->pub.conflict);
}

uint32_t member_live(const struct gossip *g)
{
	return g->counts[GOSSIP_ALIVE] + g->counts[GOSSIP_SUSPECT];
}

static bool chosen(const uint32_t *out, uint32_t n, uint32_t s)
{
	for (uint32_t i = 0; i < n; i++)
		if (out[i] == s)
			return true;
	return false;
}

uint32_t members_pick(struct gossip *g, uint32_t *out, uint32_t k, uint32_t skip,
		      bool (*ok)(const struct gossip *, const struct member *))
{
	uint32_t n = 0, seen = 0;

	if (!k || g->n_slots < 2)
		return 0;
	/* Rejection sampling: O(k) while most slots qualify. */
	for (uint32_t tries = 0; n < k && tries < 32 * k; tries++) {
		uint32_t s = 1 + (uint32_t)(gossip_rand(g) % (g->n_slots - 1));

		if (s != skip && ok(g, &g->m[s]) && !chosen(out, n, s))
			out[n++] = s;
	}
	if (n == k)
		return n;
	/* Few qualify: reservoir-sample the whole table. */
	n = 0;
	for (uint32_t s = 1; s < g->n_slots; s++) {
		if (s == skip || !ok(g, &g->m[s]))
			continue;
		if (n < k) {
			out[n++] = s;
		} else {
			uint64_t r = gossip_rand(g) % (seen + 1);

			if (r < k)
				out[r] = s;
		}
		seen++;
	}
	return n;
}

void member_mark_proven(struct gossip *g, struct member *m)
{
	if (m->flags & M_PROVEN)
		return;
	m->flags |= M_PROVEN;
	g->n_proven++;
	g->stats.proofs++;
	bcast_vouch(g, m);
	merge_unhold(g, m);
}
