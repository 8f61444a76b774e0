/* SPDX-License-Identifier: MIT */
/*
 * First contact. The joiner sends JOIN (its signed record, padded to the
 * largest datagram) to each seed's given address, again every
 * join_retry_ms with doubling backoff, until a JOIN_ACK arrives. A seed
 * verifies and adds the joiner (which gossip then spreads) and answers
 * the datagram's source with its own record, the source address it saw,
 * the overlay prefix and a first batch of members, never more bytes than
 * the JOIN had: a forged source cannot turn a seed into an amplifier.
 * The joiner then pulls the whole membership at once (sync.c).
 *
 * D8: the JOIN carries a random nonce (new per gossip_join, the same in
 * its retries); only a JOIN_ACK echoing it, whose first record is its
 * sender's own, is taken, and only then is its `observed` address used:
 * nobody who did not see our JOIN can hand us an endpoint to sign. (No
 * source check: a multi-homed seed may answer from another address.)
 * A seed answers a JOIN only at a version newer than it holds, or at the
 * same version within JOIN_REPLAY_MS of first answering it (retries): a
 * captured JOIN replayed later gets nothing. A joiner still waiting
 * re-signs before that window closes.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

/*
 * One JOIN (padded: its answer may be no larger) with nonce to each seed.
 * Our record is re-signed when its version went out in a JOIN longer ago
 * than a seed takes a JOIN at that version for a retry, or the seed would
 * refuse it as a replay.
 */
static void send_joins(struct gossip *g, const struct wire_addr *seeds, size_t n, uint32_t nonce,
		       uint64_t now)
{
	struct wire_msg m;

	if (now >= g->join_signed_at + JOIN_RESIGN_MS &&
	    self_sign(g, g->tmpl.version + 1, now) == 0)
		g->join_signed_at = now;
	msg_init(&m, WIRE_JOIN, g->idn.id);
	m.seq = nonce;
	m.n_records = 1;
	m.record[0] = *member_self(g)->pub.rec;
	if (msg_pad_to(&m, WIRE_MAX_PLAINTEXT) < 0)
		m.pad = 0;
	for (size_t i = 0; i < n; i++)
		send_msg(g, &seeds[i], &m);
}

static void join_send(struct gossip *g, uint64_t now)
{
	uint64_t cap = g->cfg.join_retry_ms * 32;

	send_joins(g, g->seeds, g->n_seeds, g->join_nonce, now);
	g->next_join = now + g->join_backoff;
	g->join_backoff = g->join_backoff * 2 < cap ? g->join_backoff * 2 : cap;
}

/* The seed list a caller gives: some, none empty; more than we keep are cut. */
static int seeds_check(const struct gossip *g, const struct wire_addr *seeds, size_t *n)
{
	if (!*n || g->left)
		return -EINVAL;
	if (*n > GOSSIP_MAX_SEEDS)
		*n = GOSSIP_MAX_SEEDS;
	for (size_t i = 0; i < *n; i++)
		if (!wire_family_len(seeds[i].family) || !seeds[i].port)
			return -EINVAL;
	return 0;
}

int gossip_join(struct gossip *g, const struct wire_addr *seeds, size_t n, uint64_t now_ms)
{
	if (seeds_check(g, seeds, &n))
		return -EINVAL;
	memcpy(g->seeds, seeds, n * sizeof(*seeds));
	g->n_seeds = (uint32_t)n;
	g->joining = true;
	g->join_backoff = g->cfg.join_retry_ms ? g->cfg.join_retry_ms : 1000;
	g->now = now_ms > g->now ? now_ms : g->now;
	do
		g->join_nonce = (uint32_t)gossip_rand(g);
	while (!g->join_nonce);
	g->join_signed_at = now_ms;
	join_send(g, now_ms);
	return 0;
}

/*
 * A rejoin round (issue 12): while still joining, the same as
 * gossip_join. Otherwise (joined, or never joining: alone), one JOIN to each address without leaving the joined state:
 * probing and anti-entropy go on, and a JOIN_ACK echoing this round's
 * nonce brings a full pull from its sender.
 */
int gossip_rejoin(struct gossip *g, const struct wire_addr *seeds, size_t n, uint64_t now_ms)
{
	if (g->joining)
		return gossip_join(g, seeds, n, now_ms);
	if (seeds_check(g, seeds, &n))
		return -EINVAL;
	g->now = now_ms > g->now ? now_ms : g->now;
	do
		g->rejoin_nonce = (uint32_t)gossip_rand(g);
	while (!g->rejoin_nonce || g->rejoin_nonce == g->join_nonce);
	g->rejoin_nonce_at = now_ms;
	send_joins(g, seeds, n, g->rejoin_nonce, now_ms);
	g->stats.rejoin_rounds++;
	return 0;
}

int gossip_rejoin_moved(struct gossip *g, uint64_t now_ms)
{
	struct wire_addr seeds[GOSSIP_MAX_SEEDS];
	size_t n = g->n_seeds;

	if (!n || g->left)
		return -EINVAL;
	memcpy(seeds, g->seeds, n * sizeof(seeds[0]));
	g->now = now_ms > g->now ? now_ms : g->now;
	/* Newer than what the seeds hold: a JOIN at a held version is a replay. */
	if (self_sign(g, g->tmpl.version + 1, now_ms) != 0)
		return -EIO;
	return gossip_join(g, seeds, n, now_ms);
}

void join_tick(struct gossip *g, uint64_t now)
{
	if (g->joining && now >= g->next_join)
		join_send(g, now);
}

