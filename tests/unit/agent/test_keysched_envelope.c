/* SPDX-License-Identifier: MIT */
/*
 * Datagrams across a rotation, sealed and opened as net.c does: members
 * that got the grant and one that did not keep talking through the
 * window; after it, a key nobody granted (a revoked member's) and the
 * old key open nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>

#include "../proto/envelope.h"
#include "keysched.h"

enum { T_ACT = 1000, WINDOW = 600 };

static const uint8_t K0[WIRE_KEY_LEN] = { 1 }, K1[WIRE_KEY_LEN] = { 2 };
static const uint8_t MSG[] = { 0x93, 1, 2, 3 };

static struct keysched a, b, laggard;   /* a, b got the grant; laggard did not */

static struct wire_addr addr(uint8_t last)
{
	struct wire_addr x = { .family = WIRE_AF_INET, .port = 51821 };

	x.ip[0] = 10;
	x.ip[3] = last;
	return x;
}

static int setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return -1;
	keysched_init(&a, K0, 0, WINDOW);
	keysched_init(&b, K0, 0, WINDOW);
	keysched_init(&laggard, K0, 0, WINDOW);
	return keysched_install(&a, K1, 1, T_ACT, 900) || keysched_install(&b, K1, 1, T_ACT, 900);
}

/* from seals to `to_addr`; to opens it. Returns the plaintext length or the error. */
static int hop(struct keysched *from, struct keysched *to, const struct wire_addr *from_addr,
	       const struct wire_addr *to_addr, int64_t now, bool *old)
{
	uint8_t dg[64], plain[64], nonce[WIRE_NONCE_LEN];
	int n;

	randombytes_buf(nonce, sizeof(nonce));
	n = keysched_seal(from, to_addr, now, dg, sizeof(dg), MSG, sizeof(MSG), nonce);
	assert_true(n > 0);
	return keysched_open(to, from_addr, now, plain, sizeof(plain), dg, (size_t)n, old);
}

static void through_the_window(void **state)
{
	struct wire_addr aa = addr(1), ba = addr(2), la = addr(3);
	bool old;

	(void)state;
	/* Before activation everyone seals with the old key. */
	assert_int_equal(hop(&a, &b, &aa, &ba, 999, &old), (int)sizeof(MSG));
	assert_false(old);
	assert_int_equal(hop(&laggard, &a, &la, &aa, 999, &old), (int)sizeof(MSG));
	assert_false(old);   /* the previous key, but still the one in use */

	/* Active: a and b speak the new key; a answers the laggard in the old one. */
	assert_int_equal(hop(&a, &b, &aa, &ba, T_ACT, &old), (int)sizeof(MSG));
	assert_false(old);
	assert_int_equal(hop(&laggard, &a, &la, &aa, T_ACT + 1, &old), (int)sizeof(MSG));
	assert_true(old);
	assert_int_equal(hop(&a, &laggard, &aa, &la, T_ACT + 1, &old), (int)sizeof(MSG));

	/* The laggard gets its grant late: it switches, a follows. */
	assert_int_equal(keysched_install(&laggard, K1, 1, T_ACT, T_ACT + 5), 0);
	assert_int_equal(hop(&laggard, &a, &la, &aa, T_ACT + 5, &old), (int)sizeof(MSG));
	assert_false(old);
	assert_int_equal(hop(&a, &laggard, &aa, &la, T_ACT + 5, &old), (int)sizeof(MSG));
}

static void after_the_window(void **state)
{
	static struct keysched revoked;
	struct wire_addr aa = addr(1), ra = addr(9);
	bool old;

	(void)state;
	/* A member that got no grant keeps the old key only. */
	keysched_init(&revoked, K0, 0, WINDOW);
	assert_int_equal(hop(&revoked, &a, &ra, &aa, T_ACT + WINDOW - 1, &old), (int)sizeof(MSG));
	assert_true(old);
	assert_true(keysched_expire(&a, T_ACT + WINDOW));
	assert_int_equal(hop(&revoked, &a, &ra, &aa, T_ACT + WINDOW, &old), -WIRE_EAUTH);
	/* Nor does a answer it in the old key any more: it seals the new one. */
	assert_int_equal(hop(&a, &revoked, &aa, &ra, T_ACT + WINDOW, &old), -WIRE_EAUTH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(through_the_window),
		cmocka_unit_test(after_the_window),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
