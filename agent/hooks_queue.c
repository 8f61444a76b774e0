/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hooks_queue.h"

int hooks_queue_init(struct hooks_queue *q, size_t cap)
{
	memset(q, 0, sizeof(*q));
	q->cap = cap ? cap : 1;
	return 0;
}

void hooks_queue_free(struct hooks_queue *q)
{
	free(q->job);
	memset(q, 0, sizeof(*q));
}

static struct hook_job *at(struct hooks_queue *q, size_t i)
{
	return &q->job[(q->head + i) % q->cap_alloc];
}

/* Grow the ring (doubling, up to cap) keeping its order. */
static int grow(struct hooks_queue *q)
{
	size_t ncap = q->cap_alloc ? q->cap_alloc * 2 : 16;
	struct hook_job *n;

	if (ncap > q->cap)
		ncap = q->cap;
	if (ncap <= q->cap_alloc)
		return -ENOSPC;
	n = malloc(ncap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	for (size_t i = 0; i < q->len; i++)
		n[i] = *at(q, i);
	free(q->job);
	q->job = n;
	q->head = 0;
	q->cap_alloc = ncap;
	return 0;
}

int hooks_queue_put(struct hooks_queue *q, const struct hook_job *job)
{
	int ret = 0;

	/* Latest state wins: one pending run per member, in its first place. */
	for (size_t i = 0; i < q->len; i++) {
		struct hook_job *j = at(q, i);

		if (memcmp(j->id, job->id, WIRE_ID_LEN) == 0) {
			/* A join not yet delivered stays a join while the member is
			 * alive: the consumer has not heard of it yet. */
			bool keep_join = strcmp(j->var[0], "MESHD_EVENT=join") == 0 &&
					 strcmp(job->var[5], "MESHD_STATUS=alive") == 0;

			*j = *job;
			if (keep_join)
				snprintf(j->var[0], HOOK_VAR_MAX, "MESHD_EVENT=join");
			q->coalesced++;
			return 1;
		}
	}
	if (q->len == q->cap_alloc) {
		int r = grow(q);

		if (r == -ENOMEM && !q->len) {
			q->dropped++;
			q->dropped_untold++;
			return -ENOMEM;
		}
		if (r != 0) {
			/* Full: the oldest goes, and the next run says so. */
			q->head = (q->head + 1) % q->cap_alloc;
			q->len--;
			q->dropped++;
			q->dropped_untold++;
			ret = 2;
		}
	}
	*at(q, q->len) = *job;
	q->len++;
	return ret;
}

bool hooks_queue_take(struct hooks_queue *q, struct hook_job *out, uint64_t *dropped)
{
	if (!q->len)
		return false;
	*out = *at(q, 0);
	q->head = (q->head + 1) % q->cap_alloc;
	q->len--;
	*dropped = q->dropped_untold;
	q->dropped_untold = 0;
	return true;
}
