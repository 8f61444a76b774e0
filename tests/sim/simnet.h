/* SPDX-License-Identifier: MIT */
/*
 * The simulated network: N real engines (gossip/) exchanging datagrams
 * in virtual time through an event heap. Links lose packets with a given
 * probability and delay them 1..10 ms; nodes can be killed, paused, or
 * split into two partitions. Deterministic for a seed.
 */
#ifndef MESHSIM_SIMNET_H
#define MESHSIM_SIMNET_H

#include <stdbool.h>
#include <stdint.h>

#include "gossip/gossip.h"
#include "heap.h"
#include "rng.h"

enum {
	SIM_GOSSIP_PORT = 51821,
	SIM_WG_PORT = 51820,
};

/*
 * Bytes on the underlay wire for a gossip datagram of `len` plaintext bytes
 * (the engine's message; the agent adds the network-key envelope). Outside
 * the tunnel (discovery-only mode, and JOIN/JOIN_ACK always): IPv4 + UDP +
 * envelope + message. Inside it (tunnel mode, the agent's default, once
 * joined): IPv4 + UDP + WireGuard's data header (16) + the inner packet
 * (IPv4 + UDP + envelope + message) padded to a multiple of 16 + the tag
 * (16). Worked examples: docs/BENCHMARKS.md, "What the simulator counts".
 */
uint32_t sim_wire_bytes(size_t len, bool tunnel);

struct sim;

struct node {
	struct sim *sim;
	struct gossip *g;
	struct rng rng;
	uint32_t idx;
	uint32_t timer_gen;
	uint64_t timer_at;
	uint64_t paused_until;
	uint64_t bytes;           /* underlay bytes sent while counting (sim_wire_bytes) */
	uint64_t dgrams_out;      /* datagrams sent while counting: one envelope seal each */
	uint64_t dgrams_in;       /* datagrams delivered while counting: one envelope open each */
	uint64_t verify_base;     /* the engine's signature checks when counting began */
	uint8_t group;            /* partition side */
	bool dead;
	bool mark;                /* scenario's per-node flag */
	bool full;                /* scenario: this node's view is complete */
};

struct sim {
	struct node *nodes;
	uint32_t n;
	uint64_t now;
	struct heap heap;
	struct rng rng;           /* loss and latency */
	struct gossip_recpool *pool;
	double loss;              /* per datagram, every link */
	uint32_t lat_min, lat_max;
	bool partitioned;
	bool counting;            /* add sent bytes to node->bytes */
	bool tunnel;              /* cfg.via_overlay: overlay destinations travel in WireGuard */
	uint32_t *ov_slot;        /* overlay IPv4 -> node index + 1 (open addressing) */
	uint32_t ov_mask;
	bool track;               /* deliver events to on_event */
	void (*on_event)(struct sim *s, struct node *n, enum gossip_event ev,
			 const struct gossip_member *m);
	void (*after)(struct sim *s, struct node *n);   /* after each input or tick */
	void (*on_grant)(struct sim *s, struct node *n, const struct trust_grant *g);
	void *sc;                 /* scenario state */
	bool stop;
	int trace;                /* MESHSIM_TRACE=1: log deliveries to stderr */
	uint64_t delivered, dropped;
};

/* n engines with deterministic identities; none knows another yet. */
int sim_init(struct sim *s, uint32_t n, uint64_t seed, const struct gossip_config *cfg);
/* The same, each engine's own record template (id set) passed through tmpl first. */
int sim_init_tmpl(struct sim *s, uint32_t n, uint64_t seed, const struct gossip_config *cfg,
		  void (*tmpl)(void *ctx, uint32_t idx, struct wire_record *r), void *ctx);
/* exiting: the process ends next; skip 10^8 reference drops the kernel does faster. */
void sim_free(struct sim *s, bool exiting);
/* Give nodes [0, members) every other member's record: a converged mesh. */
int sim_prepopulate(struct sim *s, uint32_t members);
/* Arm every live node's timer (after building). */
void sim_start(struct sim *s);
void sim_addr(uint32_t idx, struct wire_addr *a);
/* Node idx's current overlay address (its own record's first), or false. */
bool sim_overlay(const struct sim *s, uint32_t idx, struct wire_addr *a);
/* Process events up to t (or until s->stop). */
void sim_run(struct sim *s, uint64_t t);
/* After poking a node from outside (join, leave), re-arm its timer. */
void sim_rearm(struct sim *s, struct node *n);
/* From now on count bytes, datagrams and signature checks per node. */
void sim_count_start(struct sim *s);
/* Signature checks node idx made since counting began, or would have made with a private pool. */
uint64_t sim_verifications(const struct sim *s, uint32_t idx);
void sim_kill(struct sim *s, uint32_t idx);
void sim_pause(struct sim *s, uint32_t idx, uint64_t until);

#endif
