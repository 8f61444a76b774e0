/* SPDX-License-Identifier: MIT */
/*
 * Internal to gossip/: the engine's state and the calls between its
 * files. One file per concept:
 *   recpool.c    verified records, shared and reference counted
 *   hash.c       the hash functions of the indexes and of the digest
 *   members.c    the member table: slots, id index, states, events
 *   addr.c       overlay address derivation, address index, conflicts
 *   names.c      name index: one holder per name, later claimants flagged
 *   merge.c      accepting records and rumours from the network
 *   self.c       our own record: signing, refutation, leave
 *   probe.c      SWIM probes (direct, indirect, relays), local health
 *   suspicion.c  Lifeguard suspicion timeouts and confirmations
 *   broadcast.c  the piggyback queue
 *   sync.c       anti-entropy digests
 *   join.c       JOIN / JOIN_ACK
 *   observe.c    endpoint observations in ACKs: public endpoint, NAT type
 *   tombstone.c  retiring and forgetting failed and left members
 *   reconnect.c  reaching out to failed members now and then (issue 12)
 *   punch.c      hole punching: WIRE_PUNCH requests, forwards, checks
 *   send.c       addressing, encoding and counting outgoing messages
 *   gossip.c     life cycle, input dispatch, tick, queries
 *   trust*.c     authority mode: admissions, trust objects (trust_internal.h)
 *   relay_msg.c  WIRE_RELAY: relay allocation messages, routed to the agent
 */
#ifndef MESHD_GOSSIP_INTERNAL_H
#define MESHD_GOSSIP_INTERNAL_H

#include "gossip.h"
#include "../proto/msg.h"
#include "../proto/record.h"

#define NO_DEADLINE UINT64_MAX

enum {
	GOSSIP_MAX_SEEDS = 8,
	GOSSIP_MAX_RELAYS = 16,       /* PING_REQs we serve at once */
	GOSSIP_MAX_URGENT = 4,        /* suspects waiting for a confirming probe */
	GOSSIP_QUEUE_MAX = 1024,      /* piggyback entries */
	GOSSIP_AWARENESS_MAX = 8,     /* Lifeguard: timeouts scale up to 9x */
	SUSP_MAX_ORIGINS = 8,
	SYNC_PUSH_MAX = 64,           /* records pushed for one incoming sync message */
	SYNC_JOIN_PARTNERS = 4,       /* a joiner pulls from this many members at once */
	SYNC_PULL_MS = 500,           /* ...and again this much later while it still learns */
	SYNC_PULL_FIRST_MS = 150,     /* the second pass, after the partners' proofs */
	SYNC_PULLS = 3,
	ADDR_YOUNG_MS = 60000,        /* a claim younger than this yields to a lower id */
	NOTIFY_SLOTS = 8,             /* "you are dead to me" notices, rate-limited */
	ACK_WAIT_SLOTS = 4,           /* JOIN_ACKs waiting for their joiner's WireGuard peer (ack_wait.c) */
	ACK_WAIT_MS = 500,            /* ...at most this long */
	ACK_QUIET_MS = 1000,          /* then the joiner starts the first handshake (ack_wait.c) */
	/*
	 * Signatures checked per datagram for ids we do not hold: a key
	 * holder's 8 fresh records per datagram cost 2 checks, not 8; the
	 * rest are skipped (anti-entropy brings honest ones again).
	 */
	VERIFY_NEW_MAX = 2,
	PROOF_SLOTS = 64,             /* PINGs to unproven addresses awaiting their ACK */
	PROOF_SWEEP_PINGS = 48,       /* proof PINGs per probe period besides the probe... */
	SWEEP_SLOTS = 48,             /* ...to distinct IPs */
	PROOF_SWEEP_SCAN = 192,       /* probe-order entries looked at per period for them */
	JOIN_SEEN_SLOTS = 16,         /* JOINs we answered: their retries are no replays */
	JOIN_REPLAY_MS = 30000,       /* a JOIN at a version we hold is a retry this long */
	JOIN_RESIGN_MS = 20000,       /* a joiner re-signs before its retries look like replays */
	/* Per datagram on the wire beyond the plaintext: envelope, UDP, IPv6. */
	SEND_DGRAM_OVERHEAD = WIRE_ENVELOPE_OVERHEAD + 8 + 40,
	HELLO_PING_MAX = 96,          /* a PING with a buddy rumour, plaintext (test_replies checks) */
	HELLO_RESERVE = HELLO_PING_MAX + SEND_DGRAM_OVERHEAD,
	ADMIT_SOURCES = 64,           /* sources with their own new-id bucket (admit.c) */
	UNPROVEN_GRACE_MS = 10000,    /* a full table keeps a never-answering member this long */
	PUNCH_SLOTS = 16,             /* ordered pairs whose punch we forwarded or took lately */
	PUNCH_PAIR_GAP_MS = 2000,     /* one punch per ordered pair this often */
	PUNCH_PER_S = 16,             /* punches forwarded and taken, per second in all */
	OBS_SLOTS = 8,                /* observers of our endpoint remembered (observe.c) */
	OBS_TTL_MS = 60000,           /* an observation counts this long */
	OBS_RESIGN_MS = 10000,        /* re-sign for an observed endpoint at most this often */
	PRESSED_MS = 60000,           /* after the table last overflowed, only proven members are relayed */
};

