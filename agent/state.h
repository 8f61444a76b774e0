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

/* Write atomically (0600). */
int state_save(const char *path, uint64_t self_version, const struct wire_record *const *recs,
	       size_t n, char *err, size_t errlen);

#endif
