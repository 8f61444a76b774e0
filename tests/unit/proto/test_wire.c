/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "fixture.h"

static void test_strerror(void **state)
{
	(void)state;
	for (int e = WIRE_ETRUNC; e <= WIRE_ESPACE; e++)
		assert_string_not_equal(wire_strerror(-e), "unknown error");
	assert_string_equal(wire_strerror(-WIRE_EAUTH), "authentication failed");
	assert_string_equal(wire_strerror(-EINVAL), "Invalid argument");
	assert_string_equal(wire_strerror(-99999), "unknown error");
	assert_string_equal(wire_strerror(0), "success");
}

static void addr_round_trip(const char *text)
{
	struct wire_addr a, b;
	char buf[WIRE_ADDR_STRLEN];

	assert_int_equal(wire_addr_parse(&a, text), 0);
	assert_true(wire_addr_format(&a, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, text);
	assert_int_equal(wire_addr_parse(&b, buf), 0);
	assert_true(wire_addr_equal(&a, &b));
}

static void test_addr(void **state)
{
	struct wire_addr a, b;
	char small[10];

	(void)state;
	addr_round_trip("1.2.3.4:5");
	addr_round_trip("255.255.255.255:65535");
	addr_round_trip("[::1]:51821");
	addr_round_trip("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
	assert_int_equal(wire_addr_parse(&a, "10.0.0.1:51820"), 0);
	assert_int_equal(a.family, WIRE_AF_INET);
	assert_int_equal(a.port, 51820);
	assert_memory_equal(a.ip, "\x0a\x00\x00\x01", 4);

	const char *bad[] = {
		"", ":1", "1.2.3.4", "1.2.3.4:", "1.2.3.4:65536", "1.2.3.4:-1", "1.2.3.4:+1",
		"1.2.3.4:01", "1.2.3.4:1 ", " 1.2.3.4:1", "1.2.3:1", "::1:5", "[::1]5",
		"[::1]:", "[1.2.3.4]:5", "[fe80::1%eth0]:5", "host:5", "[::1:5",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (wire_addr_parse(&a, bad[i]) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
	assert_int_equal(wire_addr_parse(&a, NULL), -EINVAL);

	assert_int_equal(wire_addr_parse(&a, "1.2.3.4:5"), 0);
	b = a;
	b.ip[10] = 9;  /* beyond the IPv4 bytes: not part of the address */
	assert_true(wire_addr_equal(&a, &b));
	b.port = 6;
	assert_false(wire_addr_equal(&a, &b));
	/* "1.2.3.4:5" needs 10 bytes with its NUL. */
	assert_int_equal(wire_addr_format(&a, small, 9), -WIRE_ESPACE);
	assert_int_equal(wire_addr_format(&a, small, 10), 9);
	assert_string_equal(small, "1.2.3.4:5");
	a.family = 0;
	assert_int_equal(wire_addr_format(&a, small, sizeof(small)), -EAFNOSUPPORT);
}

static void test_prefix(void **state)
{
	struct wire_prefix p, q;
	char buf[64];

	(void)state;
	assert_int_equal(wire_prefix_parse(&p, "10.42.0.7/16"), 0);
	assert_int_equal(p.len, 16);
	assert_true(wire_prefix_format(&p, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "10.42.0.7/16");
	assert_int_equal(wire_prefix_parse(&q, "10.42.0.7/32"), 0);
	assert_true(wire_prefix_same_ip(&p, &q));
	assert_int_equal(wire_prefix_parse(&q, "10.42.0.7"), 0);
	assert_int_equal(q.len, 32);
	assert_int_equal(wire_prefix_parse(&q, "fd00::1/128"), 0);
	assert_int_equal(q.len, 128);
	assert_false(wire_prefix_same_ip(&p, &q));
	assert_int_equal(wire_prefix_parse(&q, "fd00::1"), 0);
	assert_int_equal(q.len, 128);
	assert_int_equal(wire_prefix_parse(&q, "0.0.0.0/0"), 0);

	const char *bad[] = { "10.0.0.1/33", "fd00::/129", "10.0.0.1/", "10.0.0.1/08",
			      "10.0.0.1/1x", "/8", "x/8", "10.0.0.1/-1" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (wire_prefix_parse(&q, bad[i]) != -EINVAL)
			fail_msg("accepted \"%s\"", bad[i]);
	assert_int_equal(wire_family_len(WIRE_AF_INET), 4);
	assert_int_equal(wire_family_len(WIRE_AF_INET6), 16);
	assert_int_equal(wire_family_len(5), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_addr),
		cmocka_unit_test(test_prefix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
