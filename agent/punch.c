/* SPDX-License-Identifier: MIT */
/*
 * Hole punching in the agent (issue 11, docs/DESIGN.md "Hole punching"):
 * which pairs try (punch_sched.c's rules on the path table and our NAT
 * type), the request through the engine (gossip_punch, a coordinator
 * forwards it), and the steps of an attempt on one libevent timer: the
 * raw low-TTL datagram (punch_raw.c), the endpoint through the path
 * (path_set_direct) and a PING for traffic, the judgement from the
 * device. Experimental, off unless --punch; without CAP_NET_RAW it is
 * off too (one log line) and such pairs stay on their relay.
 */
#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "path.h"
#include "punch_raw.h"
#include "punch_sched.h"

enum {
	PUNCH_MAX_PEERS = 256,        /* pairs with punch state (behind NAT, stuck) */
	PUNCH_POKE_MS = 100,          /* after the switch: the device has the endpoint by then */
	PUNCH_SEND_RETRY_MS = 5000,   /* a request that could not be sent */
	/*
	 * A pair just found stuck has had the candidate trial's handshakes
	 * sent to both public endpoints: each far NAT holds a poisoning
	 * conntrack entry for them until 30 s after the last. The first
	 * attempt waits that out (the pair is relayed meanwhile).
	 */
	PUNCH_QUIET_MS = 30000,
	PUNCH_RELAYED_MS = 2000,      /* a relayed session this old: punch from it */
};

struct punch_peer {
	uint8_t id[WIRE_ID_LEN];
	struct wire_addr pub;         /* the peer's public candidate when planned */
	struct punch_sched s;
	uint64_t poke_ms;             /* 0 = none due */
	bool had_relay;               /* the path was relayed before the switch: back on failure */
	bool initiator;               /* we asked (lower id): only we switch the endpoint */
	uint64_t rx_at_switch;        /* received bytes at the switch (a live session needs no handshake) */
	uint8_t relay_id[WIRE_ID_LEN];
	struct wire_addr relay_ep;
};

struct punch {
	int fd;                       /* raw socket, -1 = punching off */
	struct event *ev;
	struct punch_peer *p;
	size_t n;
	uint64_t attempts, successes, send_errors;
	struct log_ratelimit rl;
};

static struct punch_peer *peer_get(struct punch *pu, const uint8_t id[WIRE_ID_LEN], bool add)
{
	for (size_t i = 0; i < pu->n; i++)
		if (memcmp(pu->p[i].id, id, WIRE_ID_LEN) == 0)
			return &pu->p[i];
	if (!add || pu->n >= PUNCH_MAX_PEERS)
		return NULL;
	memset(&pu->p[pu->n], 0, sizeof(pu->p[0]));
	memcpy(pu->p[pu->n].id, id, WIRE_ID_LEN);
	return &pu->p[pu->n++];
}

/* The first public IPv4 candidate of a record whose record also has a LAN one: behind NAT. */
static bool natted_public(const struct wire_record *r, struct wire_addr *pub)
{
	bool lan = false, found = false;

	for (int i = 0; i < r->n_endpoints && i < WIRE_MAX_ENDPOINTS; i++) {
		if (path_addr_private(&r->endpoint[i]))
			lan = true;
		else if (!found && r->endpoint[i].family == WIRE_AF_INET)
			*pub = r->endpoint[i], found = true;
	}
	return lan && found;
}

/*
 * Our public candidate: the first public IPv4 endpoint of our record (as
 * observed by the seed or by members). gossip_punch takes only one of ours.
 */
static bool our_public(const struct agent *a, struct wire_addr *out)
{
	const struct gossip_member *self = gossip_self(a->g);

	for (int i = 0; self && i < self->rec->n_endpoints && i < WIRE_MAX_ENDPOINTS; i++)
		if (self->rec->endpoint[i].family == WIRE_AF_INET &&
		    !path_addr_private(&self->rec->endpoint[i])) {
			*out = self->rec->endpoint[i];
			return true;
		}
	return false;
}

