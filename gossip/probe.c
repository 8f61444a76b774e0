/* SPDX-License-Identifier: MIT */
/*
 * SWIM failure detection with Lifeguard's refinements. Each probe period
 * we PING one member; without an ACK by probe_timeout we ask
 * indirect_probes others to PING it for us (PING_REQ; they relay the ACK,
 * or a NACK when they could not reach it either) and PING it once more
 * ourselves, and once more halfway to the end; relays also try twice.
 * With no ACK by the end of the period it becomes suspect.
 *
 * The retries cost nothing while members answer, and a lost datagram is
 * not a dead member: with 20% loss on every link a single PING/ACK fails
 * 36% of the time and one PING plus three plain relays still 7%, which
 * at N = 1000 means dozens of suspicions and mesh-wide refutations each
 * second. With the retries it is about 0.4%.
 *
 * Target order: alternately our successor on the id ring and the next
 * member of a shuffled round-robin list. The shuffled list alone gives
 * SWIM's guarantee that everyone is probed within N periods, but the
 * first probe of a member that just crashed then comes after an
 * exponentially distributed wait (about 4.6 periods at the 99th
 * percentile). Every member is also its predecessor's ring successor, so
 * each one is probed at least every second period while views agree,
 * for the same message count.
 *
 * Local health (Lifeguard): a score 0..8 that rises when our probes fail
 * without the NACKs that would show our side is fine, and when we must
 * refute a suspicion; it falls with each ACK. Probe interval and timeout
 * are scaled by 1 + score, so a node that is itself slow or lossy
 * suspects others less eagerly.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void awareness_add(struct gossip *g, int delta)
{
	int64_t a = (int64_t)g->awareness + delta;

	g->awareness = a < 0 ? 0 : a > GOSSIP_AWARENESS_MAX ? GOSSIP_AWARENESS_MAX : (uint32_t)a;
	g->stats.awareness = g->awareness;
}

static uint64_t scaled(const struct gossip *g, uint32_t ms)
{
	return (uint64_t)ms * (1 + g->awareness);
}

void probe_order_add(struct gossip *g, uint32_t slot)
{
	uint32_t j;

	if (g->n_order == g->cap_order) {
		uint32_t ncap = g->cap_order ? g->cap_order * 2 : 16;
		uint32_t *n = realloc(g->order, ncap * sizeof(*n));

		if (!n)
			return;  /* found at the next rebuild */
		g->order = n;
		g->cap_order = ncap;
	}
	/* Somewhere in the rest of this pass, as memberlist does. */
	j = g->order_pos + (uint32_t)(gossip_rand(g) % (g->n_order - g->order_pos + 1));
	g->order[g->n_order++] = g->order[j];
	g->order[j] = slot;
}

static void order_rebuild(struct gossip *g)
{
	uint32_t n = 0;

	if (g->cap_order < g->n_slots) {
		uint32_t *o = realloc(g->order, g->n_slots * sizeof(*o));

		if (!o)
			return;
		g->order = o;
		g->cap_order = g->n_slots;
	}
	for (uint32_t s = 1; s < g->n_slots; s++)
		if (member_probeable(g, &g->m[s]))
			g->order[n++] = s;
	for (uint32_t i = n; i > 1; i--) {
		uint32_t j = (uint32_t)(gossip_rand(g) % i), t = g->order[i - 1];

		g->order[i - 1] = g->order[j];
		g->order[j] = t;
	}
	g->n_order = n;
	g->order_pos = 0;
}

void probe_urgent(struct gossip *g, uint32_t slot)
{
	for (uint32_t i = 0; i < g->n_urgent; i++)
		if (g->urgent[i] == slot)
			return;
	if (g->n_urgent < GOSSIP_MAX_URGENT)
		g->urgent[g->n_urgent++] = slot;
}

/* The probeable member with the next higher id, wrapping around. */
static struct member *ring_successor(struct gossip *g)
{
	const uint8_t *self = g->idn.id;

