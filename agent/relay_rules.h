/* SPDX-License-Identifier: MIT */
/*
 * Relay forwarding rules (issue 11, P5), pure so they are tested without
 * sockets: what the relay thread (relay.c) does with one datagram that
 * arrived on one side of a pair.
 *
 * A pair joins member A and member B through two relay ports: side 0
 * (A sends to it) and side 1 (B sends to it). A datagram on side s is
 * forwarded to the registered endpoint of the other side, and only when
 *  - it came from the registered endpoint of side s: the endpoint the
 *    relay's own WireGuard holds for that member (proven by a handshake),
 *    set by the agent at allocation; so a stranger is dropped, and nothing
 *    in a datagram can name where it goes. One exception, for symmetric
 *    NATs (a new source port per destination, so the member's flow to
 *    this port is not the one WireGuard saw): the side's first WireGuard
 *    message, or any handshake message (type 1 or 2), from the
 *    registered IP moves the side's port to its source port (a member
 *    with a live session sends only data: it must not wait for a rekey
 *    after moving to another relay). The IP never changes;
 *  - it looks like a WireGuard message (type 1-4, reserved bytes zero,
 *    exact length for handshakes and cookies): the relay is a forwarder
 *    of WireGuard ciphertext, not a general reflector;
 *  - the pair is under its packets/s and bytes/s limits (token buckets,
 *    one second of burst);
 *  - with wait_open (the relay runs with --punch), the other side has
 *    sent to its own port already: a datagram from
 *    the relay reaching a member's NAT before the member's own flow to
 *    that port would make Linux NAT remap the member's flow, and then
 *    every new flow from its WireGuard port (sticky), which breaks hole
 *    punching for it (docs/DESIGN.md "Hole punching").
 * A pair with no forwarded datagram for idle_ms is freed.
 */
#ifndef MESHD_AGENT_RELAY_RULES_H
#define MESHD_AGENT_RELAY_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../proto/wire.h"

enum relay_verdict {
	RELAY_FORWARD = 0,
	RELAY_DROP_STRANGER,  /* not from the side's registered endpoint */
	RELAY_DROP_NOT_WG,    /* not a WireGuard message */
	RELAY_DROP_RATE,      /* over the pair's packets/s or bytes/s */
	RELAY_DROP_ERROR,     /* sendto failed (counted by relay.c) */
	RELAY_DROP_CLOSED,    /* the other side has not sent to its port yet */
	RELAY_VERDICT_N,
};

struct relay_limits {
	uint32_t max_pairs;   /* pairs at once */
	uint32_t pps;         /* per pair, both directions together */
	uint32_t bps;         /* bytes/s per pair, both directions together */
	uint32_t idle_ms;     /* a pair with no forwarded datagram this long is freed */
	bool wait_open;       /* forward to a side only once it sent to its port (with --punch) */
};

enum {
	RELAY_DEFAULT_MAX_PAIRS = 64,
	RELAY_DEFAULT_PPS = 20000,
	RELAY_DEFAULT_BPS = 25000000,    /* 200 Mbit/s */
	RELAY_IDLE_MS = 60000,
	RELAY_MAX_PAIRS_CAP = 1024,
};

struct relay_pair_rules {
	struct wire_addr ep[2];          /* registered endpoints of side 0 (A) and 1 (B) */
	uint64_t last_fwd_ms;            /* allocation or last forwarded datagram */
	uint64_t refill_ms;
	uint64_t tok_pkts, tok_bytes;    /* in thousandths, capped at one second's worth */
	uint32_t learned;                /* ports moved by a datagram from the registered IP */
	bool heard[2];                   /* a datagram forwarded from this side */
	bool opened[2];                  /* a valid datagram came from this side: its NAT maps our port */
};

/* True for a WireGuard message (types 1-4) of a valid length. */
bool relay_wg_message(const uint8_t *buf, size_t len);

void relay_pair_init(struct relay_pair_rules *p, const struct wire_addr *a,
		     const struct wire_addr *b, const struct relay_limits *lim, uint64_t now_ms);

/*
 * Judge a datagram of len bytes from src that arrived on side `side`.
 * On RELAY_FORWARD, *to is the other side's registered endpoint (send it
 * from the other side's port) and the pair's budget is charged.
 */
enum relay_verdict relay_pair_judge(struct relay_pair_rules *p, const struct relay_limits *lim,
				    unsigned side, const struct wire_addr *src,
				    const uint8_t *buf, size_t len, uint64_t now_ms,
				    const struct wire_addr **to);

bool relay_pair_idle(const struct relay_pair_rules *p, const struct relay_limits *lim,
		     uint64_t now_ms);

bool relay_addr_equal(const struct wire_addr *x, const struct wire_addr *y);
bool relay_same_ip(const struct wire_addr *x, const struct wire_addr *y);

/* "stranger", "not_wg", "rate", "error" (metrics label). */
const char *relay_verdict_name(enum relay_verdict v);

#endif
