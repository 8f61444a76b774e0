/* SPDX-License-Identifier: MIT */
/*
 * Issue 12, rejoining after a restart (agent/rejoin.c): candidates are
 * deduplicated and rotated through in batches; a round is needed while
 * nobody answered, while we are alone, or while we know of fewer members
 * than we remembered; the backoff doubles from 1 s, jittered, capped at
 * 30 s, for ever, and starts again once the need has passed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "rejoin.h"

static struct wire_addr v4(uint8_t last, uint16_t port)
{
	struct wire_addr a = { .family = WIRE_AF_INET, .port = port };

	a.ip[0] = 10;
	a.ip[3] = last;
	return a;
}

static void candidates_dedup_and_rotate(void **state)
{
	struct rejoin r = { 0 };
	struct wire_addr out[REJOIN_BATCH], none = { 0 };
	bool seen[20] = { false };

	(void)state;
	assert_false(rejoin_needed(&r, 0, 0));   /* no candidates: a new mesh */
	assert_true(rejoin_add(&r, &(struct wire_addr[1]){ v4(1, 51821) }[0], REJOIN_SEED));
	assert_false(rejoin_add(&r, &(struct wire_addr[1]){ v4(1, 51821) }[0], REJOIN_DEVICE));
	assert_false(rejoin_add(&r, &none, REJOIN_DEVICE));
	assert_false(rejoin_add(&r, &(struct wire_addr[1]){ v4(9, 0) }[0], REJOIN_DEVICE));
	for (uint8_t i = 2; i <= 12; i++)
		assert_true(rejoin_add(&r, &(struct wire_addr[1]){ v4(i, 51821) }[0],
				       i < 6 ? REJOIN_STATE : REJOIN_DEVICE));
	assert_int_equal(r.n, 12);
	assert_int_equal(r.by_source[REJOIN_SEED], 1);
	assert_int_equal(r.by_source[REJOIN_STATE], 4);
	assert_int_equal(r.by_source[REJOIN_DEVICE], 7);
	/* Two batches of 8 cover all 12. */
	for (int b = 0; b < 2; b++) {
		size_t n = rejoin_batch(&r, out, REJOIN_BATCH);

		assert_int_equal(n, REJOIN_BATCH);
		for (size_t i = 0; i < n; i++)
			seen[out[i].ip[3]] = true;
	}
	for (int i = 1; i <= 12; i++)
		assert_true(seen[i]);
}

static void needed_until_answered_and_whole(void **state)
{
	struct rejoin r = { 0 };

	(void)state;
	rejoin_add(&r, &(struct wire_addr[1]){ v4(1, 51821) }[0], REJOIN_DEVICE);
	r.remembered = 5;
	assert_true(rejoin_needed(&r, 0, 0));      /* nobody answered yet */
	r.answered = true;
	assert_true(rejoin_needed(&r, 0, 5));      /* answered, but alone */
	assert_true(rejoin_needed(&r, 2, 2));      /* holds 2 of the 5 remembered */
	assert_false(rejoin_needed(&r, 5, 5));
	assert_false(rejoin_needed(&r, 3, 5));     /* 2 known but failed: gossip reaches out */
	assert_false(rejoin_needed(&r, 7, 7));
}

static void backoff_jittered_capped_forever(void **state)
{
	struct rejoin r = { 0 };
	uint64_t now = 1000, prev = 0;

	(void)state;
	rejoin_add(&r, &(struct wire_addr[1]){ v4(1, 51821) }[0], REJOIN_SEED);
	assert_true(rejoin_due(&r, now));
	for (int i = 0; i < 40; i++) {
		uint64_t base = (uint64_t)REJOIN_FIRST_MS << (i < 5 ? i : 5), d;

		if (base > REJOIN_MAX_MS)
			base = REJOIN_MAX_MS;
		rejoin_sent(&r, now, (uint64_t)i * 7919);
		d = r.next_ms - now;
		assert_true(d >= base * 3 / 4);
		assert_true(d <= REJOIN_MAX_MS);
		assert_true(d <= base * 5 / 4);
		assert_false(rejoin_due(&r, now + d - 1));
		now += d;
		assert_true(rejoin_due(&r, now));
		prev = d;
	}
	assert_true(prev >= REJOIN_MAX_MS * 3 / 4);   /* still trying, at the cap */
	assert_int_equal(r.rounds, 40);
	rejoin_settled(&r);
	rejoin_sent(&r, now, 0);
	assert_true(r.next_ms - now <= REJOIN_FIRST_MS * 5 / 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(candidates_dedup_and_rotate),
		cmocka_unit_test(needed_until_answered_and_whole),
		cmocka_unit_test(backoff_jittered_capped_forever),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
