/* SPDX-License-Identifier: MIT */
/*
 * Spreading trust objects (T8). A new valid object is queued like a
 * rumour: every gossip interval while the queue holds something, one
 * WIRE_TRUST per fanout member, packed least-sent first, each object sent
 * retransmit_mult * ceil(log10(N + 1)) times; so a revocation reaches a
 * mesh of N in O(log N) rounds. Only to proven members (D7): trust
 * messages are never asked for.
 *
 * Anti-entropy catches what gossip missed (a node that was down, a lost
 * datagram): every SYNC_DIGEST carries the trust digest (count and xor
 * of the object hashes). A root digest from a proven member that differs
 * from ours is answered with one page of our hashes, in ascending order
 * from a position that rotates over our store; the member pushes what it
 * holds in the page's range and the page lacks (TRUST_PUSH_MAX at most)
 * and, when the page holds hashes it lacks, answers with its own page
 * for that range (REPLY: not answered again), which we answer with a
 * push. One page per digest, to proven addresses only.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "trust_internal.h"

static uint32_t budget(const struct gossip *g)
{
	uint32_t l = (uint32_t)ceil(log10((double)member_live(g) + 1.0));

	return g->cfg.retransmit_mult * (l ? l : 1);
}

static void q_drop(struct gossip_trust *t, uint32_t i)
{
	memmove(&t->q[i], &t->q[i + 1], (t->n_q - i - 1) * sizeof(*t->q));
	t->n_q--;
}

void tspread_queue(struct gossip *g, uint32_t slot)
{
	struct gossip_trust *t = g->trust;

	if (t->quiet)
		return;
	if (!t->q) {
		t->q = calloc(TRUST_QUEUE_MAX, sizeof(*t->q));
		if (!t->q)
			return;   /* anti-entropy still carries it */
	}
	if (t->n_q == TRUST_QUEUE_MAX) {
		/* Full: the most-told entry (oldest among equals) has done most of its work. */
		uint32_t worst = 0;

		for (uint32_t i = 1; i < t->n_q; i++)
			if (t->q[i].sent > t->q[worst].sent)
				worst = i;
		q_drop(t, worst);
	}
	if (!t->n_q && t->next_round < g->now)
		t->next_round = g->now;   /* news goes out at the next tick */
	t->q[t->n_q].slot = slot;
	t->q[t->n_q].sent = 0;
	t->n_q++;
}

void tspread_unqueue(struct gossip_trust *t, uint32_t slot)
{
	for (uint32_t i = t->n_q; i-- > 0;)
		if (t->q[i].slot == slot)
			q_drop(t, i);
	for (uint32_t i = t->n_direct; i-- > 0;)
		if (t->direct[i] == slot)
			t->direct[i] = t->direct[--t->n_direct];
}

/*
 * A grant matters to one member only. Spread like any object it reaches
 * that member about when it has reached everyone, and a rotation queues
 * one per member on every node: at N = 300 the last member had its grant
 * after 90 rounds. So the node the operator hands the grants to also
 * sends each one straight to its member (TRUST_DIRECT_MAX a round);
 * gossip and anti-entropy still carry them all, for members away now.
 */
void tspread_direct(struct gossip *g, uint32_t slot)
{
	struct gossip_trust *t = g->trust;

	if (!t->direct) {
		t->direct = calloc(TRUST_MAX_GRANTS, sizeof(*t->direct));
		if (!t->direct)
			return;
	}
	if (t->n_direct < TRUST_MAX_GRANTS)
		t->direct[t->n_direct++] = slot;
}

/* ---- packing ---- */

static int obj_cost(const struct gossip_trust_obj *o)
{
	switch (o->kind) {
	case GOSSIP_TRUST_SPEND:
		return msg_spend_cost(&o->u.spend);
	case GOSSIP_TRUST_REVOCATION:
		return msg_revocation_cost(&o->u.rev);
	case GOSSIP_TRUST_GRANT:
		return msg_grant_cost(&o->u.grant);
	}
	return -1;
}

/* Add o to m if it fits within limit bytes. */
static bool add_obj(struct wire_msg *m, const struct gossip_trust_obj *o, int *size, size_t limit)
{
	int cost = obj_cost(o);

	if (cost < 0 || (size_t)(*size + cost) > limit)
		return false;
	switch (o->kind) {
	case GOSSIP_TRUST_SPEND:
		if (m->n_spends >= WIRE_MAX_TRUST_SPENDS)
			return false;
		m->spend[m->n_spends++] = o->u.spend;
		break;
	case GOSSIP_TRUST_REVOCATION:
		if (m->n_revocations >= WIRE_MAX_TRUST_REVOCATIONS)
			return false;
		m->revocation[m->n_revocations++] = o->u.rev;
		break;
	default:
		if (m->n_grants >= WIRE_MAX_TRUST_GRANTS)
			return false;
		m->grant[m->n_grants++] = o->u.grant;
	}
	*size += cost;
	return true;
}

