/* SPDX-License-Identifier: MIT */
/*
 * The pending event-hook runs (issue 12): at most one per member, like
 * Serf's coalescing: a later change of a member whose run has not
 * started yet replaces it (latest state wins, counted as coalesced; a
 * pending "join" stays "join" while the member is still alive), so
 * the queue is bounded by the member table and nothing is lost while it
 * fits. Past `cap` (more members changed than the table holds, i.e.
 * churn through removed ones) the oldest pending run is dropped and
 * counted; the next run handed out carries that count (the hook sees
 * MESHD_EVENTS_DROPPED=N) so the consumer knows to resynchronise.
 * Pure: no processes, no agent.
 */
#ifndef MESHD_AGENT_HOOKS_QUEUE_H
#define MESHD_AGENT_HOOKS_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../proto/wire.h"

enum { HOOK_VARS = 11, HOOK_VAR_MAX = 128 };

/* var[0] is MESHD_EVENT=..., var[5] MESHD_STATUS=..., var[9] MESHD_EVENTS_DROPPED, var[10] MESHD_OVERLAY_IP6 (hooks.c fills them). */
struct hook_job {
	uint8_t id[WIRE_ID_LEN];
	char var[HOOK_VARS][HOOK_VAR_MAX];
};

struct hooks_queue {
	struct hook_job *job;        /* ring of cap_alloc */
	size_t head, len, cap_alloc;
	size_t cap;                  /* most pending at once */
	uint64_t coalesced, dropped;
	uint64_t dropped_untold;     /* dropped since the last job handed out */
};

int hooks_queue_init(struct hooks_queue *q, size_t cap);
void hooks_queue_free(struct hooks_queue *q);
/*
 * Queue (or replace) the run for job->id. Returns 0 queued, 1 replaced a
 * pending run of the same member, 2 queued after dropping the oldest,
 * -ENOMEM (nothing changed but the drop count).
 */
int hooks_queue_put(struct hooks_queue *q, const struct hook_job *job);
/* The oldest pending run; *dropped = runs dropped before it (then zeroed). */
bool hooks_queue_take(struct hooks_queue *q, struct hook_job *out, uint64_t *dropped);

#endif