/*
 * We can punch: a raw socket, behind NAT with a public candidate, and not
 * behind a symmetric NAT (its mapping towards the peer would not be the
 * one observed). `unknown` is tried: with one public member nobody else
 * can tell.
 */
static bool able(const struct agent *a, struct wire_addr *pub)
{
	return a->punch && a->punch->fd >= 0 && a->wg && a->behind_nat &&
	       wg_paths_nat(a) != GOSSIP_NAT_SYMMETRIC && our_public(a, pub);
}

static void arm(struct agent *a)
{
	struct punch *pu = a->punch;
	uint64_t next = UINT64_MAX, now = agent_now_ms();
	struct timeval tv;

	for (size_t i = 0; i < pu->n; i++) {
		uint64_t t = punch_next_step(&pu->p[i].s);

		if (pu->p[i].poke_ms && pu->p[i].poke_ms < t)
			t = pu->p[i].poke_ms;
		next = t < next ? t : next;
	}
	if (next == UINT64_MAX) {
		event_del(pu->ev);
		return;
	}
	next = next > now ? next - now : 0;
	tv.tv_sec = (time_t)(next / 1000);
	tv.tv_usec = (suseconds_t)(next % 1000) * 1000;
	event_add(pu->ev, &tv);
}

static const char *peer_name(const struct agent *a, const uint8_t id[WIRE_ID_LEN])
{
	const struct gossip_member *m = gossip_find(a->g, id);

	return m && !m->name_conflict && m->rec->name[0] ? m->rec->name : "-";
}

static void fire(struct agent *a, struct punch_peer *pp)
{
	int r = punch_raw_send(a->punch->fd, a->cfg->listen_port, &pp->s.target, a->cfg->punch_ttl);
	uint32_t dropped;

	a->punch->attempts++;
	if (r < 0) {
		a->punch->send_errors++;
		if (log_ratelimit_ok(&a->punch->rl, agent_now_ms(), &dropped))
			log_warn("hole punching towards %s: %s", peer_name(a, pp->id), strerror(-r));
	}
}

static void do_switch(struct agent *a, struct punch_peer *pp, uint64_t now)
{
	struct path *pt = a->paths ? path_table_get(a->paths, pp->id) : NULL;
	const struct gossip_member *m = gossip_find(a->g, pp->id);
	const struct wg_peer_stat *st = m ? wg_stat(a, m->wg_public) : NULL;

	pp->rx_at_switch = st ? st->rx_bytes : 0;
	/*
	 * Only the initiator sends to the punched endpoint. The other side
	 * keeps its endpoint (the relay, or none) and only answers: its
	 * WireGuard follows the first authenticated packet from the
	 * initiator's public endpoint (roaming) and replies from the port
	 * that packet reached, so no handshakes cross and nothing of ours
	 * reaches the far NAT before its own punch left.
	 */
	if (!pt || !pp->initiator)
		return;
	pp->had_relay = pt->relayed;
	if (pt->relayed) {
		memcpy(pp->relay_id, pt->relay_id, WIRE_ID_LEN);
		pp->relay_ep = pt->relay_ep;
	}
	path_set_direct(pt, &pp->s.target, now, agent_wall_s());
	wg_mark_dirty(a);
	pp->poke_ms = now + PUNCH_POKE_MS;
}

