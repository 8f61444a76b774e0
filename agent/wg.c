/* SPDX-License-Identifier: MIT */
/*
 * From the member table to the WireGuard device. The desired peer set is
 * rebuilt from the engine after every change and handed to wgctl_apply,
 * which pushes only the difference. Which member becomes which peer is
 * decided in wg_desired.c; here: peers already on the device at start
 * that the agent does not know yet are kept for a start-up grace, so a
 * restart never drops working tunnels before gossip has caught up.
 * The same deferred event also re-signs our record when a seed reports a
 * different public address (NAT) and re-addresses the interface.
 */
#include <errno.h>
#include <event2/event.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "agent.h"
#include "relay_agent.h"
#include "wg_desired.h"

enum {
	WG_REFRESH_MS = 10000,
	WG_REFRESH_FAST_MS = 2000,   /* while a path is being tried or down (issue 11) */
	WG_RETRY_MS = 5000,
	WG_ADOPT_MS = 60000,
};

static void wg_deferred(evutil_socket_t fd, short what, void *arg);

const struct wg_peer_stat *wg_stat(const struct agent *a, const uint8_t key[static WGCTL_KEY_LEN])
{
	if (!a->stats)
		return NULL;
	return bsearch(key, a->stats, a->n_stats, sizeof(a->stats[0]), wg_key_cmp);
}

/* Keep a compact copy of the dump: wgctl_peer is large (64 allowed IPs each). */
static void take_stats(struct agent *a, const struct wgctl_device *dev)
{
	struct wg_peer_stat *st = calloc(dev->n_peers ? dev->n_peers : 1, sizeof(*st));

	if (!st)
		return;
	for (size_t i = 0; i < dev->n_peers; i++) {
		memcpy(st[i].key, dev->peers[i].public_key, WGCTL_KEY_LEN);
		st[i].last_handshake = dev->peers[i].last_handshake;
		st[i].rx_bytes = dev->peers[i].rx_bytes;
		st[i].tx_bytes = dev->peers[i].tx_bytes;
		addr_from_wg_endpoint(&st[i].endpoint, &dev->peers[i].endpoint);
	}
	qsort(st, dev->n_peers, sizeof(*st), wg_key_cmp);
	free(a->stats);
	a->stats = st;
	a->n_stats = dev->n_peers;
}

void wg_refresh(struct agent *a)
{
	struct wgctl_device dev;
	char err[256];
	int r;

	if (!a->wg)
		return;
	a->last_wg_get_ms = agent_now_ms();
	a->c.wg_ops[WG_OP_GET]++;
	memset(&dev, 0, sizeof(dev));
	r = wgctl_get(a->wg, &dev, err, sizeof(err));
	if (r != 0) {
		uint32_t dropped;

		a->c.wg_errors[WG_OP_GET]++;
		snprintf(a->wg_last_error, sizeof(a->wg_last_error), "%s", err);
		if (log_ratelimit_ok(&a->rl_wg, agent_now_ms(), &dropped))
			log_warn("reading interface %s: %s", a->cfg->interface, err);
		return;
	}
	take_stats(a, &dev);
	wgctl_device_free(&dev);
}

struct want_ctx {
	struct agent *a;
	struct wg_rules rules;
	struct wgctl_peer *peers;
	size_t n, cap;
	uint8_t (*known)[WGCTL_KEY_LEN];   /* every member's key, programmed or not */
	size_t n_known;
};

static void add_member(void *arg, const struct gossip_member *m)
{
	struct want_ctx *w = arg;
	const struct wg_peer_stat *st = wg_stat(w->a, m->wg_public);

	if (w->known && w->n_known < w->cap)
		memcpy(w->known[w->n_known++], m->wg_public, WGCTL_KEY_LEN);
	if (w->n < w->cap &&
	    wg_member_peer(m, &w->rules, st ? st->last_handshake : 0, &w->peers[w->n])) {
		/* the endpoint of its path (candidate trial), our keepalive */
		wg_paths_peer(w->a, m, &w->peers[w->n], w->rules.now_ms, w->rules.now_wall_s);
		/* Relayed (relay_agent.h): keepalives hold the relay's pair and NAT mappings open. */
		if (!w->peers[w->n].keepalive && relay_agent_via(w->a, m->rec->id, NULL))
			w->peers[w->n].keepalive = 25;
		w->n++;
	}
}

