/* SPDX-License-Identifier: MIT */
/*
 * The piggyback queue: new records and liveness rumours waiting to be
 * told. Each is sent at most retransmit_mult * ceil(log10(N + 1)) times,
 * least-sent first and, among equals, newest first, packed into whatever
 * message is going out (gossip rounds, pings, acks) up to its size limit.
 * An empty queue sends nothing: steady state costs nothing here.
 *
 * Two tiers. An entry about a member that answered us (or about us) is
 * vouched for and goes before every entry that is not, and a full queue
 * gives up the latter first. A key holder's made-up identities never
 * answer anyone, but each one it gets into a table is news there, at a
 * rate only the admission budget bounds (admit.c). Without the tiers
 * that stream, always newest, kept a real joiner's record and a real
 * crash's suspicion at the back of every queue until they were pushed
 * out of it: under a flood a join took up to 15 s to reach three nodes.
 * In a mesh with no attacker every member answers, so the order is the
 * plain one.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static uint32_t budget(const struct gossip *g)
{
	uint32_t l = (uint32_t)ceil(log10((double)member_live(g) + 1.0));

	return g->cfg.retransmit_mult * (l ? l : 1);
}

static void drop(struct gossip *g, uint32_t i)
{
	if (g->q[i].kind == BC_RECORD)
		recpool_put(g->pool, g->q[i].h);
	memmove(&g->q[i], &g->q[i + 1], (g->n_q - i - 1) * sizeof(*g->q));
	g->n_q--;
}

static bool vouched(const struct gossip *g, const uint8_t id[static WIRE_ID_LEN])
{
	const struct member *m;

	if (memcmp(id, g->idn.id, WIRE_ID_LEN) == 0)
		return true;
	m = member_find(g, id);
	return m && (m->flags & M_PROVEN);
}

/*
 * Full: the most-told entry (oldest among equals) has done most of its
 * work; one nobody vouched for goes before any that somebody did, and a
 * new unvouched entry never pushes out a vouched one.
 */
static bool make_room(struct gossip *g, bool v)
{
	uint32_t worst = UINT32_MAX;

	for (int tier = 0; tier < 2 && worst == UINT32_MAX; tier++) {
		if (tier == 1 && !v)
			return false;
		for (uint32_t i = 0; i < g->n_q; i++)
			if (g->q[i].vouched == (tier == 1) &&
			    (worst == UINT32_MAX || g->q[i].sent > g->q[worst].sent))
				worst = i;
	}
	drop(g, worst);
	return true;
}

static struct bcast *append(struct gossip *g, bool v)
{
	if (g->n_q == GOSSIP_QUEUE_MAX && !make_room(g, v))
		return NULL;
	if (g->n_q == g->cap_q) {
		uint32_t ncap = g->cap_q ? g->cap_q * 2 : 16;
		struct bcast *n = realloc(g->q, ncap * sizeof(*n));

		if (!n)
			return NULL;
		g->q = n;
		g->cap_q = ncap;
	}
	if (!g->n_q)
		g->q_since = g->now;
	memset(&g->q[g->n_q], 0, sizeof(*g->q));
	g->q[g->n_q].seq = ++g->q_seq;
	g->q[g->n_q].vouched = v;
	return &g->q[g->n_q++];
}

/* m answered us: what is queued about it goes to the front tier. */
void bcast_vouch(struct gossip *g, const struct member *m)
{
	for (uint32_t i = 0; i < g->n_q; i++) {
		struct bcast *e = &g->q[i];
		const uint8_t *id = e->kind == BC_RECORD ? e->h->rec.id : e->rumor.subject;

		if (memcmp(id, m->pub.rec->id, WIRE_ID_LEN) == 0)
			e->vouched = true;
	}
}

void bcast_record(struct gossip *g, const struct grec *h)
{
	struct bcast *e;

	for (uint32_t i = g->n_q; i-- > 0;) {
		const struct bcast *o = &g->q[i];

		if (o->kind == BC_RECORD && memcmp(o->h->rec.id, h->rec.id, WIRE_ID_LEN) == 0) {
			if (o->h->rec.version >= h->rec.version)
				return;
			drop(g, i);
		} else if (o->kind == BC_RUMOR && o->rumor.version < h->rec.version &&
			   memcmp(o->rumor.subject, h->rec.id, WIRE_ID_LEN) == 0) {
			drop(g, i);  /* the new version answers it */
		}
	}
	e = append(g, vouched(g, h->rec.id));
	if (!e)
		return;
	e->kind = BC_RECORD;
	e->h = h;
	recpool_ref(g->pool, h);
}

