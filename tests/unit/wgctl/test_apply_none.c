// SPDX-License-Identifier: MIT
/*
 * wgctl_apply end to end over the none backend: the handle's diff, cache
 * and bookkeeping without any kernel. Also the handle's argument checks.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <cmocka.h>

#include "helpers.h"
#include "wgctl/diff.h"

static struct wgctl *open_none(void)
{
	struct wgctl *w;
	char err[256];

	assert_int_equal(wgctl_open(&w, WGCTL_NONE, "wgnone0", err, sizeof(err)), 0);
	assert_int_equal(wgctl_kind(w), WGCTL_NONE);
	return w;
}

static void test_apply_counts(void **state)
{
	struct wgctl_peer p[3], rev[3];
	struct wgctl_device dev;
	struct wgctl *w = open_none();
	size_t changed = 99;
	char err[256];

	(void)state;
	for (uint32_t i = 0; i < 3; i++)
		th_peer_n(&p[i], 100 - i, 2);
	assert_int_equal(wgctl_apply(w, p, 3, &changed, err, sizeof(err)), 0);
	assert_int_equal(changed, 3);

	/* Same set, other order: nothing to do. */
	for (int i = 0; i < 3; i++)
		rev[i] = p[2 - i];
	assert_int_equal(wgctl_apply(w, rev, 3, &changed, err, sizeof(err)), 0);
	assert_int_equal(changed, 0);

	/* The recorded device is exactly the set, sorted by key. */
	assert_int_equal(wgctl_get(w, &dev, err, sizeof(err)), 0);
	assert_int_equal(dev.n_peers, 3);
	assert_memory_equal(dev.peers[0].public_key, p[2].public_key, WGCTL_KEY_LEN);
	assert_true(wgctl_endpoint_equal(&dev.peers[0].endpoint, &p[2].endpoint));
	assert_int_equal(dev.peers[0].n_allowed, 2);
	wgctl_device_free(&dev);

	/* One endpoint, then one removal. */
	th_endpoint(&p[1], "192.0.2.9:9");
	assert_int_equal(wgctl_apply(w, p, 3, &changed, err, sizeof(err)), 0);
	assert_int_equal(changed, 1);
	assert_int_equal(wgctl_apply(w, p, 2, &changed, err, sizeof(err)), 0);
	assert_int_equal(changed, 1);
	assert_int_equal(wgctl_get(w, &dev, err, sizeof(err)), 0);
	assert_int_equal(dev.n_peers, 2);
	wgctl_device_free(&dev);
	/* After a re-read nothing changed either. */
	assert_int_equal(wgctl_apply(w, p, 2, &changed, err, sizeof(err)), 0);
	assert_int_equal(changed, 0);
	assert_int_equal(wgctl_apply(w, NULL, 0, &changed, err, sizeof(err)), 0);
	assert_int_equal(changed, 2);
	wgctl_close(w);
}

static void test_apply_rejects(void **state)
{
	struct wgctl_device_conf conf = { 0 };
	struct wgctl_peer p[2];
	struct wgctl *w = open_none();
	size_t changed;
	char err[256];

	(void)state;
	th_peer(&p[0], 1);
	p[1] = p[0];
	assert_int_equal(wgctl_apply(w, p, 2, &changed, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "same public key"));
	/* Bad fields are refused before anything is sent. */
	p[1].public_key[0] ^= 1;
	th_add_ip(&p[1], "10.0.0.1/32");
	p[1].allowed[0].cidr = 33;
	assert_int_equal(wgctl_apply(w, p, 2, &changed, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "peer 1: allowed IP prefix length"));
	p[1].allowed[0].cidr = 32;
	p[1].endpoint.addr.sa_family = AF_UNIX;
	assert_int_equal(wgctl_apply(w, p, 2, &changed, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "endpoint"));
	p[1].endpoint.addr.sa_family = 0;
	p[1].n_allowed = WGCTL_MAX_ALLOWED + 1;
	assert_int_equal(wgctl_apply(w, p, 2, &changed, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "too many"));

	/* A peer carrying the interface's own key. */
	memset(conf.private_key, 0x42, sizeof(conf.private_key));
	assert_int_equal(wgctl_setup(w, &conf, err, sizeof(err)), 0);
	assert_int_equal(sodium_init() >= 0, 1);
	assert_int_equal(crypto_scalarmult_base(p[0].public_key, conf.private_key), 0);
	assert_int_equal(wgctl_apply(w, p, 1, &changed, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "own public key"));
	wgctl_close(w);
}

static void test_open_checks(void **state)
{
	enum wgctl_backend_kind k;
	struct wgctl *w;
	char err[256];

	(void)state;
	assert_int_equal(wgctl_open(&w, WGCTL_NONE, "a/b", err, sizeof(err)), -EINVAL);
	assert_null(w);
	assert_non_null(strstr(err, "invalid interface name"));
	assert_int_equal(wgctl_open(&w, WGCTL_NONE, "0123456789abcdef", err, sizeof(err)), -EINVAL);
	assert_int_equal(wgctl_open(&w, WGCTL_NONE, "..", err, sizeof(err)), -EINVAL);
	assert_int_equal(wgctl_open(&w, WGCTL_NONE, "", err, sizeof(err)), -EINVAL);
	assert_int_equal(wgctl_parse_kind("userspace", &k), 0);
	assert_int_equal(k, WGCTL_USERSPACE);
	assert_string_equal(wgctl_kind_name(WGCTL_KERNEL), "kernel");
	assert_int_equal(wgctl_parse_kind("bogus", &k), -EINVAL);
}

static void test_setup_records_device(void **state)
{
	struct wgctl_device_conf conf = { .listen_port = 51820 };
	struct wgctl_device dev;
	struct wgctl *w = open_none();
	uint8_t pub[WGCTL_KEY_LEN];
	char err[256];

	(void)state;
	memset(conf.private_key, 0x24, sizeof(conf.private_key));
	assert_int_equal(wgctl_setup(w, &conf, err, sizeof(err)), 0);
	assert_int_equal(wgctl_get(w, &dev, err, sizeof(err)), 0);
	assert_true(dev.has_private_key);
	assert_int_equal(dev.listen_port, 51820);
	assert_string_equal(dev.ifname, "wgnone0");
	assert_int_equal(crypto_scalarmult_base(pub, conf.private_key), 0);
	assert_memory_equal(dev.public_key, pub, sizeof(pub));
	wgctl_device_free(&dev);
	/* A conf for another interface is a caller bug. */
	memcpy(conf.ifname, "other", 6);
	assert_int_equal(wgctl_setup(w, &conf, err, sizeof(err)), -EINVAL);
	wgctl_close(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_apply_counts),
		cmocka_unit_test(test_apply_rejects),
		cmocka_unit_test(test_open_checks),
		cmocka_unit_test(test_setup_records_device),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