static void apply(struct agent *a)
{
	struct want_ctx w = { .a = a };
	uint64_t now = agent_now_ms();
	size_t changed = 0, known;
	char err[256];
	int r;

	w.rules = (struct wg_rules){ now, agent_wall_s(), a->cfg->failed_grace, a->cfg->keepalive };
	w.cap = gossip_size(a->g) + a->n_adopted;
	w.peers = calloc(w.cap ? w.cap : 1, sizeof(*w.peers));
	if (a->n_adopted)
		w.known = calloc(w.cap ? w.cap : 1, sizeof(*w.known));
	if (!w.peers || (a->n_adopted && !w.known)) {
		free(w.peers);
		free(w.known);
		a->wg_dirty = true;
		a->wg_retry_ms = now + WG_RETRY_MS;
		return;
	}
	a->path_round++;
	a->paths_busy = 0;
	gossip_foreach(a->g, add_member, &w);
	wg_paths_sweep(a, now);
	known = w.n;
	if (now < a->wg_adopt_until_ms) {
		qsort(w.known, w.n_known, sizeof(*w.known), wg_key_cmp);
		w.n += wg_keep_adopted(a->adopted, a->n_adopted, (const uint8_t (*)[WGCTL_KEY_LEN])w.known,
				       w.n_known, w.peers + w.n, w.cap - w.n);
	}
	free(w.known);
	a->c.wg_ops[WG_OP_APPLY]++;
	r = wgctl_apply(a->wg, w.peers, w.n, &changed, err, sizeof(err));
	free(w.peers);
	if (r != 0) {
		uint32_t dropped;

		a->c.wg_errors[WG_OP_APPLY]++;
		a->wg_dirty = true;
		a->wg_retry_ms = now + WG_RETRY_MS;
		snprintf(a->wg_last_error, sizeof(a->wg_last_error), "%s", err);
		if (log_ratelimit_ok(&a->rl_wg, now, &dropped))
			log_warn("programming peers on %s failed (retrying): %s", a->cfg->interface, err);
		return;
	}
	a->wg_last_error[0] = '\0';
	/* Every member's peer exists now: JOIN_ACKs waiting for theirs go. */
	gossip_tunnel_ready(a->g, now);
	/* Member changes (datagrams) drive applies: rate-limited like them. */
	if (changed && log_get_level() >= LOG_LVL_DEBUG &&
	    log_ratelimit_ok(&a->rl_wg_changes, now, &(uint32_t){ 0 }))
		log_debug("WireGuard: %zu peer(s) changed, %zu programmed", changed, known);
}

/*
 * Our record's endpoint candidates changed: a seed saw us elsewhere (NAT),
 * our local address moved, or members agree on our public endpoint
 * (gossip/observe.c). The list is ordered: wg_paths_self.
 */
static void update_endpoint(struct agent *a)
{
	struct wire_record self = a->self_tmpl;
	char text[WIRE_MAX_ENDPOINTS * (WIRE_ADDR_STRLEN + 2)] = "";
	size_t len = 0;
	int r;

	a->have_observed = false;
	if (a->observed.family && !a->endpoint_pinned)
		a->endpoint = a->observed;
	self.n_endpoints = (uint8_t)wg_paths_self(a, self.endpoint, WIRE_MAX_ENDPOINTS);
	if (self.n_endpoints == a->self_tmpl.n_endpoints &&
	    !memcmp(self.endpoint, a->self_tmpl.endpoint, self.n_endpoints * sizeof(self.endpoint[0])))
		return;
	for (size_t i = 0; i < self.n_endpoints; i++) {
		char one[WIRE_ADDR_STRLEN];

		wire_addr_format(&self.endpoint[i], one, sizeof(one));
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%s", i ? ", " : "", one);
	}
	self.version = 0;
	r = gossip_update_self(a->g, &self, agent_now_ms());
	if (r != 0) {
		log_warn("cannot advertise new endpoint(s) %s: %s", text, wire_strerror(r));
		return;
	}
	a->self_tmpl = self;
	log_info("advertising endpoint%s %s%s", self.n_endpoints > 1 ? "s" : "", text,
		 a->behind_nat ? " (behind NAT)" : "");
	/*
	 * Gossip would carry the new record to the seed only after the seed
	 * gave up on the address it has (its answers go there): a JOIN, which
	 * it answers wherever it came from, carries it now.
	 */
	if (a->join_again) {
		a->join_again = false;
		if (gossip_rejoin_moved(a->g, agent_now_ms()) == 0)
			log_debug("joining again with the observed endpoint");
	}
	timers_kick(a);
}

