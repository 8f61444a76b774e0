/* SPDX-License-Identifier: MIT */
/* Relaying in the agent: see relay_agent.h. */
#include "relay_agent.h"

#include <event2/buffer.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "log.h"
#include "path.h"
#include "relay.h"
#include "wg_desired.h"
#include "../proto/msg.h"

enum rc_state { RC_DIRECT = 0, RC_ASKED, RC_RELAYED };

struct rc_peer {
	bool used;
	uint8_t id[WIRE_ID_LEN];
	enum rc_state st;
	uint8_t relay[WIRE_ID_LEN];
	struct wire_addr ep;           /* RC_RELAYED: relay ip : our port at the relay */
	uint64_t since_ms, asked_ms, seen_ms;
	int64_t hs_at_switch;
	uint64_t rx_at_switch;         /* received bytes then: a live session needs no handshake */
	bool proven;                   /* RC_RELAYED: traffic came through the relay */
	uint8_t bad[WIRE_ID_LEN];      /* a relay that failed this pair... */
	uint64_t bad_until;            /* ...skipped until then */
};

struct relay_agent {
	struct relay *fwd;             /* --relay: the forwarder thread */
	struct rc_peer peer[RELAY_CLIENT_MAX];
	uint64_t asked_total, relayed_total, failover_total, refused_total;
	uint64_t last_refresh_ms;
	uint64_t moved_ms;             /* our address last changed (0 = never) */
};

static struct relay_agent *ra(const struct agent *a)
{
	return a->relay;
}

int relay_agent_start(struct agent *a, char *err, size_t errlen)
{
	struct relay_agent *r = calloc(1, sizeof(*r));

	if (!r) {
		snprintf(err, errlen, "relay: out of memory");
		return -ENOMEM;
	}
	a->relay = r;
	if (a->cfg->relay) {
		struct relay_limits lim = { .max_pairs = a->cfg->relay_max_pairs,
					    .pps = a->cfg->relay_pps, .bps = a->cfg->relay_bps,
					    .idle_ms = RELAY_IDLE_MS, .wait_open = a->cfg->punch };
		int ret = relay_start(&r->fwd, &lim, a->cfg->bind, err, errlen);

		if (ret)
			return ret;
		log_info("relay: forwarding WireGuard for up to %u member pairs (%u packets/s, "
			 "%u bytes/s each)", lim.max_pairs, lim.pps, lim.bps);
	}
	return 0;
}

void relay_agent_stop(struct agent *a)
{
	struct relay_agent *r = ra(a);

	if (!r)
		return;
	relay_stop(r->fwd);
	free(r);
	a->relay = NULL;
}

static struct rc_peer *rc_find(struct relay_agent *r, const uint8_t id[WIRE_ID_LEN], bool add)
{
	struct rc_peer *free_slot = NULL;

	for (size_t i = 0; i < RELAY_CLIENT_MAX; i++) {
		struct rc_peer *p = &r->peer[i];

		if (p->used && !memcmp(p->id, id, WIRE_ID_LEN))
			return p;
		if (!p->used && !free_slot)
			free_slot = p;
	}
	if (!add || !free_slot)
		return NULL;
	memset(free_slot, 0, sizeof(*free_slot));
	free_slot->used = true;
	memcpy(free_slot->id, id, WIRE_ID_LEN);
	return free_slot;
}

static bool live(const struct gossip_member *m)
{
	return m && !m->self && (m->state == GOSSIP_ALIVE || m->state == GOSSIP_SUSPECT);
}

static int64_t handshake(const struct agent *a, const struct gossip_member *m)
{
	const struct wg_peer_stat *st = wg_stat(a, m->wg_public);

	return st ? st->last_handshake : 0;
}

static uint64_t rx_bytes(const struct agent *a, const struct gossip_member *m)
{
	const struct wg_peer_stat *st = wg_stat(a, m->wg_public);

	return st ? st->rx_bytes : 0;
}

