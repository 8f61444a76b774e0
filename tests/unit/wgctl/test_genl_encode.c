// SPDX-License-Identifier: MIT
/*
 * SET_DEVICE splitting. Messages are parsed back with libmnl and replayed
 * into a deliberately naive model of the kernel's SET handling; the model
 * must end up holding exactly the wanted peers and IPs.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/wireguard.h>

#include "helpers.h"
#include "wgctl/genl.h"
#include "wgctl/nlattr.h"

enum { N_PEERS = 1000, FAMILY = 0x1d, MODEL_MAX = 2048 };

/* The kernel's view in the model: per peer id, IPs in arrival order. */
struct model_peer {
	bool exists;
	unsigned int flags_seen, fragments;
	bool has_endpoint;
	uint16_t keepalive;
	size_t n_ips;
	struct wgctl_allowed ips[WGCTL_MAX_ALLOWED * 2];
};

struct model {
	struct model_peer peers[MODEL_MAX];
	size_t msgs, bytes;
	bool saw_private_key, saw_port;
	uint8_t last_key[WGCTL_KEY_LEN];
	bool have_last;
};

static uint32_t key_id(const uint8_t *k)
{
	return (uint32_t)k[0] << 24 | (uint32_t)k[1] << 16 | (uint32_t)k[2] << 8 | k[3];
}

static void replay_allowed(const struct nlattr *nest, struct model_peer *mp)
{
	const struct nlattr *ip, *a;

	wgctl_attr_for_each_nested(ip, nest) {
		struct wgctl_allowed w = { 0 };
		int fields = 0;

		wgctl_attr_for_each_nested(a, ip) {
			switch (mnl_attr_get_type(a)) {
			case WGALLOWEDIP_A_FAMILY:
				w.family = mnl_attr_get_u16(a);
				fields++;
				break;
			case WGALLOWEDIP_A_IPADDR:
				assert_int_equal(mnl_attr_get_payload_len(a),
						 w.family == AF_INET6 ? 16 : 4);
				memcpy(&w.addr, mnl_attr_get_payload(a), mnl_attr_get_payload_len(a));
				fields++;
				break;
			case WGALLOWEDIP_A_CIDR_MASK:
				w.cidr = mnl_attr_get_u8(a);
				fields++;
				break;
			default:
				fail_msg("unexpected allowed-IP attribute");
			}
		}
		assert_int_equal(fields, 3);
		assert_true(mp->n_ips < sizeof(mp->ips) / sizeof(mp->ips[0]));
		mp->ips[mp->n_ips++] = w;
	}
}

/* One peer nest; first_in_msg tells whether a continuation is allowed. */
static void replay_peer(struct model *m, const struct nlattr *pn, bool first_in_msg)
{
	const struct nlattr *a = mnl_attr_get_payload(pn);
	const uint8_t *key;
	struct model_peer *mp;
	bool continuation;

	/* Every fragment starts with the key. */
	assert_int_equal(mnl_attr_get_type(a), WGPEER_A_PUBLIC_KEY);
	assert_int_equal(mnl_attr_get_payload_len(a), WGCTL_KEY_LEN);
	key = mnl_attr_get_payload(a);
	assert_true(key_id(key) < MODEL_MAX);
	mp = &m->peers[key_id(key)];
	continuation = m->have_last && memcmp(m->last_key, key, WGCTL_KEY_LEN) == 0;
	if (continuation)
		assert_true(first_in_msg);   /* only a split peer repeats, at the top */
	mp->fragments++;
	wgctl_attr_for_each_nested(a, pn) {
		switch (mnl_attr_get_type(a)) {
		case WGPEER_A_PUBLIC_KEY:
			break;
		case WGPEER_A_FLAGS:
			assert_false(continuation);
			mp->flags_seen |= mnl_attr_get_u32(a);
			if (mnl_attr_get_u32(a) & WGPEER_F_REMOVE_ME) {
				memset(mp, 0, sizeof(*mp));
				goto out;
			}
			if (mnl_attr_get_u32(a) & WGPEER_F_REPLACE_ALLOWEDIPS)
				mp->n_ips = 0;
			break;
		case WGPEER_A_ENDPOINT:
			assert_false(continuation);
			mp->has_endpoint = true;
			break;
		case WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL:
			assert_false(continuation);
			mp->keepalive = mnl_attr_get_u16(a);
			break;
		case WGPEER_A_ALLOWEDIPS:
			replay_allowed(a, mp);
			break;
		default:
			fail_msg("unexpected peer attribute %u", mnl_attr_get_type(a));
		}
	}
	mp->exists = true;
out:
	memcpy(m->last_key, key, WGCTL_KEY_LEN);
	m->have_last = true;
}

