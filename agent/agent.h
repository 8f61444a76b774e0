/* SPDX-License-Identifier: MIT */
/*
 * The imperative shell around the gossip engine: one struct agent holds
 * the event loop, sockets, timers, the engine, the WireGuard handle and
 * the control socket. Each file owns one concept and exposes a few
 * functions here; data flows one way:
 *
 *   net.c (socket -> ingress budgets -> envelope_open -> replay cache)
 *   -> gossip_input -> membership.c
 *   (changed) -> wg.c (desired peers -> wgctl_apply), ctl_server.c
 *   (events), hooks.c, state save; timers.c drives gossip_tick.
 */
#ifndef MESHD_AGENT_AGENT_H
#define MESHD_AGENT_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../gossip/gossip.h"
#include "../proto/identity.h"
#include "../proto/wire.h"
#include "../wgctl/wgctl.h"
#include "config.h"
#include "keysched.h"
#include "log.h"
#include "state.h"

struct event_base;
struct event;
struct evbuffer;
struct ctl_server;
struct hooks;
struct ingress;
struct metrics;
struct net_rx;
struct path_table;

/* In the order net.c checks them; REFUSE_MESSAGE stays last (metrics.c
 * renders the ones before it, then the engine's own reasons). */
enum refuse_reason {
	REFUSE_SIZE = 0,     /* shorter than an envelope or larger than a datagram */
	REFUSE_RATE_SOURCE,  /* its source IP is over its budget (ingress.c) */
	REFUSE_RATE_GLOBAL,  /* all sources together are over budget, before the AEAD */
	REFUSE_ENVELOPE,     /* did not open with the network key */
	REFUSE_REPLAY,       /* an envelope nonce seen before: a replayed datagram */
	REFUSE_RATE_ENGINE,  /* opened, but the engine's budget is spent */
	REFUSE_MESSAGE,      /* opened but the engine refused it (decode, signature, rules) */
	REFUSE_NREASONS,
};
extern const char *const refuse_reason_names[REFUSE_NREASONS];

enum wg_op { WG_OP_SETUP = 0, WG_OP_APPLY, WG_OP_GET, WG_NOPS };
extern const char *const wg_op_names[WG_NOPS];

struct net_sock {
	int fd;
	int family;
	bool overlay;            /* bound to our overlay address (tunnel side) */
	struct event *ev;
};

/* What the last wgctl_get said about one peer, for meshctl. */
struct wg_peer_stat {
	uint8_t key[WGCTL_KEY_LEN];
	int64_t last_handshake;
	uint64_t rx_bytes, tx_bytes;
	struct wire_addr endpoint;
};

struct agent_counters {
	uint64_t rx_datagrams, rx_bytes, tx_datagrams, tx_bytes, tx_errors;
	uint64_t refused[REFUSE_NREASONS];
	uint64_t opened_prev_key;        /* opened only with the previous network key */
	uint64_t wg_ops[WG_NOPS], wg_errors[WG_NOPS];
	uint64_t hooks_run, hooks_failed, hooks_dropped;
	uint64_t hooks_coalesced;        /* changes folded into a pending one for the same member */
	uint64_t events_dropped;         /* `meshctl events` lines a too-slow subscriber lost */
	uint64_t rejoin_attempts;        /* rejoin rounds through candidates (rejoin.c) */
	/* probe round trips (PING sent -> ACK received) */
	uint64_t rtt_count;
	double rtt_sum_s;
};

/* Authority mode, the agent's side (authority.c). */
struct token;
struct agent_authority {
	bool on;                         /* any authority key: every member needs an admission */
	bool have_key;                   /* a network key was found (flag, invite or state dir) */
	size_t n_auth;
	uint8_t auth[GOSSIP_MAX_AUTHORITIES][WIRE_ID_LEN];
	struct token *tok;               /* the invite given at this start, if any (wiped at stop) */
	bool has_adm;
	struct trust_admission adm;      /* ours */
	bool trust_dirty;                /* the engine's trust store changed: save it */
	uint64_t trust_dirty_ms;
	uint64_t expiry_logged_ms;
	uint64_t grants_installed;       /* network keys granted to us */
	/* Refusals already logged (authority_house sums up what is new). */
	uint64_t refused_logged[GOSSIP_TRUST_REFUSE_MAX], losers_logged;
	uint64_t refused_log_ms;
	size_t restored, restore_refused;
};

