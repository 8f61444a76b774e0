/* SPDX-License-Identifier: MIT */
/*
 * Issue 12, event hooks lose nothing silently (agent/hooks_queue.c): a
 * burst of changes of N members leaves at most N pending runs, the latest
 * state of each member wins and keeps its place; past the bound the oldest
 * is dropped and the next run handed out says how many were.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "hooks_queue.h"

static struct hook_job job(unsigned member, const char *event)
{
	struct hook_job j;

	memset(&j, 0, sizeof(j));
	j.id[0] = (uint8_t)member;
	j.id[1] = (uint8_t)(member >> 8);
	snprintf(j.var[0], HOOK_VAR_MAX, "MESHD_EVENT=%s", event);
	snprintf(j.var[5], HOOK_VAR_MAX, "MESHD_STATUS=%s",
		 strcmp(event, "update") == 0 || strcmp(event, "join") == 0 ? "alive" : event);
	return j;
}

/* join then update (still alive): the consumer has not heard of it: still a join. */
static void pending_join_stays_join(void **state)
{
	struct hooks_queue q;
	struct hook_job out, a = job(1, "join"), b = job(1, "update"), c = job(2, "join"),
			d = job(2, "failed");
	uint64_t dropped;

	(void)state;
	hooks_queue_init(&q, 8);
	snprintf(b.var[1], HOOK_VAR_MAX, "MESHD_NAME=newer");
	assert_int_equal(hooks_queue_put(&q, &a), 0);
	assert_int_equal(hooks_queue_put(&q, &b), 1);
	assert_int_equal(hooks_queue_put(&q, &c), 0);
	assert_int_equal(hooks_queue_put(&q, &d), 1);
	assert_true(hooks_queue_take(&q, &out, &dropped));
	assert_string_equal(out.var[0], "MESHD_EVENT=join");
	assert_string_equal(out.var[1], "MESHD_NAME=newer");    /* the latest record */
	assert_true(hooks_queue_take(&q, &out, &dropped));
	assert_string_equal(out.var[0], "MESHD_EVENT=failed");  /* not alive: latest wins */
	hooks_queue_free(&q);
}

static void burst_coalesces_per_member(void **state)
{
	static const char *const evs[] = { "join", "update", "suspect", "alive", "failed" };
	struct hooks_queue q;
	struct hook_job out;
	uint64_t dropped;
	unsigned n = 0;
	bool got[128] = { false };

	(void)state;
	hooks_queue_init(&q, 256);
	/* 128 members, five changes each, interleaved: 640 events. */
	for (int e = 0; e < 5; e++)
		for (unsigned m = 0; m < 128; m++) {
			struct hook_job j = job(m, evs[e]);

			assert_int_equal(hooks_queue_put(&q, &j), e ? 1 : 0);
		}
	assert_int_equal(q.len, 128);
	assert_int_equal(q.coalesced, 4 * 128);
	assert_int_equal(q.dropped, 0);
	/* Every member once, in first-change order, with its latest state. */
	while (hooks_queue_take(&q, &out, &dropped)) {
		unsigned m = out.id[0] | (unsigned)out.id[1] << 8;

		assert_int_equal(m, n);
		assert_false(got[m]);
		got[m] = true;
		assert_string_equal(out.var[0], "MESHD_EVENT=failed");
		assert_int_equal(dropped, 0);
		n++;
	}
	assert_int_equal(n, 128);
	/* Taken runs are gone: the next change of a member is queued anew. */
	{
		struct hook_job j = job(3, "alive");

		assert_int_equal(hooks_queue_put(&q, &j), 0);
	}
	hooks_queue_free(&q);
}

static void over_the_bound_the_consumer_is_told(void **state)
{
	struct hooks_queue q;
	struct hook_job out;
	uint64_t dropped;

	(void)state;
	hooks_queue_init(&q, 20);
	for (unsigned m = 0; m < 25; m++) {
		struct hook_job j = job(m, "join");

		assert_int_equal(hooks_queue_put(&q, &j), m < 20 ? 0 : 2);
	}
	assert_int_equal(q.len, 20);
	assert_int_equal(q.dropped, 5);
	assert_true(hooks_queue_take(&q, &out, &dropped));
	assert_int_equal(out.id[0], 5);          /* the five oldest went */
	assert_int_equal(dropped, 5);            /* and the first run after says so */
	assert_true(hooks_queue_take(&q, &out, &dropped));
	assert_int_equal(dropped, 0);            /* once */
	hooks_queue_free(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(burst_coalesces_per_member),
		cmocka_unit_test(over_the_bound_the_consumer_is_told),
		cmocka_unit_test(pending_join_stays_join),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
