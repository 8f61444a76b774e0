/* SPDX-License-Identifier: MIT */
/*
 * The membership engine: a pure state machine. It never reads a clock,
 * opens a socket or touches the kernel: time comes in as arguments,
 * randomness and sending through struct gossip_io. The agent, the unit
 * tests and the simulator all drive this same code.
 *
 *   gossip_input()  a decrypted datagram arrived
 *   gossip_tick()   time passed; returns the next deadline
 *   io->send()      please send these plaintext bytes (<= WIRE_MAX_PLAINTEXT)
 *   io->changed()   membership changed (drives WireGuard)
 *
 * Callbacks run inside gossip_* calls and must not call back into the
 * engine that invoked them.
 */
#ifndef MESHD_GOSSIP_H
#define MESHD_GOSSIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../proto/wire.h"
#include "../proto/identity.h"
#include "../proto/trust.h"

struct gossip;

enum gossip_state {
	GOSSIP_ALIVE = 0,
	GOSSIP_SUSPECT = 1,
	GOSSIP_FAILED = 2,   /* tombstone: kept tombstone_ms so stale gossip cannot resurrect */
	GOSSIP_LEFT = 3,     /* owner's signed leave record */
};

enum gossip_event {
	GOSSIP_EV_ADDED = 0,   /* new member (verified record, address not contested) */
	GOSSIP_EV_UPDATED,     /* newer record (endpoint, address, tags) or back to alive */
	GOSSIP_EV_SUSPECT,
	GOSSIP_EV_FAILED,
	GOSSIP_EV_LEFT,
	GOSSIP_EV_REMOVED,     /* tombstone expired: forget it */
	GOSSIP_EV_CONFLICT,    /* record refused its overlay address (held by another) */
	/*
	 * Authority mode: an authority revoked this member (or the invite that
	 * admitted it, or its spend lost, T6). Sent once, just before the
	 * member leaves the table for good: drop its WireGuard peer now, no
	 * grace period. m->self: the mesh refuses us now (we, or our invite,
	 * were revoked; our spend lost; our pinned address is held): an
	 * operator has to invite us again.
	 */
	GOSSIP_EV_REVOKED,
};

/*
 * A member as the engine sees it. Stored compactly (the simulator keeps
 * 10,000 engines of 10,000 members in one process), so the WireGuard key
 * is a pointer into the engine's copy of the verified record rather than
 * an inline array; it reads the same way (m->wg_public, 32 bytes).
 */
struct gossip_member {
	const struct wire_record *rec;   /* verified; owned by the engine */
	const uint8_t *wg_public;        /* WIRE_KEY_LEN bytes; owned by the engine */
	uint64_t state_since_ms;
	enum gossip_state state;
	bool self;
	bool conflict;                   /* overlay address held by another member */
	bool name_conflict;              /* rec->name held by another member: never show it */
};

struct gossip_io {
	void *ctx;
	uint64_t (*rand64)(void *ctx);
	void (*send)(void *ctx, const struct wire_addr *to, const uint8_t *buf, size_t len);
	void (*changed)(void *ctx, enum gossip_event ev, const struct gossip_member *m);
	/* Optional: the seed told us how it sees us (NAT). May be NULL. */
	void (*observed)(void *ctx, const struct wire_addr *addr);
	/*
	 * Optional, authority mode. trust_stored: a trust object was added to
	 * (or dropped from) the store: save it (gossip_trust_foreach) soon.
	 * grant: an authority granted us the network key of grant->epoch;
	 * `key` is the opened key (checked against grant->key_hash), wiped by
	 * the engine after the call: copy it.
	 */
	void (*trust_stored)(void *ctx);
	void (*grant)(void *ctx, const struct trust_grant *grant, const uint8_t key[WIRE_KEY_LEN]);
	/*
	 * Optional (issue 11, hole punching): member `peer` asks us, through
	 * a coordinator, to send a low-TTL datagram to `ep` (one of peer's
	 * own signed endpoints) at_ms from now, as it does towards us then.
	 * Already checked and rate-limited (gossip/punch.c). May be NULL.
	 */
	void (*punch)(void *ctx, const struct gossip_member *peer, const struct wire_addr *ep,
		      uint32_t at_ms);
	/*
	 * Optional (issue 11, P5): a WIRE_RELAY message (op: enum
	 * wire_relay_op) from `from`, a proven member heard at its member
	 * address, about `peer`, another member we hold. port is non-zero
	 * only for WIRE_RELAY_OK. May answer with gossip_relay_send.
	 */
	void (*relay)(void *ctx, uint8_t op, const struct gossip_member *from,
		      const struct gossip_member *peer, uint16_t port);
	/*
	 * Optional, issue 11 (gossip/observe.c). seen: the endpoint our
	 * WireGuard holds for m, learned from its packets (fresh handshake,
	 * not through a relay); false = none. It goes into our ACKs to m.
	 * public_endpoint: members agree that they see us at addr, which our
	 * record does not advertise: re-sign with it (called at most once
	 * per 10 s).
	 */
	bool (*seen)(void *ctx, const struct gossip_member *m, struct wire_addr *out);
	void (*public_endpoint)(void *ctx, const struct wire_addr *addr);
};