	for (unsigned k = 0; k <= 256; k++) {
		unsigned b = (self[0] + k) & 0xff;
		struct member *best = NULL;

		for (uint32_t v = g->dhead[b]; v; v = g->m[v - 1].bnext) {
			struct member *c = &g->m[v - 1];
			int rel = id_cmp(c->pub.rec->id, self);

			/* Members that answered us only: a flood of records that never
			 * answer must not stand between us and a real successor. */
			if (!member_probeable(g, c) || !(c->flags & M_PROVEN) ||
			    (k == 0 && rel < 0) || (k == 256 && rel > 0))
				continue;
			if (!best || id_cmp(c->pub.rec->id, best->pub.rec->id) < 0)
				best = c;
		}
		if (best)
			return best;
	}
	return NULL;
}

static struct member *pick_target(struct gossip *g)
{
	while (g->n_urgent) {
		struct member *m = &g->m[g->urgent[0]];

		memmove(g->urgent, g->urgent + 1, --g->n_urgent * sizeof(*g->urgent));
		if (member_probeable(g, m))
			return m;
	}
	if ((g->probe_round++ & 1) == 0) {
		struct member *m = ring_successor(g);

		if (m)
			return m;
	}
	for (int pass = 0; pass < 2; pass++) {
		while (g->order_pos < g->n_order) {
			uint32_t s = g->order[g->order_pos++];

			if (s < g->n_slots && member_probeable(g, &g->m[s]))
				return &g->m[s];
		}
		order_rebuild(g);
	}
	return NULL;
}

/*
 * Probe seqs are random, not a counter: an ACK echoing one shows its
 * sender saw our PING, which is what proves an address (D7).
 */
static uint32_t new_seq(struct gossip *g)
{
	uint32_t s;

	do
		s = (uint32_t)gossip_rand(g);
	while (s == 0 || s == g->probe.seq);
	return s;
}

/* Remember a PING to an unproven address: its ACK, from there, proves it. */
static void proof_expect(struct gossip *g, const struct member *m, uint32_t seq)
{
	struct proof *p = NULL;

	for (int i = 0; i < PROOF_SLOTS && !p; i++)
		if (g->proof[i].seq == seq && memcmp(g->proof[i].sid, m->pub.rec->id, WIRE_SHORT_ID_LEN) == 0)
			p = &g->proof[i];
	if (!p)
		p = &g->proof[g->proof_pos++ % PROOF_SLOTS];
	memcpy(p->sid, m->pub.rec->id, WIRE_SHORT_ID_LEN);
	p->seq = seq;
	p->at = g->now;
	if (!member_addr(g, m, &p->to))
		p->seq = 0;
}

static const struct proof *proof_find(const struct gossip *g, const struct wire_msg *ack)
{
	for (int i = 0; i < PROOF_SLOTS; i++) {
		const struct proof *p = &g->proof[i];

		if (p->seq && p->seq == ack->seq && memcmp(p->sid, ack->target, WIRE_SHORT_ID_LEN) == 0 &&
		    g->now < p->at + 2 * scaled(g, g->cfg.probe_interval_ms))
			return p;
	}
	return NULL;
}

/* The member with this short id answered from the address we reach it at: proven. */
static void prove_from(struct gossip *g, const uint8_t sid[static WIRE_SHORT_ID_LEN],
		       const struct wire_addr *from)
{
	struct member *m = member_find_short(g, sid);

	if (m && member_at_own_addr(g, m, from))
		member_mark_proven(g, m);
}

/* An ACK to one of those PINGs, from the address we sent it to, still the member's. */
static void proof_ack(struct gossip *g, const struct wire_msg *ack, const struct wire_addr *from)
{
	const struct proof *p = proof_find(g, ack);

	if (p && wire_addr_equal(&p->to, from))
		prove_from(g, p->sid, from);
}

/*
 * The target of our own probe answered from its address: it is proven too
 * (this and the proofs above are how a member comes to count as one that
 * answers us: admit.c, ring_successor, suspicion.c, pick_targets).
 */
static void probe_answered(struct gossip *g, const struct wire_msg *ack, const struct wire_addr *from)
{
	const struct probe *p = &g->probe;

	if (p->active && ack->seq == p->seq && !memcmp(ack->target, p->id, WIRE_SHORT_ID_LEN) &&
	    !memcmp(ack->sender, p->id, WIRE_SHORT_ID_LEN))
		prove_from(g, ack->sender, from);
}

/*
 * A member that never answered us gets our PING small (no piggyback): a
 * record that names a victim's address draws one small datagram per probe
 * from us, and the queue's retransmissions are not spent on identities
 * that may not exist (in tunnel mode too, where the address counts as
 * proven). Its ACK, from that address, proves it.
 */