/* A verified record and what is derived from it once. Immutable. */
struct grec {
	struct wire_record rec;       /* first: gossip_member.rec points here */
	uint8_t wg_public[WIRE_KEY_LEN];
	uint64_t dhash;               /* digest hash of (id, version) */
	uint64_t key;                 /* pool index key */
};

static inline const struct grec *grec_of(const struct wire_record *r)
{
	return (const struct grec *)r;
}

const struct grec *recpool_find(const struct gossip_recpool *p, const struct wire_record *r);
void recpool_ref(struct gossip_recpool *p, const struct grec *h);
/* Store a record the caller verified (or signed); returns it with one reference. */
const struct grec *recpool_add(struct gossip_recpool *p, const struct wire_record *r);
void recpool_put(struct gossip_recpool *p, const struct grec *h);

/* hash.c */
uint64_t hash_mix(uint64_t x);
uint64_t hash_id(const uint8_t *id, uint64_t salt);          /* first 8 bytes */
uint64_t hash_digest(const uint8_t id[static WIRE_ID_LEN], uint64_t version);
static inline unsigned id_nibble(const uint8_t *id, unsigned i)
{
	return (id[i / 2] >> ((i & 1) ? 0 : 4)) & 0x0f;
}

/* Member flags. */
#define M_USED     (1U << 0)
#define M_REPORTED (1U << 1)  /* the agent was told (ADDED) */
#define M_DIGEST   (1U << 2)  /* counted in the anti-entropy sums */
#define M_PULLED   (1U << 3)  /* first learned from JOIN_ACK, sync or restore */
#define M_CLEARED  (1U << 4)  /* it answered us while suspect: rumours about this version are ignored */
#define M_NAMED    (1U << 7)  /* holds its name: linked in the name index (names.c) */
#define M_PROVEN   (1U << 5)  /* its gossip address answered a PING of ours itself (D7) */
#define M_HELD     (1U << 6)  /* its record waits for it to answer us before we relay it (merge.c) */

struct member {
	struct gossip_member pub;
	uint32_t claim_seq;       /* when we accepted its current address claim */
	uint32_t bnext;           /* slot+1 of the next member with the same id[0] */
	uint8_t flags;
	uint32_t nnext;           /* slot+1 of the next name holder in its bucket (in padding) */
};

struct probe {
	uint32_t slot;
	uint8_t id[WIRE_ID_LEN];
	uint64_t version;
	uint32_t seq;
	uint64_t timeout_at, retry_at;
	bool active, acked, indirect, retried;
	uint8_t nack_expect, nacks;
};

struct relay {
	uint32_t our_seq, their_seq;
	uint8_t target[WIRE_SHORT_ID_LEN];
	uint8_t asker[WIRE_SHORT_ID_LEN];   /* answered at its member address, not a source */
	uint64_t retry_at, deadline;
	bool used, retried;
};