/* How members see our endpoint (issue 11). */
enum gossip_nat {
	GOSSIP_NAT_UNKNOWN = 0,
	GOSSIP_NAT_NONE,          /* set by the agent: we hold our public address */
	GOSSIP_NAT_PRESERVING,    /* observers agree on one public endpoint, our port */
	GOSSIP_NAT_SYMMETRIC,     /* one public IP, a port per observer: no punching */
};

/*
 * Verified records, reference counted. Every engine keeps its records in
 * one; by default each engine makes its own. Engines in one process (the
 * simulator) may share one so that a record is stored, hashed and
 * verified once rather than once per engine. Records enter only after
 * record_verify (or signing by their owner), and a lookup matches only a
 * byte-identical record, so sharing never skips a check that would fail.
 * Not thread-safe: share only between engines driven by one thread.
 */
struct gossip_recpool;
int gossip_recpool_new(struct gossip_recpool **out);
void gossip_recpool_free(struct gossip_recpool *p);  /* after every engine using it */

enum { GOSSIP_MAX_AUTHORITIES = 4 };

struct gossip_config {
	uint32_t probe_interval_ms;     /* 1000 */
	uint32_t probe_timeout_ms;      /* 500: direct ack deadline */
	uint32_t indirect_probes;       /* 3 */
	uint32_t gossip_interval_ms;    /* 200 */
	uint32_t gossip_fanout;         /* 3 */
	uint32_t retransmit_mult;       /* budget = mult * ceil(log10(N+1)) */
	uint32_t suspicion_min_mult;    /* Lifeguard: min timeout = mult*log10(N)*probe */
	uint32_t suspicion_max_mult;    /* max = this * min, shortened by confirmations */
	uint32_t suspicion_confirmations; /* independent confirmations for the minimum */
	uint32_t sync_interval_ms;      /* anti-entropy with one random member */
	uint64_t tombstone_ms;          /* 24 h */
	uint64_t join_retry_ms;         /* resend JOIN until a JOIN_ACK */
	bool via_overlay;               /* send to overlay_ip:gossip_port after join (tunnel mode) */
	struct wire_prefix overlay_prefix; /* for derived addresses; family 0 = none */
	/* Issue 14: a second, IPv6 prefix (family 0 = none): a dual-stack
	 * member derives one address in each, from the same (id, addr_gen). */
	struct wire_prefix overlay_prefix6;
	/* Optional (0 / NULL = defaults): */
	uint32_t size_hint;             /* expected members: sizes the tables up front */
	struct gossip_recpool *pool;    /* shared record store; NULL = private */
	/*
	 * We held this same overlay address before this start (the agent's
	 * state file says so): our claim is not new, so the tie rules for
	 * young claims never make us give it up to a newcomer.
	 */
	bool self_claim_established;
	/*
	 * Bounds on what others can make us hold and verify. A record for an
	 * id we do not hold is refused unverified when the table (tombstones
	 * included) has max_members entries, or when the admission bucket
	 * (admit_rate new ids per second, up to admit_burst at once) is empty.
	 */
	uint32_t max_members;           /* 4096; at least 2 (self and one other) */
	uint32_t admit_rate;            /* 100 per second; 0 = no limit */
	uint32_t admit_burst;           /* 1000; at least 1 when admit_rate is set */
	/*
	 * Authority mode (docs/DESIGN.md): n_authorities > 0. Every record
	 * must then carry a valid admission by one of these keys. 0 = open
	 * mode, the engine behaves as if trust did not exist. unix_now is the
	 * wall-clock time (unix seconds) at gossip_new's now_ms; the engine
	 * advances it with now_ms, gossip_set_unix_time corrects it.
	 */
	uint8_t n_authorities;
	uint8_t authority[GOSSIP_MAX_AUTHORITIES][WIRE_ID_LEN];
	uint64_t unix_now;
};