struct agent {
	struct meshd_config *cfg;
	struct event_base *base;
	struct identity idn;
	struct keysched ks;              /* network key(s): which seals, which open (keysched.h) */
	struct agent_authority auth;
	struct gossip *g;
	struct gossip_config gcfg;
	struct wire_record self_tmpl;
	char state_path[4096];

	struct wgctl *wg;                /* NULL with --backend none */
	struct wire_prefix overlay;      /* our overlay address as programmed */
	struct wire_prefix overlay6;     /* dual stack: our IPv6 overlay address, family 0 = none */
	uint64_t wg_adopt_until_ms;      /* keep unknown device peers until then */
	size_t n_adopted;
	struct wgctl_peer *adopted;
	size_t n_stats;
	struct wg_peer_stat *stats;      /* sorted by key */
	bool wg_dirty;
	uint64_t wg_retry_ms;
	char wg_last_error[256];
	struct event *wg_ev;

	struct net_sock sock[2];
	size_t n_sock;
	struct ingress *ingress;         /* rate limits and replay cache (net.c) */
	struct net_rx *rx;               /* receive buffers (net.c) */

	struct wire_addr seeds[2 * CONFIG_MAX_JOIN];
	size_t n_seeds, n_join_seeds;    /* the first n_join_seeds came from --join */
	struct wire_addr endpoint;       /* advertised WireGuard endpoint */
	bool endpoint_pinned;            /* --endpoint or --bind: never guessed again */
	struct wire_addr route_src;      /* our underlay source towards the mesh, last seen */
	struct wire_addr observed;       /* how a seed saw us (NAT), pending */
	bool have_observed;
	bool readdress;                  /* our overlay address changed: reprogram */

	/* Issue 11: paths and endpoint candidates (wg_paths.c, path.h) */
	struct path_table *paths;        /* per member: path in use, candidate trial */
	uint32_t path_round;
	struct wire_addr public_ep;      /* members agree they see us here (observe.c) */
	enum gossip_nat nat;             /* what `meshctl status` shows */
	bool behind_nat;                 /* our public candidate is no local address */
	bool join_again;                 /* a JOIN_ACK changed our endpoint: JOIN once more with it */
	size_t unreachable;              /* alive members without a tunnel (path none) */
	size_t paths_busy;               /* paths not settled: read the device often */
	struct punch *punch;             /* hole punching (punch.c) */
	struct log_ratelimit rl_unreach;

	struct event *tick_ev, *house_ev, *leave_ev, *sig_ev[4];
	struct event *save_ev;           /* a membership change: write state shortly */
	struct event *rejoin_ev;         /* rejoin.c */
	struct rejoin *rejoin;           /* rejoin.c: candidates and backoff */
	uint64_t next_tick_ms;
	uint64_t start_ms;               /* monotonic */
	int64_t start_wall_s;
	struct state_saver saver;        /* when the members file is written (state.h) */
	struct log_ratelimit rl_state, rl_rejoin;
	uint64_t last_endpoint_check_ms, last_wg_get_ms, last_join_log_ms;
	bool running, leaving, stopping;
	uint64_t converged_ms;           /* last time all members were alive and programmed */

	struct relay_agent *relay;       /* relay_agent.h: relaying, both roles */
	struct ctl_server *ctl;
	struct hooks *hooks;
	struct metrics *metrics;
	struct agent_counters c;
	struct log_ratelimit rl_refused, rl_send, rl_wg;
	/* Log lines a datagram can set off: member changes, hook failures, peer updates. */
	struct log_ratelimit rl_member, rl_hooks, rl_wg_changes;