static void judge(struct agent *a, struct punch_peer *pp, uint64_t now)
{
	const struct gossip_member *m = gossip_find(a->g, pp->id);
	const struct wg_peer_stat *st;
	struct path *pt = a->paths ? path_table_get(a->paths, pp->id) : NULL;
	char text[WIRE_ADDR_STRLEN];

	int64_t hs;

	wg_refresh(a);
	st = m ? wg_stat(a, m->wg_public) : NULL;
	wire_addr_format(&pp->s.target, text, sizeof(text));
	/*
	 * A live (relayed) session needs no new handshake: traffic received
	 * since the switch while the device holds the punched endpoint (it
	 * roams to the source of every authenticated packet, so a packet
	 * through the relay would have taken it back) is as good.
	 */
	hs = st ? st->last_handshake : 0;
	if (st && st->rx_bytes > pp->rx_at_switch && wire_addr_equal(&st->endpoint, &pp->s.target) &&
	    hs < pp->s.fire_wall_s)
		hs = pp->s.fire_wall_s;
	if (punch_judge(&pp->s, hs, st ? &st->endpoint : &(struct wire_addr){ 0 }, now)) {
		a->punch->successes++;
		if (pt && !pp->initiator) {   /* we only answered: now we hold it too */
			path_set_direct(pt, &pp->s.target, now, agent_wall_s());
			wg_mark_dirty(a);
		}
		log_info("%s: hole punched, direct at %s (%s)", peer_name(a, pp->id), text,
			 pp->initiator ? "we initiated" : "we answered");
		return;
	}
	log_info("%s: punch towards %s failed (attempt %u of %u)", peer_name(a, pp->id), text,
		 pp->s.attempts, PUNCH_MAX_ATTEMPTS);
	if (pt && pp->initiator && pp->had_relay) {
		path_set_relay(pt, pp->relay_id, &pp->relay_ep, now, agent_wall_s());
		wg_mark_dirty(a);
	}
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct agent *a = arg;
	struct punch *pu = a->punch;
	uint64_t now = agent_now_ms();

	(void)fd;
	(void)what;
	for (size_t i = 0; i < pu->n; i++) {
		struct punch_peer *pp = &pu->p[i];
		enum punch_step st = punch_step_due(&pp->s, now);

		if (pp->poke_ms && now >= pp->poke_ms) {
			pp->poke_ms = 0;
			gossip_poke(a->g, pp->id, now);
			timers_kick(a);
		}
		if (st == PUNCH_STEP_FIRE)
			fire(a, pp);
		else if (st == PUNCH_STEP_SWITCH)
			do_switch(a, pp, now);
		else if (st == PUNCH_STEP_JUDGE)
			judge(a, pp, now);
		if (st != PUNCH_STEP_NONE)
			punch_done_step(&pp->s, st, agent_wall_s());
	}
	arm(a);
}

/* io->punch: a member asks us (through a coordinator) to punch towards it. */
void punch_requested(struct agent *a, const struct gossip_member *peer, const struct wire_addr *ep,
		     uint32_t at_ms)
{
	struct punch_peer *pp;
	struct wire_addr ours;

	if (!able(a, &ours) || ep->family != WIRE_AF_INET)
		return;
	pp = peer_get(a->punch, peer->rec->id, true);
	if (!pp || pp->s.active)
		return;
	pp->pub = *ep;
	pp->initiator = false;
	punch_plan(&pp->s, ep, agent_now_ms(), at_ms);
	log_info("%s: asked to punch towards it", peer_name(a, peer->rec->id));
	arm(a);
}

/*
 * While a stuck NAT-to-NAT pair waits for its punch, both sides park it on
 * the peer's LAN candidate: a private address, dropped in the internet,
 * so no handshake of ours keeps the far NAT's poisoning entry alive (the
 * candidate trial would otherwise send to the public one every other 5 s).
 * Re-parked every housekeeping second, which also holds the trial.
 */
static void hold(struct agent *a, struct path *pt, const struct wire_addr *ep, uint64_t now)
{
	bool moved = !wire_addr_equal(&pt->asked, ep);

	path_set_direct(pt, ep, now, agent_wall_s());
	if (moved)
		wg_mark_dirty(a);
}

static void park(struct agent *a, const uint8_t id[WIRE_ID_LEN], uint64_t now)
{
	struct path *pt = a->paths ? path_table_get(a->paths, id) : NULL;

	if (!pt || pt->relayed)
		return;
	for (uint8_t i = 0; i < pt->n_cand; i++)
		if (path_addr_private(&pt->cand[i])) {
			hold(a, pt, &pt->cand[i], now);
			return;
		}
}

static bool same_ip(const struct wire_addr *x, const struct wire_addr *y)
{
	return x->family == y->family && memcmp(x->ip, y->ip, wire_family_len(x->family)) == 0;
}