static void send_ping(struct gossip *g, struct member *m, uint32_t seq, bool piggyback)
{
	struct wire_msg msg;
	bool answered = m->flags & M_PROVEN;

	msg_init(&msg, WIRE_PING, g->idn.id);
	msg.seq = seq;
	memcpy(msg.target, m->pub.rec->id, WIRE_SHORT_ID_LEN);
	add_buddy_rumor(g, &msg, m);
	if (piggyback && answered)
		bcast_fill(g, &msg, WIRE_MAX_PLAINTEXT);
	if (!answered)
		proof_expect(g, m, seq);
	send_member(g, m, &msg);
}

/*
 * A confirm probe (suspicion.c): one PING to a member we just heard is
 * suspect, outside the schedule, carrying the rumour. No piggyback: it
 * should cost the suspect as little as possible.
 */
void probe_confirm(struct gossip *g, struct member *m, uint32_t seq)
{
	/* D7: an unproven address gets only its normal probe round, never extra PINGs. */
	if (!member_proven(g, m))
		return;
	send_ping(g, m, seq, false);
}

/* Did an IP get a sweep PING from us this period? */
static bool swept(struct gossip *g, const struct wire_addr *a, uint64_t now)
{
	size_t n = wire_family_len(a->family);

	for (int i = 0; i < SWEEP_SLOTS; i++) {
		const struct sweep *w = &g->swept[i];

		if (w->family == a->family && now < w->at + g->cfg.probe_interval_ms &&
		    memcmp(w->ip, a->ip, n) == 0)
			return true;
	}
	return false;
}

/*
 * The IP a PING to m makes traffic for: its gossip address's, or in
 * tunnel mode its WireGuard endpoint's (where WireGuard sends handshakes
 * for a peer it has no session with); the same IP outside tunnel mode.
 */
static bool sweep_ip(const struct gossip *g, const struct member *m, struct wire_addr *a)
{
	const struct wire_record *r = m->pub.rec;

	if (!member_addr(g, m, a))
		return false;
	if (r->n_endpoints) {
		memcpy(a->ip, r->endpoint[0].ip, sizeof(a->ip));
		a->family = r->endpoint[0].family;
	}
	return true;
}

/*
 * Until a member answered us it gets no gossip rounds and no sync from
 * us, so proofs must not wait for the probe order to come round (a
 * restart restores every member unproven). Each probe period up to
 * PROOF_SWEEP_PINGS small PINGs go to the next such members in the probe
 * order, but never two to one IP: however many records name a victim's
 * address, it gets at most one of these per period from us. In tunnel
 * mode the PINGs go through the tunnel and the IP is the WireGuard
 * endpoint's: identities a key holder made up by the thousand, at one
 * endpoint or a few, make WireGuard handshake there once per period,
 * while every real member, at its own endpoint, is proven in one.
 */
static void proof_sweep(struct gossip *g, uint64_t now)
{
	uint32_t sent = 0;

	for (uint32_t i = 0; i < PROOF_SWEEP_SCAN && g->n_order && sent < PROOF_SWEEP_PINGS; i++) {
		uint32_t s = g->order[g->sweep_pos++ % g->n_order];
		struct wire_addr a;
		struct sweep *w;
		struct member *m;

		if (s >= g->n_slots)
			continue;
		m = &g->m[s];
		if (!member_probeable(g, m) || (m->flags & M_PROVEN) ||
		    (g->probe.active && s == g->probe.slot) || !sweep_ip(g, m, &a) ||
		    swept(g, &a, now))
			continue;
		w = &g->swept[g->swept_pos++ % SWEEP_SLOTS];
		w->family = a.family;
		memcpy(w->ip, a.ip, sizeof(w->ip));
		w->at = now;
		g->stats.proof_sweeps++;
		send_ping(g, m, new_seq(g), false);
		sent++;
	}
}

void probe_hello(struct gossip *g, struct member *m, uint64_t now)
{
	if ((m->flags & M_PROVEN) || m->pub.self || m->pub.state == GOSSIP_LEFT ||
	    !notice_take(g, g->hello, &g->hello_pos, m, now))
		return;
	g->stats.hello_probes++;
	send_ping(g, m, new_seq(g), false);
}