static const struct join_seen *join_seen_find(const struct gossip *g, const struct wire_record *r)
{
	for (int i = 0; i < JOIN_SEEN_SLOTS; i++) {
		const struct join_seen *j = &g->join_seen[i];

		if (j->used && j->version == r->version && memcmp(j->sid, r->id, WIRE_SHORT_ID_LEN) == 0)
			return j;
	}
	return NULL;
}

/* A JOIN at a version we hold: a retry shortly after we first answered it, else a replay. */
static bool join_replayed(const struct gossip *g, const struct wire_record *r)
{
	const struct member *held = member_find(g, r->id);
	const struct join_seen *j;

	if (!held || r->version > held->pub.rec->version)
		return false;
	if (r->version < held->pub.rec->version)
		return true;
	j = join_seen_find(g, r);
	return !j || g->now >= j->at + JOIN_REPLAY_MS;
}

int join_precheck(const struct gossip *g, const struct wire_msg *m)
{
	if (m->type == WIRE_JOIN_ACK) {
		bool rejoin = !g->joining && g->rejoin_nonce && m->seq == g->rejoin_nonce &&
			      g->now < g->rejoin_nonce_at + JOIN_REPLAY_MS;

		if (!g->joining && !rejoin)
			return -EPROTO;
		if (!rejoin && m->seq != g->join_nonce)
			return -ESTALE;       /* not an answer to our JOIN */
		/* The answer carries its sender's own record first. */
		return m->n_records && memcmp(m->record[0].id, m->sender, WIRE_SHORT_ID_LEN) == 0 ?
		       0 : -EPROTO;
	}
	/* JOIN: the record is the sender's own. */
	if (memcmp(m->record[0].id, m->sender, WIRE_SHORT_ID_LEN) != 0 ||
	    memcmp(m->record[0].id, g->idn.id, WIRE_ID_LEN) == 0 || g->left)
		return -EPROTO;
	return join_replayed(g, &m->record[0]) ? -ESTALE : 0;
}

static bool batch_ok(const struct gossip *g, const struct member *m)
{
	return member_probeable(g, m) && !m->pub.conflict;
}

static void on_join(struct gossip *g, const struct wire_msg *m, const struct wire_addr *from,
		    size_t len, uint64_t now)
{
	const struct member *joiner = member_find(g, m->record[0].id);
	size_t room = send_room(g, NULL);
	size_t limit = len < room ? len : room;
	uint32_t pick[WIRE_MAX_RECORDS], n;
	bool first = !join_seen_find(g, &m->record[0]);
	struct wire_msg ack;
	int size;

	if (first) {
		struct join_seen *j = &g->join_seen[g->join_seen_pos++ % JOIN_SEEN_SLOTS];

		memcpy(j->sid, m->record[0].id, WIRE_SHORT_ID_LEN);
		j->version = m->record[0].version;
		j->at = now;
		j->used = true;
	}

	msg_init(&ack, WIRE_JOIN_ACK, g->idn.id);
	ack.seq = m->seq;
	ack.observed = *from;
	if (g->prefix.family)
		ack.overlay_prefix = g->prefix;
	ack.n_records = 1;
	ack.record[0] = *member_self(g)->pub.rec;
	size = msg_encoded_size(&ack);
	if (size < 0 || (size_t)size > limit)
		return;  /* an unpadded JOIN gets nothing: it would be an amplifier */
	n = pick_answered_first(g, pick, WIRE_MAX_RECORDS - 1,
				joiner ? member_slot(g, joiner) : 0, batch_ok);
	for (uint32_t i = 0; i < n; i++) {
		const struct wire_record *r = g->m[pick[i]].pub.rec;
		int cost = msg_record_cost(r);

		if (cost < 0 || (size_t)(size + cost) > limit)
			break;
		ack.record[ack.n_records++] = *r;
		size += cost;
	}
	if (first && g->cfg.via_overlay)
		ack_wait_put(g, &ack, from, m->record[0].id);   /* after its WireGuard peer (ack_wait.c) */
	else
		send_msg(g, from, &ack);
}

static void on_join_ack(struct gossip *g, const struct wire_msg *m, uint64_t now)
{
	uint32_t partners[SYNC_JOIN_PARTNERS], n = 0;

	(void)now;
	g->joining = false;
	if (g->io.observed)
		g->io.observed(g->io.ctx, &m->observed);
	/* The mesh's prefix, if we were not configured with one. */
	if (!g->prefix.family && m->overlay_prefix.family &&
	    !(g->tmpl.flags & WIRE_REC_ADDR_PINNED)) {
		struct wire_record keep = g->tmpl;

		g->prefix = m->overlay_prefix;
		if (addr_derive_self(g, &g->tmpl) == 0 && keep.n_overlay != g->tmpl.n_overlay &&
		    self_sign(g, g->tmpl.version + 1, now) == 0) {
			g->self_claim_seq = ++g->accept_seq;
			g->self_claim_ms = now;
			member_event(g, member_self(g), GOSSIP_EV_UPDATED);
		} else {
			g->tmpl = keep;
		}
	}
	for (int i = 0; i < m->n_records && n < SYNC_JOIN_PARTNERS; i++) {
		struct member *x = member_find(g, m->record[i].id);

		if (x && member_probeable(g, x))
			partners[n++] = member_slot(g, x);
	}
	sync_join_pull(g, partners, n);
}

void join_input(struct gossip *g, const struct wire_msg *m, const struct wire_addr *from,
		size_t len, uint64_t now)
{
	if (m->type == WIRE_JOIN)
		on_join(g, m, from, len, now);
	else
		on_join_ack(g, m, now);
}