static void wg_deferred(evutil_socket_t fd, short what, void *arg)
{
	struct agent *a = arg;

	(void)fd;
	(void)what;
	if (a->have_observed)
		update_endpoint(a);
	if (a->readdress)
		wg_readdress(a);
	if (!a->wg)
		a->wg_dirty = false;   /* discovery only: nothing to program */
	if (a->wg && a->wg_dirty && agent_now_ms() >= a->wg_retry_ms) {
		a->wg_dirty = false;
		apply(a);
	}
}

void wg_mark_dirty(struct agent *a)
{
	a->wg_dirty = true;
	if (a->wg_ev)
		event_active(a->wg_ev, EV_TIMEOUT, 0);
}

int wg_readdress(struct agent *a)
{
	const struct gossip_member *self = gossip_self(a->g);
	struct wgctl_device_conf conf;
	char err[256], text[2 * WIRE_ADDR_STRLEN];
	const struct wire_prefix *v6 = NULL;
	int r;

	memset(&a->overlay6, 0, sizeof(a->overlay6));
	a->readdress = false;
	if (!self || self->rec->n_overlay == 0)
		return 0;
	/* The mesh prefix's family is the main address; dual stack adds the IPv6 one. */
	a->overlay = self->rec->overlay[0];
	for (int i = 1; i < self->rec->n_overlay; i++) {
		if (self->rec->overlay[i].family == a->gcfg.overlay_prefix.family) {
			v6 = &self->rec->overlay[0];
			a->overlay = self->rec->overlay[i];
		} else if (self->rec->overlay[i].family == WIRE_AF_INET6) {
			v6 = &self->rec->overlay[i];
		}
	}
	wire_prefix_format(&a->overlay, text, sizeof(text));
	if (v6 && v6->family == WIRE_AF_INET6) {
		size_t tl = strlen(text);

		a->overlay6 = *v6;
		text[tl++] = ' ';
		wire_prefix_format(v6, text + tl, sizeof(text) - tl);
	}
	if (!a->wg)
		return 0;
	memset(&conf, 0, sizeof(conf));
	snprintf(conf.ifname, sizeof(conf.ifname), "%s", a->cfg->interface);
	memcpy(conf.private_key, a->idn.wg_private, WGCTL_KEY_LEN);
	conf.listen_port = a->cfg->listen_port;
	conf.mtu = a->cfg->mtu;
	conf.addr_family = a->overlay.family == WIRE_AF_INET ? AF_INET : AF_INET6;
	conf.addr_cidr = a->overlay.len;
	memcpy(&conf.addr, a->overlay.ip, a->overlay.family == WIRE_AF_INET ? 4 : 16);
	if (v6 && v6->family == WIRE_AF_INET6 && a->overlay.family != WIRE_AF_INET6) {
		conf.addr6_cidr = v6->len;
		memcpy(&conf.addr6, v6->ip, 16);
	}
	a->c.wg_ops[WG_OP_SETUP]++;
	r = wgctl_setup(a->wg, &conf, err, sizeof(err));
	sodium_memzero(conf.private_key, sizeof(conf.private_key));
	if (r != 0) {
		a->c.wg_errors[WG_OP_SETUP]++;
		snprintf(a->wg_last_error, sizeof(a->wg_last_error), "%s", err);
		log_err("setting up %s with %s: %s", a->cfg->interface, text, err);
		return r;
	}
	log_info("interface %s up with %s", a->cfg->interface, text);
	return 0;
}

