/* SPDX-License-Identifier: MIT */
/*
 * Hole punching, the engine's part (issue 11, docs/DESIGN.md "Hole
 * punching"): carrying WIRE_PUNCH between two members behind NAT through a
 * member both can reach. The engine only moves and checks messages; the
 * raw low-TTL datagram, the timing and the WireGuard endpoint are the
 * agent's (agent/punch*.c).
 *
 *   origin A --PUNCH{from A, to B, ep, at}--> coordinator C
 *   C --PUNCH{FWD, from A, to B, ep, at}--> B        (once, to B's proven address)
 *   B: io->punch(A, ep, at)
 *
 * A may also send straight to B when B answers it (a relayed pair: gossip
 * rides the relayed tunnel). Nothing is signed beyond the envelope, so who
 * may say what is all in who the sender is:
 *  - a request is taken only from a member that answered us (M_PROVEN),
 *    sending from its own address, as the origin it names;
 *  - a coordinator forwards only to a target that answered it, once per
 *    ordered pair per PUNCH_PAIR_GAP_MS, and never a forward;
 *  - a target acts only on a forward from a member that answered it, or a
 *    request from the origin itself, for an origin it holds live, and only
 *    when ep is one of the origin's own signed endpoints: nobody can make
 *    us send a datagram to an address a message merely claims;
 *  - forwards and accepted punches together: PUNCH_PER_S per second.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

static bool live_answered(const struct gossip *g, const struct member *m)
{
	return m && (m->flags & M_PROVEN) && member_probeable(g, m);
}

/* The datagram came from the member's own (proven) address. */
static bool from_own_addr(const struct gossip *g, const struct member *m, const struct wire_addr *from)
{
	struct wire_addr a;

	return member_addr(g, m, &a) && wire_addr_equal(&a, from);
}

static bool own_endpoint(const struct member *m, const struct wire_addr *ep)
{
	const struct wire_record *r = m->pub.rec;

	for (int i = 0; i < r->n_endpoints && i < WIRE_MAX_ENDPOINTS; i++)
		if (wire_addr_equal(&r->endpoint[i], ep))
			return true;
	return false;
}

/* Budget: one per ordered pair per gap, PUNCH_PER_S in all. Takes it if free. */
static bool punch_budget(struct gossip *g, const uint8_t *from, const uint8_t *to, uint64_t now)
{
	struct punch_seen *p;

	if (now >= g->punch_window_at + 1000) {
		g->punch_window_at = now;
		g->punch_window_n = 0;
	}
	if (g->punch_window_n >= PUNCH_PER_S)
		return false;
	for (int i = 0; i < PUNCH_SLOTS; i++) {
		p = &g->punch_seen[i];
		if (p->at && now < p->at + PUNCH_PAIR_GAP_MS &&
		    memcmp(p->from, from, WIRE_SHORT_ID_LEN) == 0 &&
		    memcmp(p->to, to, WIRE_SHORT_ID_LEN) == 0)
			return false;
	}
	p = &g->punch_seen[g->punch_pos++ % PUNCH_SLOTS];
	memcpy(p->from, from, WIRE_SHORT_ID_LEN);
	memcpy(p->to, to, WIRE_SHORT_ID_LEN);
	p->at = now ? now : 1;
	g->punch_window_n++;
	return true;
}

int punch_precheck(const struct gossip *g, const struct wire_msg *m, const struct wire_addr *from)
{
	const struct member *s = member_find_short(g, m->sender);
	bool fwd = m->punch_flags & WIRE_PUNCH_FWD;

	if (m->n_records || m->n_rumors)
		return -EPROTO;             /* nothing rides on a punch */
	if (!s)
		return -ENOENT;
	if (!live_answered(g, s) || !from_own_addr(g, s, from))
		return -EPROTO;
	if (fwd && memcmp(m->punch_to, g->idn.id, WIRE_SHORT_ID_LEN) != 0)
		return -EPROTO;             /* a forward is never forwarded again */
	if (!fwd && memcmp(m->punch_from, m->sender, WIRE_SHORT_ID_LEN) != 0)
		return -EPROTO;             /* a request comes from its origin */
	if (memcmp(m->punch_from, g->idn.id, WIRE_SHORT_ID_LEN) == 0)
		return -EPROTO;
	return 0;
}

