/* SPDX-License-Identifier: MIT */
/*
 * Internal to the trust files of gossip/ (authority mode):
 *   trust_store.c   the objects: pool, hash index, revocations, invites
 *                   and their spends, grants of the current epoch
 *   trust_admit.c   records: the admission check (T4, T6, T7) with its caches
 *   trust.c         objects: verify, apply (revoke, dethrone, grant), the API
 *   trust_spread.c  dissemination: rounds, WIRE_TRUST, anti-entropy pages
 * Everything is allocated only in authority mode (g->trust != NULL).
 */
#ifndef MESHD_GOSSIP_TRUST_INTERNAL_H
#define MESHD_GOSSIP_TRUST_INTERNAL_H

#include "internal.h"

enum {
	TRUST_MAX_INVITES = 4096,
	TRUST_SPENDS_OVER = 8,          /* spends kept per invite: uses + this */
	TRUST_MAX_SPENDS = 32768,       /* all invites together */
	TRUST_MAX_REVOCATIONS = 16384,
	TRUST_MAX_GRANTS = 8192,        /* one per member, current epoch */
	TRUST_QUEUE_MAX = 1024,         /* objects waiting to be gossiped */
	TRUST_DIRECT_MAX = 64,          /* grants handed straight to their member per round */
	TRUST_VERIFY_MAX = 8,           /* signature checks per incoming WIRE_TRUST */
	TRUST_PUSH_MAX = 24,            /* objects pushed for one anti-entropy page */
	TRUST_SWEEP_MS = 10000,         /* how often expired admissions are looked for */
};

/* An object in the store; kind 0 = a free slot. */
struct tobj {
	uint64_t hash;                  /* trust_*_hash: the anti-entropy identity */
	struct gossip_trust_obj o;
};

/* An invite whose certificate verified, with its verified spends. */
struct tinv {
	struct trust_invite cert;
	uint8_t digest[16];             /* trust_invite_digest of cert */
	bool revoked;
	uint32_t *spend;                /* object slots, by (admitted_at, member) ascending */
	uint32_t n_spend, cap_spend;
};

struct tq {
	uint32_t slot;
	uint16_t sent;
};

struct held_ip {
	uint8_t family;
	uint8_t ip[16];
};

struct gossip_trust {
	struct tobj *obj;
	uint32_t n_obj, cap_obj;
	uint32_t *free_slot, n_free;
	uint32_t *by_hash, n_hash;      /* live slots by hash (pages, dedup) */
	uint32_t *rev, n_rev;           /* revocation slots by (target, kind) */
	struct held_ip *held;           /* overlay addresses of revoked members, sorted */
	uint32_t n_held;
	struct tinv *inv;               /* by invite_pub */
	uint32_t n_inv, cap_inv;
	uint32_t n_spends;
	uint32_t *grant, n_grant;       /* grant slots of `epoch`, by member */
	uint32_t epoch;

	struct tq *q;                   /* dissemination queue (trust_spread.c) */
	uint32_t n_q;
	uint32_t *direct, n_direct;     /* submitted grants to send their member first */
	bool submitting;                /* gossip_trust_submit is running */
	uint64_t next_round, next_sweep;
	uint32_t page_pos;              /* rotates pages over the hash space */

	bool rescan;                    /* someone may have lost standing: trust_after looks */
	bool self_revoked;              /* the agent was told (GOSSIP_EV_REVOKED on self) */
	bool quiet;                     /* importing: store, do not gossip */
	bool dirty;                     /* the store changed: tell the agent (trust_stored) */
	uint32_t budget;                /* signature checks left for the current datagram */

	uint64_t unix_base, base_ms;    /* wall clock: unix_base at base_ms */
	struct gossip_trust_stats stats;
};

/* trust_store.c */
int tstore_init(struct gossip_trust *t);
void tstore_free(struct gossip_trust *t);
struct tobj *tstore_by_hash(const struct gossip_trust *t, uint64_t hash);
/* Position in by_hash of the first object whose hash is >= h. */
uint32_t tstore_hash_pos(const struct gossip_trust *t, uint64_t h);
/* The revocation of (kind, target), or NULL. */
const struct trust_revocation *tstore_revoked(const struct gossip_trust *t, uint8_t kind,
					      const uint8_t target[static WIRE_ID_LEN]);
