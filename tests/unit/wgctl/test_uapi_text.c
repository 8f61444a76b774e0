// SPDX-License-Identifier: MIT
/* UAPI text: set requests from diff operations, get/set replies. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "helpers.h"
#include "wgctl/uapi_text.h"

static void hex(char out[65], const uint8_t k[32])
{
	for (int i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", k[i]);
}

static void test_build_set(void **state)
{
	struct wgctl_peer a, b, c, d;
	struct wgctl_text t = { 0 };
	uint8_t priv[32];
	char hp[65], ha[65], hb[65], hc[65], hd[65], want[2048];

	(void)state;
	memset(priv, 0xab, sizeof(priv));
	th_peer(&a, 1);
	th_endpoint(&a, "192.0.2.1:51820");
	a.keepalive = 25;
	th_add_ip(&a, "10.0.0.1/32");
	th_add_ip(&a, "fd00::1/128");
	th_peer(&b, 2);
	th_endpoint(&b, "[2001:db8::2]:4242");
	th_peer(&c, 3);
	th_peer(&d, 4);
	struct wgctl_op ops[] = {
		{ WGCTL_OP_ADD, WGCTL_CH_ENDPOINT | WGCTL_CH_KEEPALIVE | WGCTL_CH_ALLOWED, &a },
		{ WGCTL_OP_UPDATE, WGCTL_CH_ENDPOINT, &b },
		{ WGCTL_OP_UPDATE, WGCTL_CH_ALLOWED | WGCTL_CH_KEEPALIVE, &c },
		{ WGCTL_OP_REMOVE, 0, &d },
	};
	hex(hp, priv);
	hex(ha, a.public_key);
	hex(hb, b.public_key);
	hex(hc, c.public_key);
	hex(hd, d.public_key);
	snprintf(want, sizeof(want),
		 "set=1\nprivate_key=%s\nlisten_port=51820\n"
		 "public_key=%s\nendpoint=192.0.2.1:51820\npersistent_keepalive_interval=25\n"
		 "replace_allowed_ips=true\nallowed_ip=10.0.0.1/32\nallowed_ip=fd00::1/128\n"
		 "public_key=%s\nendpoint=[2001:db8::2]:4242\n"
		 "public_key=%s\npersistent_keepalive_interval=0\nreplace_allowed_ips=true\n"
		 "public_key=%s\nremove=true\n\n",
		 hp, ha, hb, hc, hd);
	assert_int_equal(wgctl_uapi_build_set(&t, priv, 51820, ops, 4), 0);
	assert_int_equal(t.len, strlen(want));
	assert_memory_equal(t.p, want, t.len);
	wgctl_text_free(&t);

	/* No device fields, no peers: an empty but valid request. */
	assert_int_equal(wgctl_uapi_build_set(&t, NULL, -1, NULL, 0), 0);
	assert_int_equal(t.len, 7);
	assert_memory_equal(t.p, "set=1\n\n", 7);
	wgctl_text_free(&t);
}

static void test_build_large(void **state)
{
	enum { N = 1000 };
	struct wgctl_peer *p = calloc(N, sizeof(*p));
	struct wgctl_op *ops = calloc(N, sizeof(*ops));
	struct wgctl_text t = { 0 };
	size_t lines = 0;

	(void)state;
	for (uint32_t i = 0; i < N; i++) {
		th_peer_n(&p[i], i, 4);
		ops[i] = (struct wgctl_op){ WGCTL_OP_ADD, WGCTL_CH_ALLOWED | WGCTL_CH_ENDPOINT, &p[i] };
	}
	assert_int_equal(wgctl_uapi_build_set(&t, NULL, -1, ops, N), 0);
	for (size_t i = 0; i < t.len; i++)
		lines += t.p[i] == '\n';
	/* set=1, then per peer key+endpoint+replace+4 IPs, then the blank line. */
	assert_int_equal(lines, 1 + N * 7 + 1);
	wgctl_text_free(&t);
	free(ops);
	free(p);
}

