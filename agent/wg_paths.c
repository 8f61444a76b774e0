/* SPDX-License-Identifier: MIT */
/*
 * Issue 11 in the agent: which endpoint each peer is programmed with
 * (path.c's candidate trial, fed with the device dump), what we tell
 * members about how our WireGuard sees them (ACK's seen), our own
 * ordered endpoint candidates, keepalive behind NAT, and members alive in
 * gossip that have no tunnel (counted, warned about, shown).
 */
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "agent.h"
#include "path.h"

enum { AUTO_KEEPALIVE_S = 25 };

int wg_paths_start(struct agent *a)
{
	a->rl_unreach = (struct log_ratelimit)LOG_RATELIMIT_INIT(10000, 5);
	return path_table_new(&a->paths);
}

void wg_paths_stop(struct agent *a)
{
	path_table_free(a->paths);
	a->paths = NULL;
}

const struct path *wg_paths_get(const struct agent *a, const uint8_t id[static WIRE_ID_LEN])
{
	return a->paths ? path_table_get(a->paths, id) : NULL;
}

/*
 * A NAT drops its mapping after some idle time (conntrack's UDP timeout
 * is 30 s unreplied, 120 s assured): behind one, keep it open, unless the
 * operator chose (--keepalive).
 */
uint16_t wg_paths_keepalive(const struct agent *a)
{
	if (a->cfg->keepalive)
		return a->cfg->keepalive;
	return a->behind_nat ? AUTO_KEEPALIVE_S : 0;
}

/* Our public endpoint as members see it, for the same-NAT test. */
static struct wire_addr our_public(struct agent *a)
{
	const struct gossip_member *self = gossip_self(a->g);

	if (a->public_ep.family)
		return a->public_ep;
	if (self && self->rec->n_endpoints && !path_addr_private(&self->rec->endpoint[0]))
		return self->rec->endpoint[0];
	return (struct wire_addr){ 0 };
}

/* The peer's record has a private (LAN) candidate and no public IP of ours. */
static bool peer_natted_elsewhere(const struct wire_record *r, const struct wire_addr *our_pub)
{
	bool lan = false;

	for (int i = 0; i < r->n_endpoints && i < WIRE_MAX_ENDPOINTS; i++) {
		const struct wire_addr *e = &r->endpoint[i];

		if (e->family == WIRE_AF_INET && path_addr_private(e))
			lan = true;
		if (our_pub->family && e->family == our_pub->family &&
		    !memcmp(e->ip, our_pub->ip, wire_family_len(e->family)))
			return false;
	}
	return lan;
}

static bool has_public(const struct wire_record *r)
{
	for (int i = 0; i < r->n_endpoints && i < WIRE_MAX_ENDPOINTS; i++)
		if (r->endpoint[i].family == WIRE_AF_INET && !path_addr_private(&r->endpoint[i]))
			return true;
	return false;
}

bool wg_paths_direct_pending(const struct agent *a, const uint8_t id[static WIRE_ID_LEN],
			     uint64_t now_ms)
{
	const struct path *p = wg_paths_get(a, id);

	return p && path_v6_pending(p, now_ms);
}

static bool self_has_v6(const struct agent *a)
{
	for (size_t i = 0; i < a->self_tmpl.n_endpoints; i++)
		if (a->self_tmpl.endpoint[i].family == WIRE_AF_INET6 &&
		    !path_addr_private(&a->self_tmpl.endpoint[i]))
			return true;
	return false;
}

void wg_paths_peer(struct agent *a, const struct gossip_member *m, struct wgctl_peer *p,
		   uint64_t now_ms, int64_t now_wall_s)
{
	const struct wg_peer_stat *st = wg_stat(a, m->wg_public);
	struct wire_addr cand[PATH_MAX_CANDIDATES], pub = our_public(a), want;
	struct path_obs obs = { 0 };
	struct path *pt;
	size_t n;

	p->keepalive = wg_paths_keepalive(a);
	pt = a->paths ? path_table_add(a->paths, m->rec->id, now_ms) : NULL;
	if (!pt)
		return;          /* no memory: the record's first endpoint, as before */
	pt->mark = a->path_round;
	n = path_candidates(m->rec->endpoint, m->rec->n_endpoints, &pub, cand, PATH_MAX_CANDIDATES);
	if (a->behind_nat && self_has_v6(a)) {
		size_t v6;

		path_prefer_v6(cand, n);
		/* Both behind IPv4 NAT at two sites: IPv6 or a relay, never the
		 * peer's IPv4 public candidate (a handshake there would only
		 * poison the far NAT's mapping for a punch). */
		if (peer_natted_elsewhere(m->rec, &pub) && (v6 = path_only_v6(cand, n)) > 0) {
			n = v6;
			if (!pt->v6_since_ms)
				pt->v6_since_ms = now_ms ? now_ms : 1;
		} else {
			pt->v6_since_ms = 0;
		}
	} else {
		pt->v6_since_ms = 0;
	}
	path_set_candidates(pt, cand, n, now_ms, now_wall_s);
	if (st) {
		obs.device_ep = st->endpoint;
		obs.last_handshake = st->last_handshake;
	}
	path_update(pt, &obs, now_ms, now_wall_s, &want);
	/*
	 * With --punch: we are not behind NAT, the peer is (its record has a LAN and a
	 * public candidate, and it is not at our site): it sends to us first
	 * (keepalive on) and our WireGuard learns its endpoint from that. A
	 * handshake of ours reaching its NAT before its own first packet to
	 * us left would make Linux NAT remap its flow, and then every new
	 * flow from its WireGuard port (sticky): no punch could work for it.
	 */
	if (a->cfg->punch && !a->behind_nat && peer_natted_elsewhere(m->rec, &pub) &&
	    has_public(m->rec) && !pt->relayed) {
		/* nothing to push (not even the record's first endpoint, which
		 * wg_desired.c put there): the device keeps what it learned */
		memset(&pt->asked, 0, sizeof(pt->asked));
		memset(&p->endpoint, 0, sizeof(p->endpoint));
		if (pt->kind == PATH_NONE)
			a->paths_busy++;
		return;
	}
	/* Hole punching (punch.c, --punch) may hold a NAT-to-NAT pair until its punch. */
	if (punch_hold(a, m, pt, &want)) {
		/* No endpoint at all, not even the record's first one, which
		 * wg_desired.c put there (until 2026-11-30 it stayed, so the
		 * hold sent handshakes to the peer's public endpoint). */
		if (want.family)
			addr_to_wg_endpoint(&want, &p->endpoint);
		else
			memset(&p->endpoint, 0, sizeof(p->endpoint));
		a->paths_busy++;
		return;
	}
	if (!want.family)
		want = pt->asked;    /* roamed: ask for the same again, wgctl keeps the device's */
	if (want.family)
		addr_to_wg_endpoint(&want, &p->endpoint);
	if (pt->kind == PATH_NONE || (!pt->settled && !pt->roamed && !pt->relayed))
		a->paths_busy++;
}

