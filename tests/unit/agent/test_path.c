/* SPDX-License-Identifier: MIT */
/* agent/path.c (issue 11): candidate order, trial, roaming, reachability. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "path.h"

static struct wire_addr A(const char *s)
{
	struct wire_addr a;

	assert_int_equal(wire_addr_parse(&a, s), 0);
	return a;
}

static void expect_addr(const struct wire_addr *got, const char *want)
{
	char text[WIRE_ADDR_STRLEN];

	wire_addr_format(got, text, sizeof(text));
	assert_string_equal(text, want);
}

static const uint8_t id[WIRE_ID_LEN] = { 7 };

/* Operator order kept; same public IP as ours (same NAT): LAN first. */
static void test_candidate_order(void **state)
{
	struct wire_addr ep[4] = { A("198.51.100.4:51820"), A("192.168.1.9:51820"),
				   A("[2001:db8::9]:51820"), A("10.0.0.9:51820") };
	struct wire_addr out[4], other = A("203.0.113.1:40000"), same = A("198.51.100.4:51000");
	size_t n;

	(void)state;
	/* another site: its LAN addresses are not tried */
	n = path_candidates(ep, 4, &other, out, 4);
	assert_int_equal(n, 2);
	expect_addr(&out[0], "198.51.100.4:51820");
	expect_addr(&out[1], "[2001:db8::9]:51820");
	n = path_candidates(ep, 4, &same, out, 4);
	assert_int_equal(n, 4);
	expect_addr(&out[0], "192.168.1.9:51820");
	expect_addr(&out[1], "10.0.0.9:51820");
	expect_addr(&out[2], "198.51.100.4:51820");
	expect_addr(&out[3], "[2001:db8::9]:51820");
	/* unknown public endpoint of ours: as given; room respected */
	n = path_candidates(ep, 4, NULL, out, 4);
	assert_int_equal(n, 4);
	expect_addr(&out[1], "192.168.1.9:51820");
	n = path_candidates(ep, 4, NULL, out, 2);
	assert_int_equal(n, 2);
	expect_addr(&out[0], "198.51.100.4:51820");
	/* a peer with LAN candidates only (a flat private network): all kept */
	n = path_candidates(&ep[1], 1, &other, out, 4);
	assert_int_equal(n, 1);
	expect_addr(&out[0], "192.168.1.9:51820");
	assert_true(path_addr_private(&ep[1]));
	assert_true(path_addr_private(&ep[3]));
	assert_false(path_addr_private(&ep[0]));
	assert_false(path_addr_private(&ep[2]));
}

static void test_prefer_v6(void **state)
{
	struct wire_addr c[4] = { A("198.51.100.4:51820"), A("[fd00::1]:51820"),
				  A("[2001:db8::9]:51820"), A("192.168.1.9:51820") };

	(void)state;
	path_prefer_v6(c, 4);
	expect_addr(&c[0], "[2001:db8::9]:51820");
	expect_addr(&c[1], "198.51.100.4:51820");
	expect_addr(&c[2], "[fd00::1]:51820");
	expect_addr(&c[3], "192.168.1.9:51820");
}

/* Both behind IPv4 NAT with global IPv6: only the global IPv6 candidates,
 * and no relay while the IPv6 trial is young and no session is up. */
static void test_only_v6(void **state)
{
	struct wire_addr c[4] = { A("198.51.100.4:51820"), A("[fd00::1]:51820"),
				  A("[2001:db8::9]:51820"), A("192.168.1.9:51820") };
	struct wire_addr none[2] = { A("198.51.100.4:51820"), A("192.168.1.9:51820") };
	struct path p;

	(void)state;
	assert_int_equal(path_only_v6(c, 4), 1);
	expect_addr(&c[0], "[2001:db8::9]:51820");
	assert_int_equal(path_only_v6(none, 2), 0);
	expect_addr(&none[0], "198.51.100.4:51820");

	path_init(&p, (uint8_t[WIRE_ID_LEN]){ 1 }, 1000);
	assert_false(path_v6_pending(&p, 1000));          /* not an IPv6 trial */
	p.v6_since_ms = 1000;
	assert_true(path_v6_pending(&p, 1000 + PATH_V6_WAIT_MS - 1));
	assert_false(path_v6_pending(&p, 1000 + PATH_V6_WAIT_MS));
	p.kind = PATH_DIRECT;                             /* it worked */
	assert_false(path_v6_pending(&p, 2000));
	p.kind = PATH_NONE;
	p.relayed = true;                                 /* already relayed */
	assert_false(path_v6_pending(&p, 2000));
}

