/* SPDX-License-Identifier: MIT */
/*
 * Anti-entropy. Every entry (id, version) hashes to 64 bits; a digest
 * bucket holds the sum and count of the entries whose id starts with its
 * prefix (16 buckets per level, one hex digit each). Every sync_interval
 * we send one random member a summary (one bucket: the sum over all): if
 * it has the same sum nothing more happens, so the steady-state cost is
 * one small datagram per interval whatever N is. A different summary is
 * answered with the 16 top buckets. Where bucket sums differ, the
 * receiver answers per differing bucket:
 *   - the other side has nothing there: push our records for it;
 *   - we have few (<= WIRE_MAX_ENTRIES): list them (SYNC_ENTRIES); the
 *     lister's partner pushes what the list lacks or has older and
 *     answers with a want list (REPLY) of what it lacks itself;
 *   - else: the 16 sub-buckets (SYNC_DIGEST one level down),
 * and the other side applies the same rules, one level deeper each time.
 * Pushes travel as SYNC_ENTRIES replies carrying records (a failed
 * member's with its FAILED rumour), so the receiver knows they are
 * state transfer rather than news and does not re-gossip new members.
 *
 * Size: a reply can be larger than the request (a short want list pulls
 * up to SYNC_PUSH_MAX records). Sync runs only between members: the
 * sender must be in our table, and answers go to the address in its
 * signed record, never to the datagram's source. But a member signs its
 * own record and could name a victim's address there, so answers larger
 * than the request go only to an address that proved it is the member's
 * (D7; in tunnel mode WireGuard authenticates it); to any other they are
 * cut to the request's size by send.c's reply budget, and our own
 * periodic digests go only to proven members. A joiner, whose address
 * nobody has proven yet, pads its pull digests so that the answers fit
 * until the proof lands (the hello probe its introduction draws).
 */
#include <string.h>

#include "internal.h"

struct span {
	uint8_t prefix[WIRE_SYNC_MAX_DEPTH / 2];
	unsigned len;
};

static bool under(const uint8_t *id, const struct span *p)
{
	for (unsigned i = 0; i < p->len; i++)
		if (id_nibble(id, i) != id_nibble(p->prefix, i))
			return false;
	return true;
}

static struct span child(const struct span *p, unsigned c)
{
	struct span s = *p;

	s.prefix[s.len / 2] |= (uint8_t)(c << ((s.len & 1) ? 0 : 4));
	s.len++;
	return s;
}

/* Visit every digest member under p (stops when fn returns false). */
static void walk(struct gossip *g, const struct span *p,
		 bool (*fn)(void *ctx, struct member *m), void *ctx)
{
	unsigned lo = 0, hi = 255;

	if (p->len >= 2) {
		lo = hi = p->prefix[0];
	} else if (p->len == 1) {
		lo = p->prefix[0] & 0xf0;
		hi = lo + 15;
	}
	for (unsigned b = lo; b <= hi; b++)
		for (uint32_t v = g->dhead[b]; v; v = g->m[v - 1].bnext) {
			struct member *m = &g->m[v - 1];

			if ((m->flags & M_DIGEST) && under(m->pub.rec->id, p) && !fn(ctx, m))
				return;
		}
}

struct sums {
	struct wire_sync_bucket *b;
	unsigned depth;
};

static bool add_sum(void *ctx, struct member *m)
{
	struct sums *s = ctx;
	struct wire_sync_bucket *b = &s->b[id_nibble(m->pub.rec->id, s->depth)];

	b->hash += member_grec(m)->dhash;
	b->count++;
	return true;
}

static void children(struct gossip *g, const struct span *p, struct wire_sync_bucket out[16])
{
	memset(out, 0, 16 * sizeof(*out));
	if (p->len == 0) {
		for (int c = 0; c < 16; c++)
			out[c] = (struct wire_sync_bucket){ g->dsum1[c], g->dcnt1[c] };
	} else if (p->len == 1) {
		unsigned base = p->prefix[0] & 0xf0;

		for (int c = 0; c < 16; c++)
			out[c] = (struct wire_sync_bucket){ g->dsum2[base + c], g->dcnt2[base + c] };
	} else {
		struct sums s = { out, p->len };

		walk(g, p, add_sum, &s);
	}
}

