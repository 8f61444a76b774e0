/* SPDX-License-Identifier: MIT */
/*
 * Paths (issue 11, P3): for each peer, how our WireGuard reaches it and
 * which endpoint candidate to program. Pure: the agent passes in the
 * device dump (endpoint the device holds, latest handshake) and the time;
 * the relay (n2) and punch (n3) code set a relay or a punched endpoint
 * through path_set_relay / path_set_direct.
 *
 * Candidate trial (P1): a record's endpoints are an ordered candidate
 * list (operator-given, public as observed, LAN, global IPv6). A peer
 * whose public IP equals ours is behind the same NAT, so its LAN
 * candidates go first. Candidates are tried one at a time, PATH_TRY_MS
 * each; success is a handshake newer than the switch, and the working
 * candidate is kept. An endpoint the device learned by roaming (it
 * differs from what we asked for and the handshake is fresh) wins: it is
 * never overwritten.
 *
 * Reachability: a peer with no handshake for PATH_UNREACHABLE_MS (or
 * never, PATH_UNREACHABLE_MS after it appeared) is PATH_NONE.
 */
#ifndef MESHD_AGENT_PATH_H
#define MESHD_AGENT_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../proto/wire.h"

enum path_kind { PATH_NONE = 0, PATH_DIRECT, PATH_RELAY };

enum {
	PATH_TRY_MS = 5000,           /* per candidate before the next one */
	PATH_UNREACHABLE_MS = 20000,  /* no handshake this long: none */
	/*
	 * A pair behind two IPv4 NATs with global IPv6 on both sides tries
	 * IPv6 only, this long, before a relay takes it: WireGuard retries an
	 * initiation every 5 s, the first one each way is dropped by the far
	 * stateful firewall, the next one passes (both sides must be sending).
	 */
	PATH_V6_WAIT_MS = 12000,
	PATH_MAX_CANDIDATES = WIRE_MAX_ENDPOINTS,
};

struct path {
	uint8_t id[WIRE_ID_LEN];
	enum path_kind kind;
	struct wire_addr endpoint;     /* the endpoint in use (device's); family 0 = none */
	uint8_t relay_id[WIRE_ID_LEN]; /* kind == PATH_RELAY, or a relay set */
	uint64_t since_ms;             /* kind or endpoint last changed */
	int64_t last_handshake;        /* unix s, 0 = never */
	uint64_t appeared_ms;          /* first seen */
	uint64_t none_since_ms;        /* kind became PATH_NONE (appeared_ms at first) */

	/* candidate trial (private to path.c) */
	uint8_t n_cand, cur;
	struct wire_addr cand[PATH_MAX_CANDIDATES];
	uint64_t switched_ms;          /* when cand[cur] was programmed */
	int64_t switched_wall_s;       /* same, unix seconds (handshake clock) */
	bool settled;                  /* cand[cur] handshook: keep it */
	bool roamed;                   /* the device follows the peer: hands off */
	bool relayed;                  /* relay_ep set by path_set_relay */
	struct wire_addr relay_ep;     /* endpoint to program when relayed */
	struct wire_addr asked;        /* what we last asked the device for */
	uint64_t v6_since_ms;          /* only_v6 trial started (0 = not one) */

	/* the agent's bookkeeping (wg_paths.c) */
	uint32_t mark;                 /* apply round that last saw the member */
	bool warned;                   /* unreachable: logged once */
};

/* Device facts about one peer from the dump. */
struct path_obs {
	struct wire_addr device_ep;    /* family 0 = device has none */
	int64_t last_handshake;        /* unix s, 0 = never */
};

/*
 * Order rec's endpoints as candidates for a peer. our_public: our own
 * public endpoint as observed (family 0 = unknown). When the peer's
 * public candidate has the same IP as ours, its private (RFC 1918, RFC
 * 4193, link-local excluded) candidates move to the front, keeping their
 * relative order; when its public candidates all have another IP (another
 * site), its private ones are left out. Returns the number written (<= room).
 */
