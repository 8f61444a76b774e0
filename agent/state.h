/* SPDX-License-Identifier: MIT */
/*
 * The state directory: the identity key (created once, never regenerated)
 * and the last known members, so a restarted agent keeps its key,
 * address and version floor and can rejoin through any remembered member
 * when its seeds are gone. Every file is replaced atomically.
 *
 * members file:   meshd-state 1
 *                 self-version <u64>
 *                 record <base64 of the signed record's canonical encoding>
 *                 ...
 * Our own record is among them (older files lack it): it tells the next
 * start which overlay address we held, so that the claim survives it.
 * Records are stored as received (signed by their owners) and verified
 * again on load by gossip_restore, so a tampered file cannot inject a
 * member.
 */
#ifndef MESHD_AGENT_STATE_H
#define MESHD_AGENT_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../proto/identity.h"
#include "../proto/wire.h"

enum { STATE_MAX_RECORDS = 4096 };

struct state_members {
	uint64_t self_version;      /* 0 = none stored */
	size_t n;
	struct wire_record *rec;    /* malloc'd */
	size_t n_bad;               /* lines skipped as malformed */
	int64_t saved_s;            /* the file's modification time (wall seconds), 0 = none */
};

/* mkdir -p with mode 0700 for the parts it creates. 0 or -errno. */
int state_dir_prepare(const char *dir, char *err, size_t errlen);

/* Load <dir>/identity.key or create it (0600) on first start. */
int state_identity(const char *dir, struct identity *idn, bool *created, char *err, size_t errlen);

/*
 * A missing file is an empty state (first start), not an error. A file
 * whose first line is not the magic is refused (-EINVAL); after it, a
 * malformed line (too long, a NUL, no newline at the end, a number that
 * is not a plain u64) is skipped and counted in n_bad.
 */
int state_load(const char *path, struct state_members *out, char *err, size_t errlen);
void state_members_free(struct state_members *m);

/* The version for this start: above the stored one and at least now,
 * saturating at WIRE_VERSION_MAX rather than going past it. A stored
 * self-version above WIRE_VERSION_MAX is refused by state_load (n_bad). */
uint64_t state_next_version(const struct state_members *sm, uint64_t now);

/*
 * Did we hold this start's overlay address before it? Our own record in
 * the file (verified, not a leave) says, if the file is younger than
 * `keep_ms` (how long the mesh remembers a failed member's claim; now_s
 * and saved_s are wall seconds). `tmpl` is this start's template: a
 * pinned address must be the saved one; a derived one (tmpl has no
 * overlay, `prefix` is the configured one) counts when the saved address
 * lies in the prefix, and then tmpl->addr_gen takes the saved generation
 * so that the same address is derived again.
 */
bool state_claim_established(const struct state_members *sm, const uint8_t id[static WIRE_ID_LEN],
			     struct wire_record *tmpl, const struct wire_prefix *prefix,
			     uint64_t keep_ms, int64_t now_s);

/*
 * When to write the members file (pure: time comes in). A change is
 * written at the first chance after it, at most once per min_gap_ms, so a
 * crash loses at most about a second of membership. A write that fails
 * (disk full, read-only directory) keeps the change pending and is retried
 * with doubling backoff (retry_first_ms .. retry_max_ms); the old file
 * stays as it was (the write is atomic).
 */
struct state_saver {
	bool dirty;
	uint64_t last_write_ms;      /* last attempt */
	uint64_t retry_at_ms;        /* after a failure: not before this */
	uint64_t backoff_ms;         /* the next failure's wait */
	uint32_t failing;            /* failures in a row (0 = the last write worked) */
	uint64_t errors;             /* all failures (meshd_state_write_errors_total) */
};
enum { STATE_SAVE_GAP_MS = 1000, STATE_RETRY_FIRST_MS = 1000, STATE_RETRY_MAX_MS = 60000 };

void state_saver_mark(struct state_saver *s);
/* Is a write due now? */
bool state_saver_due(const struct state_saver *s, uint64_t now_ms);
/*
 * The outcome of a write begun at now_ms. Returns what to tell the
 * operator: 1 = first failure of a streak (log it), 2 = recovered after
 * failures (log it; *streak = how many failed), 0 = nothing new.
 */
int state_saver_done(struct state_saver *s, bool ok, uint64_t now_ms, uint32_t *streak);

/* Write atomically (0600). */
int state_save(const char *path, uint64_t self_version, const struct wire_record *const *recs,
	       size_t n, char *err, size_t errlen);

#endif
