// SPDX-License-Identifier: MIT
/* GET_DEVICE dump parsing, including a peer split over two messages. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/time_types.h>
#include <linux/wireguard.h>

#include "helpers.h"
#include "wgctl/genl.h"

enum { FAMILY = 0x1d };

static struct nlmsghdr *msg_start(char *buf)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

	nlh->nlmsg_type = FAMILY;
	nlh->nlmsg_flags = NLM_F_MULTI;
	g->cmd = WG_CMD_GET_DEVICE;
	g->version = 1;
	return nlh;
}

static void put_ips(struct nlmsghdr *nlh, const struct wgctl_peer *p, size_t from, size_t to)
{
	struct nlattr *ips = mnl_attr_nest_start(nlh, WGPEER_A_ALLOWEDIPS);

	for (size_t j = from; j < to; j++) {
		struct nlattr *ip = mnl_attr_nest_start(nlh, 0);

		mnl_attr_put_u16(nlh, WGALLOWEDIP_A_FAMILY, p->allowed[j].family);
		mnl_attr_put(nlh, WGALLOWEDIP_A_IPADDR, p->allowed[j].family == AF_INET6 ? 16 : 4,
			     &p->allowed[j].addr);
		mnl_attr_put_u8(nlh, WGALLOWEDIP_A_CIDR_MASK, p->allowed[j].cidr);
		mnl_attr_nest_end(nlh, ip);
	}
	mnl_attr_nest_end(nlh, ips);
}

/* A full peer as the kernel sends it, with IPs [0, upto). */
static void put_peer(struct nlmsghdr *nlh, const struct wgctl_peer *p, size_t upto)
{
	struct nlattr *pn = mnl_attr_nest_start(nlh, 0);
	struct __kernel_timespec ts = { p->last_handshake, 5 };
	uint8_t psk[WGCTL_KEY_LEN] = { 0 };

	mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, WGCTL_KEY_LEN, p->public_key);
	mnl_attr_put(nlh, WGPEER_A_PRESHARED_KEY, WGCTL_KEY_LEN, psk);
	mnl_attr_put(nlh, WGPEER_A_LAST_HANDSHAKE_TIME, sizeof(ts), &ts);
	mnl_attr_put_u16(nlh, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, p->keepalive);
	mnl_attr_put_u64(nlh, WGPEER_A_TX_BYTES, p->tx_bytes);
	mnl_attr_put_u64(nlh, WGPEER_A_RX_BYTES, p->rx_bytes);
	mnl_attr_put_u32(nlh, WGPEER_A_PROTOCOL_VERSION, 1);
	if (p->endpoint.addr.sa_family == AF_INET)
		mnl_attr_put(nlh, WGPEER_A_ENDPOINT, sizeof(p->endpoint.in), &p->endpoint.in);
	else if (p->endpoint.addr.sa_family == AF_INET6)
		mnl_attr_put(nlh, WGPEER_A_ENDPOINT, sizeof(p->endpoint.in6), &p->endpoint.in6);
	put_ips(nlh, p, 0, upto);
	mnl_attr_nest_end(nlh, pn);
}

/* The continuation of a split peer: only its key and the rest of the IPs. */
static void put_rest(struct nlmsghdr *nlh, const struct wgctl_peer *p, size_t from)
{
	struct nlattr *pn = mnl_attr_nest_start(nlh, 0);

	mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, WGCTL_KEY_LEN, p->public_key);
	put_ips(nlh, p, from, p->n_allowed);
	mnl_attr_nest_end(nlh, pn);
}

static void assert_peer_equal(const struct wgctl_peer *a, const struct wgctl_peer *b)
{
	assert_memory_equal(a->public_key, b->public_key, WGCTL_KEY_LEN);
	assert_true(wgctl_endpoint_equal(&a->endpoint, &b->endpoint));
	assert_int_equal(a->keepalive, b->keepalive);
	assert_int_equal(a->last_handshake, b->last_handshake);
	assert_int_equal(a->rx_bytes, b->rx_bytes);
	assert_int_equal(a->tx_bytes, b->tx_bytes);
	assert_int_equal(a->n_allowed, b->n_allowed);
	for (size_t j = 0; j < a->n_allowed; j++) {
		assert_int_equal(a->allowed[j].family, b->allowed[j].family);
		assert_int_equal(a->allowed[j].cidr, b->allowed[j].cidr);
		assert_memory_equal(&a->allowed[j].addr, &b->allowed[j].addr,
				    a->allowed[j].family == AF_INET6 ? 16 : 4);
	}
}