/* A PING to an address not yet proven: its ACK, from that address, proves it. */
struct proof {
	uint8_t sid[WIRE_SHORT_ID_LEN];
	uint32_t seq;
	struct wire_addr to;
	uint64_t at;
};

/* An ordered pair whose punch we forwarded or acted on (punch.c). */
struct punch_seen {
	uint8_t from[WIRE_SHORT_ID_LEN], to[WIRE_SHORT_ID_LEN];
	uint64_t at;
};

/* An IP that got a proof-sweep PING from us, and when. */
struct sweep {
	uint8_t family;
	uint8_t ip[16];
	uint64_t at;
};

/* A JOIN we answered at a version new to us: retries of it get answers too. */
struct join_seen {
	uint8_t sid[WIRE_SHORT_ID_LEN];
	uint64_t version;
	uint64_t at;
	bool used;
};

/* observe.c: the last `seen` of one observer. */
struct obs_entry {
	uint8_t sid[WIRE_SHORT_ID_LEN];
	struct wire_addr addr;
	uint64_t at;
	bool used;
};

struct gossip_obs {
	struct obs_entry e[OBS_SLOTS];
	struct wire_addr agreed;                /* last endpoint observers agreed on */
	enum gossip_nat nat;
	uint64_t last_resign;
	bool resigned;
};

struct suspicion {
	uint32_t slot;
	uint64_t version;
	uint64_t start, deadline;
	uint32_t confirm_seq;     /* our confirm probe's PING, 0 = none sent */
	uint8_t n_origins;        /* origins[0] started it; the rest confirm */
	uint8_t origins[SUSP_MAX_ORIGINS][WIRE_SHORT_ID_LEN];
};

enum { BC_RECORD = 0, BC_RUMOR = 1 };
struct bcast {
	const struct grec *h;     /* BC_RECORD: holds a reference */
	struct wire_rumor rumor;  /* BC_RUMOR */
	uint32_t seq;             /* enqueue order: newer wins ties */
	uint16_t sent;
	uint8_t kind;
	bool vouched;             /* its subject answered us, or is us (broadcast.c) */
};

struct tomb {
	uint32_t slot;
	uint64_t since;
	uint8_t sid[WIRE_SHORT_ID_LEN];
};

struct notice {
	uint8_t sid[WIRE_SHORT_ID_LEN];
	uint64_t at;
};

/* A source address's bucket of new-id admissions (admit.c). */
struct admit_src {
	uint8_t family;
	uint8_t ip[16];
	uint64_t milli, at, seen;     /* tokens x 1000, last refill, last use */
};

struct gossip {
	struct gossip_config cfg;
	struct gossip_io io;
	struct identity idn;
	struct gossip_recpool *pool;
	bool own_pool;

	/* member table: slot 0 is self */
	struct member *m;
	uint32_t n_slots, cap_slots, free_head;
	uint64_t *idx;                          /* id -> slot+1 | fingerprint << 32 */
	uint32_t idx_mask, idx_used;
	uint32_t *aidx, aidx_mask, aidx_used;   /* overlay ip -> holder slot+1 */
	uint64_t salt;
	uint32_t counts[4];
	uint32_t n_members, n_conflicted;
	uint32_t accept_seq;
	uint32_t *nhead, nhead_mask;            /* name -> holder chains (names.c) */
	uint32_t n_names, n_name_conflicted;
	struct admit_src asrc[ADMIT_SOURCES];   /* new-id buckets per source (admit.c) */
	uint32_t n_asrc;
	uint32_t n_proven;                      /* members with M_PROVEN */
	/* pick_targets' base rule, for its two tiers (send.c) */
	bool (*pick_ok)(const struct gossip *, const struct member *);

