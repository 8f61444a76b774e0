/* SPDX-License-Identifier: MIT */
/*
 * Assembling the agent: keys and state first (anything wrong there stops
 * us before the mesh or the kernel is touched), then the engine, the
 * WireGuard device, sockets, control socket, metrics, hooks, seeds and
 * timers. Teardown saves state and leaves the interface and its peers up.
 */
#include <errno.h>
#include <stdio.h>
#include <event2/event.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "addr.h"
#include "agent.h"
#include "relay_agent.h"
#include "keyfile.h"
#include "rejoin.h"
#include "state.h"

const char *const refuse_reason_names[REFUSE_NREASONS] = {
	"size", "rate_source", "rate_global", "envelope", "replay", "rate_engine", "message",
};
const char *const wg_op_names[WG_NOPS] = { "setup", "apply", "get" };

uint64_t agent_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int64_t agent_wall_s(void)
{
	return (int64_t)time(NULL);
}

int64_t agent_mono_to_wall_ms(uint64_t mono_ms)
{
	struct timespec ts;
	uint64_t now = agent_now_ms();

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 -
	       (int64_t)(now > mono_ms ? now - mono_ms : 0);
}

int64_t agent_mono_to_wall(uint64_t mono_ms)
{
	uint64_t now = agent_now_ms();

	return agent_wall_s() - (int64_t)((now > mono_ms ? now - mono_ms : 0) / 1000);
}

const char *agent_state_name(enum gossip_state st)
{
	static const char *const names[] = { "alive", "suspect", "failed", "left" };

	return (unsigned)st < 4 ? names[st] : "unknown";
}

static uint64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The advertised endpoint: --endpoint, else --bind, else the route's source address. */
static int choose_endpoint(struct agent *a, char *err, size_t errlen)
{
	struct meshd_config *cfg = a->cfg;
	struct wire_addr probe;
	char e2[64];

	if (cfg->endpoint) {
		a->endpoint_pinned = true;
		return addr_resolve(&a->endpoint, cfg->endpoint, cfg->listen_port, err, errlen);
	}
	if (cfg->bind && addr_parse_ip(&a->endpoint, cfg->bind) == 0 && !addr_is_any(&a->endpoint)) {
		a->endpoint_pinned = true;
		a->endpoint.port = cfg->listen_port;
		return 0;
	}
	/* Towards the first seed if we have one, else towards the default route. */
	if (a->n_seeds)
		probe = a->seeds[0];
	else
		addr_parse_ip(&probe, "192.0.2.1");
	if (addr_source_for(&probe, &a->endpoint) != 0 &&
	    addr_first_global(&a->endpoint, cfg->interface) != 0) {
		memset(&a->endpoint, 0, sizeof(a->endpoint));
		log_warn("no underlay address found to advertise; give --endpoint HOST:PORT");
		return 0;
	}
	a->endpoint.port = cfg->listen_port;
	a->route_src = a->endpoint;
	wire_addr_format(&a->endpoint, e2, sizeof(e2));
	log_info("advertising endpoint %s (guessed; --endpoint pins it)", e2);
	return 0;
}

static int build_self(struct agent *a, const struct state_members *sm, char *err, size_t errlen)
{
	struct meshd_config *cfg = a->cfg;
	struct wire_record *s = &a->self_tmpl;

	memset(s, 0, sizeof(*s));
	memcpy(s->id, a->idn.id, WIRE_ID_LEN);
	snprintf(s->name, sizeof(s->name), "%s", cfg->name);
	if (cfg->address) {
		if (wire_prefix_parse(&s->overlay[0], cfg->address) != 0) {
			snprintf(err, errlen, "--address %s: not an address/prefix", cfg->address);
			return -EINVAL;
		}
		s->n_overlay = 1;
		s->flags |= WIRE_REC_ADDR_PINNED;
	}
	/* Dual stack: a pinned IPv6 address beside the (pinned or derived) IPv4 one. */
	if (cfg->address6) {
		if (wire_prefix_parse(&s->overlay[s->n_overlay], cfg->address6) != 0) {
			snprintf(err, errlen, "--address6 %s: not an address/prefix", cfg->address6);
			return -EINVAL;
		}
		s->n_overlay++;
		s->flags |= WIRE_REC_ADDR_PINNED;
	}
	if (a->endpoint.family) {
		s->n_endpoints = 1;
		s->endpoint[0] = a->endpoint;
	}
	s->gossip_port = cfg->gossip_port;
	for (size_t i = 0; i < cfg->n_tags && i < WIRE_MAX_TAGS; i++) {
		const char *eq = strchr(cfg->tags[i], '=');

		snprintf(s->tag[i].key, sizeof(s->tag[i].key), "%.*s", (int)(eq - cfg->tags[i]),
			 cfg->tags[i]);
		snprintf(s->tag[i].val, sizeof(s->tag[i].val), "%s", eq + 1);
		s->n_tags++;
	}
	/* Strictly increasing across restarts, even if the clock went back. */
	s->version = state_next_version(sm, wall_ms());
	return 0;
}

