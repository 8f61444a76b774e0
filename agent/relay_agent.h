/* SPDX-License-Identifier: MIT */
/*
 * Relaying in the agent (issue 11, P5; docs/DESIGN.md "Relays"): both
 * roles, driven from the gossip thread.
 *  - Relay (--relay): answers WIRE_RELAY requests between members by
 *    opening pairs in the forwarder thread (relay.h), with each member's
 *    registered endpoint = the endpoint our WireGuard holds for it after
 *    a fresh handshake (never an address a message names).
 *  - Client (every node): a member with no WireGuard handshake 5 s after
 *    we learnt of it (at once when our NAT is symmetric) is asked for
 *    through a relay (the lowest id among live relay members); its peer
 *    endpoint then points at the relay's port. No handshake through the
 *    relay within 15 s, a REFUSE, or the relay failing: the next relay.
 */
#ifndef MESHD_AGENT_RELAY_AGENT_H
#define MESHD_AGENT_RELAY_AGENT_H

#include <stdbool.h>
#include <stdint.h>

#include "../gossip/gossip.h"

struct agent;
struct evbuffer;

enum {
	RELAY_DIRECT_WAIT_MS = 5000,   /* no handshake this long after we learnt of a member */
	RELAY_ASK_WAIT_MS = 3000,      /* no OK this long: the next relay */
	RELAY_PROVE_MS = 15000,        /* no handshake through the relay this long: the next */
	RELAY_REFRESH_MS = 20000,      /* ask again: the relay learns new endpoints, keeps the pair */
	RELAY_BAD_MS = 60000,          /* a relay that failed a pair is skipped this long */
	RELAY_REFUSED_MS = 10000,      /* ...one that refused it (no proven endpoint yet, full) */
	RELAY_MOVED_MS = 30000,        /* after our address changed: ask again... */
	RELAY_MOVED_REFRESH_MS = 3000, /* ...this often, so the relay follows us soon */
	RELAY_CLIENT_MAX = 256,        /* peers tracked for relaying */
};

int relay_agent_start(struct agent *a, char *err, size_t errlen);
void relay_agent_stop(struct agent *a);
/* gossip io.relay */
void relay_agent_input(void *ctx, uint8_t op, const struct gossip_member *from,
		       const struct gossip_member *peer, uint16_t port);
void relay_agent_changed(struct agent *a, enum gossip_event ev, const struct gossip_member *m);
/* Once a second: the client's decisions. */
void relay_agent_house(struct agent *a, uint64_t now_ms);
/* Our local address changed (roaming): relays must learn our new endpoint soon. */
void relay_agent_moved(struct agent *a, uint64_t now_ms);
/* Relayed through a relay (its id to relay_id unless NULL)? */
bool relay_agent_via(const struct agent *a, const uint8_t id[WIRE_ID_LEN],
		     uint8_t relay_id[WIRE_ID_LEN]);
void relay_agent_metrics(struct agent *a, struct evbuffer *b);

#endif