/* One bucket summing the whole span: all a periodic check needs to send. */
static struct wire_sync_bucket summary(struct gossip *g, const struct span *p)
{
	struct wire_sync_bucket c[WIRE_SYNC_FANOUT], sum = { 0, 0 };

	children(g, p, c);
	for (int i = 0; i < WIRE_SYNC_FANOUT; i++) {
		sum.hash += c[i].hash;
		sum.count += c[i].count;
	}
	return sum;
}

static void msg_span(struct wire_msg *m, const struct span *p)
{
	memcpy(m->prefix, p->prefix, sizeof(m->prefix));
	m->prefix_len = (uint8_t)p->len;
}

static void send_digest(struct gossip *g, struct member *to, const struct span *p)
{
	struct wire_msg m;

	msg_init(&m, WIRE_SYNC_DIGEST, g->idn.id);
	msg_span(&m, p);
	m.n_buckets = WIRE_SYNC_FANOUT;
	children(g, p, m.bucket);
	trust_sync_fill(g, &m);
	send_member(g, to, &m);
}

/*
 * A joiner's pull. Padded to the largest datagram: until `to` has proven
 * our address its answers may be no larger than this. It carries our
 * record (inside what would be padding): sync answers members only, so
 * it introduces us to those who lack us, and it draws a hello probe from
 * those who have not proven our address yet.
 */
static void send_pull_digest(struct gossip *g, struct member *to, const struct span *p)
{
	struct wire_msg m;

	msg_init(&m, WIRE_SYNC_DIGEST, g->idn.id);
	msg_span(&m, p);
	m.n_buckets = WIRE_SYNC_FANOUT;
	children(g, p, m.bucket);
	m.n_records = 1;
	m.record[0] = *member_self(g)->pub.rec;
	trust_sync_fill(g, &m);
	if (msg_pad_to(&m, WIRE_MAX_PLAINTEXT) < 0)
		m.pad = 0;
	send_pull(g, to, &m);
}

/* Pushing records to one member, a datagram at a time. */
struct pusher {
	struct gossip *g;
	struct member *to;
	struct wire_msg m;
	int size;
	uint32_t pushed;
	const struct wire_msg *their;   /* a listing to compare with, or NULL */
};

static void push_init(struct pusher *p, struct gossip *g, struct member *to, const struct span *s)
{
	p->g = g;
	p->to = to;
	p->pushed = 0;
	p->their = NULL;
	msg_init(&p->m, WIRE_SYNC_ENTRIES, g->idn.id);
	p->m.sync_flags = WIRE_SYNC_REPLY;
	msg_span(&p->m, s);
	p->size = msg_encoded_size(&p->m);
}

static void push_flush(struct pusher *p)
{
	if (!p->m.n_records)
		return;
	send_member(p->g, p->to, &p->m);
	p->m.n_records = 0;
	p->m.n_rumors = 0;
	p->size = msg_encoded_size(&p->m);
}