static void test_parse_get(void **state)
{
	struct wgctl_device dev;
	struct wgctl_peer a, b;
	char ha[65], hb[65], text[2048];
	uint8_t priv[32];
	char hp[65];

	(void)state;
	memset(priv, 0x11, sizeof(priv));
	hex(hp, priv);
	th_peer(&a, 7);
	th_peer(&b, 3);
	hex(ha, a.public_key);
	hex(hb, b.public_key);
	/* As wireguard-go writes it; peers in map (unsorted) order. */
	snprintf(text, sizeof(text),
		 "private_key=%s\nlisten_port=51820\nfwmark=51\n"
		 "public_key=%s\npreshared_key=%064d\nprotocol_version=1\n"
		 "endpoint=[2001:db8::7]:1234\nlast_handshake_time_sec=1700000001\n"
		 "last_handshake_time_nsec=5\ntx_bytes=10\nrx_bytes=20\n"
		 "persistent_keepalive_interval=25\nallowed_ip=10.7.0.0/16\nallowed_ip=fd00::7/128\n"
		 "public_key=%s\npreshared_key=%064d\nprotocol_version=1\n"
		 "last_handshake_time_sec=0\nlast_handshake_time_nsec=0\ntx_bytes=0\nrx_bytes=0\n"
		 "persistent_keepalive_interval=0\nerrno=0\n\n",
		 hp, ha, 0, hb, 0);
	assert_int_equal(wgctl_uapi_parse_get(text, strlen(text), &dev), 0);
	assert_true(dev.has_private_key);
	assert_memory_equal(dev.private_key, priv, 32);
	assert_int_equal(dev.listen_port, 51820);
	assert_int_equal(dev.fwmark, 51);
	assert_int_equal(dev.n_peers, 2);
	/* Sorted: id 3 first. */
	assert_memory_equal(dev.peers[0].public_key, b.public_key, 32);
	assert_int_equal(dev.peers[0].n_allowed, 0);
	assert_int_equal(dev.peers[0].endpoint.addr.sa_family, 0);
	assert_memory_equal(dev.peers[1].public_key, a.public_key, 32);
	assert_int_equal(dev.peers[1].last_handshake, 1700000001);
	assert_int_equal(dev.peers[1].tx_bytes, 10);
	assert_int_equal(dev.peers[1].rx_bytes, 20);
	assert_int_equal(dev.peers[1].keepalive, 25);
	assert_int_equal(dev.peers[1].n_allowed, 2);
	assert_int_equal(dev.peers[1].allowed[0].cidr, 16);
	assert_int_equal(dev.peers[1].allowed[1].family, AF_INET6);
	th_endpoint(&a, "[2001:db8::7]:1234");
	assert_true(wgctl_endpoint_equal(&dev.peers[1].endpoint, &a.endpoint));
	wgctl_device_free(&dev);

	/* A fresh device: no key, nothing but errno. */
	assert_int_equal(wgctl_uapi_parse_get("errno=0\n\n", 9, &dev), 0);
	assert_false(dev.has_private_key);
	assert_int_equal(dev.n_peers, 0);
	wgctl_device_free(&dev);
}

/* The socket hands the reply over in arbitrary pieces. */
static void test_reply_in_chunks(void **state)
{
	char text[8192];
	size_t n = 0;
	struct wgctl_device whole, dev;

	(void)state;
	n += (size_t)snprintf(text + n, sizeof(text) - n, "private_key=%064d\nlisten_port=7\n", 5);
	for (int i = 0; i < 20; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "public_key=%064d\nendpoint=192.0.2.%d:%d\n"
				      "allowed_ip=10.0.%d.0/24\nallowed_ip=fd00::%x/128\n",
				      100 - i, i, 1000 + i, i, i);
	n += (size_t)snprintf(text + n, sizeof(text) - n, "errno=0\n\n");
	assert_int_equal(wgctl_uapi_parse_get(text, n, &whole), 0);
	assert_int_equal(whole.n_peers, 20);
	for (size_t chunk = 1; chunk <= 13; chunk += 3) {
		struct wgctl_uapi_reply r;

		wgctl_uapi_reply_init(&r, true);
		for (size_t i = 0; i < n && !r.done; i += chunk)
			assert_int_equal(wgctl_uapi_reply_feed(&r, text + i,
							       i + chunk > n ? n - i : chunk), 0);
		assert_true(r.done);
		assert_int_equal(wgctl_uapi_reply_finish(&r, &dev), 0);
		assert_int_equal(dev.n_peers, whole.n_peers);
		assert_int_equal(dev.listen_port, 7);
		for (size_t i = 0; i < dev.n_peers; i++) {
			assert_memory_equal(dev.peers[i].public_key, whole.peers[i].public_key, 32);
			assert_int_equal(dev.peers[i].n_allowed, 2);
			assert_true(wgctl_endpoint_equal(&dev.peers[i].endpoint, &whole.peers[i].endpoint));
		}
		wgctl_device_free(&dev);
	}
	wgctl_device_free(&whole);

	/* Cut short: no errno= line. */
	struct wgctl_uapi_reply r;
	wgctl_uapi_reply_init(&r, true);
	assert_int_equal(wgctl_uapi_reply_feed(&r, text, n / 2), 0);
	assert_false(r.done);
	assert_int_equal(wgctl_uapi_reply_finish(&r, &dev), -EBADMSG);
}