/*
 * Hole punching (punch.c): a PING so that WireGuard has traffic for m and
 * handshakes on the endpoint just set. One per member per probe interval
 * (the hello ring), like a hello probe.
 */
bool probe_poke(struct gossip *g, struct member *m, uint64_t now)
{
	if (m->pub.self || !member_probeable(g, m) || !notice_take(g, g->hello, &g->hello_pos, m, now))
		return false;
	send_ping(g, m, new_seq(g), false);
	return true;
}

/* The member we are probing, if its slot still holds the same record. */
static struct member *target(struct gossip *g)
{
	struct member *m = &g->m[g->probe.slot];

	if (g->probe.slot >= g->n_slots || !(m->flags & M_USED) ||
	    memcmp(m->pub.rec->id, g->probe.id, WIRE_ID_LEN) || m->pub.rec->version != g->probe.version)
		return NULL;
	return m;
}

static void probe_start(struct gossip *g, uint64_t now)
{
	struct member *m = pick_target(g);
	struct probe *p = &g->probe;

	/* A joiner we just answered starts the first handshake (ack_wait.c). */
	if (!m || ack_quiet(g, m)) {
		p->active = false;
		return;
	}
	memset(p, 0, sizeof(*p));
	p->slot = member_slot(g, m);
	memcpy(p->id, m->pub.rec->id, WIRE_ID_LEN);
	p->version = m->pub.rec->version;
	p->seq = new_seq(g);
	p->timeout_at = now + scaled(g, g->cfg.probe_timeout_ms);
	p->retry_at = p->timeout_at +
		      (scaled(g, g->cfg.probe_interval_ms) - scaled(g, g->cfg.probe_timeout_ms)) / 2;
	p->active = true;
	g->stats.probes++;
	send_ping(g, m, p->seq, true);
}

static bool relay_ok(const struct gossip *g, const struct member *m)
{
	return member_probeable(g, m) && m->pub.state == GOSSIP_ALIVE;
}

static void probe_indirect(struct gossip *g)
{
	struct probe *p = &g->probe;
	struct member *t = target(g);
	uint32_t via[16], n, k = g->cfg.indirect_probes < 16 ? g->cfg.indirect_probes : 16;
	struct wire_msg m;

	p->indirect = true;
	if (!t)
		return;
	/*
	 * An unproven target is probed like any other (a lost datagram is
	 * not a dead member), but every PING it gets is a small one, and
	 * relays relay only for targets they have proven themselves.
	 */
	msg_init(&m, WIRE_PING_REQ, g->idn.id);
	m.seq = p->seq;
	memcpy(m.target, p->id, WIRE_SHORT_ID_LEN);
	if (!member_addr(g, t, &m.target_addr))
		return;
	n = pick_targets(g, via, k, p->slot, relay_ok);
	for (uint32_t i = 0; i < n; i++)
		if (send_member(g, &g->m[via[i]], &m) >= 0)
			p->nack_expect++;
	/* One more direct try: a lost PING or ACK should not take 3 relays to mend. */
	send_ping(g, t, p->seq, false);
}

static void probe_end(struct gossip *g, uint64_t now)
{
	struct probe *p = &g->probe;
	struct member *m;

	if (!p->active)
		return;
	p->active = false;
	if (p->acked)
		return;
	g->stats.probe_failures++;
	m = target(g);
	/*
	 * NACKs prove our own links work; missing ones point at us. But a
	 * member that never answered us says nothing about our health: its
	 * address may lead nowhere (a key holder's made-up identities), and a
	 * flood of those must not slow all our timers down.
	 */
	if (!m || (m->flags & M_PROVEN))
		awareness_add(g, p->nack_expect ? p->nack_expect - p->nacks : 1);
	if (!m)
		return;
	if (m->pub.state == GOSSIP_ALIVE)
		susp_start(g, m, g->idn.id, now);
	else if (m->pub.state == GOSSIP_SUSPECT)
		susp_confirm(g, m, g->idn.id, now);
}

/*
 * A relay pings the target at the address of our own table. To an
 * address we have not proven: once, inside the PING_REQ's reply budget
 * (no larger than the request), and its ACK proves the address to us too.
 */