/*
 * Punch first: a NAT-to-NAT pair (not behind one NAT) with no session, no
 * relay and no attempt yet is programmed with no endpoint at all, so
 * neither side's WireGuard sends the handshake that would reach the other
 * NAT first and poison it (and, through Linux NAT's reuse of a source's
 * mapping, every later flow of that member). During an attempt, after the
 * switch, the punched endpoint is programmed instead of the trial's.
 */
bool punch_hold(struct agent *a, const struct gossip_member *m, const struct path *pt,
		struct wire_addr *want)
{
	const struct gossip_member *self = gossip_self(a->g);
	struct punch_peer *pp;
	struct wire_addr pub, ours = { 0 };

	/*
	 * Not only when we know we are behind NAT: at join the peers' records
	 * arrive a moment before our own public endpoint does, and the first
	 * handshake is the one that poisons. Only a node whose record starts
	 * with a public address of its own (no NAT) never holds.
	 */
	if (!a->punch || a->punch->fd < 0 || !a->wg || m->self || !natted_public(m->rec, &pub) ||
	    !self || (!a->behind_nat && self->rec->n_endpoints &&
		      !path_addr_private(&self->rec->endpoint[0])) ||
	    wg_paths_nat(a) == GOSSIP_NAT_SYMMETRIC)
		return false;
	if (our_public(a, &ours) && same_ip(&pub, &ours))
		return false;
	pp = peer_get(a->punch, m->rec->id, false);
	if (pp && pp->s.active && pp->s.switched && pp->initiator) {
		*want = pp->s.target;
		return true;
	}
	if (pt->relayed || pt->kind == PATH_DIRECT || (pp && pp->s.attempts > 0))
		return false;
	memset(want, 0, sizeof(*want));
	return true;
}

struct house_ctx {
	struct agent *a;
	uint64_t now;
	size_t relays;                /* live relay members */
	struct wire_addr ours;        /* our public candidate */
	bool armed;
};

static void consider(void *arg, const struct gossip_member *m)
{
	struct house_ctx *c = arg;
	struct agent *a = c->a;
	const struct path *pt;
	struct punch_peer *pp;
	struct punch_view v = { .able = true };
	struct wire_addr pub;
	bool held;
	int r;

	if (m->self || m->state != GOSSIP_ALIVE || !natted_public(m->rec, &pub))
		return;
	pt = wg_paths_get(a, m->rec->id);
	if (!pt)
		return;
	v.peer_natted = true;
	v.initiator = memcmp(gossip_self(a->g)->rec->id, m->rec->id, WIRE_ID_LEN) < 0;
	v.direct = pt->kind == PATH_DIRECT && !pt->relayed;
	pp = peer_get(a->punch, m->rec->id, false);
	/*
	 * Held from the start (punch_hold): nothing was sent, no need to
	 * wait. With a relay in the mesh the pair goes relayed first (it pings
	 * within seconds) and is punched from there: the relayed session
	 * makes the switch a matter of data packets, no handshake.
	 */
	held = !same_ip(&pub, &c->ours) && !pt->relayed && !v.direct && (!pp || !pp->s.attempts);
	if (c->relays && held)
		held = false;
	v.stuck = !v.direct &&
		  (held || (pt->relayed && pt->kind == PATH_RELAY && c->now - pt->since_ms >= PUNCH_RELAYED_MS) ||
		   (!c->relays && path_candidates_exhausted(pt, c->now)));
	if (!pp && v.stuck && v.initiator) {
		pp = peer_get(a->punch, m->rec->id, true);
		if (pp) {
			pp->pub = pub;
			/* relayed from the start: nothing crossed, nothing to wait out */
			pp->s.next_ms = held || pt->relayed ? c->now : c->now + PUNCH_QUIET_MS;
		}
	}
	if (!held && v.stuck && !pt->relayed &&
	    (!pp || (!pp->s.active && pp->s.attempts < PUNCH_MAX_ATTEMPTS)))
		park(a, m->rec->id, c->now);
	if (!pp)
		return;
	/* An attempt under way: keep the punched endpoint against the trial's 5 s switch. */
	if (pp->s.active && pp->s.switched && pp->initiator) {
		struct path *w = path_table_get(a->paths, m->rec->id);

		if (w)
			hold(a, w, &pp->s.target, c->now);
		return;
	}
	if (!wire_addr_equal(&pp->pub, &pub)) {
		punch_reset(&pp->s);     /* it moved: a new mapping, new attempts */
		pp->pub = pub;
	}
	if (!punch_due(&pp->s, &v, c->now))
		return;
	r = gossip_punch(a->g, m->rec->id, &c->ours, PUNCH_AT_MS, pp->s.attempts, false, c->now);
	if (r == -EHOSTUNREACH)   /* nobody else answers us: straight to it, if it answers */
		r = gossip_punch(a->g, m->rec->id, &c->ours, PUNCH_AT_MS, 0, true, c->now);
	if (r < 0) {
		pp->s.next_ms = c->now + PUNCH_SEND_RETRY_MS;
		return;
	}
	pp->initiator = true;
	punch_plan(&pp->s, &pub, c->now, PUNCH_AT_MS);
	log_info("%s: punching towards it (attempt %u)", peer_name(a, m->rec->id), pp->s.attempts);
	c->armed = true;
}