/* Upper bound of admit_rate and admit_burst. */
#define GOSSIP_ADMIT_MAX 1000000U

void gossip_config_defaults(struct gossip_config *cfg);

/*
 * `self` is the template of our own record (name, overlay, endpoints, ports,
 * tags, version floor); the engine signs it with `idn` (copied). If
 * overlay is empty and a prefix is configured, the address is derived.
 */
int gossip_new(struct gossip **out, const struct gossip_config *cfg,
	       const struct identity *idn, const struct wire_record *self,
	       const struct gossip_io *io, uint64_t now_ms);
void gossip_free(struct gossip *g);   /* wipes the identity */

/* Start (or restart) joining through these seeds; JOINs are retried by tick. */
int gossip_join(struct gossip *g, const struct wire_addr *seeds, size_t n, uint64_t now_ms);
/*
 * Issue 12: another round of JOINs (the agent's rejoin backoff). While
 * joining it is gossip_join; once joined, JOINs go out without leaving
 * the joined state and a JOIN_ACK to them brings a full pull.
 */
int gossip_rejoin(struct gossip *g, const struct wire_addr *seeds, size_t n, uint64_t now_ms);
/*
 * Join again through the seeds last given to gossip_join (we moved: a new
 * local address, so behind NAT a new public one only a seed's JOIN_ACK
 * `observed` tells us). Re-signs first, so the JOIN is newer than any
 * version a seed holds. -EINVAL without seeds or after leaving.
 */
int gossip_rejoin_moved(struct gossip *g, uint64_t now_ms);
/* A datagram, already opened. from = the datagram's source. 0 or -error (state unchanged). */
int gossip_input(struct gossip *g, const struct wire_addr *from,
		 const uint8_t *plain, size_t len, uint64_t now_ms);
/* Run timers; returns the absolute time of the next deadline. */
uint64_t gossip_tick(struct gossip *g, uint64_t now_ms);
/* The next deadline without running anything (after gossip_input, say). */
uint64_t gossip_next_deadline(const struct gossip *g);
/*
 * Tunnel mode: the caller has programmed the WireGuard peers of every
 * member it was told about (io->changed) up to now. JOIN_ACKs that wait
 * for their joiner's peer go out (gossip/ack_wait.c).
 */
void gossip_tunnel_ready(struct gossip *g, uint64_t now_ms);
/* Sign and spread a leave record. */
int gossip_leave(struct gossip *g, uint64_t now_ms);
/*
 * Re-sign our record with new endpoints/tags (e.g. underlay address changed).
 * A template without an admission keeps the one we have.
 */
int gossip_update_self(struct gossip *g, const struct wire_record *self, uint64_t now_ms);
/* Seed the table with a remembered record (state file); verified; state starts suspect-free alive. */
int gossip_restore(struct gossip *g, const struct wire_record *rec, uint64_t now_ms);
/*
 * gossip_restore of every record another engine of this process holds.
 * With a shared cfg.pool the records are taken as they are (they were
 * verified on the way into the pool): how the simulator builds a
 * converged mesh of 10^4 engines without 10^8 lookups. In authority mode
 * src's trust objects come along the same way, and the records' admissions
 * are not checked again.
 */
int gossip_restore_from(struct gossip *g, const struct gossip *src, uint64_t now_ms);

