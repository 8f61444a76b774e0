/* SPDX-License-Identifier: MIT */
/*
 * Hole punching's timing (agent/punch_sched.c) and datagram
 * (agent/punch_raw.c): who tries when, the steps of an attempt, the
 * judgement, the backoff that lets the NATs forget a failed attempt, and
 * the bytes of the low-TTL datagram.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "punch_raw.h"
#include "punch_sched.h"

static const struct punch_view ready = { .able = true, .peer_natted = true, .initiator = true,
					 .direct = false, .stuck = true };

static struct wire_addr addr(const char *s)
{
	struct wire_addr a;

	assert_int_equal(wire_addr_parse(&a, s), 0);
	return a;
}

static void test_who_tries(void **state)
{
	struct punch_sched s = { 0 };
	struct punch_view v;

	(void)state;
	assert_true(punch_due(&s, &ready, 0));
	v = ready, v.able = false;          /* no raw socket, symmetric or no NAT here */
	assert_false(punch_due(&s, &v, 0));
	v = ready, v.peer_natted = false;   /* a public peer: its candidates work */
	assert_false(punch_due(&s, &v, 0));
	v = ready, v.initiator = false;     /* the lower id asks; we answer */
	assert_false(punch_due(&s, &v, 0));
	v = ready, v.direct = true;
	assert_false(punch_due(&s, &v, 0));
	v = ready, v.stuck = false;         /* candidates still being tried */
	assert_false(punch_due(&s, &v, 0));
}

static void test_attempt_steps(void **state)
{
	struct punch_sched s = { 0 };
	struct wire_addr t = addr("203.0.113.2:51820");
	uint64_t t0 = 100000;

	(void)state;
	punch_plan(&s, &t, t0, PUNCH_AT_MS);
	assert_false(punch_due(&s, &ready, t0));     /* one at a time */
	assert_int_equal(punch_step_due(&s, t0), PUNCH_STEP_NONE);
	assert_int_equal(punch_next_step(&s), t0 + PUNCH_AT_MS);
	assert_int_equal(punch_step_due(&s, t0 + PUNCH_AT_MS), PUNCH_STEP_FIRE);
	punch_done_step(&s, PUNCH_STEP_FIRE, 5000);
	assert_int_equal(punch_step_due(&s, t0 + PUNCH_AT_MS + 1), PUNCH_STEP_NONE);
	assert_int_equal(punch_next_step(&s), t0 + PUNCH_AT_MS + PUNCH_SETTLE_MS);
	assert_int_equal(punch_step_due(&s, t0 + PUNCH_AT_MS + PUNCH_SETTLE_MS), PUNCH_STEP_SWITCH);
	punch_done_step(&s, PUNCH_STEP_SWITCH, 5000);
	assert_int_equal(punch_next_step(&s), t0 + PUNCH_AT_MS + PUNCH_JUDGE_MS);
	assert_int_equal(punch_step_due(&s, t0 + PUNCH_AT_MS + PUNCH_JUDGE_MS), PUNCH_STEP_JUDGE);
	/* A handshake newer than the fire, on the punched endpoint: direct. */
	assert_true(punch_judge(&s, 5002, &t, t0 + PUNCH_AT_MS + PUNCH_JUDGE_MS));
	assert_true(s.succeeded);
	assert_int_equal(punch_next_step(&s), UINT64_MAX);
}

static void test_judge_and_backoff(void **state)
{
	struct punch_sched s = { 0 };
	struct wire_addr t = addr("203.0.113.2:51820"), relay = addr("198.51.100.1:40001");
	uint64_t now = 0, waits[PUNCH_MAX_ATTEMPTS];

	(void)state;
	for (int i = 0; i < PUNCH_MAX_ATTEMPTS; i++) {
		assert_true(punch_due(&s, &ready, now));
		punch_plan(&s, &t, now, PUNCH_AT_MS);
		punch_done_step(&s, PUNCH_STEP_FIRE, 1000 + i * 1000);
		punch_done_step(&s, PUNCH_STEP_SWITCH, 0);
		now += PUNCH_AT_MS + PUNCH_JUDGE_MS;
		/* Old handshakes, or a new one through the relay, are no success. */
		if (i % 2)
			assert_false(punch_judge(&s, 999 + i * 1000, &t, now));
		else
			assert_false(punch_judge(&s, 5000 + i * 1000, &relay, now));
		waits[i] = s.next_ms - now;
		assert_false(punch_due(&s, &ready, s.next_ms - 1));
		now = s.next_ms;
	}
	/* Long enough for conntrack to forget the failed flows, doubling, capped. */
	assert_int_equal(waits[0], PUNCH_RETRY_MS);
	assert_int_equal(waits[1], 2 * PUNCH_RETRY_MS);
	assert_int_equal(waits[PUNCH_MAX_ATTEMPTS - 1], PUNCH_RETRY_MAX_MS);
	assert_true(PUNCH_RETRY_MS > 30000);
	/* Bounded: no seventh attempt until the peer's record changes. */
	assert_false(punch_due(&s, &ready, now + 10 * PUNCH_RETRY_MAX_MS));
	punch_reset(&s);
	assert_true(punch_due(&s, &ready, now));
}

static void test_raw_datagram(void **state)
{
	static const uint8_t src[4] = { 192, 168, 1, 2 };
	struct wire_addr dst = addr("203.0.113.2:51820"), v6 = addr("[2001:db8::1]:51820");
	uint8_t b[PUNCH_RAW_LEN + 4];
	uint32_t sum = 0;

	(void)state;
	assert_int_equal(punch_raw_build(b, sizeof(b), src, 51820, &dst, 3), PUNCH_RAW_LEN);
	assert_int_equal(b[0], 0x45);
	assert_int_equal(b[2] << 8 | b[3], PUNCH_RAW_LEN);
	assert_int_equal(b[8], 3);                       /* TTL */
	assert_int_equal(b[9], 17);                      /* UDP */
	assert_memory_equal(b + 12, src, 4);
	assert_memory_equal(b + 16, dst.ip, 4);
	for (int i = 0; i < 20; i += 2)                  /* header checksum verifies */
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	assert_int_equal(sum, 0xffff);
	assert_int_equal(b[20] << 8 | b[21], 51820);     /* from the WireGuard port */
	assert_int_equal(b[22] << 8 | b[23], 51820);
	assert_int_equal(b[24] << 8 | b[25], 8 + PUNCH_RAW_PAYLOAD);
	assert_int_equal(punch_raw_build(b, sizeof(b), src, 51820, &v6, 3), -EAFNOSUPPORT);
	assert_int_equal(punch_raw_build(b, PUNCH_RAW_LEN - 1, src, 51820, &dst, 3), -EINVAL);
	assert_int_equal(punch_raw_build(b, sizeof(b), src, 51820, &dst, 0), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_who_tries),
		cmocka_unit_test(test_attempt_steps),
		cmocka_unit_test(test_judge_and_backoff),
		cmocka_unit_test(test_raw_datagram),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