/* Remember the device's peers at start: they survive until gossip knows them or the grace ends. */
static void adopt_existing(struct agent *a)
{
	struct wgctl_device dev;
	char err[256];

	memset(&dev, 0, sizeof(dev));
	a->c.wg_ops[WG_OP_GET]++;
	if (wgctl_get(a->wg, &dev, err, sizeof(err)) != 0) {
		a->c.wg_errors[WG_OP_GET]++;
		return;
	}
	take_stats(a, &dev);
	if (dev.n_peers) {
		a->adopted = calloc(dev.n_peers, sizeof(*a->adopted));
		if (a->adopted) {
			memcpy(a->adopted, dev.peers, dev.n_peers * sizeof(*a->adopted));
			a->n_adopted = dev.n_peers;
			a->wg_adopt_until_ms = agent_now_ms() + WG_ADOPT_MS;
			log_info("%s already has %zu peer(s): kept while the mesh is rejoined",
				 a->cfg->interface, dev.n_peers);
		}
	}
	wgctl_device_free(&dev);
}

/* Before any state is touched: a missing WireGuard must not leave traces. */
int wg_open(struct agent *a, char *err, size_t errlen)
{
	static const enum wgctl_backend_kind kinds[] = { WGCTL_AUTO, WGCTL_KERNEL,
							 WGCTL_USERSPACE, WGCTL_NONE };
	int r;

	if (a->cfg->backend == CONFIG_BACKEND_NONE)
		return 0;
	r = wgctl_open(&a->wg, kinds[a->cfg->backend], a->cfg->interface, err, errlen);
	if (r != 0)
		return r;
	wgctl_set_keep_endpoint(a->wg, true);
	if (a->cfg->backend != CONFIG_BACKEND_KERNEL)
		wgctl_set_spawn(a->wg, "wireguard-go");
	return 0;
}

int wg_start(struct agent *a, char *err, size_t errlen)
{
	int r;

	a->wg_ev = event_new(a->base, -1, 0, wg_deferred, a);
	if (!a->wg_ev || wg_paths_start(a) != 0)
		return -ENOMEM;
	if (!a->wg) {
		wg_readdress(a);
		return 0;
	}
	if ((r = wg_readdress(a)) != 0) {
		snprintf(err, errlen, "%s", a->wg_last_error);
		return r;
	}
	log_info("WireGuard backend: %s", wgctl_kind_name(wgctl_kind(a->wg)));
	adopt_existing(a);
	wg_mark_dirty(a);
	return 0;
}

void wg_housekeeping(struct agent *a, uint64_t now_ms)
{
	if (!a->wg)
		return;
	if (now_ms - a->last_wg_get_ms >= (a->paths_busy ? WG_REFRESH_FAST_MS : WG_REFRESH_MS)) {
		wg_refresh(a);
		/* Failed members' grace may have ended; adopted peers may expire. */
		wg_mark_dirty(a);
	}
	if (a->n_adopted && now_ms >= a->wg_adopt_until_ms) {
		free(a->adopted);
		a->adopted = NULL;
		a->n_adopted = 0;
		wg_mark_dirty(a);
	}
	if (a->wg_dirty && now_ms >= a->wg_retry_ms)
		event_active(a->wg_ev, EV_TIMEOUT, 0);
}

void wg_stop(struct agent *a)
{
	/* The interface and its peers stay: the data plane outlives the agent. */
	if (a->wg_ev)
		event_free(a->wg_ev);
	a->wg_ev = NULL;
	if (a->wg)
		wgctl_close(a->wg);
	a->wg = NULL;
	free(a->adopted);
	free(a->stats);
	wg_paths_stop(a);
	a->adopted = NULL;
	a->stats = NULL;
	a->n_adopted = a->n_stats = 0;
}