/*
 * A restart must be no window for a newcomer to take our overlay address
 * (the engine yields a young claim to a lower id): if the state file shows
 * we held it, and the mesh still remembers that, the claim is established.
 */
static void restore_claim(struct agent *a, const struct state_members *sm)
{
	a->gcfg.self_claim_established =
		state_claim_established(sm, a->idn.id, &a->self_tmpl, &a->gcfg.overlay_prefix,
					a->gcfg.tombstone_ms, agent_wall_s());
	if (a->gcfg.self_claim_established)
		log_info("overlay address held before this start: keeping its claim");
}

static void add_seed(struct agent *a, const struct wire_addr *s)
{
	for (size_t i = 0; i < a->n_seeds; i++)
		if (wire_addr_equal(&a->seeds[i], s))
			return;
	if (a->n_seeds < sizeof(a->seeds) / sizeof(a->seeds[0]))
		a->seeds[a->n_seeds++] = *s;
}

/* --join seeds, then any remembered member's underlay gossip address. */
static int resolve_seeds(struct agent *a, const struct state_members *sm, char *err, size_t errlen)
{
	for (size_t i = 0; i < a->cfg->n_join; i++) {
		struct wire_addr s;
		int r = addr_resolve(&s, a->cfg->join[i], a->cfg->gossip_port, err, errlen);

		if (r != 0) {
			if (r == -EINVAL)
				return r;
			/* DNS may come back later; remembered members may carry us meanwhile. */
			log_warn("seed %s: %s", a->cfg->join[i], err);
			continue;
		}
		add_seed(a, &s);
	}
	a->n_join_seeds = a->n_seeds;
	for (size_t i = 0; i < sm->n; i++) {
		const struct wire_record *r = &sm->rec[i];
		struct wire_addr s;

		if (memcmp(r->id, a->idn.id, WIRE_ID_LEN) == 0 || r->n_endpoints == 0 ||
		    (r->flags & WIRE_REC_LEAVING))
			continue;
		s = r->endpoint[0];
		s.port = r->gossip_port;
		add_seed(a, &s);
	}
	return 0;
}

static int open_sockets(struct agent *a, char *err, size_t errlen)
{
	struct wire_addr b;
	int r;

	if (!a->cfg->bind)
		return net_open(a, NULL, false, err, errlen);
	addr_parse_ip(&b, a->cfg->bind);
	if ((r = net_open(a, &b, false, err, errlen)) != 0)
		return r;
	/* Tunnel mode with a specific underlay address: gossip also arrives on the overlay. */
	if (a->cfg->backend != CONFIG_BACKEND_NONE && a->overlay.family && !addr_is_any(&b)) {
		struct wire_addr ov = { .family = a->overlay.family };

		memcpy(ov.ip, a->overlay.ip, sizeof(ov.ip));
		return net_open(a, &ov, true, err, errlen);
	}
	return 0;
}

/*
 * Rejoin candidates (rejoin.h): --join seeds, remembered members, then the
 * peers the WireGuard device kept while we were down, at our gossip port:
 * the endpoint's IP first, then the overlay address (through the tunnel).
 * A node that had just joined when it died may have no state file yet,
 * but its device already knows the mesh.
 */
static void add_device_candidates(struct agent *a)
{
	struct rejoin *rj = a->rejoin;

	for (size_t i = 0; i < a->n_adopted; i++) {
		const struct wgctl_peer *p = &a->adopted[i];
		struct wire_addr w;

		addr_from_wg_endpoint(&w, &p->endpoint);
		if (w.family) {
			w.port = a->cfg->gossip_port;
			rejoin_add(rj, &w, REJOIN_DEVICE);
		}
	}
	for (size_t i = 0; i < a->n_adopted; i++) {
		const struct wgctl_peer *p = &a->adopted[i];

		for (size_t k = 0; k < p->n_allowed; k++) {
			const struct wgctl_allowed *al = &p->allowed[k];
			struct wire_addr w = { 0 };

			if (al->family == AF_INET && al->cidr == 32) {
				w.family = WIRE_AF_INET;
				memcpy(w.ip, &al->addr.ip4, 4);
			} else if (al->family == AF_INET6 && al->cidr == 128) {
				w.family = WIRE_AF_INET6;
				memcpy(w.ip, &al->addr.ip6, 16);
			} else {
				continue;
			}
			w.port = a->cfg->gossip_port;
			rejoin_add(rj, &w, REJOIN_DEVICE);
		}
	}
}