	/* self */
	struct wire_record tmpl;                /* our record as last signed */
	struct wire_prefix prefix;              /* derivation prefix (config or JOIN_ACK) */
	struct wire_prefix prefix6;             /* IPv6 derivation prefix (config), family 0 = none */
	uint32_t self_claim_seq;
	uint64_t self_claim_ms;
	bool self_claim_old;                    /* held before this start: never young */
	uint64_t self_check_next;               /* when self_seen may verify an own record again */
	uint64_t start_version;                 /* our version at this start: older ones predate it */
	bool left;

	/* anti-entropy sums by id prefix: one and two nibbles */
	uint64_t dsum1[16], dsum2[256];
	uint32_t dcnt1[16], dcnt2[256];
	uint32_t dhead[256];                    /* every member, listed by id[0] */
	uint64_t next_sync;
	struct wire_sync_bucket last_summary;  /* root summary at the last sync tick */
	uint64_t next_pull;                     /* a joiner's repeated full pulls */
	uint32_t pull_left, pull_seen;
	uint8_t pull_partner[SYNC_JOIN_PARTNERS][WIRE_SHORT_ID_LEN];
	uint32_t n_pull_partners;

	/* probing */
	struct probe probe;
	uint32_t *order, n_order, cap_order, order_pos;
	uint32_t urgent[GOSSIP_MAX_URGENT], n_urgent;
	uint32_t probe_round, awareness;
	uint64_t refute_aw_at;                  /* last refutation that raised awareness */
	uint64_t next_probe;
	struct relay relay[GOSSIP_MAX_RELAYS];
	struct notice notice[NOTIFY_SLOTS];
	uint32_t notice_pos;
	struct notice confirmed[NOTIFY_SLOTS];  /* recent confirm probes, rate-limited */
	uint32_t confirmed_pos;
	/* D7: proofs in flight, hello probes sent lately, one input's reply budget */
	struct proof proof[PROOF_SLOTS];
	uint32_t proof_pos;
	struct notice hello[NOTIFY_SLOTS];
	uint32_t hello_pos, sweep_pos, swept_pos;
	struct ack_wait *ack_wait;    /* ACK_WAIT_SLOTS, allocated on first use (ack_wait.c) */
	struct ack_quiet { uint8_t sid[WIRE_SHORT_ID_LEN]; uint64_t until; } ack_quiet[ACK_WAIT_SLOTS];
	uint32_t ack_quiet_pos;
	uint64_t pressed_until;       /* table_pressed() until then */
	uint32_t n_ack_wait;
	struct sweep swept[SWEEP_SLOTS];
	size_t budget;                          /* bytes left for the current input's replies */
	bool budget_on, budget_all;             /* all: the sender itself is unproven */
	bool hello_due;                         /* PING hello_sid when the input is handled */
	uint8_t hello_sid[WIRE_SHORT_ID_LEN];

	struct suspicion *susp;
	uint32_t n_susp, cap_susp;

	struct bcast *q;
	uint32_t n_q, cap_q, q_seq;
	uint64_t gossip_phase, gossip_done, q_since;

	/* joining */
	struct wire_addr seeds[GOSSIP_MAX_SEEDS];
	uint32_t n_seeds;
	bool joining;
	uint64_t next_join, join_backoff;
	uint32_t join_nonce;                    /* JOIN.seq: a JOIN_ACK must echo it (D8) */
	uint64_t join_signed_at;                /* our record's version first went out in a JOIN */
	struct join_seen join_seen[JOIN_SEEN_SLOTS];
	uint32_t join_seen_pos;
	uint32_t rejoin_nonce;                  /* gossip_rejoin while joined: its JOIN_ACKs */
	uint64_t rejoin_nonce_at;

	/* reach-out to failed members (reconnect.c) */
	uint64_t next_reconnect;

	/* tombstones: [head, mid) retired from the digest, [mid, tail) not yet */
	struct tomb *tq;
	uint32_t tq_cap, tq_head, tq_mid, tq_tail;

	/* hole punching (punch.c) */
	struct punch_seen punch_seen[PUNCH_SLOTS];
	uint32_t punch_pos, punch_window_n;
	uint64_t punch_window_at;

