/* SPDX-License-Identifier: MIT */
/* Addressing, encoding and counting what goes out. */
#include <errno.h>
#include <string.h>

#include "internal.h"

/*
 * Where a member listens for gossip: in tunnel mode (after joining) its
 * overlay address, so traffic rides WireGuard; otherwise its first
 * advertised underlay endpoint. Either way the gossip port of its record,
 * never the source of some datagram: only a JOIN_ACK goes to a source
 * (a joiner may not know its own address), no larger than the JOIN.
 *
 * A member signs its own record, so it can name anyone's address there.
 * Replies (D7) are therefore either no larger than their request or go
 * to an address that proved it is the member's: it answered a PING of
 * ours, carrying a random seq, from exactly that address (probe.c).
 */
/*
 * Tunnel mode sends through the overlay, except to a member we hold
 * failed: its WireGuard peer goes after the failed grace, so what we
 * still send it (reach-outs, answers to its reach-outs: issue 12) goes
 * to its record's underlay endpoint, where a restarted or partitioned
 * node listens too.
 */
static bool overlay_addressed(const struct gossip *g, const struct member *m)
{
	return g->cfg.via_overlay && !g->joining && m->pub.rec->n_overlay &&
	       m->pub.state != GOSSIP_FAILED;
}

bool member_addr(const struct gossip *g, const struct member *m, struct wire_addr *out)
{
	const struct wire_record *r = m->pub.rec;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (overlay_addressed(g, m)) {
		n = wire_family_len(r->overlay[0].family);
		out->family = r->overlay[0].family;
		memcpy(out->ip, r->overlay[0].ip, n);
	} else if (r->n_endpoints) {
		n = wire_family_len(r->endpoint[0].family);
		out->family = r->endpoint[0].family;
		memcpy(out->ip, r->endpoint[0].ip, n);
	} else {
		return false;
	}
	out->port = r->gossip_port;
	return true;
}

bool member_proven(const struct gossip *g, const struct member *m)
{
	const struct wire_record *r = m->pub.rec;

	/* Tunnel mode: only the peer holding the overlay address gets it. */
	(void)r;
	if (overlay_addressed(g, m))
		return true;
	return m->flags & M_PROVEN;
}

static bool tier_answered(const struct gossip *g, const struct member *m)
{
	return (m->flags & M_PROVEN) && g->pick_ok(g, m);
}

static bool tier_proven(const struct gossip *g, const struct member *m)
{
	return !(m->flags & M_PROVEN) && member_proven(g, m) && g->pick_ok(g, m);
}

/* Fewer than gossip_fanout live members have answered us. */
static bool few_answered(const struct gossip *g)
{
	uint32_t n = 0;

	if (g->n_proven < g->cfg.gossip_fanout)
		return true;
	for (uint32_t s = 1; s < g->n_slots && n < g->cfg.gossip_fanout; s++)
		n += (g->m[s].flags & M_PROVEN) && member_probeable(g, &g->m[s]);
	return n < g->cfg.gossip_fanout;
}

/*
 * In tunnel mode every overlay address counts as proven (WireGuard
 * authenticates it), but a key holder's made-up identities hold overlay
 * addresses too: traffic to them is lost, and each one makes WireGuard
 * try handshakes with an endpoint nobody proved. So what we send unasked
 * goes to members that answered us; the rest of the proven fill in only
 * while fewer than gossip_fanout live members have (a mesh just started,
 * where nobody has yet), so dissemination never waits for proofs.
 */
uint32_t pick_targets(struct gossip *g, uint32_t *out, uint32_t k, uint32_t skip,
		      bool (*ok)(const struct gossip *, const struct member *))
{
	uint32_t n;

	g->pick_ok = ok;
	n = members_pick(g, out, k, skip, tier_answered);
	if (n < k && g->cfg.via_overlay && !g->joining && few_answered(g))
		n += members_pick(g, out + n, k - n, skip, tier_proven);
	g->pick_ok = NULL;
	return n;
}

static bool tier_unanswered(const struct gossip *g, const struct member *m)
{
	return !(m->flags & M_PROVEN) && g->pick_ok(g, m);
}

/*
 * Up to k members passing ok: those that answered us first, the rest
 * after. For what we hand on as a starting point (a JOIN_ACK's batch, a
 * joiner's pull partners): amid a flood of identities that never answer,
 * a joiner that starts from them learns nothing and tells nobody.
 */