static void rejoin_round(struct agent *a, uint64_t now)
{
	struct wire_addr batch[REJOIN_BATCH];
	size_t n = rejoin_batch(a->rejoin, batch, REJOIN_BATCH);
	uint64_t rnd;

	/* The first round at start joins (no probing until answered); later ones rejoin. */
	if (!n || (a->rejoin->started ? gossip_rejoin(a->g, batch, n, now)
				       : gossip_join(a->g, batch, n, now)) != 0)
		return;
	randombytes_buf(&rnd, sizeof(rnd));
	rejoin_sent(a->rejoin, now, rnd);
	a->c.rejoin_attempts++;
}

int rejoin_start(struct agent *a, size_t remembered, char *err, size_t errlen)
{
	struct rejoin *rj = calloc(1, sizeof(*rj));

	if (!rj) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	a->rejoin = rj;
	for (size_t i = 0; i < a->n_seeds; i++)
		rejoin_add(rj, &a->seeds[i], i < a->n_join_seeds ? REJOIN_SEED : REJOIN_STATE);
	add_device_candidates(a);
	rj->remembered = remembered > a->n_adopted ? remembered : a->n_adopted;
	if (!rj->n) {
		log_info("no candidates (no seeds, no remembered members, no WireGuard peers): "
			 "starting a new mesh");
		return 0;
	}
	log_info("joining through %zu candidate(s): %zu seed(s), %zu remembered member(s), "
		 "%zu from WireGuard peers", rj->n, rj->by_source[REJOIN_SEED],
		 rj->by_source[REJOIN_STATE], rj->by_source[REJOIN_DEVICE]);
	rejoin_round(a, agent_now_ms());
	if (!rj->started) {
		snprintf(err, errlen, "join: cannot send to the candidates");
		return -EINVAL;
	}
	return 0;
}

/*
 * Every housekeeping second: while nobody answered yet, or we hold no
 * other live member, or know of fewer members than we remembered, another
 * JOIN round to the next candidates, with jittered backoff, for ever.
 */
void rejoin_house(struct agent *a, uint64_t now)
{
	struct rejoin *rj = a->rejoin;
	size_t alive, known;

	if (!rj || !a->g || a->leaving || a->stopping)
		return;
	if (rj->started && !rj->answered && gossip_joined(a->g)) {
		rj->answered = true;
		rejoin_settled(rj);
	}
	alive = gossip_count(a->g, GOSSIP_ALIVE) + gossip_count(a->g, GOSSIP_SUSPECT);
	alive = alive ? alive - 1 : 0;   /* ourselves */
	known = gossip_size(a->g) - gossip_count(a->g, GOSSIP_LEFT);
	known = known ? known - 1 : 0;
	if (!rejoin_needed(rj, alive, known)) {
		if (rj->backoff_ms)
			rejoin_settled(rj);
		return;
	}
	if (!rejoin_due(rj, now))
		return;
	if (rj->answered && rj->rounds && log_ratelimit_ok(&a->rl_rejoin, now, &(uint32_t){ 0 }))
		log_info("holding %zu live member(s) of %zu remembered: rejoining through "
			 "%zu candidate(s)", alive, rj->remembered, rj->n);
	rejoin_round(a, now);
	timers_kick(a);
}

