/* SPDX-License-Identifier: MIT */
/*
 * Ingress admission (agent/ingress.c): per-source buckets refill at their
 * rate up to their burst, the source table stays bounded and forgets the
 * least recently seen source, the global and engine buckets cap everyone
 * together, and the replay cache remembers exactly its last N nonces.
 * Each refusal is checked beside the passing case next to it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>

#include "ingress.h"

static struct ingress_limits roomy(void)
{
	struct ingress_limits l;

	ingress_limits_default(&l);
	l.global_rate = l.global_burst = 1000000;
	l.engine_rate = l.engine_burst = 1000000;
	return l;
}

static struct wire_addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port)
{
	struct wire_addr w = { .family = WIRE_AF_INET, .port = port };

	w.ip[0] = a;
	w.ip[1] = b;
	w.ip[2] = c;
	w.ip[3] = d;
	return w;
}

static struct wire_addr nth(uint32_t n)
{
	struct wire_addr w = { .family = WIRE_AF_INET6, .port = 51821 };

	w.ip[0] = 0xfd;
	memcpy(w.ip + 12, &n, sizeof(n));
	return w;
}

/* Datagrams from `from` at `now` that pass before the first refusal (up to max). */
static unsigned passes(struct ingress *in, const struct wire_addr *from, uint64_t now,
		       unsigned max)
{
	unsigned n = 0;

	while (n < max && ingress_admit(in, from, now) == INGRESS_PASS)
		n++;
	return n;
}

static void source_burst_then_refill(void **state)
{
	struct ingress_limits l = roomy();
	struct wire_addr a = v4(192, 0, 2, 1, 51821);
	struct ingress *in;

	(void)state;
	l.source_rate = 10;
	l.source_burst = 5;
	assert_int_equal(ingress_new(&in, &l, 1000), 0);
	/* A new source has its whole burst, then nothing. */
	assert_int_equal(passes(in, &a, 1000, 100), 5);
	assert_int_equal(ingress_admit(in, &a, 1000), INGRESS_RATE_SOURCE);
	/* 10/s: one token per 100 ms, none before. */
	assert_int_equal(passes(in, &a, 1099, 100), 0);
	assert_int_equal(passes(in, &a, 1100, 100), 1);
	assert_int_equal(passes(in, &a, 1350, 100), 2);
	/* A long pause refills to the burst and no further (and does not overflow). */
	assert_int_equal(passes(in, &a, 1000 + 3600 * 1000, 100), 5);
	assert_int_equal(passes(in, &a, UINT64_MAX / 2, 100), 5);
	ingress_free(in);
}

static void sources_are_separate_port_is_not(void **state)
{
	struct ingress_limits l = roomy();
	struct wire_addr a = v4(192, 0, 2, 1, 51821), a2 = v4(192, 0, 2, 1, 4000);
	struct wire_addr b = v4(192, 0, 2, 2, 51821), six = nth(0);
	struct ingress *in;

	(void)state;
	l.source_rate = 1;
	l.source_burst = 3;
	assert_int_equal(ingress_new(&in, &l, 0), 0);
	assert_int_equal(passes(in, &a, 0, 100), 3);
	/* Another port of the same host is the same source... */
	assert_int_equal(ingress_admit(in, &a2, 0), INGRESS_RATE_SOURCE);
	/* ...another host, or an IPv6 address, is not. */
	assert_int_equal(passes(in, &b, 0, 100), 3);
	assert_int_equal(passes(in, &six, 0, 100), 3);
	assert_int_equal(ingress_stats(in)->sources, 3);
	ingress_free(in);
}

static void global_caps_all_sources(void **state)
{
	struct ingress_limits l = roomy();
	struct ingress *in;
	unsigned ok = 0;

	(void)state;
	l.global_rate = 100;
	l.global_burst = 50;
	assert_int_equal(ingress_new(&in, &l, 0), 0);
	/* 1000 sources, one datagram each, all within their own budgets. */
	for (uint32_t i = 0; i < 1000; i++) {
		struct wire_addr s = nth(i);
		enum ingress_verdict v = ingress_admit(in, &s, 0);

		if (v == INGRESS_PASS)
			ok++;
		else
			assert_int_equal(v, INGRESS_RATE_GLOBAL);
	}
	assert_int_equal(ok, 50);
	/* 100/s: ten more after 100 ms. */
	ok = 0;
	for (uint32_t i = 0; i < 1000; i++) {
		struct wire_addr s = nth(5000 + i);

		ok += ingress_admit(in, &s, 100) == INGRESS_PASS;
	}
	assert_int_equal(ok, 10);
	ingress_free(in);
}