/* One at a time, PATH_TRY_MS each, round and round until one handshakes; then kept. */
static void test_trial(void **state)
{
	struct wire_addr c[2] = { A("198.51.100.4:51820"), A("192.168.1.9:51820") }, want;
	struct path p;
	struct path_obs obs = { 0 };
	uint64_t t = 1000;
	int64_t wall = 1700000000;

	(void)state;
	path_init(&p, id, t);
	path_set_candidates(&p, c, 2, t, wall);
	path_update(&p, &obs, t, wall, &want);
	expect_addr(&want, "198.51.100.4:51820");
	assert_int_equal(p.kind, PATH_NONE);
	assert_false(path_unreachable(&p, t));
	obs.device_ep = want;
	path_update(&p, &obs, t + PATH_TRY_MS - 1, wall + 4, &want);
	expect_addr(&want, "198.51.100.4:51820");
	path_update(&p, &obs, t + PATH_TRY_MS, wall + 5, &want);
	expect_addr(&want, "192.168.1.9:51820");
	assert_false(path_candidates_exhausted(&p, t + PATH_TRY_MS));
	assert_true(path_candidates_exhausted(&p, t + 2 * PATH_TRY_MS));
	/* the LAN candidate handshakes: kept, direct */
	obs.device_ep = want;
	obs.last_handshake = wall + 6;
	path_update(&p, &obs, t + PATH_TRY_MS + 1500, wall + 6, &want);
	expect_addr(&want, "192.168.1.9:51820");
	assert_int_equal(p.kind, PATH_DIRECT);
	path_update(&p, &obs, t + 10 * PATH_TRY_MS, wall + 60, &want);
	expect_addr(&want, "192.168.1.9:51820");
	assert_int_equal(p.kind, PATH_DIRECT);
	assert_false(path_candidates_exhausted(&p, t + 10 * PATH_TRY_MS));
	/* a record update that keeps the working candidate keeps the trial state */
	struct wire_addr c2[3] = { A("203.0.113.9:51820"), c[1], c[0] };
	path_set_candidates(&p, c2, 3, t + 11 * PATH_TRY_MS, wall + 61);
	path_update(&p, &obs, t + 11 * PATH_TRY_MS, wall + 61, &want);
	expect_addr(&want, "192.168.1.9:51820");
}

/* An old handshake (before the switch) is no success. */
static void test_old_handshake(void **state)
{
	struct wire_addr c[2] = { A("198.51.100.4:51820"), A("192.168.1.9:51820") }, want;
	struct path p;
	struct path_obs obs = { .last_handshake = 1700000000 - 100 };

	(void)state;
	path_init(&p, id, 0);
	path_set_candidates(&p, c, 2, 0, 1700000000);
	path_update(&p, &obs, 0, 1700000000, &want);
	path_update(&p, &obs, PATH_TRY_MS, 1700000005, &want);
	expect_addr(&want, "192.168.1.9:51820");
	assert_int_equal(p.kind, PATH_DIRECT);   /* the old session still lives */
}

/* The device followed the peer (roaming): never overwritten while it works. */
static void test_roaming_wins(void **state)
{
	struct wire_addr c[1] = { A("198.51.100.4:51820") }, want;
	struct path p;
	struct path_obs obs = { 0 };
	int64_t wall = 1700000000;

	(void)state;
	path_init(&p, id, 0);
	path_set_candidates(&p, c, 1, 0, wall);
	path_update(&p, &obs, 0, wall, &want);
	obs.device_ep = A("198.51.100.77:1234");
	obs.last_handshake = wall + 1;
	path_update(&p, &obs, 1000, wall + 1, &want);
	assert_int_equal(want.family, 0);
	assert_true(p.roamed);
	assert_int_equal(p.kind, PATH_DIRECT);
	expect_addr(&p.endpoint, "198.51.100.77:1234");
	expect_addr(&p.asked, "198.51.100.4:51820");
	/* the session dies: back to the candidates */
	path_update(&p, &obs, 300000, wall + 300, &want);
	assert_false(p.roamed);
	expect_addr(&want, "198.51.100.4:51820");
	assert_int_equal(p.kind, PATH_NONE);
}