int agent_start(struct agent *a, struct meshd_config *cfg, char *err, size_t errlen)
{
	struct state_members sm;
	struct gossip_io io;
	size_t n_others;
	bool created;
	int r;

	memset(a, 0, sizeof(*a));
	a->cfg = cfg;
	a->start_ms = agent_now_ms();
	a->start_wall_s = agent_wall_s();
	a->last_join_log_ms = a->start_ms;   /* first "still joining" after JOIN_LOG_MS */
	a->rl_refused = (struct log_ratelimit)LOG_RATELIMIT_INIT(10000, 10);
	a->rl_send = (struct log_ratelimit)LOG_RATELIMIT_INIT(10000, 5);
	a->rl_wg = (struct log_ratelimit)LOG_RATELIMIT_INIT(60000, 3);
	a->rl_member = (struct log_ratelimit)LOG_RATELIMIT_INIT(10000, 100);
	a->rl_hooks = (struct log_ratelimit)LOG_RATELIMIT_INIT(10000, 5);
	a->rl_wg_changes = (struct log_ratelimit)LOG_RATELIMIT_INIT(10000, 10);
	a->rl_state = (struct log_ratelimit)LOG_RATELIMIT_INIT(300000, 1);
	a->rl_rejoin = (struct log_ratelimit)LOG_RATELIMIT_INIT(300000, 1);
	memset(&sm, 0, sizeof(sm));
	if ((r = identity_init_crypto()) != 0) {
		snprintf(err, errlen, "libsodium failed to initialise");
		return r;
	}
	if (!(a->base = event_base_new())) {
		snprintf(err, errlen, "cannot create the event loop");
		return -ENOMEM;
	}
	/* Everything that can refuse to start comes before the state directory
	 * is touched: key file, WireGuard support, a second agent on the socket.
	 * (Clients are served only once the loop runs, after the engine exists.) */
	if ((r = authority_prepare(a, err, errlen)) != 0 ||
	    (r = wg_open(a, err, errlen)) != 0 || (r = ctl_server_start(a, err, errlen)) != 0 ||
	    (r = metrics_start(a, err, errlen)) != 0 || (r = hooks_start(a, err, errlen)) != 0)
		return r;
	if ((r = state_dir_prepare(cfg->state_dir, err, errlen)) != 0 ||
	    (r = state_identity(cfg->state_dir, &a->idn, &created, err, errlen)) != 0)
		return r;
	if (created)
		log_info("created identity key %s/identity.key", cfg->state_dir);
	if ((r = authority_start(a, err, errlen)) != 0)
		return r;
	snprintf(a->state_path, sizeof(a->state_path), "%s/members", cfg->state_dir);
	if ((r = state_load(a->state_path, &sm, err, errlen)) != 0) {
		char aside[sizeof(a->state_path) + 16];

		if (r == -ENOMEM)
			return r;
		/* A torn or foreign file must not keep the node out of its mesh: say so,
		 * keep it for inspection, and rejoin through seeds and device peers. */
		snprintf(aside, sizeof(aside), "%s.bad", a->state_path);
		if (rename(a->state_path, aside) == 0)
			log_err("%s; moved it to %s and starting without remembered members",
				err, aside);
		else
			log_err("%s; starting without remembered members", err);
		memset(&sm, 0, sizeof(sm));
		r = 0;
	}
	if (sm.n_bad)
		log_warn("state file %s: skipped %zu malformed line(s)", a->state_path, sm.n_bad);

	/* authority_start filled the authority keys in; the rest are defaults. */
	{
		struct gossip_config d;

		gossip_config_defaults(&d);
		d.n_authorities = a->gcfg.n_authorities;
		memcpy(d.authority, a->gcfg.authority, sizeof(d.authority));
		d.unix_now = a->gcfg.unix_now;
		a->gcfg = d;
	}
	a->gcfg.via_overlay = cfg->backend != CONFIG_BACKEND_NONE;
	a->gcfg.max_members = cfg->max_members;
	a->gcfg.admit_rate = cfg->admit_rate;
	a->gcfg.admit_burst = cfg->admit_burst;
	if (wire_prefix_parse(&a->gcfg.overlay_prefix, cfg->prefix) != 0) {
		snprintf(err, errlen, "--prefix %s: not an address/prefix", cfg->prefix);
		r = -EINVAL;
		goto out;
	}
	if (cfg->prefix6 && wire_prefix_parse(&a->gcfg.overlay_prefix6, cfg->prefix6) != 0) {
		snprintf(err, errlen, "--prefix6 %s: not an address/prefix", cfg->prefix6);
		r = -EINVAL;
		goto out;
	}
	if ((r = resolve_seeds(a, &sm, err, errlen)) != 0 ||
	    (r = choose_endpoint(a, err, errlen)) != 0 ||
	    (r = build_self(a, &sm, err, errlen)) != 0 ||
	    (r = authority_check_self(a, err, errlen)) != 0)
		goto out;
	restore_claim(a, &sm);
	if (cfg->relay)
		a->self_tmpl.flags |= WIRE_REC_RELAY;

	membership_io(a, &io);
	r = gossip_new(&a->g, &a->gcfg, &a->idn, &a->self_tmpl, &io, agent_now_ms());
	if (r != 0) {
		snprintf(err, errlen, "cannot start the membership engine: %s", wire_strerror(r));
		goto out;
	}
	/* Revocations before the records they may refuse. */
	authority_restore(a);
	n_others = 0;
	for (size_t i = 0; i < sm.n; i++) {
		if (memcmp(sm.rec[i].id, a->idn.id, WIRE_ID_LEN) == 0)
			continue;   /* ours: only for restore_claim */
		n_others++;
		if (gossip_restore(a->g, &sm.rec[i], agent_now_ms()) != 0)
			log_debug("state: a remembered record did not verify; skipped");
	}
	if (n_others)
		log_info("remembered %zu member(s) from %s", n_others, a->state_path);

	if ((r = wg_start(a, err, errlen)) != 0 || (r = open_sockets(a, err, errlen)) != 0 ||
	    (r = relay_agent_start(a, err, errlen)) != 0 || (r = punch_start(a)) != 0)
		goto out;
	authority_forget_revoked(a);
	if ((r = rejoin_start(a, n_others, err, errlen)) != 0)
		goto out;
	if (timers_start(a) != 0) {
		snprintf(err, errlen, "cannot start timers");
		r = -ENOMEM;
	}
out:
	state_members_free(&sm);
	return r;
}