static void a_flooder_spends_only_its_own_budget(void **state)
{
	struct ingress_limits l = roomy();
	struct wire_addr bad = v4(198, 51, 100, 7, 9), good = v4(192, 0, 2, 1, 51821);
	struct ingress *in;

	(void)state;
	l.source_rate = 200;
	l.source_burst = 400;
	l.global_rate = 1000;
	l.global_burst = 1000;
	assert_int_equal(ingress_new(&in, &l, 0), 0);
	/* A million datagrams from one source in the same second... */
	assert_int_equal(passes(in, &bad, 0, 1000000), 400);
	for (int i = 0; i < 1000000; i++)
		assert_int_equal(ingress_admit(in, &bad, 0), INGRESS_RATE_SOURCE);
	/* ...leave the global budget to everyone else. */
	assert_int_equal(passes(in, &good, 0, 1000), 400);
	ingress_free(in);
}

static void table_stays_bounded(void **state)
{
	struct ingress_limits l = roomy();
	struct ingress *in;

	(void)state;
	l.max_sources = 64;
	assert_int_equal(ingress_new(&in, &l, 0), 0);
	for (uint32_t i = 0; i < 200000; i++) {
		struct wire_addr s = nth(i);

		assert_int_equal(ingress_admit(in, &s, i / 1000), INGRESS_PASS);
		assert_true(ingress_stats(in)->sources <= 64);
	}
	assert_int_equal(ingress_stats(in)->sources, 64);
	assert_int_equal(ingress_stats(in)->sources_evicted, 200000 - 64);
	ingress_free(in);
}

static void least_recent_source_is_evicted(void **state)
{
	struct ingress_limits l = roomy();
	struct wire_addr s[5];
	struct ingress *in;

	(void)state;
	l.max_sources = 4;
	l.source_rate = 1;
	l.source_burst = 1;
	assert_int_equal(ingress_new(&in, &l, 0), 0);
	for (int i = 0; i < 5; i++)
		s[i] = v4(10, 0, 0, (uint8_t)(i + 1), 1);
	for (int i = 0; i < 4; i++)
		assert_int_equal(ingress_admit(in, &s[i], 0), INGRESS_PASS);
	/* s[0] is seen again (refused: its one token is spent): now s[1] is the oldest. */
	assert_int_equal(ingress_admit(in, &s[0], 0), INGRESS_RATE_SOURCE);
	assert_int_equal(ingress_admit(in, &s[4], 0), INGRESS_PASS);
	assert_int_equal(ingress_stats(in)->sources_evicted, 1);
	/* s[0] was kept, empty bucket and all; s[1] was forgotten and starts afresh. */
	assert_int_equal(ingress_admit(in, &s[0], 0), INGRESS_RATE_SOURCE);
	assert_int_equal(ingress_admit(in, &s[1], 0), INGRESS_PASS);
	/* ...which forgot s[2], the oldest then; s[3] and s[4] are still held. */
	assert_int_equal(ingress_admit(in, &s[3], 0), INGRESS_RATE_SOURCE);
	assert_int_equal(ingress_admit(in, &s[4], 0), INGRESS_RATE_SOURCE);
	assert_int_equal(ingress_admit(in, &s[2], 0), INGRESS_PASS);
	assert_int_equal(ingress_stats(in)->sources, 4);
	ingress_free(in);
}

static void nonce_of(uint8_t n[WIRE_NONCE_LEN], uint32_t i)
{
	memset(n, 0xa5, WIRE_NONCE_LEN);
	memcpy(n + 7, &i, sizeof(i));
}

static void replay_hit_and_miss(void **state)
{
	struct ingress_limits l = roomy();
	uint8_t x[WIRE_NONCE_LEN], y[WIRE_NONCE_LEN];
	struct ingress *in;

	(void)state;
	assert_int_equal(ingress_new(&in, &l, 0), 0);
	nonce_of(x, 1);
	nonce_of(y, 2);
	assert_false(ingress_replayed(in, x));
	/* 1,000 copies of one captured datagram: every one after the first is a replay. */
	for (int i = 0; i < 1000; i++)
		assert_true(ingress_replayed(in, x));
	/* A nonce differing in one byte is not. */
	assert_false(ingress_replayed(in, y));
	assert_true(ingress_replayed(in, y));
	ingress_free(in);
}