static bool fresh(const struct agent *a, const struct gossip_member *m)
{
	int64_t hs = handshake(a, m);

	return hs && agent_wall_s() - hs < WG_FRESH_HANDSHAKE_S;
}

/* The endpoint our WireGuard holds for m after a fresh handshake: proven. */
static bool registered(const struct agent *a, const struct gossip_member *m,
		       struct wire_addr *ep)
{
	const struct wg_peer_stat *st = wg_stat(a, m->wg_public);

	if (!st || !st->endpoint.family || !fresh(a, m))
		return false;
	*ep = st->endpoint;
	return true;
}

/* --- the relay's side --- */

static void serve(struct agent *a, const struct gossip_member *from,
		  const struct gossip_member *peer)
{
	struct relay_agent *r = ra(a);
	struct wire_addr ea, eb;
	uint16_t port[2];
	int ret;

	/* A handshake newer than our last read of the device, or a member
	 * that roamed: read it again (at most once a second, however many
	 * requests come). */
	if (r->fwd && agent_now_ms() - a->last_wg_get_ms >= 1000)
		wg_refresh(a);
	if (!r->fwd || !registered(a, from, &ea) || !registered(a, peer, &eb) ||
	    (ret = relay_open(r->fwd, from->rec->id, &ea, peer->rec->id, &eb, port)) != 0) {
		r->refused_total++;
		gossip_relay_send(a->g, from->rec->id, WIRE_RELAY_REFUSE, peer->rec->id, 0);
		return;
	}
	gossip_relay_send(a->g, from->rec->id, WIRE_RELAY_OK, peer->rec->id, port[0]);
	gossip_relay_send(a->g, peer->rec->id, WIRE_RELAY_OK, from->rec->id, port[1]);
}

/* --- the client's side --- */

/* The member's path (agent/path.h), where the endpoint to program is decided. */
static struct path *path_of(struct agent *a, const uint8_t id[WIRE_ID_LEN])
{
	return a->paths ? path_table_add(a->paths, id, agent_now_ms()) : NULL;
}

static void rc_direct(struct agent *a, struct rc_peer *p, uint64_t bad_ms, uint64_t now)
{
	if (bad_ms) {
		memcpy(p->bad, p->relay, WIRE_ID_LEN);
		p->bad_until = agent_now_ms() + bad_ms;
	}
	if (p->st == RC_RELAYED) {
		struct path *pt = path_of(a, p->id);
		const struct gossip_member *m = gossip_find(a->g, p->id);

		/* The relayed session's handshake is no proof of a direct path:
		 * only a newer one is. */
		p->hs_at_switch = m ? handshake(a, m) : 0;
		if (pt && pt->relayed && !memcmp(pt->relay_id, p->relay, WIRE_ID_LEN))
			path_clear_relay(pt, agent_now_ms(), agent_wall_s());
		wg_mark_dirty(a);
	}
	p->st = RC_DIRECT;
	p->since_ms = now;
}

static void take_ok(struct agent *a, const struct gossip_member *relay,
		    const struct gossip_member *peer, uint16_t port)
{
	struct relay_agent *r = ra(a);
	const struct wg_peer_stat *st = wg_stat(a, relay->wg_public);
	struct rc_peer *p = rc_find(r, peer->rec->id, true);
	uint64_t now = agent_now_ms();
	char name[WIRE_ADDR_STRLEN];
	struct path *pt;

	if (!p || !(relay->rec->flags & WIRE_REC_RELAY) || (peer->rec->flags & WIRE_REC_RELAY) ||
	    punch_busy(a, peer->rec->id))
		return;
	/* Unasked (the other side asked): only when our direct path is down. */
	if (!(p->st == RC_ASKED && !memcmp(p->relay, relay->rec->id, WIRE_ID_LEN)) &&
	    fresh(a, peer) && handshake(a, peer) > p->hs_at_switch && p->st != RC_RELAYED)
		return;
	if (st && st->endpoint.family)
		p->ep = st->endpoint;
	else if (relay->rec->n_endpoints)
		p->ep = relay->rec->endpoint[0];
	else
		return;
	p->ep.port = port;
	if (p->st != RC_RELAYED || memcmp(p->relay, relay->rec->id, WIRE_ID_LEN)) {
		p->since_ms = now;
		p->hs_at_switch = handshake(a, peer);
		p->rx_at_switch = rx_bytes(a, peer);
		p->proven = false;
		r->relayed_total++;
		wire_addr_format(&p->ep, name, sizeof(name));
		log_info("relay: %s through %s (%s)", peer->rec->name, relay->rec->name, name);
	}
	memcpy(p->relay, relay->rec->id, WIRE_ID_LEN);
	p->st = RC_RELAYED;
	pt = path_of(a, peer->rec->id);
	if (pt && (!pt->relayed || !wire_addr_equal(&pt->relay_ep, &p->ep) ||
		   memcmp(pt->relay_id, p->relay, WIRE_ID_LEN)))
		path_set_relay(pt, p->relay, &p->ep, now, agent_wall_s());
	wg_mark_dirty(a);
}