static bool msg_has_objects(const struct wire_msg *m)
{
	return m->n_spends || m->n_revocations || m->n_grants;
}

static bool target_ok(const struct gossip *g, const struct member *m)
{
	return member_probeable(g, m) && member_proven(g, m);
}

/* One message's worth of the queue for `to`: least sent first, newest first among equals. */
static void fill(struct gossip *g, struct member *to)
{
	struct gossip_trust *t = g->trust;
	uint32_t b = budget(g), taken[WIRE_MAX_TRUST_SPENDS * 3], n_taken = 0;
	struct wire_msg m;
	int size;

	msg_init(&m, WIRE_TRUST, g->idn.id);
	size = msg_encoded_size(&m);
	if (size < 0)
		return;
	for (uint32_t s = 0; s < b && n_taken < sizeof(taken) / sizeof(taken[0]); s++)
		for (uint32_t i = t->n_q; i-- > 0 && n_taken < sizeof(taken) / sizeof(taken[0]);)
			if (t->q[i].sent == s &&
			    add_obj(&m, &t->obj[t->q[i].slot].o, &size, WIRE_MAX_PLAINTEXT))
				taken[n_taken++] = i;
	if (!n_taken)
		return;
	for (uint32_t i = 0; i < n_taken; i++)
		t->q[taken[i]].sent++;
	t->stats.objects_sent += n_taken;
	send_member(g, to, &m);
}

static void send_direct(struct gossip *g)
{
	struct gossip_trust *t = g->trust;

	for (uint32_t k = 0; k < TRUST_DIRECT_MAX && t->n_direct; k++) {
		const struct trust_grant *gr = &t->obj[t->direct[--t->n_direct]].o.u.grant;
		struct member *m = member_find(g, gr->member);
		struct wire_msg msg;

		if (!m || !target_ok(g, m))
			continue;   /* away or unproven: gossip and anti-entropy bring it */
		msg_init(&msg, WIRE_TRUST, g->idn.id);
		msg.grant[msg.n_grants++] = *gr;
		t->stats.objects_sent++;
		send_member(g, m, &msg);
	}
}

static void round_once(struct gossip *g)
{
	struct gossip_trust *t = g->trust;
	uint32_t to[16], n, fan = g->cfg.gossip_fanout < 16 ? g->cfg.gossip_fanout : 16, b = budget(g);

	n = members_pick(g, to, fan, 0, target_ok);
	for (uint32_t i = 0; i < n && t->n_q; i++)
		fill(g, &g->m[to[i]]);
	for (uint32_t i = t->n_q; i-- > 0;)
		if (t->q[i].sent >= b)
			q_drop(t, i);
}

void trust_tick(struct gossip *g, uint64_t now)
{
	struct gossip_trust *t = g->trust;

	if (!t)
		return;
	trust_sweep(g, now);
	if ((t->n_q || t->n_direct) && now >= t->next_round) {
		send_direct(g);
		round_once(g);
		t->next_round = now + g->cfg.gossip_interval_ms;
	}
	trust_after(g);
}

uint64_t trust_next(const struct gossip *g)
{
	const struct gossip_trust *t = g->trust;
	uint64_t x;

	if (!t)
		return NO_DEADLINE;
	x = t->n_q || t->n_direct ? t->next_round : NO_DEADLINE;
	return t->next_sweep < x ? t->next_sweep : x;
}

/* ---- anti-entropy ---- */

void trust_sync_fill(const struct gossip *g, struct wire_msg *m)
{
	if (!g->trust)
		return;
	m->trust_count = (uint32_t)g->trust->stats.digest_count;
	m->trust_digest = g->trust->stats.digest_xor;
}

/* Our hashes from `from` on, as many as fit `to`; returns the last listed + 1 position. */
static void send_page(struct gossip *g, struct member *to, uint64_t from, bool reply)
{
	struct gossip_trust *t = g->trust;
	uint32_t i = tstore_hash_pos(t, from);
	size_t limit = send_room(g, to);
	struct wire_msg m;
	int size;

	msg_init(&m, WIRE_TRUST, g->idn.id);
	m.trust_flags = WIRE_TRUST_PAGE | (reply ? WIRE_TRUST_REPLY : 0);
	m.trust_from = from;
	size = msg_encoded_size(&m) + 2;   /* the hash array header grows at the 16th */
	while (i < t->n_hash && m.n_hashes < WIRE_MAX_TRUST_HASHES &&
	       (size_t)size + MSG_TRUST_HASH_COST <= limit) {
		m.hash[m.n_hashes++] = t->obj[t->by_hash[i++]].hash;
		size += MSG_TRUST_HASH_COST;
	}
	if (i < t->n_hash)
		m.trust_flags |= WIRE_TRUST_MORE;
	if (!reply)
		t->page_pos = i < t->n_hash ? i : 0;
	t->stats.pages_sent++;
	send_member(g, to, &m);
}

