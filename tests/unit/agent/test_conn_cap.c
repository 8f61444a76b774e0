/* SPDX-License-Identifier: MIT */
/*
 * Connection accounting: a queuing socket stops at the cap and resumes on
 * a close; a refusing one closes what is over it; an accept() failure
 * pauses for exactly the back-off; random event sequences never leave
 * more than `max` connections open.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "conn_cap.h"

/* libevent's accept loop as the listener drives it: accept while allowed. */
static unsigned drain_backlog(struct conn_cap *c, unsigned pending, uint64_t now,
			      unsigned *closed_at_once)
{
	uint64_t wait;
	unsigned kept = 0;

	*closed_at_once = 0;
	while (pending > 0 && conn_cap_listening(c, now, &wait)) {
		pending--;
		if (conn_cap_accepted(c))
			kept++;
		else
			(*closed_at_once)++;
	}
	return kept;
}

static void queue_stops_at_cap(void **state)
{
	struct conn_cap c;
	unsigned refused;
	uint64_t wait = 99;

	(void)state;
	conn_cap_init(&c, 64, 1000, true);
	/* 10,000 clients queued in the kernel: we take 64 and leave the rest there. */
	assert_int_equal(drain_backlog(&c, 10000, 0, &refused), 64);
	assert_int_equal(refused, 0);
	assert_int_equal(c.open, 64);
	assert_int_equal(c.full, 1);
	assert_false(conn_cap_listening(&c, 0, &wait));
	assert_int_equal(wait, 0);   /* nothing to time: resume on a close */
	conn_cap_closed(&c);
	assert_true(conn_cap_listening(&c, 0, &wait));
	assert_int_equal(drain_backlog(&c, 9936, 0, &refused), 1);
	assert_int_equal(c.full, 2);
	assert_int_equal(c.accepted, 65);
}

static void refuse_closes_over_cap(void **state)
{
	struct conn_cap c;
	unsigned refused;
	uint64_t wait;

	(void)state;
	conn_cap_init(&c, 32, 250, false);
	assert_int_equal(drain_backlog(&c, 40, 0, &refused), 32);
	assert_int_equal(refused, 8);
	assert_int_equal(c.refused, 8);
	assert_int_equal(c.open, 32);
	assert_true(conn_cap_listening(&c, 0, &wait));   /* keeps accepting, to close */
	conn_cap_closed(&c);
	assert_int_equal(drain_backlog(&c, 1, 0, &refused), 1);
	assert_int_equal(refused, 0);
}

static void accept_error_backs_off(void **state)
{
	struct conn_cap c;
	uint64_t wait;

	(void)state;
	conn_cap_init(&c, 64, 1000, true);
	conn_cap_accept_failed(&c, 5000);
	assert_int_equal(c.accept_errors, 1);
	assert_false(conn_cap_listening(&c, 5000, &wait));
	assert_int_equal(wait, 1000);
	assert_false(conn_cap_listening(&c, 5999, &wait));
	assert_int_equal(wait, 1);
	/* A close does not end the back-off early: the fds may be short elsewhere. */
	conn_cap_closed(&c);
	assert_false(conn_cap_listening(&c, 5500, &wait));
	assert_true(conn_cap_listening(&c, 6000, &wait));
	/* Full and backing off: the back-off is what is timed. */
	for (int i = 0; i < 64; i++)
		assert_true(conn_cap_accepted(&c));
	conn_cap_accept_failed(&c, 7000);
	assert_false(conn_cap_listening(&c, 7000, &wait));
	assert_int_equal(wait, 1000);
	assert_false(conn_cap_listening(&c, 8000, &wait));
	assert_int_equal(wait, 0);
}

static void zero_backoff_still_pauses(void **state)
{
	struct conn_cap c;
	uint64_t wait;

	(void)state;
	/* A back-off of 0 would retry at once: the spin this exists to stop. */
	conn_cap_init(&c, 1, 0, true);
	conn_cap_accept_failed(&c, 100);
	assert_false(conn_cap_listening(&c, 100, &wait));
	assert_int_equal(wait, 1);
}

static void closes_never_underflow(void **state)
{
	struct conn_cap c;
	uint64_t wait;

	(void)state;
	conn_cap_init(&c, 2, 10, true);
	conn_cap_closed(&c);
	assert_int_equal(c.open, 0);
	assert_true(conn_cap_accepted(&c));
	assert_true(conn_cap_accepted(&c));
	assert_false(conn_cap_accepted(&c));
	assert_false(conn_cap_listening(&c, 0, &wait));
}

static void fit_to_fd_limit(void **state)
{
	(void)state;
	assert_int_equal(conn_cap_fit(64, 1024), 64);
	assert_int_equal(conn_cap_fit(64, 8192), 64);
	assert_int_equal(conn_cap_fit(64, UINT64_MAX), 64);
	assert_int_equal(conn_cap_fit(64, 256), 32);
	assert_int_equal(conn_cap_fit(32, 30), 3);
	assert_int_equal(conn_cap_fit(32, 0), 1);
}

/* Random accepts, closes and failures against a naive count of what is open. */
static void random_sequences_hold_the_cap(void **state)
{
	(void)state;
	srand(9);
	for (int run = 0; run < 200; run++) {
		struct conn_cap c;
		uint32_t max = 1 + (uint32_t)(rand() % 20);
		bool queue = run & 1;
		unsigned open = 0;
		uint64_t now = 0, wait;

		conn_cap_init(&c, max, 50, queue);
		for (int step = 0; step < 2000; step++) {
			int what = rand() % 10;

			now += (uint64_t)(rand() % 20);
			if (what < 6) {
				if (!conn_cap_listening(&c, now, &wait))
					continue;
				if (conn_cap_accepted(&c))
					open++;
				else
					assert_false(queue);   /* a queuing socket never gets here */
			} else if (what < 9) {
				if (open > 0) {
					conn_cap_closed(&c);
					open--;
				}
			} else {
				conn_cap_accept_failed(&c, now);
			}
			assert_int_equal(c.open, open);
			assert_true(c.open <= max);
			if (queue && open == max)
				assert_false(conn_cap_listening(&c, now, &wait));
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(queue_stops_at_cap),
		cmocka_unit_test(refuse_closes_over_cap),
		cmocka_unit_test(accept_error_backs_off),
		cmocka_unit_test(zero_backoff_still_pauses),
		cmocka_unit_test(closes_never_underflow),
		cmocka_unit_test(fit_to_fd_limit),
		cmocka_unit_test(random_sequences_hold_the_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