void relay_agent_input(void *ctx, uint8_t op, const struct gossip_member *from,
		       const struct gossip_member *peer, uint16_t port)
{
	struct agent *a = ctx;
	struct relay_agent *r = ra(a);
	struct rc_peer *p;

	if (!r)
		return;
	switch (op) {
	case WIRE_RELAY_REQ:
		serve(a, from, peer);
		break;
	case WIRE_RELAY_OK:
		take_ok(a, from, peer, port);
		break;
	case WIRE_RELAY_REFUSE:
	case WIRE_RELAY_BYE:
		p = rc_find(r, peer->rec->id, false);
		if (p && p->st != RC_DIRECT && !memcmp(p->relay, from->rec->id, WIRE_ID_LEN))
			rc_direct(a, p, op == WIRE_RELAY_REFUSE ? RELAY_REFUSED_MS : RELAY_BAD_MS,
				  agent_now_ms());
		break;
	}
	timers_kick(a);
}

void relay_agent_changed(struct agent *a, enum gossip_event ev, const struct gossip_member *m)
{
	struct relay_agent *r = ra(a);

	if (!r || m->self)
		return;
	if (ev == GOSSIP_EV_FAILED || ev == GOSSIP_EV_LEFT || ev == GOSSIP_EV_REMOVED ||
	    ev == GOSSIP_EV_REVOKED) {
		struct rc_peer *p;

		if (r->fwd)
			relay_close_member(r->fwd, m->rec->id);
		/* Pairs through it move on at the next house; its own entry goes. */
		p = rc_find(r, m->rec->id, false);
		if (p && ev != GOSSIP_EV_FAILED)
			p->used = false;
	}
}

struct pick {
	const struct agent *a;
	const uint8_t *peer, *bad;
	const struct gossip_member *best;
};

static void pick_relay(void *arg, const struct gossip_member *m)
{
	struct pick *k = arg;

	if (!live(m) || !(m->rec->flags & WIRE_REC_RELAY) || !memcmp(m->rec->id, k->peer, WIRE_ID_LEN) ||
	    (k->bad && !memcmp(m->rec->id, k->bad, WIRE_ID_LEN)) || !fresh(k->a, m))
		return;
	/* The lowest id: both sides of a pair pick the same relay. */
	if (!k->best || memcmp(m->rec->id, k->best->rec->id, WIRE_ID_LEN) < 0)
		k->best = m;
}

static void ask(struct agent *a, struct rc_peer *p, uint64_t now)
{
	struct pick k = { .a = a, .peer = p->id, .bad = now < p->bad_until ? p->bad : NULL };

	gossip_foreach(a->g, pick_relay, &k);
	if (!k.best)
		return;
	if (gossip_relay_send(a->g, k.best->rec->id, WIRE_RELAY_REQ, p->id, 0) != 0)
		return;
	ra(a)->asked_total++;
	if (p->st == RC_DIRECT) {
		memcpy(p->relay, k.best->rec->id, WIRE_ID_LEN);
		p->st = RC_ASKED;
		p->since_ms = now;
	}
	p->asked_ms = now;
}

