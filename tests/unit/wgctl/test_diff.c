// SPDX-License-Identifier: MIT
/* wgctl_diff: which peers an apply touches, and how. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "helpers.h"
#include "wgctl/diff.h"

enum { N_MAX = 1100 };

struct fixture {
	struct wgctl_peer want[N_MAX], have[N_MAX];
	const struct wgctl_peer *sorted[N_MAX];
	union wgctl_endpoint asked[N_MAX];
	struct wgctl_op ops[2 * N_MAX];
};

static int setup(void **state)
{
	*state = calloc(1, sizeof(struct fixture));
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static size_t run(struct fixture *f, size_t nw, size_t nh, unsigned int flags, bool asked)
{
	assert_int_equal(wgctl_diff_sort(f->want, nw, f->sorted), 0);
	return wgctl_diff(f->sorted, nw, f->have, asked ? f->asked : NULL, nh, flags, f->ops);
}

static void test_empty(void **state)
{
	assert_int_equal(run(*state, 0, 0, 0, false), 0);
}

static void test_add_sorted_with_fields(void **state)
{
	struct fixture *f = *state;

	th_peer(&f->want[0], 9);
	th_add_ip(&f->want[0], "10.0.0.9/32");
	th_peer(&f->want[1], 3);
	th_endpoint(&f->want[1], "192.0.2.3:51820");
	f->want[1].keepalive = 25;
	assert_int_equal(run(f, 2, 0, 0, false), 2);
	/* Sorted by key: id 3 sorts before id 9. */
	assert_ptr_equal(f->ops[0].peer, &f->want[1]);
	assert_int_equal(f->ops[0].kind, WGCTL_OP_ADD);
	assert_int_equal(f->ops[0].change, WGCTL_CH_ENDPOINT | WGCTL_CH_KEEPALIVE | WGCTL_CH_ALLOWED);
	assert_ptr_equal(f->ops[1].peer, &f->want[0]);
	assert_int_equal(f->ops[1].change, WGCTL_CH_ALLOWED);
}

static void test_remove(void **state)
{
	struct fixture *f = *state;

	th_peer(&f->have[0], 1);
	th_peer(&f->have[1], 2);
	th_peer(&f->want[0], 2);
	assert_int_equal(run(f, 1, 2, 0, false), 1);
	assert_int_equal(f->ops[0].kind, WGCTL_OP_REMOVE);
	assert_ptr_equal(f->ops[0].peer, &f->have[0]);
}

static void test_unchanged_ignores_order_dups_hostbits(void **state)
{
	struct fixture *f = *state;

	th_peer(&f->want[0], 1);
	th_endpoint(&f->want[0], "192.0.2.1:1");
	th_add_ip(&f->want[0], "10.1.0.77/16");
	th_add_ip(&f->want[0], "fd00::1/128");
	th_add_ip(&f->want[0], "fd00::1/128");
	f->have[0] = f->want[0];
	f->have[0].n_allowed = 0;
	th_add_ip(&f->have[0], "fd00::1/128");
	th_add_ip(&f->have[0], "10.1.0.0/16");
	f->have[0].rx_bytes = 1234;   /* stats never count as a change */
	f->have[0].last_handshake = 99;
	assert_int_equal(run(f, 1, 1, 0, false), 0);
}

static void test_allowed_change(void **state)
{
	struct fixture *f = *state;

	th_peer(&f->want[0], 1);
	th_add_ip(&f->want[0], "10.0.0.1/32");
	th_add_ip(&f->want[0], "10.0.0.2/32");
	f->have[0] = f->want[0];
	f->have[0].n_allowed = 1;
	assert_int_equal(run(f, 1, 1, 0, false), 1);
	assert_int_equal(f->ops[0].kind, WGCTL_OP_UPDATE);
	assert_int_equal(f->ops[0].change, WGCTL_CH_ALLOWED);

	/* Same address, other prefix length: a change too. */
	f->have[0] = f->want[0];
	f->have[0].allowed[1].cidr = 31;
	assert_int_equal(run(f, 1, 1, 0, false), 1);
	assert_int_equal(f->ops[0].change, WGCTL_CH_ALLOWED);

	/* Dropping every IP is a change (REPLACE with none). */
	f->have[0] = f->want[0];
	f->want[0].n_allowed = 0;
	assert_int_equal(run(f, 1, 1, 0, false), 1);
	assert_int_equal(f->ops[0].change, WGCTL_CH_ALLOWED);
}

static void test_endpoint_change(void **state)
{
	struct fixture *f = *state;

	th_peer(&f->want[0], 1);
	th_endpoint(&f->want[0], "[2001:db8::1]:51820");
	f->have[0] = f->want[0];
	assert_int_equal(run(f, 1, 1, 0, false), 0);
	th_endpoint(&f->have[0], "[2001:db8::1]:51821");
	assert_int_equal(run(f, 1, 1, 0, false), 1);
	assert_int_equal(f->ops[0].change, WGCTL_CH_ENDPOINT);
	th_endpoint(&f->have[0], "192.0.2.1:51820");
	assert_int_equal(run(f, 1, 1, 0, false), 1);
	assert_int_equal(f->ops[0].change, WGCTL_CH_ENDPOINT);

	/* No wanted endpoint: whatever the device has stays. */
	memset(&f->want[0].endpoint, 0, sizeof(f->want[0].endpoint));
	assert_int_equal(run(f, 1, 1, 0, false), 0);
}

