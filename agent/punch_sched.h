/* SPDX-License-Identifier: MIT */
/*
 * Hole punching, the timing (issue 11, docs/DESIGN.md "Hole punching"):
 * when a pair tries, when each step of an attempt is due, and how the
 * attempt is judged. Pure (the agent passes time and device facts in),
 * so the rules are unit-tested without a network.
 *
 * An attempt: at `fire` send the low-TTL datagram towards the peer's
 * public endpoint (punch_raw.c); PUNCH_SETTLE_MS later program that
 * endpoint and send traffic (the other side's punch, fired at about the
 * same moment, must have opened its NAT before our handshake reaches
 * it); PUNCH_JUDGE_MS after the fire, success is a handshake newer than
 * the fire with the device holding the punched endpoint. A failed attempt
 * leaves the NATs' conntrack entries for our WireGuard traffic behind
 * (30 s unreplied on Linux), which would poison the next attempt: the
 * next one waits PUNCH_RETRY_MS, doubling up to PUNCH_RETRY_MAX_MS, at
 * most PUNCH_MAX_ATTEMPTS until the peer's record changes.
 */
#ifndef MESHD_AGENT_PUNCH_SCHED_H
#define MESHD_AGENT_PUNCH_SCHED_H

#include <stdbool.h>
#include <stdint.h>

#include "../proto/wire.h"

enum {
	PUNCH_AT_MS = 1000,           /* request -> both sides fire (the forward's latency fits) */
	PUNCH_SETTLE_MS = 500,        /* fire -> endpoint programmed and traffic */
	/* fire -> judged: WireGuard sends at most one initiation per 5 s
	 * (REKEY_TIMEOUT), so a first one held back, plus its retry's trip */
	PUNCH_JUDGE_MS = 12000,
	PUNCH_RETRY_MS = 35000,       /* > conntrack's 30 s for the failed attempt's flows */
	PUNCH_RETRY_MAX_MS = 300000,
	PUNCH_MAX_ATTEMPTS = 6,
};

enum punch_step { PUNCH_STEP_NONE = 0, PUNCH_STEP_FIRE, PUNCH_STEP_SWITCH, PUNCH_STEP_JUDGE };

struct punch_sched {
	uint8_t attempts;             /* since the peer's record last changed */
	bool active;                  /* an attempt is under way */
	bool fired, switched;
	bool succeeded;               /* the last attempt worked: the pair is direct */
	uint64_t next_ms;             /* no attempt of ours before this */
	uint64_t fire_ms;
	int64_t fire_wall_s;          /* the handshake clock at the fire */
	struct wire_addr target;      /* the peer's public endpoint */
};

/* What the agent knows of the pair now. */
struct punch_view {
	bool able;                    /* raw socket open, we behind a port-preserving NAT */
	bool peer_natted;             /* the peer's record has a public and a LAN candidate */
	bool initiator;               /* our id is the lower: we send the request */
	bool direct;                  /* a live direct session already */
	bool stuck;                   /* its candidates were tried, no handshake */
};

/* Should we start an attempt (as initiator) now? */
bool punch_due(const struct punch_sched *s, const struct punch_view *v, uint64_t now_ms);
/* Start an attempt firing at now + at_ms towards target (ours or asked for). */
void punch_plan(struct punch_sched *s, const struct wire_addr *target, uint64_t now_ms,
		uint32_t at_ms);
/* The step due now, if any (the caller does it, then punch_done_step). */
enum punch_step punch_step_due(const struct punch_sched *s, uint64_t now_ms);
/* The time of the next step, or UINT64_MAX. */
uint64_t punch_next_step(const struct punch_sched *s);
void punch_done_step(struct punch_sched *s, enum punch_step st, int64_t now_wall_s);
/*
 * Judge the attempt from the device: its handshake time (unix s) and the
 * endpoint it holds. True on success; on failure the next attempt waits.
 */
bool punch_judge(struct punch_sched *s, int64_t last_handshake, const struct wire_addr *device_ep,
		 uint64_t now_ms);
/* The peer's record changed (new endpoints): attempts start over. */
void punch_reset(struct punch_sched *s);

#endif