static void count_relays(void *arg, const struct gossip_member *m)
{
	*(size_t *)arg += !m->self && m->state == GOSSIP_ALIVE && (m->rec->flags & WIRE_REC_RELAY);
}

void punch_house(struct agent *a, uint64_t now_ms)
{
	struct house_ctx c = { .a = a, .now = now_ms };

	if (!able(a, &c.ours))
		return;
	gossip_foreach(a->g, count_relays, &c.relays);
	gossip_foreach(a->g, consider, &c);
	if (c.armed) {
		timers_kick(a);
		arm(a);
	}
}

int punch_start(struct agent *a)
{
	struct punch *pu = calloc(1, sizeof(*pu));

	if (!pu)
		return -ENOMEM;
	pu->fd = -1;
	pu->rl = (struct log_ratelimit)LOG_RATELIMIT_INIT(60000, 3);
	pu->p = calloc(PUNCH_MAX_PEERS, sizeof(*pu->p));
	pu->ev = event_new(a->base, -1, 0, on_timer, a);
	if (!pu->p || !pu->ev) {
		free(pu->p);
		if (pu->ev)
			event_free(pu->ev);
		free(pu);
		return -ENOMEM;
	}
	a->punch = pu;
	/* Off unless --punch (experimental); a coordinator forwards either way (gossip/). */
	if (!a->wg || !a->cfg->punch)
		return 0;
	pu->fd = punch_raw_open();
	if (pu->fd == -EPERM)
		log_warn("hole punching off: no CAP_NET_RAW (pairs behind NAT stay relayed)");
	else if (pu->fd < 0)
		log_warn("hole punching off: raw socket: %s", strerror(-pu->fd));
	return 0;
}

void punch_stop(struct agent *a)
{
	struct punch *pu = a->punch;

	if (!pu)
		return;
	if (pu->fd >= 0)
		close(pu->fd);
	event_free(pu->ev);
	free(pu->p);
	free(pu);
	a->punch = NULL;
}

void punch_counters(const struct agent *a, uint64_t *attempts, uint64_t *successes)
{
	*attempts = a->punch ? a->punch->attempts : 0;
	*successes = a->punch ? a->punch->successes : 0;
}

bool punch_busy(const struct agent *a, const uint8_t id[WIRE_ID_LEN])
{
	const struct punch *pu = a->punch;
	const struct path *pt;

	if (!pu || pu->fd < 0)
		return false;
	for (size_t i = 0; i < pu->n; i++) {
		const struct punch_peer *pp = &pu->p[i];

		if (memcmp(pp->id, id, WIRE_ID_LEN))
			continue;
		if (pp->s.active)
			return true;
		pt = wg_paths_get(a, id);
		return pp->s.succeeded && pt && !pt->relayed && pt->kind == PATH_DIRECT;
	}
	return false;
}