/*
 * Hole punching (issue 11): ask member `peer` to punch towards `ours` (one
 * of our own record's endpoints: our public mapping) at_ms after it hears
 * of it, as we do towards it at_ms from now. Sent through a coordinator:
 * the attempt-th (mod their number, by id) live member that answered us,
 * other than peer; with `direct`, straight to peer (it must have answered
 * us: a relayed pair). 0, -EINVAL (ours is not our endpoint, at_ms over
 * WIRE_PUNCH_AT_MAX), -ENOENT (peer not live) or -EHOSTUNREACH (nobody to
 * send it through).
 */
int gossip_punch(struct gossip *g, const uint8_t peer[static WIRE_ID_LEN],
		 const struct wire_addr *ours, uint32_t at_ms, uint32_t attempt, bool direct,
		 uint64_t now_ms);

/*
 * A PING to member id now, outside the probe schedule (at most one per
 * probe interval per member): traffic, so that WireGuard handshakes on an
 * endpoint just programmed. 0, -ENOENT or -EAGAIN (too soon, or not live).
 */
int gossip_poke(struct gossip *g, const uint8_t id[static WIRE_ID_LEN], uint64_t now_ms);

/* Queries. Pointers stay valid until the next call that mutates g. */
size_t gossip_size(const struct gossip *g);                 /* members incl. self and tombstones */
size_t gossip_count(const struct gossip *g, enum gossip_state st);
const struct gossip_member *gossip_self(const struct gossip *g);
const struct gossip_member *gossip_find(const struct gossip *g, const uint8_t id[static WIRE_ID_LEN]);
void gossip_foreach(const struct gossip *g,
		    void (*fn)(void *arg, const struct gossip_member *m), void *arg);
bool gossip_joined(const struct gossip *g);

/*
 * Send a WIRE_RELAY message to member `to` about member `peer` (port only
 * for WIRE_RELAY_OK). Sent only to a member whose address is proven
 * (or as a reply within the budget of what it sent us). 0 or -errno.
 */
int gossip_relay_send(struct gossip *g, const uint8_t to[static WIRE_ID_LEN], uint8_t op,
		      const uint8_t peer[static WIRE_ID_LEN], uint16_t port);

/* Why gossip_input refused a datagram: index into refused_by_reason. */
enum gossip_refusal {
	GOSSIP_REFUSE_OTHER = 0,
	GOSSIP_REFUSE_DECODE,      /* malformed, truncated, over a cap (-WIRE_E*) */
	GOSSIP_REFUSE_AUTH,        /* a record's signature did not verify */
	GOSSIP_REFUSE_STALE,       /* only older records, or an answer nobody waits for */
	GOSSIP_REFUSE_UNEXPECTED,  /* valid but wrong here (JOIN_ACK when joined, PING for another id) */
	GOSSIP_REFUSE_SELF,        /* claims to come from us */
	GOSSIP_REFUSE_UNKNOWN,     /* needs a sender we do not know */
	GOSSIP_REFUSE_NOMEM,
	GOSSIP_REFUSE_PREFIX,      /* a record's overlay address lies outside the mesh prefix */
	GOSSIP_REFUSE_FULL,        /* a JOIN from a new id: table full or admission budget spent */
	GOSSIP_REFUSE_REVOKED,     /* the sender is a revoked member */
	GOSSIP_REFUSE_ADMISSION,   /* a JOIN whose record has no valid admission (authority mode) */
	GOSSIP_REFUSE_MAX = 16,
};