	/* outstanding probes for round-trip times (small ring) */
	struct { uint32_t seq; uint64_t sent_us; } pings[16];
	unsigned ping_next;
};

/* agent.c */
uint64_t agent_now_ms(void);          /* monotonic */
int64_t agent_wall_s(void);
/* Unix time of a monotonic instant, for meshctl. */
int64_t agent_mono_to_wall(uint64_t mono_ms);
int64_t agent_mono_to_wall_ms(uint64_t mono_ms);
int agent_start(struct agent *a, struct meshd_config *cfg, char *err, size_t errlen);
int agent_run(struct agent *a);
void agent_stop(struct agent *a);
void agent_shutdown(struct agent *a, const char *why);
void agent_save_state(struct agent *a);
/* Rejoin candidates and rounds (rejoin.h): at start, and every housekeeping second. */
int rejoin_start(struct agent *a, size_t remembered, char *err, size_t errlen);
void rejoin_house(struct agent *a, uint64_t now);
const char *agent_state_name(enum gossip_state st);

/* net.c */
int net_open(struct agent *a, const struct wire_addr *bind, bool overlay, char *err, size_t errlen);
void net_close(struct agent *a);
void net_send(struct agent *a, const struct wire_addr *to, const uint8_t *plain, size_t len);

/* membership.c: the engine's io and what a change sets off */
void membership_io(struct agent *a, struct gossip_io *io);
void membership_note_sent(struct agent *a, const uint8_t *plain, size_t len);
void membership_note_received(struct agent *a, const uint8_t *plain, size_t len);

/* timers.c */
int timers_start(struct agent *a);
void timers_stop(struct agent *a);
void timers_kick(struct agent *a);    /* after any engine call: re-arm the tick */
void timers_state_changed(struct agent *a);  /* membership changed: save state soon */

/* wg.c */
int wg_open(struct agent *a, char *err, size_t errlen);
int wg_start(struct agent *a, char *err, size_t errlen);
void wg_stop(struct agent *a);
void wg_mark_dirty(struct agent *a);
void wg_refresh(struct agent *a);
const struct wg_peer_stat *wg_stat(const struct agent *a, const uint8_t key[static WGCTL_KEY_LEN]);
void wg_housekeeping(struct agent *a, uint64_t now_ms);
int wg_readdress(struct agent *a);

/* punch.c: hole punching (issue 11) */
struct punch;
int punch_start(struct agent *a);      /* after wg_start */
void punch_stop(struct agent *a);
void punch_house(struct agent *a, uint64_t now_ms);
void punch_requested(struct agent *a, const struct gossip_member *peer, const struct wire_addr *ep,
		     uint32_t at_ms);
void punch_counters(const struct agent *a, uint64_t *attempts, uint64_t *successes);
/* An attempt towards id under way, or its punched direct path live: relays keep off. */
bool punch_busy(const struct agent *a, const uint8_t id[WIRE_ID_LEN]);
struct path;
/* Program nothing (want zeroed) or the punched endpoint for m instead of the trial's: true. */
bool punch_hold(struct agent *a, const struct gossip_member *m, const struct path *pt,
		struct wire_addr *want);

/* wg_paths.c: paths, candidates, observation (issue 11) */
int wg_paths_start(struct agent *a);
void wg_paths_stop(struct agent *a);
/* Program m's peer with its path's endpoint and our keepalive (wg.c's apply). */
void wg_paths_peer(struct agent *a, const struct gossip_member *m, struct wgctl_peer *p,
		   uint64_t now_ms, int64_t now_wall_s);