struct house {
	struct agent *a;
	uint64_t now;
	bool symmetric;
};

static void house_member(void *arg, const struct gossip_member *m)
{
	struct house *h = arg;
	struct agent *a = h->a;
	struct relay_agent *r = ra(a);
	struct rc_peer *p;
	const struct gossip_member *relay;
	struct path *pt;

	/* Never a relay through another relay: our requests travel to a relay
	 * over the tunnel to it, which must not hang on a third member. */
	if (!live(m) || (m->rec->flags & (WIRE_REC_LEAVING | WIRE_REC_RELAY)))
		return;
	p = rc_find(r, m->rec->id, true);
	if (!p)
		return;
	/* A punch under way or done (agent/punch.c): its endpoint, not ours. */
	if (punch_busy(a, m->rec->id)) {
		p->st = RC_DIRECT;
		p->since_ms = h->now;
		return;
	}
	if (!p->seen_ms)
		p->seen_ms = p->since_ms = h->now;
	switch (p->st) {
	case RC_DIRECT:
		if (fresh(a, m) && handshake(a, m) > p->hs_at_switch)
			break;
		if (wg_paths_direct_pending(a, m->rec->id, h->now))
			break;     /* IPv6 first (wg_paths.c): a relay only if it fails */
		if (h->now - p->since_ms >= (h->symmetric ? 0 : RELAY_DIRECT_WAIT_MS))
			ask(a, p, h->now);
		break;
	case RC_ASKED:
		if (h->now - p->since_ms >= RELAY_ASK_WAIT_MS) {
			r->failover_total++;
			rc_direct(a, p, RELAY_REFUSED_MS, h->now - RELAY_DIRECT_WAIT_MS);
		}
		break;
	case RC_RELAYED:
		relay = gossip_find(a->g, p->relay);
		pt = a->paths ? path_table_get(a->paths, p->id) : NULL;
		if (pt && !pt->relayed) {
			/* A punch (or the trial) took the pair direct: the relay is idle now. */
			p->st = RC_DIRECT;
			p->since_ms = h->now;
		} else if (!live(relay)) {
			log_info("relay: the relay of %s is gone: asking another", m->rec->name);
			r->failover_total++;
			rc_direct(a, p, RELAY_BAD_MS, h->now - RELAY_DIRECT_WAIT_MS);
		} else if (!(p->proven = p->proven || handshake(a, m) > p->hs_at_switch ||
				       rx_bytes(a, m) > p->rx_at_switch) &&
			   h->now - p->since_ms >= RELAY_PROVE_MS) {
			log_info("relay: nothing from %s through %s: asking another",
				 m->rec->name, relay->rec->name);
			r->failover_total++;
			rc_direct(a, p, RELAY_BAD_MS, h->now - RELAY_DIRECT_WAIT_MS);
		} else if (h->now - p->asked_ms >= RELAY_REFRESH_MS ||
			   (r->moved_ms && h->now - r->moved_ms < RELAY_MOVED_MS &&
			    h->now - p->asked_ms >= RELAY_MOVED_REFRESH_MS)) {
			gossip_relay_send(a->g, p->relay, WIRE_RELAY_REQ, p->id, 0);
			p->asked_ms = h->now;
		}
		break;
	}
}

static void count_relay(void *arg, const struct gossip_member *m)
{
	*(size_t *)arg += live(m) && (m->rec->flags & WIRE_REC_RELAY);
}

void relay_agent_house(struct agent *a, uint64_t now_ms)
{
	struct house h = { .a = a, .now = now_ms };
	size_t relays = 0, busy = 0;

	if (!ra(a) || !a->wg)
		return;
	/* A mesh without relays (the default) costs nothing here. */
	gossip_foreach(a->g, count_relay, &relays);
	for (size_t i = 0; i < RELAY_CLIENT_MAX; i++)
		busy += ra(a)->peer[i].used && ra(a)->peer[i].st != RC_DIRECT;
	if (!relays && !busy)
		return;
	/* Handshakes decide everything here: a fresher device view than wg.c's 10 s. */
	if (now_ms - a->last_wg_get_ms >= 2000)
		wg_refresh(a);
	h.symmetric = gossip_nat(a->g, NULL) == GOSSIP_NAT_SYMMETRIC;
	gossip_foreach(a->g, house_member, &h);
}

