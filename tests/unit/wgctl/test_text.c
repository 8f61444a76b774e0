// SPDX-License-Identifier: MIT
/* Endpoint and allowed-IP text, and meshwg's peer and key files. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "wgctl/meshwg.h"

static void roundtrip_endpoint(const char *s)
{
	union wgctl_endpoint ep;
	char out[64];

	assert_int_equal(wgctl_endpoint_parse(s, &ep), 0);
	wgctl_endpoint_format(&ep, out, sizeof(out));
	assert_string_equal(out, s);
}

static void test_endpoints(void **state)
{
	union wgctl_endpoint ep;

	(void)state;
	roundtrip_endpoint("192.0.2.1:51820");
	roundtrip_endpoint("127.0.0.1:0");
	roundtrip_endpoint("[2001:db8::1]:65535");
	roundtrip_endpoint("[::1]:1");
	assert_int_equal(wgctl_endpoint_parse("192.0.2.1", &ep), -EINVAL);
	assert_int_equal(wgctl_endpoint_parse("192.0.2.1:65536", &ep), -EINVAL);
	assert_int_equal(wgctl_endpoint_parse("192.0.2.1:-1", &ep), -EINVAL);
	assert_int_equal(wgctl_endpoint_parse("192.0.2.1:", &ep), -EINVAL);
	assert_int_equal(wgctl_endpoint_parse("[::1]51820", &ep), -EINVAL);
	assert_int_equal(wgctl_endpoint_parse("::1:51820", &ep), -EINVAL);
	assert_int_equal(wgctl_endpoint_parse("example.com:1", &ep), -EINVAL);
	assert_int_equal(wgctl_endpoint_parse(":1", &ep), -EINVAL);
}

static void test_allowed(void **state)
{
	struct wgctl_allowed a;
	char out[64];

	(void)state;
	assert_int_equal(wgctl_allowed_parse("10.0.0.0/8", &a), 0);
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(a.cidr, 8);
	wgctl_allowed_format(&a, out, sizeof(out));
	assert_string_equal(out, "10.0.0.0/8");
	assert_int_equal(wgctl_allowed_parse("fd00::/64", &a), 0);
	assert_int_equal(a.family, AF_INET6);
	wgctl_allowed_format(&a, out, sizeof(out));
	assert_string_equal(out, "fd00::/64");
	/* No prefix length: a host route. */
	assert_int_equal(wgctl_allowed_parse("10.0.0.1", &a), 0);
	assert_int_equal(a.cidr, 32);
	assert_int_equal(wgctl_allowed_parse("fd00::1", &a), 0);
	assert_int_equal(a.cidr, 128);
	assert_int_equal(wgctl_allowed_parse("10.0.0.0/33", &a), -EINVAL);
	assert_int_equal(wgctl_allowed_parse("fd00::/129", &a), -EINVAL);
	assert_int_equal(wgctl_allowed_parse("10.0.0.0/", &a), -EINVAL);
	assert_int_equal(wgctl_allowed_parse("/8", &a), -EINVAL);
	assert_int_equal(wgctl_allowed_parse("10.0.0.0/8x", &a), -EINVAL);
}

static const char *K1 = "FzC7BFo3UUWEFy6XsYdFX5YGDMrjVM8kWr9Bt5NeGQM=";
static const char *K2 = "SJfCc3PSSUwKGM/dHI5gv/eeA322VGyNR+SRiAVmgzI=";

static int parse_text(const char *text, struct wgctl_peer **p, size_t *n, char *err)
{
	FILE *f = fmemopen((void *)(uintptr_t)text, strlen(text), "r");
	int ret;

	assert_non_null(f);
	ret = meshwg_parse_peers(f, p, n, err, 256);
	fclose(f);
	return ret;
}

static void test_peer_file(void **state)
{
	struct wgctl_peer *p;
	char text[1024], err[256];
	size_t n;

	(void)state;
	snprintf(text, sizeof(text),
		 "# a comment\n\n"
		 "%s 192.0.2.1:51820 10.0.0.1/32,fd00::1/128 25   # trailing comment\n"
		 "  %s - -\n", K1, K2);
	assert_int_equal(parse_text(text, &p, &n, err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(p[0].n_allowed, 2);
	assert_int_equal(p[0].keepalive, 25);
	assert_int_equal(p[0].endpoint.addr.sa_family, AF_INET);
	assert_int_equal(p[1].n_allowed, 0);
	assert_int_equal(p[1].endpoint.addr.sa_family, 0);
	free(p);

	assert_int_equal(parse_text("", &p, &n, err), 0);
	assert_int_equal(n, 0);
	free(p);
}

static void expect_bad(const char *line, const char *why)
{
	struct wgctl_peer *p;
	char text[512], err[256];
	size_t n;

	snprintf(text, sizeof(text), "%s 192.0.2.1:1 10.0.0.1/32\n%s\n", K1, line);
	assert_int_equal(parse_text(text, &p, &n, err), -EINVAL);
	assert_null(p);
	assert_non_null(strstr(err, "line 2"));
	assert_non_null(strstr(err, why));
}

static void test_peer_file_errors(void **state)
{
	char line[256];

	(void)state;
	expect_bad("notakey 192.0.2.1:1 10.0.0.1/32", "public key");
	snprintf(line, sizeof(line), "%s 192.0.2.1 10.0.0.1/32", K2);
	expect_bad(line, "endpoint");
	snprintf(line, sizeof(line), "%s - 10.0.0.1/40", K2);
	expect_bad(line, "allowed IP");
	snprintf(line, sizeof(line), "%s - 10.0.0.1/32 70000", K2);
	expect_bad(line, "keepalive");
	snprintf(line, sizeof(line), "%s - 10.0.0.1/32 1 extra", K2);
	expect_bad(line, "expected");
	snprintf(line, sizeof(line), "%s -", K2);
	expect_bad(line, "expected");
}

static void test_key_text(void **state)
{
	uint8_t k[WGCTL_KEY_LEN];
	char out[45];

	(void)state;
	assert_int_equal(meshwg_key_from_base64(k, K1), 0);
	meshwg_key_to_base64(out, k);
	assert_string_equal(out, K1);
	assert_int_equal(meshwg_key_from_base64(k, "AAAA"), -EINVAL);
	/* 44 characters, but not base64 of 32 bytes. */
	assert_int_equal(meshwg_key_from_base64(k, "!zC7BFo3UUWEFy6XsYdFX5YGDMrjVM8kWr9Bt5NeGQM="), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_endpoints),
		cmocka_unit_test(test_allowed),
		cmocka_unit_test(test_peer_file),
		cmocka_unit_test(test_peer_file_errors),
		cmocka_unit_test(test_key_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