static void test_keepalive_change(void **state)
{
	struct fixture *f = *state;

	th_peer(&f->want[0], 1);
	f->have[0] = f->want[0];
	f->have[0].keepalive = 25;
	assert_int_equal(run(f, 1, 1, 0, false), 1);   /* 25 -> off */
	assert_int_equal(f->ops[0].change, WGCTL_CH_KEEPALIVE);
}

static void test_keep_roamed_endpoint(void **state)
{
	struct fixture *f = *state;

	th_peer(&f->want[0], 1);
	th_endpoint(&f->want[0], "192.0.2.1:51820");        /* advertised */
	f->have[0] = f->want[0];
	th_endpoint(&f->have[0], "198.51.100.7:40000");     /* roamed */
	f->have[0].last_handshake = 1700000000;

	/* Without the option apply makes the device equal want. */
	assert_int_equal(run(f, 1, 1, 0, false), 1);
	/* Asked-for endpoint unknown (fresh start): keep the live one. */
	assert_int_equal(run(f, 1, 1, WGCTL_DIFF_KEEP_ENDPOINT, false), 0);
	memset(f->asked, 0, sizeof(f->asked[0]));
	assert_int_equal(run(f, 1, 1, WGCTL_DIFF_KEEP_ENDPOINT, true), 0);
	/* Same advertisement as last time: keep the roamed endpoint. */
	f->asked[0] = f->want[0].endpoint;
	assert_int_equal(run(f, 1, 1, WGCTL_DIFF_KEEP_ENDPOINT, true), 0);
	/* A new advertisement wins. */
	assert_int_equal(wgctl_endpoint_parse("192.0.2.99:1", &f->asked[0]), 0);
	assert_int_equal(run(f, 1, 1, WGCTL_DIFF_KEEP_ENDPOINT, true), 1);
	assert_int_equal(f->ops[0].change, WGCTL_CH_ENDPOINT);
	/* Never handshaked: nothing learned, push ours. */
	f->asked[0] = f->want[0].endpoint;
	f->have[0].last_handshake = 0;
	assert_int_equal(run(f, 1, 1, WGCTL_DIFF_KEEP_ENDPOINT, true), 1);
}

static void test_mixed_sorted(void **state)
{
	struct fixture *f = *state;
	size_t n;

	/* have 1..5, want 2..7 with 3 changed. */
	for (uint32_t i = 0; i < 5; i++)
		th_peer(&f->have[i], i + 1);
	for (uint32_t i = 0; i < 6; i++)
		th_peer(&f->want[5 - i], i + 2);   /* reverse order on purpose */
	th_add_ip(&f->want[4], "10.3.0.0/16");      /* id 3 */
	n = run(f, 6, 5, 0, false);
	assert_int_equal(n, 4);   /* remove 1, update 3, add 6, add 7 */
	for (size_t i = 1; i < n; i++)
		assert_true(wgctl_key_cmp(f->ops[i - 1].peer->public_key, f->ops[i].peer->public_key) < 0);
	assert_int_equal(f->ops[0].kind, WGCTL_OP_REMOVE);
	assert_int_equal(f->ops[1].kind, WGCTL_OP_UPDATE);
	assert_int_equal(f->ops[2].kind, WGCTL_OP_ADD);
	assert_int_equal(f->ops[3].kind, WGCTL_OP_ADD);
}

static void test_sort_rejects(void **state)
{
	struct fixture *f = *state;

	th_peer(&f->want[0], 4);
	th_peer(&f->want[1], 4);
	assert_int_equal(wgctl_diff_sort(f->want, 2, f->sorted), -EINVAL);
	th_peer(&f->want[1], 5);
	f->want[1].n_allowed = WGCTL_MAX_ALLOWED + 1;
	assert_int_equal(wgctl_diff_sort(f->want, 2, f->sorted), -EINVAL);
}

static void test_one_of_thousand(void **state)
{
	struct fixture *f = *state;

	for (uint32_t i = 0; i < 1000; i++) {
		th_peer_n(&f->want[i], i, 3);
		f->have[i] = f->want[i];
	}
	/* have must be sorted by key, as the device view is. */
	assert_int_equal(wgctl_diff_sort(f->want, 1000, f->sorted), 0);
	for (size_t i = 0; i < 1000; i++)
		f->have[i] = *f->sorted[i];
	f->want[500].keepalive = 5;
	assert_int_equal(run(f, 1000, 1000, 0, false), 1);
	assert_ptr_equal(f->ops[0].peer, &f->want[500]);
	assert_int_equal(f->ops[0].change, WGCTL_CH_KEEPALIVE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_sorted_with_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unchanged_ignores_order_dups_hostbits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allowed_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_endpoint_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keepalive_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keep_roamed_endpoint, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mixed_sorted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sort_rejects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_of_thousand, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