static void test_split_peer_merged(void **state)
{
	static char m1[8192], m2[8192];
	struct wgctl_peer p[3];
	struct nlmsghdr *nlh;
	struct nlattr *peers;
	struct wgctl_dump d = { 0 };
	uint8_t priv[WGCTL_KEY_LEN] = { 9 }, pub[WGCTL_KEY_LEN] = { 8 };

	(void)state;
	/* ids chosen so key order differs from message order: 30, 10, 20. */
	th_peer_n(&p[0], 30, 2);
	th_peer_n(&p[1], 10, 9);
	th_peer_n(&p[2], 20, 1);
	p[1].last_handshake = 1700000000;
	p[1].rx_bytes = 1234;
	p[1].tx_bytes = 5678;
	p[1].keepalive = 25;
	th_endpoint(&p[2], "[2001:db8::5]:4242");

	nlh = msg_start(m1);
	mnl_attr_put_u32(nlh, WGDEVICE_A_IFINDEX, 7);
	mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, "wg7");
	mnl_attr_put(nlh, WGDEVICE_A_PRIVATE_KEY, WGCTL_KEY_LEN, priv);
	mnl_attr_put(nlh, WGDEVICE_A_PUBLIC_KEY, WGCTL_KEY_LEN, pub);
	mnl_attr_put_u16(nlh, WGDEVICE_A_LISTEN_PORT, 51820);
	mnl_attr_put_u32(nlh, WGDEVICE_A_FWMARK, 0x42);
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	put_peer(nlh, &p[0], p[0].n_allowed);
	put_peer(nlh, &p[1], 4);          /* split after 4 of 9 IPs */
	mnl_attr_nest_end(nlh, peers);
	assert_int_equal(wgctl_genl_parse_dump(nlh, &d), 0);

	nlh = msg_start(m2);              /* later messages: only PEERS */
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	put_rest(nlh, &p[1], 4);
	put_peer(nlh, &p[2], p[2].n_allowed);
	mnl_attr_nest_end(nlh, peers);
	assert_int_equal(wgctl_genl_parse_dump(nlh, &d), 0);
	wgctl_dump_finish(&d);

	assert_string_equal(d.dev.ifname, "wg7");
	assert_true(d.dev.has_private_key);
	assert_memory_equal(d.dev.private_key, priv, WGCTL_KEY_LEN);
	assert_memory_equal(d.dev.public_key, pub, WGCTL_KEY_LEN);
	assert_int_equal(d.dev.listen_port, 51820);
	assert_int_equal(d.dev.fwmark, 0x42);
	assert_int_equal(d.dev.n_peers, 3);
	/* Sorted by key: 10, 20, 30; the split peer whole, with its stats. */
	assert_peer_equal(&d.dev.peers[0], &p[1]);
	assert_peer_equal(&d.dev.peers[1], &p[2]);
	assert_peer_equal(&d.dev.peers[2], &p[0]);
	wgctl_device_free(&d.dev);
}

static void test_too_many_ips(void **state)
{
	static char m1[16384], m2[16384];
	struct wgctl_peer p;
	struct nlmsghdr *nlh;
	struct nlattr *peers;
	struct wgctl_dump d = { 0 };

	(void)state;
	th_peer_n(&p, 1, WGCTL_MAX_ALLOWED);
	nlh = msg_start(m1);
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	put_peer(nlh, &p, WGCTL_MAX_ALLOWED);
	mnl_attr_nest_end(nlh, peers);
	assert_int_equal(wgctl_genl_parse_dump(nlh, &d), 0);
	/* One more IP in a continuation goes over the API's limit. */
	nlh = msg_start(m2);
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	put_rest(nlh, &p, WGCTL_MAX_ALLOWED - 1);
	mnl_attr_nest_end(nlh, peers);
	assert_int_equal(wgctl_genl_parse_dump(nlh, &d), -E2BIG);
	wgctl_device_free(&d.dev);
}

static void test_malformed(void **state)
{
	static char m[4096];
	struct wgctl_dump d = { 0 };
	struct nlmsghdr *nlh;
	struct nlattr *peers, *pn, *ips, *ip;
	struct wgctl_peer p;
	uint32_t v4 = 0;

	(void)state;
	th_peer(&p, 1);
	/* Endpoint of a length that is neither sockaddr_in nor _in6. */
	nlh = msg_start(m);
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	pn = mnl_attr_nest_start(nlh, 0);
	mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, WGCTL_KEY_LEN, p.public_key);
	mnl_attr_put(nlh, WGPEER_A_ENDPOINT, 6, "\x02\x00\x01\x02\x03\x04");
	mnl_attr_nest_end(nlh, pn);
	mnl_attr_nest_end(nlh, peers);
	assert_int_equal(wgctl_genl_parse_dump(nlh, &d), -EBADMSG);
	wgctl_device_free(&d.dev);

	/* AF_INET6 with a 4-byte address. */
	memset(&d, 0, sizeof(d));
	nlh = msg_start(m);
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	pn = mnl_attr_nest_start(nlh, 0);
	mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, WGCTL_KEY_LEN, p.public_key);
	ips = mnl_attr_nest_start(nlh, WGPEER_A_ALLOWEDIPS);
	ip = mnl_attr_nest_start(nlh, 0);
	mnl_attr_put_u16(nlh, WGALLOWEDIP_A_FAMILY, AF_INET6);
	mnl_attr_put(nlh, WGALLOWEDIP_A_IPADDR, 4, &v4);
	mnl_attr_put_u8(nlh, WGALLOWEDIP_A_CIDR_MASK, 32);
	mnl_attr_nest_end(nlh, ip);
	mnl_attr_nest_end(nlh, ips);
	mnl_attr_nest_end(nlh, pn);
	mnl_attr_nest_end(nlh, peers);
	assert_int_equal(wgctl_genl_parse_dump(nlh, &d), -EBADMSG);
	wgctl_device_free(&d.dev);

	/* A peer without a key. */
	memset(&d, 0, sizeof(d));
	nlh = msg_start(m);
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	pn = mnl_attr_nest_start(nlh, 0);
	mnl_attr_put_u16(nlh, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, 1);
	mnl_attr_nest_end(nlh, pn);
	mnl_attr_nest_end(nlh, peers);
	assert_int_equal(wgctl_genl_parse_dump(nlh, &d), -EBADMSG);
	wgctl_device_free(&d.dev);

	/* Truncated: no room for the genl header. */
	memset(&d, 0, sizeof(d));
	nlh = mnl_nlmsg_put_header(m);
	assert_int_equal(wgctl_genl_parse_dump(nlh, &d), -EBADMSG);
}