	uint64_t now;                           /* latest time we were given */
	struct gossip_stats stats;
	struct gossip_trust *trust;             /* authority mode only, else NULL (trust.c) */
	struct gossip_obs obs;                  /* observe.c */
	uint8_t buf[WIRE_MAX_PLAINTEXT];
};

/* members.c */
int members_init(struct gossip *g, uint32_t hint);
void members_free(struct gossip *g);
static inline uint32_t member_slot(const struct gossip *g, const struct member *m)
{
	return (uint32_t)(m - g->m);
}
static inline const struct grec *member_grec(const struct member *m)
{
	return grec_of(m->pub.rec);
}
static inline struct member *member_self(struct gossip *g)
{
	return &g->m[0];
}
struct member *member_find(const struct gossip *g, const uint8_t id[static WIRE_ID_LEN]);
struct member *member_find_short(const struct gossip *g, const uint8_t sid[static WIRE_SHORT_ID_LEN]);
/* Insert with a record reference the caller hands over; no events. */
struct member *member_add(struct gossip *g, const struct grec *h, enum gossip_state st, uint64_t now);
void member_remove(struct gossip *g, struct member *m);
/* Swap in a newer record (reference handed over), keeping the digest in step. */
void member_set_rec(struct gossip *g, struct member *m, const struct grec *h);
void member_set_state(struct gossip *g, struct member *m, enum gossip_state st, uint64_t now);
void member_digest(struct gossip *g, struct member *m, bool in);
void member_event(struct gossip *g, struct member *m, enum gossip_event ev);
/* Tell the agent about a member whose record or state changed. */
void member_report(struct gossip *g, struct member *m, bool content_changed);
bool member_probeable(const struct gossip *g, const struct member *m);
uint32_t member_live(const struct gossip *g);            /* alive + suspect, self included */
/* Up to k distinct random members passing `ok`, never self or `skip`. */
uint32_t members_pick(struct gossip *g, uint32_t *out, uint32_t k, uint32_t skip,
		      bool (*ok)(const struct gossip *, const struct member *));
uint64_t gossip_rand(struct gossip *g);
/* Lower id first: the tie rule of the conflict resolution. */
int id_cmp(const uint8_t *a, const uint8_t *b);

/* addr.c */
int addr_init(struct gossip *g, uint32_t hint);
void addr_claim(struct gossip *g, struct member *m, uint64_t now);
void addr_release(struct gossip *g, struct member *m);
/* Replace m's record (reference handed over), moving its claims along. */
void addr_swap(struct gossip *g, struct member *m, const struct grec *h, uint64_t now);
int addr_derive(const struct gossip *g, const struct wire_prefix *p, struct wire_prefix *out,
		uint8_t gen);
/* Fill our template's overlay from each prefix (v4, v6) whose family it lacks. */
int addr_derive_self(struct gossip *g, struct wire_record *tmpl);
/* Move our derived addresses (both families) to the next generation nobody holds. */
int addr_rederive(struct gossip *g, struct wire_record *tmpl);
bool addr_same(const struct wire_prefix *a, const struct wire_prefix *b);

/* admit.c */
/* Spend one new-id admission of this source (NULL: our own state file). */
bool admit_new(struct gossip *g, const struct wire_addr *from);
/* Table full: drop the longest-waiting member that never answered us. */
bool admit_make_room(struct gossip *g, const struct wire_msg *msg, bool vouched);
/* Its address answered us (proof or our probe's ACK): count it once. */
void member_mark_proven(struct gossip *g, struct member *m);

/* names.c: called by members.c on every record and state change */
void names_update(struct gossip *g, struct member *m);
void names_release(struct gossip *g, struct member *m, const char *name, bool forget);
void names_free(struct gossip *g);

/* self.c */
int self_sign(struct gossip *g, uint64_t version, uint64_t now);
/* A rumour says we are suspect or failed at the version we hold. */
void self_refute(struct gossip *g, uint64_t now);
/* A record of ours came back; `verified` if its signature was checked. */
void self_seen(struct gossip *g, const struct wire_record *r, bool verified, uint64_t now);
void self_yield_check(struct gossip *g, struct member *other, uint64_t now);
/* Move our derived address to the next generation free in our view, re-sign. */
void self_rederive(struct gossip *g, uint64_t now);
void self_conflict_refresh(struct gossip *g);   /* addr.c */