static void punch_forward(struct gossip *g, const struct wire_msg *m, uint64_t now)
{
	struct member *o = member_find_short(g, m->punch_from);
	struct member *t = member_find_short(g, m->punch_to);
	struct wire_msg f;

	if (!t || !live_answered(g, t) || !o || !own_endpoint(o, &m->punch_ep)) {
		g->stats.punch_refused++;
		return;
	}
	if (!punch_budget(g, m->punch_from, m->punch_to, now)) {
		g->stats.punch_limited++;
		return;
	}
	msg_init(&f, WIRE_PUNCH, g->idn.id);
	f.punch_flags = WIRE_PUNCH_FWD;
	memcpy(f.punch_from, m->punch_from, WIRE_SHORT_ID_LEN);
	memcpy(f.punch_to, m->punch_to, WIRE_SHORT_ID_LEN);
	f.punch_ep = m->punch_ep;
	f.punch_at = m->punch_at;
	if (send_member(g, t, &f) >= 0)
		g->stats.punch_forwarded++;
}

static void punch_accept(struct gossip *g, const struct wire_msg *m, uint64_t now)
{
	struct member *o = member_find_short(g, m->punch_from);

	if (!o || !member_probeable(g, o) || !own_endpoint(o, &m->punch_ep)) {
		g->stats.punch_refused++;
		return;
	}
	if (!punch_budget(g, m->punch_from, m->punch_to, now)) {
		g->stats.punch_limited++;
		return;
	}
	g->stats.punch_accepted++;
	if (g->io.punch)
		g->io.punch(g->io.ctx, &o->pub, &m->punch_ep, m->punch_at);
}

void punch_input(struct gossip *g, const struct wire_msg *m, uint64_t now)
{
	if (memcmp(m->punch_to, g->idn.id, WIRE_SHORT_ID_LEN) == 0)
		punch_accept(g, m, now);
	else
		punch_forward(g, m, now);
}

/* The k-th (mod their number) live member that answered us, by id, never `skip`. */
static struct member *nth_coordinator(struct gossip *g, const struct member *skip, uint32_t k)
{
	struct member *best = NULL, *prev = NULL;
	uint32_t n = 0;

	for (uint32_t s = 1; s < g->n_slots; s++)
		n += live_answered(g, &g->m[s]) && &g->m[s] != skip;
	if (!n)
		return NULL;
	k %= n;
	for (uint32_t i = 0; i <= k; i++, prev = best) {
		best = NULL;
		for (uint32_t s = 1; s < g->n_slots; s++) {
			struct member *c = &g->m[s];

			if (c == skip || !live_answered(g, c))
				continue;
			if (prev && id_cmp(c->pub.rec->id, prev->pub.rec->id) <= 0)
				continue;
			if (!best || id_cmp(c->pub.rec->id, best->pub.rec->id) < 0)
				best = c;
		}
	}
	return best;
}

int gossip_punch(struct gossip *g, const uint8_t peer[static WIRE_ID_LEN],
		 const struct wire_addr *ours, uint32_t at_ms, uint32_t attempt, bool direct,
		 uint64_t now_ms)
{
	struct member *p, *c;
	struct wire_msg m;
	int ret;

	if (now_ms > g->now)
		g->now = now_ms;
	if (at_ms > WIRE_PUNCH_AT_MAX || !own_endpoint(member_self(g), ours))
		return -EINVAL;
	p = member_find(g, peer);
	if (!p || p->pub.self || !member_probeable(g, p))
		return -ENOENT;
	c = direct ? (live_answered(g, p) ? p : NULL) : nth_coordinator(g, p, attempt);
	if (!c)
		return -EHOSTUNREACH;
	msg_init(&m, WIRE_PUNCH, g->idn.id);
	memcpy(m.punch_from, g->idn.id, WIRE_SHORT_ID_LEN);
	memcpy(m.punch_to, peer, WIRE_SHORT_ID_LEN);
	m.punch_ep = *ours;
	m.punch_at = at_ms;
	ret = send_member(g, c, &m);
	if (ret < 0)
		return ret;
	g->stats.punch_requested++;
	return 0;
}

int gossip_poke(struct gossip *g, const uint8_t id[static WIRE_ID_LEN], uint64_t now_ms)
{
	struct member *m;

	if (now_ms > g->now)
		g->now = now_ms;
	m = member_find(g, id);
	if (!m)
		return -ENOENT;
	return probe_poke(g, m, now_ms) ? 0 : -EAGAIN;
}