/* No handshake for PATH_UNREACHABLE_MS after appearing: unreachable. */
static void test_unreachable(void **state)
{
	struct wire_addr c[1] = { A("198.51.100.4:51820") }, want;
	struct path p;
	struct path_obs obs = { 0 };

	(void)state;
	path_init(&p, id, 5000);
	path_set_candidates(&p, c, 1, 5000, 1700000000);
	path_update(&p, &obs, 5000 + PATH_UNREACHABLE_MS - 1, 1700000019, &want);
	assert_false(path_unreachable(&p, 5000 + PATH_UNREACHABLE_MS - 1));
	assert_true(path_unreachable(&p, 5000 + PATH_UNREACHABLE_MS));
	assert_string_equal(path_kind_name(p.kind), "none");
	obs.last_handshake = 1700000021;
	path_update(&p, &obs, 5000 + PATH_UNREACHABLE_MS + 1000, 1700000021, &want);
	assert_false(path_unreachable(&p, 5000 + PATH_UNREACHABLE_MS + 1000));
	assert_string_equal(path_kind_name(p.kind), "direct");
	/* the session expires (180 s without a handshake): none again, counted 20 s later */
	path_update(&p, &obs, 300000, 1700000021 + 181, &want);
	assert_int_equal(p.kind, PATH_NONE);
	assert_false(path_unreachable(&p, 300000));
	assert_true(path_unreachable(&p, 300000 + PATH_UNREACHABLE_MS));
}

/* Relay (P5) and punch (P4) hooks. */
static void test_relay_and_direct(void **state)
{
	struct wire_addr c[1] = { A("198.51.100.4:51820") }, want, r = A("192.0.2.1:40000");
	uint8_t rid[WIRE_ID_LEN] = { 9 };
	struct path p;
	struct path_obs obs = { 0 };

	(void)state;
	path_init(&p, id, 0);
	path_set_candidates(&p, c, 1, 0, 1700000000);
	path_set_relay(&p, rid, &r, 100, 1700000000);
	path_update(&p, &obs, 200, 1700000000, &want);
	expect_addr(&want, "192.0.2.1:40000");
	obs.device_ep = r;
	obs.last_handshake = 1700000001;
	path_update(&p, &obs, 1200, 1700000001, &want);
	assert_int_equal(p.kind, PATH_RELAY);
	assert_string_equal(path_kind_name(p.kind), "relay");
	struct wire_addr punched = A("203.0.113.50:61000");

	path_set_direct(&p, &punched, 2000, 1700000002);
	path_update(&p, &obs, 2000, 1700000002, &want);
	expect_addr(&want, "203.0.113.50:61000");
	assert_int_equal(p.kind, PATH_DIRECT);
	path_clear_relay(&p, 2100, 1700000002);   /* no-op now */
	assert_int_equal(p.n_cand, 2);
}

static void test_table(void **state)
{
	struct path_table *t;
	uint8_t k[WIRE_ID_LEN];

	(void)state;
	assert_int_equal(path_table_new(&t), 0);
	for (int i = 0; i < 100; i++) {
		memset(k, 0, sizeof(k));
		k[0] = (uint8_t)(i * 37);
		k[1] = (uint8_t)i;
		struct path *p = path_table_add(t, k, 0);
		assert_non_null(p);
		p->mark = (uint32_t)(i % 2);
		assert_ptr_equal(path_table_add(t, k, 5), p);
	}
	assert_int_equal(path_table_count(t), 100);
	memset(k, 0, sizeof(k));
	k[0] = (uint8_t)(3 * 37);
	k[1] = 3;
	assert_non_null(path_table_get(t, k));
	path_table_prune(t, 1);
	assert_int_equal(path_table_count(t), 50);
	assert_non_null(path_table_get(t, k));
	path_table_del(t, k);
	assert_null(path_table_get(t, k));
	assert_int_equal(path_table_count(t), 49);
	path_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_candidate_order),
		cmocka_unit_test(test_prefer_v6),
		cmocka_unit_test(test_only_v6),
		cmocka_unit_test(test_trial),
		cmocka_unit_test(test_old_handshake),
		cmocka_unit_test(test_roaming_wins),
		cmocka_unit_test(test_unreachable),
		cmocka_unit_test(test_relay_and_direct),
		cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