/* merge.c */
enum { MERGE_SYNC = 1 << 0, MERGE_PULLED = 1 << 1 };
/*
 * Check every record of m before anything changes; fills held[] from the
 * pool, each with a reference of its own (merge_release drops them), or
 * MERGE_SKIPPED for a record that must not be applied.
 */
extern const struct grec merge_skip;
#define MERGE_SKIPPED (&merge_skip)
int merge_check(struct gossip *g, const struct wire_msg *m, const struct wire_addr *from,
		const struct grec **held);
/* Drop the references merge_check took (after merge_apply). */
void merge_release(struct gossip *g, const struct wire_msg *m, const struct grec **held);
bool merge_all_stale(const struct gossip *g, const struct wire_msg *m);
void merge_apply(struct gossip *g, const struct wire_msg *m, const struct grec **held,
		 unsigned flags, uint64_t now);
/* One record (restore, tests): 1 changed, 0 not newer, <0 error. */
int merge_record(struct gossip *g, const struct wire_record *r, const struct grec *held,
		 unsigned flags, bool failed, uint64_t now);
/* A member we know is not in the table yet; takes over the reference on h. */
int merge_new(struct gossip *g, const struct grec *h, unsigned flags, bool failed, uint64_t now);
void merge_unhold(struct gossip *g, struct member *m);
/* A new id met a full table lately: only what answered us is passed on (merge.c). */
static inline bool table_pressed(const struct gossip *g)
{
	return g->now < g->pressed_until;
}
void mark_failed(struct gossip *g, struct member *m, const uint8_t origin[static WIRE_SHORT_ID_LEN],
		 uint64_t now);

/* suspicion.c */
void susp_start(struct gossip *g, struct member *m, const uint8_t origin[static WIRE_SHORT_ID_LEN],
		uint64_t now);
void susp_confirm(struct gossip *g, struct member *m, const uint8_t origin[static WIRE_SHORT_ID_LEN],
		  uint64_t now);
void susp_cancel(struct gossip *g, struct member *m);
/* Queue a rumour about m, if m ever answered us (suspicion.c). */
void susp_spread(struct gossip *g, const struct member *m, uint8_t state,
		 const uint8_t origin[static WIRE_SHORT_ID_LEN]);
/* An ACK answering one of our confirm probes (precheck: before anything changes). */
bool susp_ack_expected(const struct gossip *g, const struct wire_msg *ack);
/*
 * An ACK arrived; `our_probe` if it answers our scheduled probe. If the
 * suspect sent it itself, to a probe of ours, our suspicion ends here.
 */
bool susp_ack(struct gossip *g, const struct wire_msg *ack, bool our_probe, uint64_t now);
void susp_tick(struct gossip *g, uint64_t now);
uint64_t susp_next(const struct gossip *g);
uint64_t susp_timeout(const struct gossip *g, uint32_t confirmations);
void susp_free(struct gossip *g);

/* probe.c */
void probe_tick(struct gossip *g, uint64_t now);
uint64_t probe_next(const struct gossip *g);
int probe_precheck(const struct gossip *g, const struct wire_msg *m);
void probe_input(struct gossip *g, const struct wire_msg *m, const struct wire_addr *from,
		 size_t len, uint64_t now);
void probe_order_add(struct gossip *g, uint32_t slot);
void probe_urgent(struct gossip *g, uint32_t slot);
/* PING a suspect now, outside the schedule, with the buddy rumour. */
void probe_confirm(struct gossip *g, struct member *m, uint32_t seq);
void probe_free(struct gossip *g);
void awareness_add(struct gossip *g, int delta);
/* D7: a message from m carried its own record; PING it if its address is unproven. */
void probe_hello(struct gossip *g, struct member *m, uint64_t now);
/* Hole punching: PING m now (once per probe interval) so WireGuard has traffic for it. */
bool probe_poke(struct gossip *g, struct member *m, uint64_t now);
/* ack_wait.c: send ack to `to` once the joiner's WireGuard peer exists. */
void ack_wait_put(struct gossip *g, const struct wire_msg *ack, const struct wire_addr *to,
		  const uint8_t joiner[static WIRE_SHORT_ID_LEN]);