bool tstore_sender_revoked(const struct gossip_trust *t, const uint8_t sid[static WIRE_SHORT_ID_LEN]);
bool tstore_addr_held(const struct gossip_trust *t, const struct wire_prefix *p);
/* Add a verified revocation: 0, -EALREADY, -ENOSPC, -ENOMEM. */
int tstore_add_revocation(struct gossip_trust *t, const struct trust_revocation *rev);
struct tinv *tstore_invite(const struct gossip_trust *t, const uint8_t invite_pub[static WIRE_ID_LEN]);
/* Add an invite whose certificate verified; NULL when full. */
struct tinv *tstore_add_invite(struct gossip_trust *t, const struct trust_invite *cert,
			       const uint8_t digest[static 16]);
/*
 * Where (member, admitted_at) ranks among inv's spends: index of the
 * equal spend (*found) or of where it would go.
 */
uint32_t tstore_spend_rank(const struct gossip_trust *t, const struct tinv *inv,
			   const uint8_t member[static WIRE_ID_LEN], uint64_t admitted_at, bool *found);
static inline const struct trust_spend *tstore_spend(const struct gossip_trust *t,
						     const struct tinv *inv, uint32_t i)
{
	return &t->obj[inv->spend[i]].o.u.spend;
}
/*
 * Add a verified spend at rank `at`; drops the highest beyond uses + 8.
 * 0, -ENOSPC (over TRUST_MAX_SPENDS, or ranked past the kept ones), -ENOMEM.
 */
int tstore_add_spend(struct gossip_trust *t, struct tinv *inv, const struct trust_spend *sp,
		     uint32_t at);
/* An invite revoked: its spends go (they admit nobody any more). */
void tstore_drop_spends(struct gossip_trust *t, struct tinv *inv);
/* An invite that can admit nobody any more leaves the store, spends and all. */
void tstore_drop_invite(struct gossip_trust *t, struct tinv *inv);
/*
 * No admission through this invite can be valid any more: made by
 * not_after, it lasts admit_ttl (+ skew). Twice the skew, so that nodes
 * whose clocks differ by up to the skew agree on what is pruned.
 */
static inline bool invite_dead(const struct trust_invite *c, uint64_t now)
{
	return c->admit_ttl && now > c->not_after + c->admit_ttl + 2 * TRUST_SKEW_S;
}
/* Grants: the current epoch's, one per member. */
const struct trust_grant *tstore_grant(const struct gossip_trust *t,
				       const uint8_t member[static WIRE_ID_LEN]);
/* 0, -EALREADY (same member held), -ESTALE (older epoch), -ENOSPC, -ENOMEM. */
int tstore_add_grant(struct gossip_trust *t, const struct trust_grant *gr);
/* A member revoked: its grant goes (every node refuses one that comes later). */
void tstore_drop_grant(struct gossip_trust *t, const uint8_t member[static WIRE_ID_LEN]);
void tstore_foreach(const struct gossip_trust *t, void (*fn)(void *arg, const struct gossip_trust_obj *o),
		    void *arg);
uint64_t tobj_hash(const struct gossip_trust_obj *o);

/* trust_admit.c */
/*
 * The admission of record r (T4, T6, T7), cheapest check first; 0 or
 * -TRUST_E* / -EACCES (revoked) / -ENOSPC. A new verified spend is
 * stored and queued, even if the record is refused later for another
 * reason: it is a fact signed by the invite key.
 */
int trust_admit(struct gossip *g, const struct wire_record *r);
/* Take a spend (record's or object): 0 winner, -TRUST_EOVERSPENT, or refused. */
int trust_spend_take(struct gossip *g, const struct trust_spend *sp, bool *added);
/* Count a refusal (by -TRUST_E* or our own codes). */
void trust_count_refusal(struct gossip *g, int err);
#define TRUST_EREVOKED_ADDRESS 1190  /* our own code beside hA's -TRUST_E* */
#define TRUST_EREVOKED_INVITE 1191
#define TRUST_EINVITE_CONFLICT 1192

/* trust.c */
uint64_t trust_unix(const struct gossip *g);
/* Every TRUST_SWEEP_MS: members whose admission ran out leave the table. */
void trust_sweep(struct gossip *g, uint64_t now);
/* Verify and apply one object; 0 new, -EALREADY held, or why refused. */
int trust_accept(struct gossip *g, const struct gossip_trust_obj *o, bool spread);

/* trust_spread.c */
void tspread_queue(struct gossip *g, uint32_t slot);
/* A grant the operator submitted here: its member gets it straight away too. */
void tspread_direct(struct gossip *g, uint32_t slot);
void tspread_unqueue(struct gossip_trust *t, uint32_t slot);

#endif