static void replay_msg(struct model *m, const struct nlmsghdr *nlh, size_t buflen)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	bool first_attr = true, first_peer = true;

	assert_true(nlh->nlmsg_len <= buflen);
	assert_int_equal(nlh->nlmsg_type, FAMILY);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	assert_int_equal(g->cmd, WG_CMD_SET_DEVICE);
	assert_int_equal(g->version, WG_GENL_VERSION);
	wgctl_attr_for_each(a, nlh, sizeof(*g)) {
		uint16_t t = mnl_attr_get_type(a);

		if (first_attr) {
			assert_int_equal(t, WGDEVICE_A_IFNAME);
			assert_string_equal(mnl_attr_get_str(a), "wgtest0");
			first_attr = false;
			continue;
		}
		if (t == WGDEVICE_A_PRIVATE_KEY || t == WGDEVICE_A_LISTEN_PORT) {
			assert_int_equal(m->msgs, 0);   /* device attributes: first message only */
			*(t == WGDEVICE_A_PRIVATE_KEY ? &m->saw_private_key : &m->saw_port) = true;
			continue;
		}
		assert_int_equal(t, WGDEVICE_A_PEERS);
		assert_true(mnl_attr_get_type(a) == WGDEVICE_A_PEERS);
		const struct nlattr *pn;
		wgctl_attr_for_each_nested(pn, a) {
			replay_peer(m, pn, first_peer);
			first_peer = false;
		}
	}
	/* Attribute walking must have consumed the whole message. */
	m->msgs++;
	m->bytes += nlh->nlmsg_len;
}

/* Encode req fully into buffers of buflen bytes, replaying each. */
static int encode_all(struct model *m, const struct wgctl_set_req *req, size_t buflen)
{
	struct wgctl_set_cursor cur = { 0 };
	char *buf = malloc(buflen);
	int ret;

	assert_non_null(buf);
	for (uint32_t seq = 1;; seq++) {
		ret = wgctl_genl_encode_set(buf, buflen, FAMILY, seq, req, &cur);
		if (ret <= 0)
			break;
		assert_int_equal(((struct nlmsghdr *)buf)->nlmsg_seq, seq);
		assert_int_equal((size_t)ret, ((struct nlmsghdr *)buf)->nlmsg_len);
		replay_msg(m, (struct nlmsghdr *)buf, buflen);
		assert_true(m->msgs < 100000);
	}
	free(buf);
	return ret;
}

static bool same_ip(const struct wgctl_allowed *a, const struct wgctl_allowed *b)
{
	return a->family == b->family && a->cidr == b->cidr &&
	       memcmp(&a->addr, &b->addr, a->family == AF_INET6 ? 16 : 4) == 0;
}

/* The model holds each wanted IP exactly once, in order. */
static void check_peer(const struct model *m, const struct wgctl_peer *p)
{
	const struct model_peer *mp = &m->peers[key_id(p->public_key)];

	assert_true(mp->exists);
	assert_int_equal(mp->n_ips, p->n_allowed);
	for (size_t j = 0; j < p->n_allowed; j++)
		assert_true(same_ip(&mp->ips[j], &p->allowed[j]));
}

static struct wgctl_op *adds(const struct wgctl_peer *peers, size_t n)
{
	struct wgctl_op *ops = calloc(n, sizeof(*ops));

	assert_non_null(ops);
	for (size_t i = 0; i < n; i++)
		ops[i] = (struct wgctl_op){ WGCTL_OP_ADD,
			WGCTL_CH_ALLOWED | WGCTL_CH_ENDPOINT | WGCTL_CH_KEEPALIVE, &peers[i] };
	return ops;
}

static void test_thousand_peers_real_buffer(void **state)
{
	size_t buflen = (size_t)MNL_SOCKET_BUFFER_SIZE;
	struct wgctl_peer *peers = calloc(N_PEERS, sizeof(*peers));
	struct model *m = calloc(1, sizeof(*m));
	uint8_t priv[WGCTL_KEY_LEN] = { 1, 2, 3 };
	struct wgctl_op *ops;
	size_t total = 0;

	(void)state;
	assert_non_null(peers);
	assert_non_null(m);
	for (uint32_t i = 0; i < N_PEERS; i++) {
		th_peer_n(&peers[i], i, 1 + i % 7);   /* 1..7 IPs, v4 and v6 */
		peers[i].keepalive = (uint16_t)(i % 3 ? 0 : 25);
		total += peers[i].n_allowed;
	}
	ops = adds(peers, N_PEERS);
	struct wgctl_set_req req = { "wgtest0", priv, 51820, ops, N_PEERS };

	assert_int_equal(encode_all(m, &req, buflen), 0);
	assert_true(m->saw_private_key);
	assert_true(m->saw_port);
	for (size_t i = 0; i < N_PEERS; i++) {
		check_peer(m, &peers[i]);
		assert_true(m->peers[i].has_endpoint);
		assert_int_equal(m->peers[i].flags_seen, WGPEER_F_REPLACE_ALLOWEDIPS);
		assert_int_equal(m->peers[i].keepalive, peers[i].keepalive);
	}
	/* Many messages, each well filled (not one peer per message). */
	assert_true(m->msgs > 10);
	assert_true(m->bytes > (m->msgs - 1) * buflen * 3 / 4);
	(void)total;
	free(ops);
	free(peers);
	free(m);
}

