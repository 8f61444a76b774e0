/* SPDX-License-Identifier: MIT */
/*
 * The relay forwarder (issue 11, P5; --relay): a thread of its own with
 * one epoll loop, so forwarding never delays gossip. It never decrypts:
 * it moves WireGuard ciphertext between two members' registered
 * endpoints under the rules of relay_rules.h.
 *
 * The agent (gossip thread) decides allocations and calls relay_open /
 * relay_close_member; sockets are opened here, in the caller's thread,
 * so the ports can be answered at once, and handed to the forwarder
 * through a pipe of fixed-size commands. A pair's slot belongs to the
 * agent while free and to the forwarder while active; the forwarder
 * frees it (idle, or on the agent's command) with an atomic store. The
 * counters are atomics read by the metrics.
 */
#ifndef MESHD_AGENT_RELAY_H
#define MESHD_AGENT_RELAY_H

#include <stdint.h>

#include "relay_rules.h"

struct relay;

struct relay_stats {
	uint64_t pairs;
	uint64_t forwarded_packets, forwarded_bytes;
	uint64_t dropped[RELAY_VERDICT_N];   /* by verdict; [RELAY_FORWARD] unused */
	uint64_t allocated_total, refused_total;
};

/* bind: underlay address for the pair sockets (NULL = any). */
int relay_start(struct relay **out, const struct relay_limits *lim, const char *bind,
		char *err, size_t errlen);
void relay_stop(struct relay *r);

/*
 * Open (or find) the pair of members a and b with their registered
 * endpoints; an existing pair (either order) gets the new endpoints.
 * port[0] is the port for a, port[1] the one for b. 0 or -errno
 * (-ENOSPC: max pairs).
 */
int relay_open(struct relay *r, const uint8_t a[WIRE_ID_LEN], const struct wire_addr *a_ep,
	       const uint8_t b[WIRE_ID_LEN], const struct wire_addr *b_ep, uint16_t port[2]);
/* Close every pair a member is in (it failed, left or was removed). */
void relay_close_member(struct relay *r, const uint8_t id[WIRE_ID_LEN]);

void relay_get_stats(struct relay *r, struct relay_stats *s);

#endif