struct sweep_ctx {
	struct agent *a;
	uint64_t now;
	size_t unreachable;
};

static void sweep_one(void *arg, struct path *p)
{
	struct sweep_ctx *c = arg;
	const struct gossip_member *m = gossip_find(c->a->g, p->id);
	uint32_t dropped;

	if (!m || m->state != GOSSIP_ALIVE || !path_unreachable(p, c->now)) {
		if (p->warned && p->kind != PATH_NONE && m)
			log_info("%s: tunnel up again (%s)", m->rec->name, path_kind_name(p->kind));
		p->warned = p->warned && p->kind == PATH_NONE;
		return;
	}
	c->unreachable++;
	if (p->warned)
		return;
	p->warned = true;
	if (log_ratelimit_ok(&c->a->rl_unreach, c->now, &dropped)) {
		char ep[WIRE_ADDR_STRLEN] = "-";

		if (p->n_cand)
			wire_addr_format(&p->cand[p->cur], ep, sizeof(ep));
		log_warn("%s is alive in gossip but has no WireGuard tunnel (no handshake for %u s; "
			 "trying %s): behind NAT? see meshctl members", m->name_conflict ? "-" :
			 m->rec->name, PATH_UNREACHABLE_MS / 1000, ep);
	}
}

void wg_paths_sweep(struct agent *a, uint64_t now_ms)
{
	struct sweep_ctx c = { a, now_ms, 0 };

	if (!a->paths)
		return;
	path_table_prune(a->paths, a->path_round);
	path_table_foreach(a->paths, sweep_one, &c);
	a->unreachable = c.unreachable;
}

bool wg_paths_seen(struct agent *a, const struct gossip_member *m, struct wire_addr *out)
{
	const struct path *p = wg_paths_get(a, m->rec->id);

	/* Only what the device learned from m's packets: a live direct session
	 * (a relay's address says nothing about where m is). */
	if (!p || p->kind != PATH_DIRECT || p->relayed || !p->endpoint.family)
		return false;
	*out = p->endpoint;
	return true;
}

static void add_cand(struct wire_addr *out, size_t *n, size_t room, const struct wire_addr *x)
{
	if (!x->family || !x->port || *n >= room)
		return;
	for (size_t i = 0; i < *n; i++)
		if (wire_addr_equal(&out[i], x))
			return;
	out[(*n)++] = *x;
}

size_t wg_paths_self(struct agent *a, struct wire_addr *out, size_t room)
{
	struct wire_addr lan = a->route_src, v6;
	size_t n = 0;

	if (a->endpoint_pinned)
		add_cand(out, &n, room, &a->endpoint);
	add_cand(out, &n, room, &a->public_ep);
	if (!a->endpoint_pinned)
		add_cand(out, &n, room, &a->endpoint);
	/*
	 * Behind NAT (our first candidate is no address of ours): peers behind
	 * the same NAT need our LAN address, and IPv6 may need no NAT at all.
	 * On a flat network neither is added: the record stays as it was.
	 */
	a->behind_nat = n && !addr_is_local(&out[0]);
	if (!a->behind_nat)
		return n;
	lan.port = a->cfg->listen_port;
	if (path_addr_private(&lan))
		add_cand(out, &n, room, &lan);
	if (addr_first_global6(&v6, a->cfg->interface) == 0) {
		v6.port = a->cfg->listen_port;
		add_cand(out, &n, room, &v6);
	}
	return n;
}

enum gossip_nat wg_paths_nat(const struct agent *a)
{
	enum gossip_nat n = gossip_nat(a->g, NULL);

	/* Observers' evidence first; else our first candidate is ours: no NAT. */
	if (n != GOSSIP_NAT_UNKNOWN)
		return n;
	if (a->self_tmpl.n_endpoints && !a->behind_nat && gossip_count(a->g, GOSSIP_ALIVE) > 1)
		return GOSSIP_NAT_NONE;
	return GOSSIP_NAT_UNKNOWN;
}

static void count_one(void *arg, struct path *p)
{
	size_t *count = arg;

	count[p->kind <= PATH_RELAY ? p->kind : PATH_NONE]++;
}

void wg_paths_count(const struct agent *a, size_t count[3])
{
	count[0] = count[1] = count[2] = 0;
	if (a->paths)
		path_table_foreach(a->paths, count_one, count);
}
