/* SPDX-License-Identifier: MIT */
/* Which members become WireGuard peers, with members built by hand. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "wg_desired.h"

static struct wire_record rec;
static uint8_t wgkey[WIRE_KEY_LEN];
static struct gossip_member m;
static const struct wg_rules rules = {
	.now_ms = 1000000, .now_wall_s = 1700000000, .failed_grace_s = 300, .keepalive = 25,
};

static int setup(void **state)
{
	(void)state;
	memset(&rec, 0, sizeof(rec));
	strcpy(rec.name, "n7");
	assert_int_equal(wire_prefix_parse(&rec.overlay[0], "10.42.0.7/16"), 0);
	rec.n_overlay = 1;
	assert_int_equal(wire_addr_parse(&rec.endpoint[0], "192.0.2.7:51820"), 0);
	rec.n_endpoints = 1;
	rec.gossip_port = 51821;
	memset(wgkey, 0x77, sizeof(wgkey));
	memset(&m, 0, sizeof(m));
	m.rec = &rec;
	m.wg_public = wgkey;
	m.state = GOSSIP_ALIVE;
	m.state_since_ms = 1000;
	return 0;
}

static void alive_member_programmed(void **state)
{
	struct wgctl_peer p;
	char ip[INET_ADDRSTRLEN];

	(void)state;
	assert_true(wg_member_peer(&m, &rules, 0, &p));
	assert_memory_equal(p.public_key, wgkey, WGCTL_KEY_LEN);
	assert_int_equal(p.endpoint.addr.sa_family, AF_INET);
	assert_int_equal(ntohs(p.endpoint.in.sin_port), 51820);
	inet_ntop(AF_INET, &p.endpoint.in.sin_addr, ip, sizeof(ip));
	assert_string_equal(ip, "192.0.2.7");
	assert_int_equal(p.keepalive, 25);
	/* The overlay address as a host route, whatever the record's prefix length. */
	assert_int_equal(p.n_allowed, 1);
	assert_int_equal(p.allowed[0].family, AF_INET);
	assert_int_equal(p.allowed[0].cidr, 32);
	inet_ntop(AF_INET, &p.allowed[0].addr.ip4, ip, sizeof(ip));
	assert_string_equal(ip, "10.42.0.7");

	m.state = GOSSIP_SUSPECT;   /* suspicion is not failure: keep the tunnel */
	assert_true(wg_member_peer(&m, &rules, 0, &p));
}

static void ipv6_and_no_endpoint(void **state)
{
	struct wgctl_peer p;

	(void)state;
	assert_int_equal(wire_prefix_parse(&rec.overlay[1], "fd42::7/64"), 0);
	rec.n_overlay = 2;
	rec.n_endpoints = 0;
	assert_true(wg_member_peer(&m, &rules, 0, &p));
	assert_int_equal(p.endpoint.addr.sa_family, 0);   /* roaming peer: WireGuard learns it */
	assert_int_equal(p.n_allowed, 2);
	assert_int_equal(p.allowed[1].family, AF_INET6);
	assert_int_equal(p.allowed[1].cidr, 128);
}

static void never_programmed(void **state)
{
	struct wgctl_peer p;

	(void)state;
	m.self = true;
	assert_false(wg_member_peer(&m, &rules, 0, &p));
	m.self = false;
	m.conflict = true;   /* WireGuard would silently move the address */
	assert_false(wg_member_peer(&m, &rules, 0, &p));
	m.conflict = false;
	m.state = GOSSIP_LEFT;
	assert_false(wg_member_peer(&m, &rules, 0, &p));
	m.state = GOSSIP_ALIVE;
	rec.flags = WIRE_REC_LEAVING;
	assert_false(wg_member_peer(&m, &rules, 0, &p));
	rec.flags = 0;
	rec.n_overlay = 0;
	assert_false(wg_member_peer(&m, &rules, 0, &p));
}

static void failed_kept_for_grace_or_while_handshaking(void **state)
{
	struct wgctl_peer p;

	(void)state;
	m.state = GOSSIP_FAILED;
	m.state_since_ms = rules.now_ms - 299 * 1000;
	assert_true(wg_member_peer(&m, &rules, 0, &p));
	m.state_since_ms = rules.now_ms - 300 * 1000;
	assert_false(wg_member_peer(&m, &rules, 0, &p));
	/* Past the grace but the tunnel still handshakes: the agent died, not the node. */
	assert_true(wg_member_peer(&m, &rules, rules.now_wall_s - 60, &p));
	assert_false(wg_member_peer(&m, &rules, rules.now_wall_s - WG_FRESH_HANDSHAKE_S, &p));
}

static void adopted_kept_only_while_unknown(void **state)
{
	struct wgctl_peer adopted[3], out[3];
	uint8_t known[2][WGCTL_KEY_LEN];

	(void)state;
	memset(adopted, 0, sizeof(adopted));
	for (int i = 0; i < 3; i++)
		memset(adopted[i].public_key, 0x10 * (i + 1), WGCTL_KEY_LEN);
	memset(known[0], 0x10, WGCTL_KEY_LEN);   /* gossip knows peer 0 (maybe as left) */
	memset(known[1], 0x30, WGCTL_KEY_LEN);   /* and peer 2 */
	assert_int_equal(wg_keep_adopted(adopted, 3, (const uint8_t (*)[WGCTL_KEY_LEN])known, 2,
					 out, 3), 1);
	assert_memory_equal(out[0].public_key, adopted[1].public_key, WGCTL_KEY_LEN);
	assert_int_equal(wg_keep_adopted(adopted, 3, NULL, 0, out, 2), 2);   /* room respected */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(alive_member_programmed, setup),
		cmocka_unit_test_setup(ipv6_and_no_endpoint, setup),
		cmocka_unit_test_setup(never_programmed, setup),
		cmocka_unit_test_setup(failed_kept_for_grace_or_while_handshaking, setup),
		cmocka_unit_test_setup(adopted_kept_only_while_unknown, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