static void replay_cache_wraps_exactly(void **state)
{
	struct ingress_limits l = roomy();
	uint8_t x[WIRE_NONCE_LEN], o[WIRE_NONCE_LEN];
	struct ingress *in;

	(void)state;
	l.replay_slots = 100;   /* not a power of two: the ring and the index differ in size */
	assert_int_equal(ingress_new(&in, &l, 0), 0);
	nonce_of(x, 0);
	assert_false(ingress_replayed(in, x));
	for (uint32_t i = 1; i < 100; i++) {
		nonce_of(o, i);
		assert_false(ingress_replayed(in, o));
	}
	/* The cache is full and x is its oldest entry: still remembered. */
	assert_true(ingress_replayed(in, x));
	nonce_of(o, 100);
	assert_false(ingress_replayed(in, o));
	/* One newer nonce pushed x out; everything newer is still there. */
	for (uint32_t i = 1; i <= 100; i++) {
		nonce_of(o, i);
		assert_true(ingress_replayed(in, o));
	}
	assert_false(ingress_replayed(in, x));
	/* Many laps of the ring later the last 100 are still exact. */
	for (uint32_t i = 1000; i < 100000; i++) {
		nonce_of(o, i);
		assert_false(ingress_replayed(in, o));
	}
	for (uint32_t i = 99900; i < 100000; i++) {
		nonce_of(o, i);
		assert_true(ingress_replayed(in, o));
	}
	nonce_of(o, 99899);
	assert_false(ingress_replayed(in, o));
	ingress_free(in);
}

static void engine_bucket(void **state)
{
	struct ingress_limits l = roomy();
	struct ingress *in;
	unsigned ok = 0;

	(void)state;
	l.engine_rate = 4;
	l.engine_burst = 2;
	assert_int_equal(ingress_new(&in, &l, 0), 0);
	for (int i = 0; i < 100; i++)
		ok += ingress_engine_ok(in, 0);
	assert_int_equal(ok, 2);
	assert_false(ingress_engine_ok(in, 249));
	assert_true(ingress_engine_ok(in, 250));
	assert_false(ingress_engine_ok(in, 250));
	ingress_free(in);
}

static void limits_checked(void **state)
{
	struct ingress_limits l;
	struct ingress *in = (struct ingress *)&l;

	(void)state;
	ingress_limits_default(&l);
	assert_int_equal(ingress_new(&in, &l, 0), 0);
	ingress_free(in);
	l.source_rate = 0;
	assert_int_equal(ingress_new(&in, &l, 0), -EINVAL);
	assert_null(in);
	ingress_limits_default(&l);
	l.replay_slots = 0;
	assert_int_equal(ingress_new(&in, &l, 0), -EINVAL);
	ingress_limits_default(&l);
	l.max_sources = 0;
	assert_int_equal(ingress_new(&in, &l, 0), -EINVAL);
	ingress_limits_default(&l);
	l.global_burst = 0;
	assert_int_equal(ingress_new(&in, &l, 0), -EINVAL);
}

/* The defaults leave a member's steady traffic and a join's burst untouched. */
static void defaults_fit_a_member(void **state)
{
	struct ingress_limits l;
	struct wire_addr m = v4(192, 0, 2, 9, 51821);
	struct ingress *in;

	(void)state;
	ingress_limits_default(&l);
	assert_int_equal(ingress_new(&in, &l, 0), 0);
	/* A partner's answer to a joiner (~250 datagrams at once), then 50/s for a minute. */
	assert_int_equal(passes(in, &m, 0, 250), 250);
	for (uint64_t t = 20; t < 60000; t += 20)
		assert_int_equal(ingress_admit(in, &m, t), INGRESS_PASS);
	ingress_free(in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(source_burst_then_refill),
		cmocka_unit_test(sources_are_separate_port_is_not),
		cmocka_unit_test(global_caps_all_sources),
		cmocka_unit_test(a_flooder_spends_only_its_own_budget),
		cmocka_unit_test(table_stays_bounded),
		cmocka_unit_test(least_recent_source_is_evicted),
		cmocka_unit_test(replay_hit_and_miss),
		cmocka_unit_test(replay_cache_wraps_exactly),
		cmocka_unit_test(engine_bucket),
		cmocka_unit_test(limits_checked),
		cmocka_unit_test(defaults_fit_a_member),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
