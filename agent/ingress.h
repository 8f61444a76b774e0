/* SPDX-License-Identifier: MIT */
/*
 * Admission of incoming datagrams before and after the AEAD (plan D10):
 * what a flood may cost us is decided here, in constant time and memory
 * per datagram, whatever the number of senders.
 *
 *   ingress_admit(): a token bucket per source IP (a bounded table: when
 *     full, the least recently seen source is forgotten), then a global
 *     bucket for all sources together. Runs before envelope_open.
 *   ingress_replayed(): a cache of the last `replay_slots` envelope nonces
 *     that opened; an exact duplicate is a replay. Runs after the AEAD (a
 *     nonce is only the sender's once the tag verified).
 *   ingress_engine_ok(): a global bucket for datagrams handed to the
 *     engine (signature checks are the expensive part); only opened,
 *     fresh datagrams reach it, so outsiders' junk cannot drain it.
 *
 * Pure: time comes in as an argument; no sockets, no clock.
 */
#ifndef MESHD_AGENT_INGRESS_H
#define MESHD_AGENT_INGRESS_H

#include <stdbool.h>
#include <stdint.h>

#include "../proto/wire.h"

struct ingress;

/* Rates are datagrams per second; a burst is the bucket's depth. */
struct ingress_limits {
	uint32_t source_rate, source_burst;   /* per source IP */
	uint32_t global_rate, global_burst;   /* everything, before the AEAD */
	uint32_t engine_rate, engine_burst;   /* opened and fresh, before the engine */
	uint32_t max_sources;                 /* sources tracked at once */
	uint32_t replay_slots;                /* nonces remembered */
};

enum ingress_verdict {
	INGRESS_PASS = 0,
	INGRESS_RATE_SOURCE,    /* this source is over its budget */
	INGRESS_RATE_GLOBAL,    /* all sources together are over the global budget */
};

struct ingress_stats {
	uint32_t sources;           /* sources tracked now (<= max_sources) */
	uint64_t sources_evicted;   /* forgotten to make room for a new one */
};

void ingress_limits_default(struct ingress_limits *l);
/* 0 or -EINVAL (a zero rate, burst or size) / -ENOMEM. */
int ingress_new(struct ingress **out, const struct ingress_limits *l, uint64_t now_ms);
void ingress_free(struct ingress *in);

/* Before the AEAD: may a datagram from this source (its IP; the port is ignored) be opened? */
enum ingress_verdict ingress_admit(struct ingress *in, const struct wire_addr *from,
				   uint64_t now_ms);
/* After the AEAD: true when this nonce was seen before (a replay); else it is remembered. */
bool ingress_replayed(struct ingress *in, const uint8_t nonce[static WIRE_NONCE_LEN]);
/* After the replay check: may the engine spend work on one more datagram? */
bool ingress_engine_ok(struct ingress *in, uint64_t now_ms);

const struct ingress_stats *ingress_stats(const struct ingress *in);

#endif