uint32_t pick_answered_first(struct gossip *g, uint32_t *out, uint32_t k, uint32_t skip,
			     bool (*ok)(const struct gossip *, const struct member *))
{
	uint32_t n;

	g->pick_ok = ok;
	n = members_pick(g, out, k, skip, tier_answered);
	if (n < k)
		n += members_pick(g, out + n, k - n, skip, tier_unanswered);
	g->pick_ok = NULL;
	return n;
}

bool member_at_own_addr(const struct gossip *g, const struct member *m, const struct wire_addr *from)
{
	struct wire_addr a;

	return from && member_addr(g, m, &a) && wire_addr_equal(&a, from);
}

bool member_addr_moved(const struct wire_record *a, const struct wire_record *b)
{
	if (a->gossip_port != b->gossip_port || a->n_endpoints != b->n_endpoints ||
	    a->n_overlay != b->n_overlay)
		return true;
	if (a->n_endpoints && !wire_addr_equal(&a->endpoint[0], &b->endpoint[0]))
		return true;
	return a->n_overlay && !wire_prefix_same_ip(&a->overlay[0], &b->overlay[0]);
}

/*
 * Tunnel mode: a datagram from a member's own overlay address came
 * through WireGuard, from the peer that holds it, so a PING back costs no
 * new handshake; its answer makes the member one that answered us,
 * without waiting for the probe order or the proof sweep (one member per
 * WireGuard endpoint a period) to come round to it behind the identities
 * a key holder made up.
 */
static bool tunnel_hello(const struct gossip *g, const struct member *sender,
			 const struct wire_addr *from)
{
	return g->cfg.via_overlay && !g->joining && !(sender->flags & M_PROVEN) &&
	       member_at_own_addr(g, sender, from);
}

void reply_begin(struct gossip *g, const struct member *sender, const struct wire_msg *m,
		 const struct wire_addr *from, size_t len)
{
	g->budget_on = true;
	g->budget_all = !sender || !member_proven(g, sender);
	/* The request's own datagram overhead pays for one reply datagram's. */
	g->budget = len + SEND_DGRAM_OVERHEAD;
	g->hello_due = false;
	if (sender && member_at_own_addr(g, sender, from))
		ack_heard(g, sender);
	if (sender && !g->budget_all && tunnel_hello(g, sender, from)) {
		memcpy(g->hello_sid, sender->pub.rec->id, WIRE_SHORT_ID_LEN);
		g->hello_due = true;   /* unbudgeted: an overlay address (budgeted()) */
		return;
	}
	if (!sender || !g->budget_all || g->budget <= HELLO_RESERVE)
		return;
	/*
	 * It brought its own record: it is new here, or just moved. A hello
	 * probe proves its address; it goes out last (the answer it needs to
	 * know us, a JOIN_ACK, goes first), from bytes set aside now.
	 */
	for (int i = 0; i < m->n_records; i++)
		if (memcmp(m->record[i].id, sender->pub.rec->id, WIRE_ID_LEN) == 0) {
			memcpy(g->hello_sid, sender->pub.rec->id, WIRE_SHORT_ID_LEN);
			g->hello_due = true;
			g->budget -= HELLO_RESERVE;
			break;
		}
}

void reply_end(struct gossip *g, uint64_t now)
{
	if (g->hello_due) {
		struct member *s = member_find_short(g, g->hello_sid);

		g->budget += HELLO_RESERVE;
		g->hello_due = false;
		if (s)
			probe_hello(g, s, now);
	}
	g->budget_on = false;
	g->budget_all = false;
	g->budget = 0;
}

static bool budgeted(const struct gossip *g, const struct member *to)
{
	return g->budget_on && (g->budget_all || !to || !member_proven(g, to));
}

size_t send_room(const struct gossip *g, const struct member *to)
{
	if (!budgeted(g, to))
		return WIRE_MAX_PLAINTEXT;
	if (g->budget <= SEND_DGRAM_OVERHEAD)
		return 0;
	return g->budget - SEND_DGRAM_OVERHEAD < WIRE_MAX_PLAINTEXT ?
	       g->budget - SEND_DGRAM_OVERHEAD : WIRE_MAX_PLAINTEXT;
}