/* Counters for metrics and the simulator. */
enum { GOSSIP_NTYPES = 14 }; /* WIRE_TYPE_MAX + 1 */
struct gossip_stats {
	uint64_t sent_msgs[GOSSIP_NTYPES];
	uint64_t sent_bytes[GOSSIP_NTYPES];   /* plaintext bytes handed to send() */
	uint64_t recv_msgs[GOSSIP_NTYPES];
	uint64_t recv_bytes[GOSSIP_NTYPES];
	uint64_t refused;            /* decode/verify failures */
	uint64_t refused_by_reason[GOSSIP_REFUSE_MAX];
	uint64_t probes, probe_failures, suspicions, refutations;
	uint64_t verified;           /* record signatures checked */
	/*
	 * Records applied unverified because a pool shared with other engines
	 * (the simulator's) already held them: the checks a private pool (every
	 * real agent) would mostly have made. With a private pool a hit for a
	 * record that changes our view is rare: only one this engine verified
	 * before and still references (a queued copy of a member it dropped),
	 * so the simulator's per-node count is a slight overestimate.
	 */
	uint64_t verified_elsewhere;
	uint64_t sign_saturated;     /* our record not re-signed: the version is at WIRE_VERSION_MAX */
	uint64_t susp_cleared;       /* suspicions we dropped because the suspect itself answered us */
	uint32_t awareness;          /* Lifeguard local health score now */
	/* Records for ids we do not hold, dropped unverified (the datagram goes on): */
	uint64_t new_refused_full;   /* the table held max_members */
	uint64_t new_refused_rate;   /* the admission bucket was empty */
	uint64_t new_skipped_verify; /* past the per-datagram verification cap */
	uint64_t evicted_unproven;   /* dropped from a full table: never answered us (admit.c) */
	uint64_t relays_held;        /* times a record was not passed on: table overflowed lately, never answered us */
	/* D7/D8: replies and proofs (keep together, at the end) */
	uint64_t replies_capped;     /* not sent: over the reply budget of their request */
	uint64_t unproven_held;      /* not sent: not a PING, to an unproven member, unasked */
	uint64_t proofs;             /* member addresses that answered our PING themselves */
	uint64_t hello_probes;       /* PINGs to an unproven member that just spoke to us */
	uint64_t rejoin_rounds;      /* gossip_rejoin rounds sent while joined (issue 12) */
	uint64_t reconnects;         /* reach-outs to failed members (reconnect.c, issue 12) */
	uint64_t proof_sweeps;       /* PINGs to unproven members, a few each probe period */
	uint64_t pings_unknown;      /* PINGs from senders we do not know: no ACK */
	uint64_t relays_refused;     /* PING_REQs for a target we do not know (or hold failed) */
	/* Hole punching (issue 11, punch.c) */
	uint64_t punch_requested;    /* our requests sent */
	uint64_t punch_forwarded;    /* requests we forwarded as coordinator */
	uint64_t punch_accepted;     /* punches for us handed to io->punch */
	uint64_t punch_refused;      /* target not answering us, origin not live, ep not its own */
	uint64_t punch_limited;      /* over the per-pair or per-second budget */
	uint64_t relay_msgs_heard;   /* WIRE_RELAY messages handed to the agent */
	uint64_t observations;       /* ACKs whose `seen` we took (observe.c) */
};
const struct gossip_stats *gossip_stats(const struct gossip *g);

/* The NAT type observers' `seen` shows, and the public endpoint they last
 * agreed on (*public_ep, family 0 = none yet; may be NULL). */
enum gossip_nat gossip_nat(const struct gossip *g, struct wire_addr *public_ep);
const char *gossip_nat_name(enum gossip_nat n);   /* none|port-preserving|symmetric|unknown */
/* Our underlay address changed (roaming, new lease): what members saw of
 * the old one is forgotten (the rate limit of re-signing stays). */
void gossip_observations_reset(struct gossip *g);

/*
 * Authority mode: the trust store (docs/DESIGN.md "Authority mode").
 * Objects: spends (an admission and the member it admitted), revocations
 * and key grants. Each is verified before it changes anything; new ones
 * are gossiped (WIRE_TRUST) and carried by anti-entropy. In open mode
 * every call below refuses (-EPERM) or reports nothing.
 */
enum gossip_trust_kind {
	GOSSIP_TRUST_SPEND = 1,
	GOSSIP_TRUST_REVOCATION = 2,
	GOSSIP_TRUST_GRANT = 3,
};

struct gossip_trust_obj {
	uint8_t kind;                   /* enum gossip_trust_kind */
	union {
		struct trust_spend spend;
		struct trust_revocation rev;
		struct trust_grant grant;
	} u;
};