static bool listed(const struct wire_msg *m, uint64_t h)
{
	uint32_t lo = 0, hi = m->n_hashes;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (m->hash[mid] < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < m->n_hashes && m->hash[lo] == h;
}

/* Push what we hold in the page's range that it lacks; true if it lists what we lack. */
static bool push_missing(struct gossip *g, struct member *to, const struct wire_msg *page)
{
	struct gossip_trust *t = g->trust;
	uint64_t lo = page->trust_from, hi = UINT64_MAX;
	uint32_t pushed = 0;
	struct wire_msg m;
	int size, base;

	if (page->trust_flags & WIRE_TRUST_MORE)
		hi = page->n_hashes ? page->hash[page->n_hashes - 1] : lo;
	msg_init(&m, WIRE_TRUST, g->idn.id);
	m.trust_flags = WIRE_TRUST_REPLY;
	base = size = msg_encoded_size(&m);
	/* Revocations first: a node that was away must drop the revoked before anything else. */
	for (int pass = 0; pass < 2; pass++)
		for (uint32_t i = tstore_hash_pos(t, lo); i < t->n_hash && pushed < TRUST_PUSH_MAX; i++) {
			const struct tobj *x = &t->obj[t->by_hash[i]];

			if (x->hash > hi)
				break;
			if ((x->o.kind == GOSSIP_TRUST_REVOCATION) != (pass == 0) || listed(page, x->hash))
				continue;
			if (!add_obj(&m, &x->o, &size, send_room(g, to))) {
				if (!msg_has_objects(&m))
					goto done;   /* not even one fits what we may send */
				send_member(g, to, &m);
				msg_init(&m, WIRE_TRUST, g->idn.id);
				m.trust_flags = WIRE_TRUST_REPLY;
				size = base;
				if (!add_obj(&m, &x->o, &size, send_room(g, to)))
					goto done;
			}
			pushed++;
		}
done:
	if (msg_has_objects(&m))
		send_member(g, to, &m);
	t->stats.objects_sent += pushed;
	for (int i = 0; i < page->n_hashes; i++)
		if (!tstore_by_hash(t, page->hash[i]))
			return true;
	return false;
}

/* A root SYNC_DIGEST from a member: a different trust digest draws one page. */
void trust_sync_check(struct gossip *g, const struct wire_msg *m, struct member *from)
{
	struct gossip_trust *t = g->trust;

	if (!t || m->prefix_len || !member_proven(g, from))
		return;
	if (m->trust_count == t->stats.digest_count && m->trust_digest == t->stats.digest_xor)
		return;
	if (t->page_pos >= t->n_hash)
		t->page_pos = 0;
	send_page(g, from, t->page_pos ? t->obj[t->by_hash[t->page_pos]].hash : 0, false);
}

int trust_precheck(const struct gossip *g, const struct wire_msg *m)
{
	const struct member *s;

	if (!g->trust)
		return -EPROTO;
	s = member_find_short(g, m->sender);
	return s && s->pub.state <= GOSSIP_SUSPECT ? 0 : -ENOENT;
}

static void take(struct gossip *g, const struct gossip_trust_obj *o)
{
	int ret = trust_accept(g, o, true);

	g->trust->stats.objects_received++;
	if (ret && ret != -EALREADY && ret != -EAGAIN)
		trust_count_refusal(g, ret);
}

void trust_input(struct gossip *g, const struct wire_msg *m, struct member *from)
{
	struct gossip_trust_obj o;

	g->trust->budget = TRUST_VERIFY_MAX;
	for (int i = 0; i < m->n_revocations; i++) {
		o.kind = GOSSIP_TRUST_REVOCATION;
		o.u.rev = m->revocation[i];
		take(g, &o);
	}
	for (int i = 0; i < m->n_spends; i++) {
		o.kind = GOSSIP_TRUST_SPEND;
		o.u.spend = m->spend[i];
		take(g, &o);
	}
	for (int i = 0; i < m->n_grants; i++) {
		o.kind = GOSSIP_TRUST_GRANT;
		o.u.grant = m->grant[i];
		take(g, &o);
	}
	if (!(m->trust_flags & WIRE_TRUST_PAGE) || !from || !member_proven(g, from))
		return;
	if (push_missing(g, from, m) && !(m->trust_flags & WIRE_TRUST_REPLY))
		send_page(g, from, m->trust_from, true);
}