static int emit(struct gossip *g, const struct wire_addr *to, const struct wire_msg *m,
		bool charge)
{
	int n = msg_encode(m, g->buf, sizeof(g->buf));

	if (n < 0)
		return n;
	if (charge) {
		size_t cost = (size_t)n + SEND_DGRAM_OVERHEAD;

		if (cost > g->budget) {
			g->stats.replies_capped++;
			return -EMSGSIZE;
		}
		g->budget -= cost;
	}
	g->stats.sent_msgs[m->type]++;
	g->stats.sent_bytes[m->type] += (uint64_t)n;
	g->io.send(g->io.ctx, to, g->buf, (size_t)n);
	return n;
}

/* A raw address: a seed (our JOIN) or a joiner's source (JOIN_ACK, budgeted). */
int send_msg(struct gossip *g, const struct wire_addr *to, const struct wire_msg *m)
{
	return emit(g, to, m, g->budget_on);
}

int send_member(struct gossip *g, struct member *to, const struct wire_msg *m)
{
	struct wire_addr a;

	if (!member_addr(g, to, &a))
		return -EHOSTUNREACH;
	/* Tunnel mode: a joiner we just answered starts the first handshake (ack_wait.c). */
	if (ack_quiet(g, to))
		return -EAGAIN;
	/*
	 * Unasked traffic (gossip rounds, sync, NACKs) to an address that
	 * never answered us could be aimed at anyone: only our probe's PING,
	 * which is how the address gets proven.
	 */
	if (!g->budget_on && m->type != WIRE_PING && !member_proven(g, to)) {
		g->stats.unproven_held++;
		return -EHOSTUNREACH;
	}
	return emit(g, &a, m, budgeted(g, to));
}

int send_pull(struct gossip *g, struct member *to, const struct wire_msg *m)
{
	struct wire_addr a;

	if (!member_addr(g, to, &a))
		return -EHOSTUNREACH;
	return emit(g, &a, m, false);
}

/* Lifeguard's buddy system, extended to tombstones: tell them to their face. */
void add_buddy_rumor(struct gossip *g, struct wire_msg *m, const struct member *to)
{
	struct wire_rumor *r;

	if (to->pub.state != GOSSIP_SUSPECT && to->pub.state != GOSSIP_FAILED)
		return;
	if (m->n_rumors >= WIRE_MAX_RUMORS)
		return;
	r = &m->rumor[m->n_rumors++];
	memcpy(r->subject, to->pub.rec->id, WIRE_ID_LEN);
	r->version = to->pub.rec->version;
	r->state = to->pub.state == GOSSIP_FAILED ? WIRE_LIVE_FAILED : WIRE_LIVE_SUSPECT;
	memcpy(r->origin, g->idn.id, WIRE_SHORT_ID_LEN);
}

/*
 * Small rings of (member, time) for what we do at most once per member per
 * probe interval, however often a datagram asks for it: the answer is
 * ours to send, so its rate must not be the asker's. True, and noted,
 * when one is due.
 */
bool notice_take(struct gossip *g, struct notice *ring, uint32_t *pos, const struct member *m,
		 uint64_t now)
{
	struct notice *n;

	for (int i = 0; i < NOTIFY_SLOTS; i++)
		if (memcmp(ring[i].sid, m->pub.rec->id, WIRE_SHORT_ID_LEN) == 0 &&
		    now < ring[i].at + g->cfg.probe_interval_ms)
			return false;
	n = &ring[(*pos)++ % NOTIFY_SLOTS];
	memcpy(n->sid, m->pub.rec->id, WIRE_SHORT_ID_LEN);
	n->at = now;
	return true;
}

/*
 * A member we hold as suspect or failed is talking to us, so it is alive
 * and does not know: tell it, so it signs a new version that clears it
 * everywhere. This is what heals a partition: the two sides hold each
 * other as tombstones that only their owners' new versions can lift.
 * At most one notice per member per probe interval.
 */
void notify_dead_sender(struct gossip *g, struct member *s, uint64_t now)
{
	struct wire_msg m;

	if ((s->pub.state != GOSSIP_SUSPECT && s->pub.state != GOSSIP_FAILED) ||
	    !notice_take(g, g->notice, &g->notice_pos, s, now))
		return;
	msg_init(&m, WIRE_RECORDS, g->idn.id);
	add_buddy_rumor(g, &m, s);
	send_member(g, s, &m);
}
