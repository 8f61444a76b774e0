/* SPDX-License-Identifier: MIT */
/*
 * The network-key schedule across a rotation: which key seals, which
 * open, when the old one dies, a laggard answered in its own key, and
 * the state file's text (round trip and every malformed shape refused).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>

#include "keysched.h"

static const uint8_t K0[WIRE_KEY_LEN] = { 1 }, K1[WIRE_KEY_LEN] = { 2 }, K2[WIRE_KEY_LEN] = { 3 };

static struct wire_addr addr(uint8_t last, uint16_t port)
{
	struct wire_addr a = { .family = WIRE_AF_INET, .port = port };

	a.ip[0] = 10;
	a.ip[3] = last;
	return a;
}

static int setup(void **state)
{
	(void)state;
	return sodium_init() < 0 ? -1 : 0;
}

static void one_key(void **state)
{
	static struct keysched ks;
	const struct keysched_key *k[2];
	struct wire_addr a = addr(1, 51821);

	(void)state;
	keysched_init(&ks, K0, 0, 600);
	assert_int_equal(keysched_open_keys(&ks, 100, k), 1);
	assert_memory_equal(k[0]->key, K0, WIRE_KEY_LEN);
	assert_memory_equal(keysched_seal_key(&ks, &a, 100)->key, K0, WIRE_KEY_LEN);
	assert_false(keysched_expire(&ks, 1000000));
	assert_int_equal(keysched_epoch(&ks, 100), 0);
}

static void rotation_schedule(void **state)
{
	static struct keysched ks;
	const struct keysched_key *k[2];
	struct wire_addr laggard = addr(1, 51821), other = addr(2, 51821);

	(void)state;
	keysched_init(&ks, K0, 0, 600);
	assert_int_equal(keysched_install(&ks, K1, 1, 1000, 900), 0);

	/* Before activation: the old key seals, both open (old first). */
	assert_memory_equal(keysched_seal_key(&ks, &other, 999)->key, K0, WIRE_KEY_LEN);
	assert_int_equal(keysched_open_keys(&ks, 999, k), 2);
	assert_memory_equal(k[0]->key, K0, WIRE_KEY_LEN);
	assert_memory_equal(k[1]->key, K1, WIRE_KEY_LEN);
	assert_int_equal(keysched_epoch(&ks, 999), 0);

	/* Active: the new key seals, except to a peer that still speaks the old one. */
	assert_int_equal(keysched_epoch(&ks, 1000), 1);
	keysched_note_peer(&ks, &laggard, 0);
	assert_memory_equal(keysched_seal_key(&ks, &laggard, 1000)->key, K0, WIRE_KEY_LEN);
	assert_memory_equal(keysched_seal_key(&ks, &other, 1000)->key, K1, WIRE_KEY_LEN);
	/* Same IP, other port: another peer. */
	{
		struct wire_addr same_ip = addr(1, 7000);

		assert_memory_equal(keysched_seal_key(&ks, &same_ip, 1000)->key, K1, WIRE_KEY_LEN);
	}
	assert_int_equal(keysched_open_keys(&ks, 1599, k), 2);
	assert_memory_equal(k[0]->key, K1, WIRE_KEY_LEN);
	/* The laggard got its grant and switched. */
	keysched_note_peer(&ks, &laggard, 1);
	assert_memory_equal(keysched_seal_key(&ks, &laggard, 1001)->key, K1, WIRE_KEY_LEN);
	keysched_note_peer(&ks, &laggard, 0);

	/* The window ends at activate_at + transition: only the new key, even to a laggard. */
	assert_false(keysched_expire(&ks, 1599));
	assert_true(keysched_expire(&ks, 1600));
	assert_false(ks.prev.set);
	assert_int_equal(keysched_open_keys(&ks, 1600, k), 1);
	assert_memory_equal(k[0]->key, K1, WIRE_KEY_LEN);
	assert_memory_equal(keysched_seal_key(&ks, &laggard, 1600)->key, K1, WIRE_KEY_LEN);
	{
		static const uint8_t zero[WIRE_KEY_LEN];

		assert_memory_equal(ks.prev.key, zero, WIRE_KEY_LEN);   /* wiped */
	}
}

/* Without the window check, keysched_open_keys would still hand out the old key. */
static void window_over_without_expire(void **state)
{
	static struct keysched ks;
	const struct keysched_key *k[2];

	(void)state;
	keysched_init(&ks, K0, 0, 600);
	assert_int_equal(keysched_install(&ks, K1, 1, 1000, 900), 0);
	assert_int_equal(keysched_open_keys(&ks, 5000, k), 1);
	assert_memory_equal(k[0]->key, K1, WIRE_KEY_LEN);
}