size_t path_candidates(const struct wire_addr *ep, size_t n_ep,
		       const struct wire_addr *our_public,
		       struct wire_addr *out, size_t room);

/*
 * Global IPv6 candidates first (stable), for when we are behind an IPv4
 * NAT and have global IPv6 ourselves: IPv6 needs no NAT traversal, and
 * both sides trying it at once opens stateful firewalls on the way.
 */
void path_prefer_v6(struct wire_addr *cand, size_t n);

/*
 * Both of us behind IPv4 NAT (the peer's record has a private candidate)
 * with global IPv6, and not behind one NAT: the peer's IPv4 public
 * candidate needs punching, IPv6 needs only both sides sending. Keeps the
 * global IPv6 candidates only (in order); returns how many (0 = none:
 * cand left as it was).
 */
size_t path_only_v6(struct wire_addr *cand, size_t n);

/* True for an address no NAT forwards to: RFC 1918, 100.64/10, fc00::/7. */
bool path_addr_private(const struct wire_addr *a);

void path_init(struct path *p, const uint8_t id[WIRE_ID_LEN], uint64_t now_ms);

/*
 * Give the peer's current candidates (already ordered). A changed list
 * restarts the trial from the first candidate unless the one in use is
 * still in it.
 */
void path_set_candidates(struct path *p, const struct wire_addr *cand, size_t n,
			 uint64_t now_ms, int64_t now_wall_s);

/*
 * Feed the device's view and run the rules. Returns the endpoint to
 * program (*want; family 0 = leave the device's endpoint as it is).
 */
void path_update(struct path *p, const struct path_obs *obs, uint64_t now_ms,
		 int64_t now_wall_s, struct wire_addr *want);

/* Relay (P5): program relay_ep for this peer; path_clear_relay goes back to
 * the candidates. Punch (P4): path_set_direct programs ep and keeps it. */
void path_set_relay(struct path *p, const uint8_t relay_id[WIRE_ID_LEN],
		    const struct wire_addr *relay_ep, uint64_t now_ms, int64_t now_wall_s);
void path_clear_relay(struct path *p, uint64_t now_ms, int64_t now_wall_s);
void path_set_direct(struct path *p, const struct wire_addr *ep, uint64_t now_ms,
		     int64_t now_wall_s);

/* All candidates tried once without a handshake (P4/P5: time to punch or
 * relay). */
bool path_candidates_exhausted(const struct path *p, uint64_t now_ms);

/* An IPv6-only trial (path_only_v6) still within PATH_V6_WAIT_MS: no relay yet. */
bool path_v6_pending(const struct path *p, uint64_t now_ms);

/* PATH_NONE for PATH_UNREACHABLE_MS or more: shown, counted, warned about. */
bool path_unreachable(const struct path *p, uint64_t now_ms);

const char *path_kind_name(enum path_kind k);   /* "none", "direct", "relay" */

/*
 * The agent's table of paths, one per peer id. Bounded by the member
 * table (the agent removes paths of members it drops).
 */
struct path_table;
int path_table_new(struct path_table **out);
void path_table_free(struct path_table *t);
struct path *path_table_get(struct path_table *t, const uint8_t id[WIRE_ID_LEN]);   /* NULL = none */
/* Find or add (path_init at now_ms); NULL on ENOMEM. */
struct path *path_table_add(struct path_table *t, const uint8_t id[WIRE_ID_LEN], uint64_t now_ms);
void path_table_del(struct path_table *t, const uint8_t id[WIRE_ID_LEN]);
/* Drop every path whose mark is not `mark` (members gone since the last round). */
void path_table_prune(struct path_table *t, uint32_t mark);
size_t path_table_count(const struct path_table *t);
void path_table_foreach(struct path_table *t, void (*fn)(void *arg, struct path *p), void *arg);

#endif