int agent_run(struct agent *a)
{
	a->running = true;
	return event_base_dispatch(a->base) < 0 ? -EIO : 0;
}

struct save_ctx {
	const struct wire_record **recs;
	size_t n, cap;
};

static void collect(void *arg, const struct gossip_member *m)
{
	struct save_ctx *c = arg;

	/* Our own record too (first: slot 0), for the address claim (restore_claim). */
	if (m->state == GOSSIP_LEFT || c->n == c->cap || c->n >= STATE_MAX_RECORDS)
		return;
	c->recs[c->n++] = m->rec;
}

void agent_save_state(struct agent *a)
{
	struct save_ctx c = { NULL, 0, 0 };
	const struct gossip_member *self;
	char err[256];

	if (!a->g || !(self = gossip_self(a->g)))
		return;
	c.cap = gossip_size(a->g);
	c.recs = calloc(c.cap ? c.cap : 1, sizeof(*c.recs));
	if (!c.recs)
		return;
	gossip_foreach(a->g, collect, &c);
	{
		uint64_t now = agent_now_ms();
		bool ok = state_save(a->state_path, self->rec->version, c.recs, c.n, err,
				     sizeof(err)) == 0;
		uint32_t streak = 0, dropped;

		switch (state_saver_done(&a->saver, ok, now, &streak)) {
		case 1:
			log_warn("%s; the previous file is kept, retrying with backoff "
				 "(meshd_state_write_errors_total counts failures)", err);
			break;
		case 2:
			log_info("state file %s written again after %u failed attempt(s)",
				 a->state_path, streak);
			break;
		default:
			if (!ok && log_ratelimit_ok(&a->rl_state, now, &dropped))
				log_warn("%s (%u failed attempt(s) in a row; still retrying)", err,
					 streak);
			break;
		}
	}
	free(c.recs);
}

void agent_shutdown(struct agent *a, const char *why)
{
	struct timeval flush = { 0, 200000 };

	if (a->stopping)
		return;
	a->stopping = true;
	if (a->wg)
		log_info("shutting down (%s); interface %s and its peers stay up", why,
			 a->cfg->interface);
	else
		log_info("shutting down (%s)", why);
	ctl_server_shutdown(a);
	event_base_loopexit(a->base, &flush);
}

void agent_stop(struct agent *a)
{
	/* A start that failed half-way leaves the state file as it was. */
	if (a->g && a->running) {
		agent_save_state(a);
		authority_save(a);
	}
	timers_stop(a);
	free(a->rejoin);
	a->rejoin = NULL;
	ctl_server_stop(a);
	metrics_stop(a);
	hooks_stop(a);
	net_close(a);
	punch_stop(a);
	relay_agent_stop(a);
	wg_stop(a);
	if (a->g)
		gossip_free(a->g);
	a->g = NULL;
	identity_wipe(&a->idn);
	authority_stop(a);
	if (a->base)
		event_base_free(a->base);
	a->base = NULL;
}
