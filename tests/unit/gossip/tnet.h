/* SPDX-License-Identifier: MIT */
/*
 * A tiny fake network for the engine's unit tests: up to TN_MAX engines,
 * a FIFO of datagrams with 1 ms latency, a virtual clock, a drop rule,
 * and per-node event logs. Plus helpers to sign records and build
 * datagrams as some outside identity would.
 */
#ifndef TNET_H
#define TNET_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "gossip/gossip.h"
#include "proto/msg.h"
#include "proto/record.h"

enum { TN_MAX = 12, TN_LOG = 256, TN_QMAX = 4096, TN_OUT_MAX = 64 };

struct tn_event {
	enum gossip_event ev;
	uint8_t id[WIRE_ID_LEN];
	uint64_t version;
	uint64_t at;
};

struct tnode {
	struct tnet *net;
	struct gossip *g;
	struct identity idn;
	uint32_t idx;
	uint64_t rng;
	struct tn_event log[TN_LOG];
	uint32_t n_log;
	uint64_t sent[GOSSIP_NTYPES];
	size_t max_len[GOSSIP_NTYPES];
	uint64_t carried;                 /* datagrams sent carrying net->watch's record */
	uint64_t to_overlay;              /* datagrams sent to an overlay address */
	uint8_t first_records[WIRE_MAX_PLAINTEXT];  /* first RECORDS datagram after reset */
	size_t first_records_len;
	struct wire_addr observed;        /* the last io->observed() */
	uint32_t n_observed;
	uint32_t n_stored;                /* io->trust_stored() calls */
	uint32_t n_grants;                /* io->grant() calls */
	uint32_t grant_epoch;
	uint8_t grant_key[WIRE_KEY_LEN];  /* the last key granted */
	uint32_t n_relay;                 /* io->relay() calls, and the last one's arguments */
	uint8_t relay_op;
	uint16_t relay_port;
	uint8_t relay_from[WIRE_ID_LEN], relay_peer[WIRE_ID_LEN];
	uint32_t n_punch;                 /* io->punch() calls; the last one's arguments: */
	uint8_t punch_peer[WIRE_ID_LEN];
	struct wire_addr punch_ep;
	uint32_t punch_at;
	struct wire_addr public_ep;       /* the last io->public_endpoint() (issue 11) */
	uint32_t n_public;
};

/* A datagram to an address where no engine lives (an outsider, a victim). */
struct tn_out {
	uint32_t from, len;
	struct wire_addr to;
	uint8_t buf[WIRE_MAX_PLAINTEXT];
};

struct tn_msg {
	uint64_t at;
	uint32_t from, to;
	uint32_t len;
	bool overlay;                     /* sent to an overlay address: comes from the sender's */
	uint8_t buf[WIRE_MAX_PLAINTEXT];
};

struct tnet {
	struct tnode node[TN_MAX];
	uint32_t n;
	uint64_t now;
	struct tn_msg *q;
	uint32_t nq;
	struct gossip_config cfg;
	/* Return true to drop a datagram. */
	bool (*drop)(struct tnet *net, uint32_t from, uint32_t to, const uint8_t *buf, size_t len);
	void *ctx;
	/* Optional: io->seen of node `observer` (issue 11: its WireGuard's view of m). */
	bool (*seen)(struct tnet *net, uint32_t observer, const struct gossip_member *m,
		     struct wire_addr *out);
	/* Optional: shapes each engine's own record template (an admission, say). */
	void (*tmpl)(struct tnet *net, uint32_t idx, struct wire_record *r);
	uint64_t dropped;
	uint8_t watch[WIRE_ID_LEN];       /* count datagrams carrying this id's record */
	/* Sent to 192.0.2.(k+1) with no engine there: the first TN_OUT_MAX kept, all counted. */
	struct tn_out *out;
	uint32_t n_out;
	uint64_t out_bytes[256], out_msgs[256];
	/* Datagrams (by type) sent to an address where no engine lives, overlay ones included. */
	uint64_t nowhere[GOSSIP_NTYPES];
};

void tn_identity(struct identity *idn, uint32_t n);
void tn_addr(uint32_t idx, struct wire_addr *a);
/* A signed record for idn at version, endpoint of node slot idx. */
void tn_record(struct wire_record *r, const struct identity *idn, uint32_t idx, uint64_t version);

/* n engines (identities tn_identity(seed_base + i)); none knows another yet. */
void tn_init(struct tnet *net, uint32_t n, uint32_t seed_base, const struct gossip_config *cfg);
/* The same, each engine's template passed through tmpl (with net->ctx = ctx) first. */
void tn_init_tmpl(struct tnet *net, uint32_t n, uint32_t seed_base, const struct gossip_config *cfg,
		  void (*tmpl)(struct tnet *net, uint32_t idx, struct wire_record *r), void *ctx);
void tn_free(struct tnet *net);
/* Replace node i's engine by a fresh one (same identity) with this config. */
void tn_recreate(struct tnet *net, uint32_t i, const struct gossip_config *cfg);
/* Every engine restores every other's record: a converged mesh. */
void tn_connect_all(struct tnet *net);
void tn_run(struct tnet *net, uint64_t ms);
/* Feed one datagram to node `to` as if from slot `from` (from may be >= n: an outsider). */
int tn_input(struct tnet *net, uint32_t to, uint32_t from, const struct wire_msg *m);
/* Encode m; returns length. */
size_t tn_encode(const struct wire_msg *m, uint8_t *buf);

int tn_count(const struct tnode *n, enum gossip_event ev, const uint8_t id[static WIRE_ID_LEN]);
/* Time of the first event ev about id at node n, or 0. */
uint64_t tn_first(const struct tnode *n, enum gossip_event ev, const uint8_t id[static WIRE_ID_LEN]);
const uint8_t *tn_id(const struct tnet *net, uint32_t i);
enum gossip_state tn_state(const struct tnet *net, uint32_t observer, uint32_t subject);

/* Drop rules used by several tests. */
bool tn_drop_isolated(struct tnet *net, uint32_t from, uint32_t to, const uint8_t *buf, size_t len);
/* ctx: a bool[TN_MAX] of sides; drops what crosses. */
bool tn_drop_cross(struct tnet *net, uint32_t from, uint32_t to, const uint8_t *buf, size_t len);
uint8_t tn_type(const uint8_t *buf, size_t len);

#endif