static void relay_ping(struct gossip *g, const struct relay *r)
{
	struct member *t = member_find_short(g, r->target);
	struct wire_msg ping;

	if (!t)
		return;
	msg_init(&ping, WIRE_PING, g->idn.id);
	ping.seq = r->our_seq;
	memcpy(ping.target, r->target, WIRE_SHORT_ID_LEN);
	if (!(t->flags & M_PROVEN))
		proof_expect(g, t, r->our_seq);
	send_member(g, t, &ping);
}

/* The relay's answer (ACK or NACK) goes to the asker's member address. */
static void relay_answer(struct gossip *g, const struct relay *r, uint8_t type)
{
	struct member *a = member_find_short(g, r->asker);
	struct wire_msg m;

	if (!a)
		return;
	msg_init(&m, type, g->idn.id);
	m.seq = r->their_seq;
	memcpy(m.target, r->target, WIRE_SHORT_ID_LEN);
	send_member(g, a, &m);
}

static void relay_tick(struct gossip *g, uint64_t now)
{
	for (int i = 0; i < GOSSIP_MAX_RELAYS; i++) {
		struct relay *r = &g->relay[i];

		if (r->used && !r->retried && r->retry_at <= now) {
			r->retried = true;
			relay_ping(g, r);
		}
		if (!r->used || r->deadline > now)
			continue;
		r->used = false;
		relay_answer(g, r, WIRE_NACK);
	}
}

void probe_tick(struct gossip *g, uint64_t now)
{
	struct probe *p = &g->probe;

	relay_tick(g, now);
	if (g->left || g->joining)
		return;
	if (p->active && !p->acked && !p->indirect && now >= p->timeout_at)
		probe_indirect(g);
	if (p->active && !p->acked && p->indirect && !p->retried && now >= p->retry_at) {
		struct member *t = target(g);

		p->retried = true;
		if (t)
			send_ping(g, t, p->seq, false);
	}
	if (now >= g->next_probe) {
		probe_end(g, now);
		probe_start(g, now);
		proof_sweep(g, now);
		g->next_probe = now + scaled(g, g->cfg.probe_interval_ms);
	}
}

uint64_t probe_next(const struct gossip *g)
{
	const struct probe *p = &g->probe;
	uint64_t t = (g->left || g->joining) ? NO_DEADLINE : g->next_probe;

	if (t != NO_DEADLINE && p->active && !p->acked) {
		if (!p->indirect && p->timeout_at < t)
			t = p->timeout_at;
		else if (p->indirect && !p->retried && p->retry_at < t)
			t = p->retry_at;
	}
	for (int i = 0; i < GOSSIP_MAX_RELAYS; i++) {
		const struct relay *r = &g->relay[i];

		if (r->used && r->deadline < t)
			t = r->deadline;
		if (r->used && !r->retried && r->retry_at < t)
			t = r->retry_at;
	}
	return t;
}

static struct relay *relay_find(struct gossip *g, uint32_t seq)
{
	for (int i = 0; i < GOSSIP_MAX_RELAYS; i++)
		if (g->relay[i].used && g->relay[i].our_seq == seq)
			return &g->relay[i];
	return NULL;
}

int probe_precheck(const struct gossip *g, const struct wire_msg *m)
{
	const struct probe *p = &g->probe;
	/* The latest probe's: a late or second answer (we retry) is no error. */
	bool ours = m->seq == p->seq && memcmp(m->target, p->id, WIRE_SHORT_ID_LEN) == 0;

	switch (m->type) {
	case WIRE_PING:
		return memcmp(m->target, g->idn.id, WIRE_SHORT_ID_LEN) ? -EADDRNOTAVAIL : 0;
	case WIRE_PING_REQ:
		return memcmp(m->target, g->idn.id, WIRE_SHORT_ID_LEN) ? 0 : -EADDRNOTAVAIL;
	case WIRE_ACK:
		if (ours || proof_find(g, m))
			return 0;
		for (int i = 0; i < GOSSIP_MAX_RELAYS; i++)
			if (g->relay[i].used && g->relay[i].our_seq == m->seq &&
			    memcmp(g->relay[i].target, m->target, WIRE_SHORT_ID_LEN) == 0)
				return 0;
		return susp_ack_expected(g, m) ? 0 : -ESTALE;
	case WIRE_NACK:
		return ours ? 0 : -ESTALE;
	}
	return 0;
}