/* Regression (fuzz_uapi-repeated-key, netlink path): peers 1, 2, 1 in
 * two messages. Only a peer continued right after itself is one peer;
 * this dump is refused rather than holding key 1 twice. */
static void test_repeated_key_refused(void **state)
{
	static char m1[4096], m2[4096];
	struct wgctl_peer p[2];
	struct nlmsghdr *nlh;
	struct nlattr *peers;
	struct wgctl_dump d = { 0 };

	(void)state;
	th_peer_n(&p[0], 1, 2);
	th_peer_n(&p[1], 2, 1);
	nlh = msg_start(m1);
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	put_peer(nlh, &p[0], 1);
	put_peer(nlh, &p[1], p[1].n_allowed);
	mnl_attr_nest_end(nlh, peers);
	assert_int_equal(wgctl_genl_parse_dump(nlh, &d), 0);
	nlh = msg_start(m2);
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	put_rest(nlh, &p[0], 1);
	mnl_attr_nest_end(nlh, peers);
	assert_int_equal(wgctl_genl_parse_dump(nlh, &d), 0);
	assert_int_equal(d.dev.n_peers, 3);
	assert_int_equal(wgctl_dump_finish(&d), -EBADMSG);
	wgctl_device_free(&d.dev);
}

/* Cross-check with the encoder: SET messages share GET's layout, so the
 * parser must rebuild 1,000 split-encoded peers exactly. */
static void test_encoder_roundtrip(void **state)
{
	enum { N = 1000 };
	struct wgctl_peer *p = calloc(N, sizeof(*p));
	const struct wgctl_peer **sorted = calloc(N, sizeof(*sorted));
	struct wgctl_op *ops = calloc(N, sizeof(*ops));
	size_t buflen = (size_t)MNL_SOCKET_BUFFER_SIZE, msgs = 0;
	char *buf = malloc(buflen);
	struct wgctl_set_cursor cur = { 0 };
	struct wgctl_dump d = { 0 };
	int len;

	(void)state;
	for (uint32_t i = 0; i < N; i++)
		th_peer_n(&p[i], i * 7 + 3, 1 + i % 12);
	assert_int_equal(wgctl_diff_sort(p, N, sorted), 0);
	assert_int_equal(wgctl_diff(sorted, N, NULL, NULL, 0, 0, ops), N);
	/* Send them shuffled (367 is prime to 1000): the parser must sort
	 * through many permutation cycles, as with the kernel's list order. */
	struct wgctl_op *shuffled = calloc(N, sizeof(*shuffled));
	for (size_t i = 0; i < N; i++)
		shuffled[i] = ops[(i * 367) % N];
	memcpy(ops, shuffled, N * sizeof(*ops));
	free(shuffled);
	struct wgctl_set_req req = { "wg0", NULL, -1, ops, N };

	while ((len = wgctl_genl_encode_set(buf, buflen, FAMILY, 1, &req, &cur)) > 0) {
		assert_int_equal(wgctl_genl_parse_dump((struct nlmsghdr *)buf, &d), 0);
		msgs++;
	}
	assert_int_equal(len, 0);
	assert_true(msgs > 20);
	wgctl_dump_finish(&d);
	assert_int_equal(d.dev.n_peers, N);
	for (size_t i = 0; i < N; i++)
		assert_peer_equal(&d.dev.peers[i], sorted[i]);
	wgctl_device_free(&d.dev);
	free(buf);
	free(ops);
	free(sorted);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_peer_merged),
		cmocka_unit_test(test_too_many_ips),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_repeated_key_refused),
		cmocka_unit_test(test_encoder_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
