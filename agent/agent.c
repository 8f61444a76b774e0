/* SPDX-License-Identifier: MIT */
/*
 * Assembling the agent: keys and state first (anything wrong there stops
 * us before the mesh or the kernel is touched), then the engine, the
 * WireGuard device, sockets, control socket, metrics, hooks, seeds and
 * timers. Teardown saves state and leaves the interface and its peers up.
 */
#include <errno.h>
#include <event2/event.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "agent.h"
#include "keyfile.h"
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
	if ((r = state_load(a->state_path, &sm, err, errlen)) != 0)
		return r;
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
	if ((r = resolve_seeds(a, &sm, err, errlen)) != 0 ||
	    (r = choose_endpoint(a, err, errlen)) != 0 ||
	    (r = build_self(a, &sm, err, errlen)) != 0 ||
	    (r = authority_check_self(a, err, errlen)) != 0)
		goto out;
	restore_claim(a, &sm);

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

	if ((r = wg_start(a, err, errlen)) != 0 || (r = open_sockets(a, err, errlen)) != 0)
		goto out;
	authority_forget_revoked(a);
	if (a->n_seeds) {
		r = gossip_join(a->g, a->seeds, a->n_seeds, agent_now_ms());
		if (r != 0) {
			snprintf(err, errlen, "join: %s", wire_strerror(r));
			goto out;
		}
		log_info("joining through %zu seed(s)", a->n_seeds);
	} else {
		log_info("no seeds and no remembered members: starting a new mesh");
	}
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
	if (state_save(a->state_path, self->rec->version, c.recs, c.n, err, sizeof(err)) != 0)
		log_warn("%s", err);
	else
		a->state_dirty = a->state_save_soon = false;
	a->state_dirty_ms = 0;
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
	ctl_server_stop(a);
	metrics_stop(a);
	hooks_stop(a);
	net_close(a);
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