static bool push_one(struct pusher *p, struct member *x)
{
	int cost = msg_record_cost(x->pub.rec);
	bool failed = x->pub.state == GOSSIP_FAILED;
	int need;

	if (p->pushed >= SYNC_PUSH_MAX)
		return false;
	/* A contested claim is not handed on: joiners learn the incumbent only. */
	if (cost < 0 || x->pub.conflict || x == p->to)
		return true;
	/* After an overflow, what never answered us is not handed on either (merge.c). */
	if (!(x->flags & M_PROVEN) && table_pressed(p->g)) {
		p->g->stats.relays_held++;
		return true;
	}
	need = cost + (failed ? MSG_RUMOR_COST : 0);
	/* send_room: to an unproven address, what the request's size leaves. */
	if (p->m.n_records == WIRE_MAX_RECORDS ||
	    (size_t)(p->size + need) > send_room(p->g, p->to)) {
		push_flush(p);
		if ((size_t)(p->size + need) > send_room(p->g, p->to))
			return false;
	}
	p->m.record[p->m.n_records++] = *x->pub.rec;
	p->size += cost;
	if (failed) {
		struct wire_rumor *r = &p->m.rumor[p->m.n_rumors++];

		memcpy(r->subject, x->pub.rec->id, WIRE_ID_LEN);
		r->version = x->pub.rec->version;
		r->state = WIRE_LIVE_FAILED;
		memcpy(r->origin, p->g->idn.id, WIRE_SHORT_ID_LEN);
		p->size += MSG_RUMOR_COST;
	}
	p->pushed++;
	return true;
}

static bool push_all(void *ctx, struct member *m)
{
	return push_one(ctx, m);
}

/* Push what the listing p->their lacks or holds older. */
static bool push_missing(void *ctx, struct member *m)
{
	struct pusher *p = ctx;
	const struct wire_msg *t = p->their;

	for (int i = 0; i < t->n_entries; i++)
		if (memcmp(t->entry[i].id, m->pub.rec->id, WIRE_SHORT_ID_LEN) == 0)
			return t->entry[i].version >= m->pub.rec->version ? true : push_one(p, m);
	return push_one(p, m);
}

static bool list_one(void *ctx, struct member *x)
{
	struct wire_msg *m = ctx;

	if (m->n_entries >= WIRE_MAX_ENTRIES)
		return false;
	memcpy(m->entry[m->n_entries].id, x->pub.rec->id, WIRE_SHORT_ID_LEN);
	m->entry[m->n_entries++].version = x->pub.rec->version;
	return true;
}

static void send_listing(struct gossip *g, struct member *to, const struct span *p)
{
	struct wire_msg m;

	msg_init(&m, WIRE_SYNC_ENTRIES, g->idn.id);
	msg_span(&m, p);
	walk(g, p, list_one, &m);
	send_member(g, to, &m);
}

static bool span_of(const struct wire_msg *m, struct span *p)
{
	memset(p, 0, sizeof(*p));
	if (m->prefix_len > WIRE_SYNC_MAX_DEPTH)
		return false;
	memcpy(p->prefix, m->prefix, sizeof(p->prefix));
	p->len = m->prefix_len;
	return true;
}

static void on_digest(struct gossip *g, const struct wire_msg *m, struct member *from)
{
	struct wire_sync_bucket mine[WIRE_SYNC_FANOUT];
	struct pusher push;
	struct span p;

	if (!span_of(m, &p) || p.len >= WIRE_SYNC_MAX_DEPTH)
		return;
	if (m->n_buckets == 1) {
		/* A summary: equal ends it; else answer with our 16 buckets and
		 * the usual bucket-by-bucket exchange takes over from there. */
		mine[0] = summary(g, &p);
		if (mine[0].hash != m->bucket[0].hash || mine[0].count != m->bucket[0].count)
			send_digest(g, from, &p);
		return;
	}
	if (m->n_buckets != WIRE_SYNC_FANOUT)
		return;
	children(g, &p, mine);
	push_init(&push, g, from, &p);
	for (unsigned c = 0; c < WIRE_SYNC_FANOUT; c++) {
		const struct wire_sync_bucket *t = &m->bucket[c];
		struct span cp = child(&p, c);

		if (t->hash == mine[c].hash && t->count == mine[c].count)
			continue;
		if (t->count == 0 && push.pushed + mine[c].count <= SYNC_PUSH_MAX)
			walk(g, &cp, push_all, &push);
		else if (mine[c].count <= WIRE_MAX_ENTRIES || cp.len >= WIRE_SYNC_MAX_DEPTH)
			send_listing(g, from, &cp);
		else
			send_digest(g, from, &cp);
	}
	push_flush(&push);
}