/* After an apply: forget paths of members gone, count and warn about unreachable ones. */
void wg_paths_sweep(struct agent *a, uint64_t now_ms);
/* The endpoint our WireGuard holds for m from its own packets (ACK's seen). */
bool wg_paths_seen(struct agent *a, const struct gossip_member *m, struct wire_addr *out);
/* Our candidates, in order, for our record (operator, public, LAN, IPv6). */
size_t wg_paths_self(struct agent *a, struct wire_addr *out, size_t room);
uint16_t wg_paths_keepalive(const struct agent *a);
/* What `meshctl status` calls our NAT: none|port-preserving|symmetric|unknown. */
enum gossip_nat wg_paths_nat(const struct agent *a);
/* Paths by kind (PATH_NONE..PATH_RELAY) of the members programmed. */
void wg_paths_count(const struct agent *a, size_t count[3]);
struct path;
const struct path *wg_paths_get(const struct agent *a, const uint8_t id[static WIRE_ID_LEN]);
/* m's path is still trying a direct IPv6 path (path_v6_pending): no relay yet. */
bool wg_paths_direct_pending(const struct agent *a, const uint8_t id[static WIRE_ID_LEN],
			     uint64_t now_ms);

/* ctl_server.c */
int ctl_server_start(struct agent *a, char *err, size_t errlen);
void ctl_server_stop(struct agent *a);
void ctl_server_event(struct agent *a, const char *event, const struct gossip_member *m);
void ctl_server_leave_done(struct agent *a);
void ctl_server_shutdown(struct agent *a);
struct conn_cap;
const struct conn_cap *ctl_server_cap(const struct agent *a);

/* ctl_report.c */
struct ctl_writer;
void ctl_report_member(struct agent *a, struct ctl_writer *w, const char *kind,
		       const struct gossip_member *m);
size_t ctl_report_members(struct agent *a, struct evbuffer *out);
/* ctl_names.c: NAME, or NAME~XXXXXXXX (id prefix) for a member whose name another holds. */
void ctl_name_shown(const struct gossip_member *m, char *out, size_t len);
/* `resolve NAME.DOMAIN`: addr lines (IPv4 first) for libnss_meshd; returns their count. */
size_t ctl_names_resolve(struct agent *a, const char *query, struct evbuffer *out);
size_t ctl_report_status(struct agent *a, struct evbuffer *out);
const char *ctl_event_name(enum gossip_event ev);

/* ctl_trust.c: trust-info, trust-submit, revocations (ctl_proto.h) */
enum { TOKEN_SEEDS_OFFERED = 8 };
size_t ctl_trust_info(struct agent *a, struct evbuffer *out);
int ctl_trust_submit(struct agent *a, const char *arg, char *msg, size_t msglen);
size_t ctl_trust_revocations(struct agent *a, struct evbuffer *out);

/* hooks.c */
int hooks_start(struct agent *a, char *err, size_t errlen);
void hooks_stop(struct agent *a);
void hooks_event(struct agent *a, const char *event, const struct gossip_member *m);
void hooks_reap(struct agent *a);

/* authority.c: authority mode (and where the network key comes from in either mode) */
int authority_prepare(struct agent *a, char *err, size_t errlen);  /* before the state dir */
int authority_start(struct agent *a, char *err, size_t errlen);    /* after the identity */
int authority_check_self(struct agent *a, char *err, size_t errlen); /* after self_tmpl */
void authority_restore(struct agent *a);                           /* after gossip_new */
void authority_forget_revoked(struct agent *a);                    /* after wg_start */
void authority_forget_peer(struct agent *a, const uint8_t wg_public[static WIRE_KEY_LEN]);
void authority_house(struct agent *a, uint64_t now_ms);
void authority_save(struct agent *a);
void authority_stop(struct agent *a);
void authority_trust_stored(struct agent *a);
void authority_grant(struct agent *a, const struct trust_grant *g, const uint8_t key[WIRE_KEY_LEN]);
bool authority_admission_end(const struct agent *a, int64_t *end);  /* false: no expiry */
bool authority_expiry_warning(const struct agent *a, int64_t now);
const char *authority_short(char out[static 17], const uint8_t key[static WIRE_ID_LEN]);

/* metrics_http.c (rendering: metrics.c, metrics.h) */
int metrics_start(struct agent *a, char *err, size_t errlen);
void metrics_stop(struct agent *a);

#endif