/*
 * The ACK goes to the asker's member address, never to the datagram's
 * source: a replayed PING from a forged source gets nothing there, and a
 * PING from a sender we do not know gets nothing at all. To an unproven
 * address it stays within the PING's size (send.c's reply budget).
 */
static void on_ping(struct gossip *g, const struct wire_msg *m)
{
	struct member *s = member_find_short(g, m->sender);
	struct wire_msg ack;
	size_t room;
	int size;

	if (!s) {
		g->stats.pings_unknown++;
		return;
	}
	room = send_room(g, s);
	msg_init(&ack, WIRE_ACK, g->idn.id);
	ack.seq = m->seq;
	memcpy(ack.target, g->idn.id, WIRE_SHORT_ID_LEN);
	observe_fill_ack(g, s, &ack);
	add_buddy_rumor(g, &ack, s);
	size = msg_encoded_size(&ack);
	if (ack.n_rumors && (size < 0 || (size_t)size > room))
		ack.n_rumors = 0;    /* the ACK itself matters more */
	bcast_fill(g, &ack, room);
	send_member(g, s, &ack);
}

/*
 * Relay for a known asker, about a target we know, at the address of our
 * own table: a PING_REQ cannot aim our PING at an address of its choosing
 * (its target_addr is not used). A target whose address has not answered
 * us gets a single small PING, no retry: a record naming a victim draws
 * at most one PING per PING_REQ from each relay, never larger than it.
 */
static void on_ping_req(struct gossip *g, const struct wire_msg *m, uint64_t now)
{
	struct member *asker = member_find_short(g, m->sender);
	struct member *t = member_find_short(g, m->target);
	struct relay *r = NULL;
	/* Answer within the asker's period: it asked at probe_timeout. */
	uint64_t wait = scaled(g, g->cfg.probe_timeout_ms) * 4 / 5;

	if (!asker)
		return;
	if (!t || t->pub.self || !member_probeable(g, t)) {
		struct wire_msg nack;

		/* A NACK now: our link to the asker works, we will not ping there. */
		g->stats.relays_refused++;
		msg_init(&nack, WIRE_NACK, g->idn.id);
		nack.seq = m->seq;
		memcpy(nack.target, m->target, WIRE_SHORT_ID_LEN);
		send_member(g, asker, &nack);
		return;
	}
	for (int i = 0; i < GOSSIP_MAX_RELAYS && !r; i++)
		if (!g->relay[i].used)
			r = &g->relay[i];
	if (!r)
		return;  /* busy: the asker counts the missing NACK against us, fairly */
	r->used = true;
	r->retried = !member_proven(g, t);
	r->our_seq = new_seq(g);
	r->their_seq = m->seq;
	memcpy(r->target, m->target, WIRE_SHORT_ID_LEN);
	memcpy(r->asker, m->sender, WIRE_SHORT_ID_LEN);
	r->retry_at = now + wait / 2;
	r->deadline = now + wait;
	relay_ping(g, r);
}

static void on_ack(struct gossip *g, const struct wire_msg *m, uint64_t now)
{
	struct probe *p = &g->probe;
	struct relay *r;

	if (p->active && m->seq == p->seq && memcmp(m->target, p->id, WIRE_SHORT_ID_LEN) == 0) {
		/* From the suspect itself: its word beats any rumour (suspicion.c). */
		susp_ack(g, m, true, now);
		if (!p->acked) {
			p->acked = true;
			awareness_add(g, -1);
		}
		return;
	}
	if (susp_ack(g, m, false, now))
		return;
	r = relay_find(g, m->seq);
	if (r) {
		r->used = false;
		relay_answer(g, r, WIRE_ACK);
	}
}

void probe_input(struct gossip *g, const struct wire_msg *m, const struct wire_addr *from,
		 size_t len, uint64_t now)
{
	(void)len;
	switch (m->type) {
	case WIRE_PING:
		on_ping(g, m);
		break;
	case WIRE_PING_REQ:
		on_ping_req(g, m, now);
		break;
	case WIRE_ACK:
		proof_ack(g, m, from);
		probe_answered(g, m, from);
		observe_ack(g, m, from, now);
		on_ack(g, m, now);
		break;
	case WIRE_NACK:
		if (g->probe.active && !g->probe.acked && m->seq == g->probe.seq)
			g->probe.nacks++;
		break;
	}
}

void probe_free(struct gossip *g)
{
	free(g->order);
	g->order = NULL;
}