static void test_errno_either_sign(void **state)
{
	struct wgctl_device dev;

	(void)state;
	assert_int_equal(wgctl_uapi_parse_errno("errno=0\n\n", 9), 0);
	assert_int_equal(wgctl_uapi_parse_errno("errno=-22\n\n", 11), -EINVAL);  /* wireguard-go */
	assert_int_equal(wgctl_uapi_parse_errno("errno=22\n\n", 10), -EINVAL);   /* boringtun */
	assert_int_equal(wgctl_uapi_parse_get("errno=-19\n\n", 11, &dev), -ENODEV);
	assert_int_equal(wgctl_uapi_parse_get("errno=19\n\n", 10, &dev), -ENODEV);
}

static void test_malformed(void **state)
{
	struct wgctl_device dev;
	char text[8192];
	size_t n;

	(void)state;
	assert_int_equal(wgctl_uapi_parse_errno("", 0), -EBADMSG);
	assert_int_equal(wgctl_uapi_parse_errno("errno=x\n\n", 9), -EBADMSG);
	assert_int_equal(wgctl_uapi_parse_errno("errno=\n\n", 8), -EBADMSG);
	assert_int_equal(wgctl_uapi_parse_errno("errno=0", 7), -EBADMSG);   /* no newline */
	assert_int_equal(wgctl_uapi_parse_get("listen_port=1\n\n", 15, &dev), -EBADMSG);
	assert_int_equal(wgctl_uapi_parse_get("nonsense\nerrno=0\n\n", 18, &dev), -EBADMSG);
	assert_int_equal(wgctl_uapi_parse_get("listen_port=70000\nerrno=0\n\n", 27, &dev), -EBADMSG);
	assert_int_equal(wgctl_uapi_parse_get("public_key=abcd\nerrno=0\n\n", 25, &dev), -EBADMSG);
	n = (size_t)snprintf(text, sizeof(text), "public_key=%064d\nendpoint=1.2.3.4\nerrno=0\n\n", 1);
	assert_int_equal(wgctl_uapi_parse_get(text, n, &dev), -EBADMSG);
	/* More allowed IPs than a wgctl_peer holds. */
	n = (size_t)snprintf(text, sizeof(text), "public_key=%064d\n", 1);
	for (int i = 0; i <= WGCTL_MAX_ALLOWED; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "allowed_ip=10.0.%d.0/24\n", i);
	n += (size_t)snprintf(text + n, sizeof(text) - n, "errno=0\n\n");
	assert_int_equal(wgctl_uapi_parse_get(text, n, &dev), -E2BIG);
}

/* Regression (fuzz_uapi-repeated-key): keys A, B, A. Kept, A would be in
 * the device twice and the diff would remove a wanted peer; refused. An
 * A right after A is one peer continued. */
static void test_repeated_key_refused(void **state)
{
	struct wgctl_device dev;
	char text[1024];
	size_t n;

	(void)state;
	n = (size_t)snprintf(text, sizeof(text),
			     "public_key=%064d\nallowed_ip=10.0.1.0/24\n"
			     "public_key=%064d\n"
			     "public_key=%064d\nallowed_ip=10.0.2.0/24\nerrno=0\n\n", 1, 2, 1);
	assert_int_equal(wgctl_uapi_parse_get(text, n, &dev), -EBADMSG);
	n = (size_t)snprintf(text, sizeof(text),
			     "public_key=%064d\nallowed_ip=10.0.1.0/24\n"
			     "public_key=%064d\nallowed_ip=10.0.2.0/24\nerrno=0\n\n", 1, 1);
	assert_int_equal(wgctl_uapi_parse_get(text, n, &dev), 0);
	assert_int_equal(dev.n_peers, 1);
	assert_int_equal(dev.peers[0].n_allowed, 2);
	wgctl_device_free(&dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_set),
		cmocka_unit_test(test_build_large),
		cmocka_unit_test(test_parse_get),
		cmocka_unit_test(test_reply_in_chunks),
		cmocka_unit_test(test_errno_either_sign),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_repeated_key_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