static void install_rules(void **state)
{
	static struct keysched ks;

	(void)state;
	keysched_init(&ks, K0, 3, 600);
	assert_int_equal(keysched_install(&ks, K0, 3, 10, 10), -EALREADY);   /* replayed grant */
	assert_int_equal(keysched_install(&ks, K1, 3, 10, 10), -EEXIST);     /* same epoch, other key */
	assert_int_equal(keysched_install(&ks, K1, 2, 10, 10), -EALREADY);   /* older */
	assert_int_equal(ks.cur.epoch, 3);
	assert_memory_equal(ks.cur.key, K0, WIRE_KEY_LEN);
	assert_false(ks.prev.set);
	assert_int_equal(keysched_install(&ks, K1, 4, 10, 10), 0);
	assert_int_equal(keysched_install(&ks, K2, 6, 20, 20), 0);   /* epochs may skip */
	assert_int_equal(ks.prev.epoch, 4);
	assert_memory_equal(ks.prev.key, K1, WIRE_KEY_LEN);
}

/* Two rotations before the first is active: the key in use keeps opening. */
static void rotation_on_pending(void **state)
{
	static struct keysched ks;
	const struct keysched_key *k[2];
	struct wire_addr a = addr(3, 51821);

	(void)state;
	keysched_init(&ks, K0, 0, 600);
	assert_int_equal(keysched_install(&ks, K1, 1, 1060, 1000), 0);   /* pending */
	assert_int_equal(keysched_install(&ks, K2, 2, 1010, 1005), 0);   /* replaces it */
	assert_int_equal(ks.prev.epoch, 0);
	assert_memory_equal(ks.prev.key, K0, WIRE_KEY_LEN);
	assert_memory_equal(keysched_seal_key(&ks, &a, 1006)->key, K0, WIRE_KEY_LEN);
	assert_int_equal(keysched_open_keys(&ks, 1006, k), 2);
	assert_memory_equal(k[0]->key, K0, WIRE_KEY_LEN);
	assert_memory_equal(k[1]->key, K2, WIRE_KEY_LEN);
	assert_memory_equal(keysched_seal_key(&ks, &a, 1010)->key, K2, WIRE_KEY_LEN);
	/* A rotation after activation: the active key becomes the previous one. */
	assert_int_equal(keysched_install(&ks, K1, 3, 1100, 1050), 0);
	assert_int_equal(ks.prev.epoch, 2);
	assert_memory_equal(ks.prev.key, K2, WIRE_KEY_LEN);
}

static void file_round_trip(void **state)
{
	static struct keysched ks, back;
	char text[KEYSCHED_TEXT_MAX];
	int n;

	(void)state;
	keysched_init(&ks, K0, 0, 600);
	n = keysched_format(&ks, text, sizeof(text));
	assert_true(n > 0);
	assert_int_equal(keysched_parse(&back, text, (size_t)n, 600), 0);
	assert_memory_equal(back.cur.key, K0, WIRE_KEY_LEN);
	assert_false(back.prev.set);

	assert_int_equal(keysched_install(&ks, K1, 7, 1700000000, 1700000000), 0);
	n = keysched_format(&ks, text, sizeof(text));
	assert_true(n > 0);
	assert_non_null(strstr(text, "meshd-netkeys 1\nkey 7 1700000000 "));
	assert_int_equal(keysched_parse(&back, text, (size_t)n, 300), 0);
	assert_int_equal(back.cur.epoch, 7);
	assert_int_equal(back.cur.activate_at, 1700000000);
	assert_memory_equal(back.cur.key, K1, WIRE_KEY_LEN);
	assert_true(back.prev.set);
	assert_int_equal(back.prev.epoch, 0);
	assert_memory_equal(back.prev.key, K0, WIRE_KEY_LEN);
	assert_int_equal(back.transition_s, 300);
	assert_int_equal(keysched_format(&ks, text, 40), -ENOSPC);
}

static void expect_bad(const char *text)
{
	static struct keysched ks;

	if (keysched_parse(&ks, text, strlen(text), 600) != -EINVAL)
		fail_msg("accepted: %s", text);
}

static void file_malformed(void **state)
{
	(void)state;
#define KB "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	expect_bad("");
	expect_bad("meshd-netkeys 1\n");                              /* no key */
	expect_bad("meshd-netkeys 2\nkey 0 0 " KB "\n");
	expect_bad("meshd-netkeys 1\nkey 0 0 " KB);                   /* torn */
	expect_bad("meshd-netkeys 1\nkey x 0 " KB "\n");
	expect_bad("meshd-netkeys 1\nkey -1 0 " KB "\n");
	expect_bad("meshd-netkeys 1\nkey 99999999999999999999 0 " KB "\n");
	expect_bad("meshd-netkeys 1\nkey 0 0 " KB " \n");
	expect_bad("meshd-netkeys 1\nkey 0 0 AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n");
	expect_bad("meshd-netkeys 1\nkey 1 0 " KB "\nkey 1 0 " KB "\n");   /* prev not older */
	expect_bad("meshd-netkeys 1\nkey 2 0 " KB "\nkey 1 0 " KB "\nkey 0 0 " KB "\n");
	{
		static struct keysched ks;
		const char *good = "meshd-netkeys 1\nkey 2 5 " KB "\nkey 1 0 " KB "\n";

		assert_int_equal(keysched_parse(&ks, good, strlen(good), 600), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(one_key),
		cmocka_unit_test(rotation_schedule),
		cmocka_unit_test(window_over_without_expire),
		cmocka_unit_test(install_rules),
		cmocka_unit_test(rotation_on_pending),
		cmocka_unit_test(file_round_trip),
		cmocka_unit_test(file_malformed),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
