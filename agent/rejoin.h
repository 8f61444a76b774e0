/* SPDX-License-Identifier: MIT */
/*
 * Rejoining after a restart (issue 12). Candidates are the configured
 * seeds, the underlay gossip addresses of the members in the state file
 * and the peers already on the WireGuard device (which outlives the
 * agent): their endpoint's IP and their overlay address, at our gossip
 * port. A node that has not been answered yet, or holds no other live
 * member, or knows of fewer members than it remembered at start, sends
 * a JOIN round to the next batch of candidates, again and again with
 * jittered doubling backoff (REJOIN_FIRST_MS .. REJOIN_MAX_MS), for as
 * long as that holds. Pure: time and randomness come in as arguments.
 */
#ifndef MESHD_AGENT_REJOIN_H
#define MESHD_AGENT_REJOIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../proto/wire.h"

enum {
	REJOIN_MAX_CANDIDATES = 64,
	REJOIN_BATCH = 8,             /* GOSSIP_MAX_SEEDS: one gossip_join round */
	REJOIN_FIRST_MS = 1000,
	REJOIN_MAX_MS = 30000,
};

enum rejoin_source { REJOIN_SEED = 0, REJOIN_STATE, REJOIN_DEVICE, REJOIN_NSOURCES };

struct rejoin {
	struct wire_addr cand[REJOIN_MAX_CANDIDATES];
	size_t n, pos;
	size_t by_source[REJOIN_NSOURCES];
	size_t remembered;            /* other members remembered at start (state file, device) */
	bool started;                 /* a JOIN round went out */
	bool answered;                /* a JOIN_ACK came back since (gossip_joined) */
	uint64_t next_ms, backoff_ms;
	uint64_t rounds;
};

/* Add a candidate (duplicates and addresses without a port are ignored): true if added. */
bool rejoin_add(struct rejoin *r, const struct wire_addr *a, enum rejoin_source src);

/*
 * Should a round go out now? others_alive: live members besides us;
 * others_known: members besides us in any state (failed ones included:
 * those are for gossip's reach-out, not for rejoining).
 */
bool rejoin_needed(const struct rejoin *r, size_t others_alive, size_t others_known);

/* The next batch (up to `room`, rotating through all candidates). */
size_t rejoin_batch(struct rejoin *r, struct wire_addr *out, size_t room);

/* A round went out at now_ms: schedule the next (rand: any 64-bit random value). */
void rejoin_sent(struct rejoin *r, uint64_t now_ms, uint64_t rand);

/* Conditions no longer hold: the next need starts again at REJOIN_FIRST_MS. */
void rejoin_settled(struct rejoin *r);

bool rejoin_due(const struct rejoin *r, uint64_t now_ms);

#endif