static void on_listing(struct gossip *g, const struct wire_msg *m, struct member *from)
{
	struct wire_msg want;
	struct pusher push;
	struct span p;

	if (!span_of(m, &p))
		return;
	push_init(&push, g, from, &p);
	push.their = m;
	walk(g, &p, push_missing, &push);
	push_flush(&push);
	/* What the listing has that we lack or hold older: ask for it. */
	msg_init(&want, WIRE_SYNC_ENTRIES, g->idn.id);
	want.sync_flags = WIRE_SYNC_REPLY;
	msg_span(&want, &p);
	for (int i = 0; i < m->n_entries; i++) {
		const struct member *x = member_find_short(g, m->entry[i].id);

		if (x && x->pub.rec->version >= m->entry[i].version)
			continue;
		memcpy(want.entry[want.n_entries].id, m->entry[i].id, WIRE_SHORT_ID_LEN);
		want.entry[want.n_entries++].version = x ? x->pub.rec->version : 0;
	}
	if (want.n_entries)
		send_member(g, from, &want);
}

static void on_want(struct gossip *g, const struct wire_msg *m, struct member *from)
{
	struct pusher push;
	struct span p;

	if (!span_of(m, &p))
		return;
	push_init(&push, g, from, &p);
	for (int i = 0; i < m->n_entries; i++) {
		struct member *x = member_find_short(g, m->entry[i].id);

		if (x && (x->flags & M_DIGEST) && x->pub.rec->version > m->entry[i].version &&
		    !push_one(&push, x))
			break;
	}
	push_flush(&push);
}

void sync_input(struct gossip *g, const struct wire_msg *m, struct member *from, uint64_t now)
{
	(void)now;
	if (m->type == WIRE_SYNC_DIGEST) {
		trust_sync_check(g, m, from);
		on_digest(g, m, from);
	} else if (!(m->sync_flags & WIRE_SYNC_REPLY))
		on_listing(g, m, from);
	else
		on_want(g, m, from);
}

/*
 * A joiner pulls all 16 top buckets at once, spread over a few members
 * (the seed knows us; the others learn us from the digest).
 * Over lossy links one pass leaves gaps (each bucket takes three or four
 * datagrams), so it pulls again every SYNC_PULL_MS until SYNC_PULLS
 * passes in a row bring no new member. Later passes go to the same
 * partners while they last: our first pull made them prove our address
 * (the hello probe our introduction draws), so their answers are whole.
 */
void sync_join_pull(struct gossip *g, const uint32_t *partners, uint32_t n)
{
	if (!n)
		return;
	for (unsigned c = 0; c < WIRE_SYNC_FANOUT; c++) {
		struct span root = { .len = 0 };
		struct span p = child(&root, c);

		send_pull_digest(g, &g->m[partners[c % n]], &p);
	}
	for (uint32_t i = 0; i < n && i < SYNC_JOIN_PARTNERS; i++)
		memcpy(g->pull_partner[i], g->m[partners[i]].pub.rec->id, WIRE_SHORT_ID_LEN);
	g->n_pull_partners = n < SYNC_JOIN_PARTNERS ? n : SYNC_JOIN_PARTNERS;
	g->pull_seen = g->n_members;
	/* The first pass's answers were cut to its size; once our address is
	 * proven (a round trip) the second pass gets them whole. */
	g->next_pull = g->now + (g->pull_left ? SYNC_PULL_MS : SYNC_PULL_FIRST_MS);
	if (!g->pull_left)
		g->pull_left = SYNC_PULLS;
}

static bool listed(const uint32_t *a, uint32_t n, uint32_t s)
{
	for (uint32_t i = 0; i < n; i++)
		if (a[i] == s)
			return true;
	return false;
}