/* The wall clock (unix seconds) at now_ms; call it whenever the agent reads the clock. */
void gossip_set_unix_time(struct gossip *g, uint64_t unix_s, uint64_t now_ms);
/*
 * A trust object from the operator (meshctl through the control socket):
 * verified, applied, and gossiped. 0 if new, -EALREADY if held, -EPERM in
 * open mode, or why it was refused: a -TRUST_E* reason (trust_strerror),
 * -WIRE_EVALUE (invalid), -ESTALE (a grant of an older epoch), -ENOSPC (a
 * store cap), -EEXIST (another certificate for a known invite key),
 * -ENOMEM.
 */
int gossip_trust_submit(struct gossip *g, const struct gossip_trust_obj *o, uint64_t now_ms);
/* The same for objects saved in the state file, at start: applied, not gossiped. */
int gossip_trust_import(struct gossip *g, const struct gossip_trust_obj *o, uint64_t now_ms);
/* Every object held (for the state file); pointers valid during the call only. */
void gossip_trust_foreach(const struct gossip *g,
			  void (*fn)(void *arg, const struct gossip_trust_obj *o), void *arg);
/* The revocation of this member id (kind TRUST_REVOKE_MEMBER), or NULL. */
const struct trust_revocation *gossip_revoked(const struct gossip *g,
					      const uint8_t id[static WIRE_ID_LEN]);
/*
 * Would this record be admitted here now (T4, T6, T7)? 0 (also in open
 * mode) or the reason, as gossip_trust_submit. Costs at most two
 * signature checks; for the agent's own record at start and for status.
 */
int gossip_admission_check(struct gossip *g, const struct wire_record *r, uint64_t now_ms);

/* Why a record or trust object was refused: index into trust.refused. */
enum gossip_trust_refusal {
	GOSSIP_TRUST_NO_ADMISSION = 0,
	GOSSIP_TRUST_UNKNOWN_AUTHORITY,
	GOSSIP_TRUST_BAD_INVITE_SIGNATURE,
	GOSSIP_TRUST_INVITE_EXPIRED,
	GOSSIP_TRUST_ADMISSION_EXPIRED,
	GOSSIP_TRUST_FUTURE_DATED,
	GOSSIP_TRUST_BAD_BIND,
	GOSSIP_TRUST_CONSTRAINT_MISMATCH,
	GOSSIP_TRUST_BAD_SIGNATURE,       /* revocation or grant */
	GOSSIP_TRUST_REVOKED_MEMBER,
	GOSSIP_TRUST_REVOKED_INVITE,
	GOSSIP_TRUST_REVOKED_ADDRESS,     /* claims an address a revoked member held */
	GOSSIP_TRUST_OVERSPENT,           /* spend lost to `uses` earlier ones (T6) */
	GOSSIP_TRUST_BAD_GRANT,           /* a grant for us that does not open */
	GOSSIP_TRUST_INVITE_CONFLICT,     /* another valid certificate for a known invite key */
	GOSSIP_TRUST_STORE_FULL,          /* a cap of the store was reached */
	GOSSIP_TRUST_OLD_EPOCH,           /* a grant of an epoch older than the current one */
	GOSSIP_TRUST_REFUSE_MAX,
};
/* Metric label of a refusal ("no_admission", ...). */
const char *gossip_trust_refusal_name(unsigned reason);

struct gossip_trust_stats {
	uint64_t refused[GOSSIP_TRUST_REFUSE_MAX]; /* records and objects refused, by reason */
	uint64_t checks;             /* signature checks spent on admissions and objects */
	uint64_t spends, revocations, grants;   /* held now */
	uint64_t invites;            /* invites with a verified certificate, held now */
	uint32_t epoch;              /* highest key epoch granted (0: none) */
	uint64_t losers;             /* spends that lost (T6), each counted once */
	uint64_t removed;            /* members removed: revoked, spend lost, admission expired */
	uint64_t objects_sent, objects_received, pages_sent;
	uint64_t digest_count, digest_xor;      /* the trust digest (T8) */
};
const struct gossip_trust_stats *gossip_trust_stats(const struct gossip *g);

#endif