void bcast_rumor(struct gossip *g, const uint8_t subject[static WIRE_ID_LEN], uint64_t version,
		 uint8_t state, const uint8_t origin[static WIRE_SHORT_ID_LEN])
{
	struct bcast *e;

	for (uint32_t i = g->n_q; i-- > 0;) {
		const struct bcast *o = &g->q[i];

		if (o->kind == BC_RECORD) {
			if (o->h->rec.version > version && memcmp(o->h->rec.id, subject, WIRE_ID_LEN) == 0)
				return;  /* already answered */
			continue;
		}
		if (memcmp(o->rumor.subject, subject, WIRE_ID_LEN) != 0)
			continue;
		if (o->rumor.version > version ||
		    (o->rumor.version == version && o->rumor.state > state))
			return;  /* a stronger rumour is queued */
		drop(g, i);
	}
	e = append(g, vouched(g, subject));
	if (!e)
		return;
	e->kind = BC_RUMOR;
	memcpy(e->rumor.subject, subject, WIRE_ID_LEN);
	e->rumor.version = version;
	e->rumor.state = state;
	memcpy(e->rumor.origin, origin, WIRE_SHORT_ID_LEN);
}

/* Try to add entry e to m; false if it does not fit. */
static bool take(struct wire_msg *m, const struct bcast *e, int *size, size_t limit)
{
	int cost;

	if (e->kind == BC_RECORD) {
		if (m->n_records >= WIRE_MAX_RECORDS)
			return false;
		cost = msg_record_cost(&e->h->rec);
		if (cost < 0 || (size_t)(*size + cost) > limit)
			return false;
		m->record[m->n_records++] = e->h->rec;
	} else {
		if (m->n_rumors >= WIRE_MAX_RUMORS || (size_t)(*size + MSG_RUMOR_COST) > limit)
			return false;
		m->rumor[m->n_rumors++] = e->rumor;
		cost = MSG_RUMOR_COST;
	}
	*size += cost;
	return true;
}

void bcast_fill(struct gossip *g, struct wire_msg *m, size_t limit)
{
	uint32_t b = budget(g), taken[WIRE_MAX_RECORDS + WIRE_MAX_RUMORS], n_taken = 0;
	int size;

	if (!g->n_q)
		return;
	size = msg_encoded_size(m);
	if (size < 0)
		return;
	/* Vouched first; then least sent; within a count, newest (highest index) first. */
	for (int tier = 0; tier < 2; tier++) {
		for (uint32_t s = 0; s < b; s++) {
			for (uint32_t i = g->n_q; i-- > 0;) {
				struct bcast *e = &g->q[i];

				if (e->vouched == (tier == 0) && e->sent == s &&
				    take(m, e, &size, limit))
					taken[n_taken++] = i;
				/* Nothing more fits: not even a rumour. */
				if ((size_t)size + MSG_RUMOR_COST > limit ||
				    (m->n_records == WIRE_MAX_RECORDS &&
				     m->n_rumors == WIRE_MAX_RUMORS))
					goto out;
			}
		}
	}
out:
	/* Counted after the pass, so an entry goes into one message once. */
	for (uint32_t i = 0; i < n_taken; i++)
		g->q[taken[i]].sent++;
	for (uint32_t i = g->n_q; i-- > 0;)
		if (g->q[i].sent >= b)
			drop(g, i);
}

/*
 * Rounds sit on a fixed grid (phase g->gossip_phase, one per interval): at
 * most one round per grid step, and only when something waits. The first
 * grid point at or after `t`:
 */
static uint64_t grid_ceil(const struct gossip *g, uint64_t t)
{
	uint64_t iv = g->cfg.gossip_interval_ms ? g->cfg.gossip_interval_ms : 1;

	if (t <= g->gossip_phase)
		return g->gossip_phase;
	return g->gossip_phase + (t - g->gossip_phase + iv - 1) / iv * iv;
}

uint64_t bcast_next(const struct gossip *g)
{
	uint64_t from = g->q_since > g->gossip_done ? g->q_since : g->gossip_done + 1;

	return g->n_q ? grid_ceil(g, from) : NO_DEADLINE;
}

void bcast_tick(struct gossip *g, uint64_t now)
{
	uint32_t to[16], n, fan = g->cfg.gossip_fanout < 16 ? g->cfg.gossip_fanout : 16;
	uint64_t due = bcast_next(g);

	if (due > now)
		return;
	g->gossip_done = due;
	/* D7: gossip is not asked for: members that answered us (send.c). */
	n = pick_targets(g, to, fan, 0, member_probeable);
	for (uint32_t i = 0; i < n && g->n_q; i++) {
		struct wire_msg m;

		msg_init(&m, WIRE_RECORDS, g->idn.id);
		add_buddy_rumor(g, &m, &g->m[to[i]]);
		bcast_fill(g, &m, WIRE_MAX_PLAINTEXT);
		if (m.n_records || m.n_rumors)
			send_member(g, &g->m[to[i]], &m);
	}
	/* A late tick catches up with one round, not a burst. */
	if (bcast_next(g) <= now)
		g->gossip_done = now;
}

void bcast_free(struct gossip *g)
{
	while (g->n_q)
		drop(g, g->n_q - 1);
	free(g->q);
	g->q = NULL;
	g->cap_q = 0;
}