static void test_split_peer_across_messages(void **state)
{
	struct wgctl_peer *peers = calloc(5, sizeof(*peers));
	struct model *m = calloc(1, sizeof(*m));
	struct wgctl_op *ops;

	(void)state;
	for (uint32_t i = 0; i < 5; i++)
		th_peer_n(&peers[i], i + 1, WGCTL_MAX_ALLOWED);
	ops = adds(peers, 5);
	struct wgctl_set_req req = { "wgtest0", NULL, -1, ops, 5 };

	/* 400 bytes hold about ten IPs: each 64-IP peer needs many fragments. */
	assert_int_equal(encode_all(m, &req, 400), 0);
	for (size_t i = 0; i < 5; i++) {
		check_peer(m, &peers[i]);
		assert_true(m->peers[i + 1].fragments >= 5);
	}
	assert_false(m->saw_private_key);
	free(ops);
	free(peers);
	free(m);
}

static void test_remove_and_update(void **state)
{
	struct wgctl_peer p[4];
	struct model *m = calloc(1, sizeof(*m));

	(void)state;
	for (uint32_t i = 0; i < 4; i++)
		th_peer_n(&p[i], i + 1, 3);
	/* The model starts with 1..4 present, each holding a stale IP. */
	for (uint32_t i = 1; i <= 4; i++) {
		m->peers[i].exists = true;
		m->peers[i].n_ips = 1;
		assert_int_equal(wgctl_allowed_parse("192.168.0.1/32", &m->peers[i].ips[0]), 0);
	}
	struct wgctl_op ops[] = {
		{ WGCTL_OP_REMOVE, 0, &p[0] },
		{ WGCTL_OP_UPDATE, WGCTL_CH_ENDPOINT, &p[1] },
		{ WGCTL_OP_UPDATE, WGCTL_CH_ALLOWED, &p[2] },
		{ WGCTL_OP_REMOVE, 0, &p[3] },
	};
	struct wgctl_set_req req = { "wgtest0", NULL, -1, ops, 4 };

	assert_int_equal(encode_all(m, &req, (size_t)MNL_SOCKET_BUFFER_SIZE), 0);
	assert_int_equal(m->msgs, 1);
	assert_false(m->peers[1].exists);
	assert_false(m->peers[4].exists);
	/* Endpoint-only update: no IPs sent, no REPLACE, stale IP kept. */
	assert_true(m->peers[2].has_endpoint);
	assert_int_equal(m->peers[2].flags_seen, 0);
	assert_int_equal(m->peers[2].n_ips, 1);
	/* IP update: replaced, exactly the wanted set. */
	assert_int_equal(m->peers[3].flags_seen, WGPEER_F_REPLACE_ALLOWEDIPS);
	check_peer(m, &p[2]);
	assert_false(m->peers[3].has_endpoint);
	free(m);
}

static void test_device_only_and_nothing(void **state)
{
	char buf[4096];
	uint8_t key[WGCTL_KEY_LEN] = { 7 };
	struct wgctl_set_cursor cur = { 0 };
	struct wgctl_set_req none = { "wgtest0", NULL, -1, NULL, 0 };
	struct wgctl_set_req dev = { "wgtest0", key, 0, NULL, 0 };
	struct model *m = calloc(1, sizeof(*m));

	(void)state;
	assert_int_equal(wgctl_genl_encode_set(buf, sizeof(buf), FAMILY, 1, &none, &cur), 0);
	memset(&cur, 0, sizeof(cur));
	assert_true(wgctl_genl_encode_set(buf, sizeof(buf), FAMILY, 1, &dev, &cur) > 0);
	replay_msg(m, (struct nlmsghdr *)buf, sizeof(buf));
	assert_true(m->saw_private_key && m->saw_port);
	assert_int_equal(wgctl_genl_encode_set(buf, sizeof(buf), FAMILY, 2, &dev, &cur), 0);
	free(m);
}

static void test_buffer_too_small(void **state)
{
	char buf[80];
	struct wgctl_peer p;
	struct wgctl_set_cursor cur = { 0 };
	struct wgctl_op op = { WGCTL_OP_ADD, WGCTL_CH_ALLOWED, &p };
	struct wgctl_set_req req = { "wgtest0", NULL, -1, &op, 1 };

	(void)state;
	th_peer_n(&p, 1, 2);
	assert_int_equal(wgctl_genl_encode_set(buf, sizeof(buf), FAMILY, 1, &req, &cur), -EMSGSIZE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_thousand_peers_real_buffer),
		cmocka_unit_test(test_split_peer_across_messages),
		cmocka_unit_test(test_remove_and_update),
		cmocka_unit_test(test_device_only_and_nothing),
		cmocka_unit_test(test_buffer_too_small),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