void relay_agent_moved(struct agent *a, uint64_t now_ms)
{
	if (ra(a))
		ra(a)->moved_ms = now_ms ? now_ms : 1;
}

bool relay_agent_via(const struct agent *a, const uint8_t id[WIRE_ID_LEN],
		     uint8_t relay_id[WIRE_ID_LEN])
{
	struct rc_peer *p = ra(a) ? rc_find(ra(a), id, false) : NULL;

	if (!p || p->st != RC_RELAYED)
		return false;
	if (relay_id)
		memcpy(relay_id, p->relay, WIRE_ID_LEN);
	return true;
}

void relay_agent_metrics(struct agent *a, struct evbuffer *b)
{
	struct relay_agent *r = ra(a);
	struct relay_stats s;
	size_t relayed = 0;

	if (!r)
		return;
	for (size_t i = 0; i < RELAY_CLIENT_MAX; i++)
		relayed += r->peer[i].used && r->peer[i].st == RC_RELAYED;
	evbuffer_add_printf(b, "# HELP meshd_relayed_peers Peers we reach through a relay.\n"
			       "# TYPE meshd_relayed_peers gauge\nmeshd_relayed_peers %zu\n", relayed);
	evbuffer_add_printf(b, "# HELP meshd_relay_client_total Relay requests we sent (asked), "
			       "pairs we moved to a relay (relayed), relays we left for another "
			       "(failover).\n# TYPE meshd_relay_client_total counter\n"
			       "meshd_relay_client_total{event=\"asked\"} %" PRIu64 "\n"
			       "meshd_relay_client_total{event=\"relayed\"} %" PRIu64 "\n"
			       "meshd_relay_client_total{event=\"failover\"} %" PRIu64 "\n",
			    r->asked_total, r->relayed_total, r->failover_total);
	if (!r->fwd)
		return;
	relay_get_stats(r->fwd, &s);
	evbuffer_add_printf(b, "# HELP meshd_relay_pairs Member pairs this relay forwards for.\n"
			       "# TYPE meshd_relay_pairs gauge\nmeshd_relay_pairs %" PRIu64 "\n",
			    s.pairs);
	evbuffer_add_printf(b, "# HELP meshd_relay_forwarded_packets_total WireGuard datagrams "
			       "relayed.\n# TYPE meshd_relay_forwarded_packets_total counter\n"
			       "meshd_relay_forwarded_packets_total %" PRIu64 "\n", s.forwarded_packets);
	evbuffer_add_printf(b, "# HELP meshd_relay_forwarded_bytes_total WireGuard bytes "
			       "relayed.\n# TYPE meshd_relay_forwarded_bytes_total counter\n"
			       "meshd_relay_forwarded_bytes_total %" PRIu64 "\n", s.forwarded_bytes);
	evbuffer_add_printf(b, "# HELP meshd_relay_dropped_total Datagrams at relay ports not "
			       "forwarded, by reason.\n# TYPE meshd_relay_dropped_total counter\n");
	for (int v = 1; v < RELAY_VERDICT_N; v++)
		evbuffer_add_printf(b, "meshd_relay_dropped_total{reason=\"%s\"} %" PRIu64 "\n",
				    relay_verdict_name(v), s.dropped[v]);
	evbuffer_add_printf(b, "# HELP meshd_relay_requests_total Pair requests answered (ok) "
			       "and refused (refused: not a relay, endpoint not proven, full).\n"
			       "# TYPE meshd_relay_requests_total counter\n"
			       "meshd_relay_requests_total{result=\"ok\"} %" PRIu64 "\n"
			       "meshd_relay_requests_total{result=\"refused\"} %" PRIu64 "\n",
			    s.allocated_total, r->refused_total + s.refused_total);
}