/* A joiner we just answered, whose first tunnel handshake is its to start? */
bool ack_quiet(const struct gossip *g, const struct member *m);
/* m spoke to us through the tunnel: the handshake is done, the quiet ends. */
void ack_heard(struct gossip *g, const struct member *m);
void ack_wait_tick(struct gossip *g, uint64_t now);
uint64_t ack_wait_next(const struct gossip *g);
void ack_wait_free(struct gossip *g);

/* broadcast.c */
void bcast_record(struct gossip *g, const struct grec *h);
void bcast_vouch(struct gossip *g, const struct member *m);
void bcast_rumor(struct gossip *g, const uint8_t subject[static WIRE_ID_LEN], uint64_t version,
		 uint8_t state, const uint8_t origin[static WIRE_SHORT_ID_LEN]);
/* Add queued items to m while it stays within `limit` bytes. */
void bcast_fill(struct gossip *g, struct wire_msg *m, size_t limit);
void bcast_tick(struct gossip *g, uint64_t now);
uint64_t bcast_next(const struct gossip *g);
void bcast_free(struct gossip *g);

/* sync.c */
void sync_tick(struct gossip *g, uint64_t now);
void sync_input(struct gossip *g, const struct wire_msg *m, struct member *from, uint64_t now);
void sync_join_pull(struct gossip *g, const uint32_t *partners, uint32_t n);
uint64_t sync_next(const struct gossip *g);
/* The 16 buckets under the root (reconnect.c's digest). */
void sync_root_buckets(struct gossip *g, struct wire_sync_bucket out[16]);

/* join.c */
void join_tick(struct gossip *g, uint64_t now);
int join_precheck(const struct gossip *g, const struct wire_msg *m);
void join_input(struct gossip *g, const struct wire_msg *m, const struct wire_addr *from,
		size_t len, uint64_t now);

/* reconnect.c */
void reconnect_tick(struct gossip *g, uint64_t now);
uint64_t reconnect_next(const struct gossip *g);

/* tombstone.c */
void tomb_push(struct gossip *g, struct member *m);
void tomb_tick(struct gossip *g, uint64_t now);
uint64_t tomb_next(const struct gossip *g);
void tomb_free(struct gossip *g);

/* send.c */
bool member_addr(const struct gossip *g, const struct member *m, struct wire_addr *out);
/*
 * D7: m's gossip address answered a PING of ours from itself (or it is an
 * overlay address in tunnel mode, where WireGuard authenticates sources).
 * Only proven addresses get more bytes than asked for them.
 */
bool member_proven(const struct gossip *g, const struct member *m);
/*
 * Up to k distinct random targets passing `ok` for what we send unasked
 * (gossip rounds, sync, leave notices, relays): members that answered us
 * (M_PROVEN) first; other proven ones (tunnel mode: any overlay address)
 * fill in only while fewer than gossip_fanout live members answered us.
 */
uint32_t pick_targets(struct gossip *g, uint32_t *out, uint32_t k, uint32_t skip,
		      bool (*ok)(const struct gossip *, const struct member *));
uint32_t pick_answered_first(struct gossip *g, uint32_t *out, uint32_t k, uint32_t skip,
			     bool (*ok)(const struct gossip *, const struct member *));
/* The datagram came from m's own gossip address (in tunnel mode: through its peer). */
bool member_at_own_addr(const struct gossip *g, const struct member *m, const struct wire_addr *from);
/* The address a member is reached at differs between these records (proof lost). */
bool member_addr_moved(const struct wire_record *a, const struct wire_record *b);
/*
 * The reply budget of one input datagram (gossip_input): between begin
 * and end, everything sent to an unproven address (to any address when
 * the sender itself is unproven or unknown) together stays within the
 * datagram's size; what does not fit is not sent. Outside an input, an
 * unproven member gets only PINGs.
 */