static void pull_tick(struct gossip *g, uint64_t now)
{
	uint32_t partners[SYNC_JOIN_PARTNERS], more[SYNC_JOIN_PARTNERS], n = 0, k;

	if (!g->pull_left || now < g->next_pull)
		return;
	if (g->n_members > g->pull_seen)
		g->pull_left = SYNC_PULLS;  /* still learning: keep pulling */
	g->pull_left--;
	if (!g->pull_left)
		return;
	for (uint32_t i = 0; i < g->n_pull_partners; i++) {
		struct member *x = member_find_short(g, g->pull_partner[i]);

		if (x && member_probeable(g, x) && !listed(partners, n, member_slot(g, x)))
			partners[n++] = member_slot(g, x);
	}
	k = pick_answered_first(g, more, SYNC_JOIN_PARTNERS - n, 0, member_probeable);
	for (uint32_t i = 0; i < k && n < SYNC_JOIN_PARTNERS; i++)
		if (!listed(partners, n, more[i]))
			partners[n++] = more[i];
	sync_join_pull(g, partners, n);
}

void sync_root_buckets(struct gossip *g, struct wire_sync_bucket out[16])
{
	struct span root = { .len = 0 };

	children(g, &root, out);
}

uint64_t sync_next(const struct gossip *g)
{
	uint64_t t = g->pull_left ? g->next_pull : NO_DEADLINE;

	if (!g->left && !g->joining && g->next_sync < t)
		t = g->next_sync;
	return t;
}

static bool is_failed(const struct gossip *g, const struct member *m)
{
	(void)g;
	return (m->flags & M_USED) && !m->pub.self && m->pub.state == GOSSIP_FAILED;
}

/*
 * Partner: a random live member; or, with probability failed/(live +
 * failed) up to one half, a random failed one. Members behind a healed
 * partition are tombstones to us and would never be contacted again; a
 * sync (with our rumour about it attached) makes the live ones refute.
 */
void sync_tick(struct gossip *g, uint64_t now)
{
	uint32_t live = member_live(g), failed = g->counts[GOSSIP_FAILED], to = 0, n = 0;
	struct span root = { .len = 0 };

	if (!g->left && !g->joining)
		pull_tick(g, now);
	if (now < g->next_sync)
		return;
	g->next_sync = now + g->cfg.sync_interval_ms;
	if (g->left || g->joining)
		return;
	/* Our own digests are not asked for: members that answered us (send.c). */
	if (failed) {
		uint64_t all = (uint64_t)live + failed, bar = failed < all / 2 ? failed : all / 2;

		if (gossip_rand(g) % all < bar)
			n = pick_targets(g, &to, 1, 0, is_failed);
	}
	if (!n)
		n = pick_targets(g, &to, 1, 0, member_probeable);
	if (!n)
		return;
	{
		struct wire_msg m;
		struct wire_sync_bucket now_sum = summary(g, &root);
		bool quiet = now_sum.hash == g->last_summary.hash &&
			     now_sum.count == g->last_summary.count;

		/* Quiet table (nothing changed since the last tick, the steady
		 * state): only the summary, ~76 bytes sealed at any N. While the
		 * table changes, the 16 buckets at once: it saves a round trip
		 * exactly when partners are likely to differ (churn, loss). */
		g->last_summary = now_sum;
		msg_init(&m, WIRE_SYNC_DIGEST, g->idn.id);
		msg_span(&m, &root);
		if (quiet) {
			m.n_buckets = 1;
			m.bucket[0] = now_sum;
		} else {
			m.n_buckets = WIRE_SYNC_FANOUT;
			children(g, &root, m.bucket);
		}
		add_buddy_rumor(g, &m, &g->m[to]);
		/* A failed partner may have restarted without us: introduce ourselves. */
		if (g->m[to].pub.state == GOSSIP_FAILED) {
			m.n_records = 1;
			m.record[0] = *member_self(g)->pub.rec;
		}
		trust_sync_fill(g, &m);
		send_member(g, &g->m[to], &m);
	}
}
