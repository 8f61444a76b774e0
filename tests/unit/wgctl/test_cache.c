// SPDX-License-Identifier: MIT
/*
 * The handle's cached device view across applies: stats and roamed
 * endpoints survive, the asked-for endpoint is tracked, and the in-place
 * (update only) and rebuild (add/remove) paths agree.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "helpers.h"
#include "wgctl/internal.h"

struct step {
	const struct wgctl_peer *sorted[8];
	struct wgctl_op ops[16];
	size_t n_ops;
};

/* One apply against the cache, as wgctl_apply does it minus the I/O. */
static void apply(struct wgctl_cache *c, struct wgctl_peer *want, size_t n, bool keep,
		  struct step *s)
{
	assert_int_equal(wgctl_diff_sort(want, n, s->sorted), 0);
	s->n_ops = wgctl_diff(s->sorted, n, c->peers, c->asked, c->n,
			      keep ? WGCTL_DIFF_KEEP_ENDPOINT : 0, s->ops);
	assert_int_equal(wgctl_cache_commit(c, s->sorted, n, s->ops, s->n_ops), 0);
}

static void test_roamed_endpoint_lifecycle(void **state)
{
	struct wgctl_cache c = { 0 };
	struct wgctl_device dev = { 0 };
	struct wgctl_peer dp[2], want[2];
	union wgctl_endpoint roamed;
	struct step s;

	(void)state;
	/* The device as read at start: peer 1 roamed and is talking. */
	th_peer(&dp[0], 1);
	th_endpoint(&dp[0], "198.51.100.7:40000");
	dp[0].last_handshake = 1700000000;
	dp[0].rx_bytes = 500;
	th_peer(&dp[1], 2);
	th_endpoint(&dp[1], "192.0.2.2:51820");
	dev.peers = dp;
	dev.n_peers = 2;
	assert_int_equal(wgctl_cache_load(&c, &dev), 0);
	roamed = dp[0].endpoint;

	want[0] = dp[0];
	want[0].last_handshake = 0;
	want[0].rx_bytes = 0;
	th_endpoint(&want[0], "192.0.2.1:51820");   /* the old advertisement */
	want[1] = dp[1];

	/* keep: nothing to push; the cache keeps the roamed endpoint and stats,
	 * and now knows what was asked for. */
	apply(&c, want, 2, true, &s);
	assert_int_equal(s.n_ops, 0);
	assert_true(wgctl_endpoint_equal(&c.peers[0].endpoint, &roamed));
	assert_int_equal(c.peers[0].rx_bytes, 500);
	assert_true(wgctl_endpoint_equal(&c.asked[0], &want[0].endpoint));

	/* The same advertisement again: still nothing. */
	apply(&c, want, 2, true, &s);
	assert_int_equal(s.n_ops, 0);

	/* A new advertisement is pushed (in place: no add, no remove). */
	th_endpoint(&want[0], "192.0.2.100:51820");
	apply(&c, want, 2, true, &s);
	assert_int_equal(s.n_ops, 1);
	assert_int_equal(s.ops[0].change, WGCTL_CH_ENDPOINT);
	assert_true(wgctl_endpoint_equal(&c.peers[0].endpoint, &want[0].endpoint));
	assert_int_equal(c.peers[0].last_handshake, 1700000000);   /* stats kept */

	/* Nothing left to do after that. */
	apply(&c, want, 2, true, &s);
	assert_int_equal(s.n_ops, 0);
	wgctl_cache_clear(&c);
}

static void test_rebuild_matches_want(void **state)
{
	struct wgctl_cache c = { 0 };
	struct wgctl_device dev = { 0 };
	struct wgctl_peer want[5];
	struct step s;

	(void)state;
	assert_int_equal(wgctl_cache_load(&c, &dev), 0);   /* empty device */
	for (uint32_t i = 0; i < 5; i++)
		th_peer_n(&want[i], 50 - i, 2);
	apply(&c, want, 5, false, &s);
	assert_int_equal(s.n_ops, 5);
	assert_int_equal(c.n, 5);
	/* Drop 50, change 49's IPs, add 7: a rebuild. */
	th_peer_n(&want[0], 7, 3);
	want[1].n_allowed = 1;
	apply(&c, want, 5, false, &s);
	assert_int_equal(s.n_ops, 3);
	assert_int_equal(c.n, 5);
	/* Everything now matches: a second diff is empty. */
	apply(&c, want, 5, false, &s);
	assert_int_equal(s.n_ops, 0);
	for (size_t i = 1; i < c.n; i++)
		assert_true(wgctl_key_cmp(c.peers[i - 1].public_key, c.peers[i].public_key) < 0);
	wgctl_cache_clear(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roamed_endpoint_lifecycle),
		cmocka_unit_test(test_rebuild_matches_want),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