void reply_begin(struct gossip *g, const struct member *sender, const struct wire_msg *m,
		 const struct wire_addr *from, size_t len);
void reply_end(struct gossip *g, uint64_t now);
/* Plaintext bytes one more message to `to` (NULL: a raw address) may have now. */
size_t send_room(const struct gossip *g, const struct member *to);
int send_msg(struct gossip *g, const struct wire_addr *to, const struct wire_msg *m);
int send_member(struct gossip *g, struct member *to, const struct wire_msg *m);
/* A joiner's pull (sync.c): a request of ours, sent whether or not `to` is proven. */
int send_pull(struct gossip *g, struct member *to, const struct wire_msg *m);
/* Attach "you are suspect/failed" for a member we are about to contact. */
void add_buddy_rumor(struct gossip *g, struct wire_msg *m, const struct member *to);
/* A member we think failed is talking to us: tell it, so it refutes. */
void notify_dead_sender(struct gossip *g, struct member *s, uint64_t now);
/* Once per member per probe interval from this ring: due now? (noted if so) */
bool notice_take(struct gossip *g, struct notice *ring, uint32_t *pos, const struct member *m,
		 uint64_t now);

/* punch.c */
int punch_precheck(const struct gossip *g, const struct wire_msg *m, const struct wire_addr *from);
void punch_input(struct gossip *g, const struct wire_msg *m, uint64_t now);
/* relay_msg.c: WIRE_RELAY from a proven member at its address, about a member we hold. */
int relay_precheck(const struct gossip *g, const struct wire_msg *m, const struct wire_addr *from);
void relay_input(struct gossip *g, const struct wire_msg *m);

/* trust*.c: authority mode. Every call is a no-op (or "yes") in open mode. */
int trust_init(struct gossip *g);
void trust_free(struct gossip *g);
/* A datagram's signature-check budget for admissions starts here. */
void trust_begin(struct gossip *g);
/*
 * May record r (not ours) enter or replace what we hold? 0 or why not
 * (counted). `spread`: a spend new to us is gossiped (not for records
 * from our own state file: the mesh has them).
 */
int trust_record_check(struct gossip *g, const struct wire_record *r, bool spread);
/* The sender is a revoked member: refuse its datagram before anything else. */
bool trust_sender_refused(const struct gossip *g, const uint8_t sid[static WIRE_SHORT_ID_LEN]);
/* After an input or a call: remove who lost standing, tell the agent the store changed. */
void trust_after(struct gossip *g);
void trust_tick(struct gossip *g, uint64_t now);
uint64_t trust_next(const struct gossip *g);
int trust_precheck(const struct gossip *g, const struct wire_msg *m);
/* A revoked member held this address: nobody gets it (false in open mode). */
bool trust_addr_held(const struct gossip *g, const struct wire_prefix *p);
/* gossip_restore_from with a shared pool: src's trust objects, unverified. */
int trust_copy_from(struct gossip *g, const struct gossip *src);
void trust_input(struct gossip *g, const struct wire_msg *m, struct member *from);
/* SYNC_DIGEST: our trust digest in every one we send; a root one differing draws a page. */
void trust_sync_fill(const struct gossip *g, struct wire_msg *m);
void trust_sync_check(struct gossip *g, const struct wire_msg *m, struct member *from);

/* observe.c */
bool obs_addr_private(const struct wire_addr *a);
void obs_add(struct gossip_obs *o, const uint8_t sid[static WIRE_SHORT_ID_LEN],
	     const struct wire_addr *a, uint64_t now);
/* Update the NAT type; true (and *out) when out is to be advertised now.
 * others: live members besides us. */
bool obs_eval(struct gossip_obs *o, const struct wire_record *self, uint32_t others,
	      uint64_t now, struct wire_addr *out);
void observe_ack(struct gossip *g, const struct wire_msg *ack, const struct wire_addr *from,
		 uint64_t now);
void observe_fill_ack(struct gossip *g, struct member *m, struct wire_msg *ack);

#endif
