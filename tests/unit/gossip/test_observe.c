/* SPDX-License-Identifier: MIT */
/* Endpoint observations (gossip/observe.c, issue 11): the decision rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "gossip/internal.h"
#include "tnet.h"

static struct gossip_obs o;
static struct wire_record self;

static const uint8_t *sid(uint8_t n)
{
	static uint8_t s[16][WIRE_SHORT_ID_LEN];

	memset(s[n], n + 1, WIRE_SHORT_ID_LEN);
	return s[n];
}

static void see(uint8_t observer, const char *ep, uint64_t now)
{
	struct wire_addr a;

	assert_int_equal(wire_addr_parse(&a, ep), 0);
	obs_add(&o, sid(observer), &a, now);
}

static void expect_resign(uint32_t others, uint64_t now, const char *want)
{
	struct wire_addr out, w;

	memset(&out, 0, sizeof(out));
	if (!want) {
		assert_false(obs_eval(&o, &self, others, now, &out));
		return;
	}
	assert_int_equal(wire_addr_parse(&w, want), 0);
	assert_true(obs_eval(&o, &self, others, now, &out));
	assert_true(wire_addr_equal(&out, &w));
}

static int setup(void **state)
{
	(void)state;
	memset(&o, 0, sizeof(o));
	memset(&self, 0, sizeof(self));
	self.n_endpoints = 1;
	assert_int_equal(wire_addr_parse(&self.endpoint[0], "192.168.1.7:51820"), 0);
	return 0;
}

/* Two observers must agree (one is not enough in a mesh of three). */
static void test_agreement(void **state)
{
	(void)state;
	see(1, "198.51.100.9:51820", 1000);
	expect_resign(2, 1000, NULL);
	see(2, "198.51.100.9:51820", 1500);
	expect_resign(2, 1500, "198.51.100.9:51820");
	assert_int_equal(o.nat, GOSSIP_NAT_PRESERVING);
	/* the same observer twice still counts once */
	setup(NULL);
	see(1, "198.51.100.9:51820", 1000);
	see(1, "198.51.100.9:51820", 1200);
	expect_resign(2, 1200, NULL);
}

/* With one other member, its word is all there is. */
static void test_two_node_mesh(void **state)
{
	(void)state;
	see(1, "198.51.100.9:51820", 1000);
	expect_resign(1, 1000, "198.51.100.9:51820");
}

/* Once per OBS_RESIGN_MS, however the observations flap. */
static void test_rate_limit(void **state)
{
	(void)state;
	see(1, "198.51.100.9:51820", 1000);
	see(2, "198.51.100.9:51820", 1000);
	expect_resign(2, 1000, "198.51.100.9:51820");
	see(1, "203.0.113.5:51820", 2000);
	see(2, "203.0.113.5:51820", 2000);
	expect_resign(2, 2000, NULL);
	expect_resign(2, 1000 + OBS_RESIGN_MS - 1, NULL);
	expect_resign(2, 1000 + OBS_RESIGN_MS, "203.0.113.5:51820");
}

/* One public IP, a port per observer: symmetric, and nothing to advertise. */
static void test_symmetric(void **state)
{
	(void)state;
	see(1, "198.51.100.9:40001", 1000);
	see(2, "198.51.100.9:40002", 1000);
	expect_resign(2, 1000, NULL);
	assert_int_equal(o.nat, GOSSIP_NAT_SYMMETRIC);
	assert_string_equal(gossip_nat_name(o.nat), "symmetric");
	/* a third observer agreeing with one of them does not undo it */
	see(3, "198.51.100.9:40002", 1100);
	expect_resign(3, 1100, "198.51.100.9:40002");
	assert_int_equal(o.nat, GOSSIP_NAT_SYMMETRIC);
}

/* LAN views and old observations do not count; what we advertise is not re-signed. */
static void test_ignored(void **state)
{
	(void)state;
	see(1, "10.1.2.3:51820", 1000);
	see(2, "10.1.2.3:51820", 1000);
	expect_resign(2, 1000, NULL);
	see(3, "198.51.100.9:51820", 1000);
	see(4, "198.51.100.9:51820", 1000);
	expect_resign(2, 1000 + OBS_TTL_MS + 1, NULL);
	self.endpoint[1] = self.endpoint[0];
	assert_int_equal(wire_addr_parse(&self.endpoint[0], "198.51.100.9:51820"), 0);
	self.n_endpoints = 2;
	expect_resign(2, 2000, NULL);
	assert_int_equal(o.nat, GOSSIP_NAT_PRESERVING);
	assert_true(obs_addr_private(&self.endpoint[1]));
	assert_false(obs_addr_private(&self.endpoint[0]));
}

/* A port that is not ours, agreed: advertised, but not called port-preserving. */
static void test_other_port(void **state)
{
	(void)state;
	see(1, "198.51.100.9:1024", 1000);
	see(2, "198.51.100.9:1024", 1000);
	expect_resign(2, 1000, "198.51.100.9:1024");
	assert_int_equal(o.nat, GOSSIP_NAT_UNKNOWN);
}

/* More observers than slots: the oldest gives way, the table stays bounded. */
static void test_bounded(void **state)
{
	(void)state;
	for (uint8_t i = 0; i < OBS_SLOTS + 4; i++)
		see(i, "198.51.100.9:51820", 1000 + i);
	int used = 0;
	for (int i = 0; i < OBS_SLOTS; i++)
		used += o.e[i].used;
	assert_int_equal(used, OBS_SLOTS);
	for (int i = 0; i < OBS_SLOTS; i++)
		assert_true(o.e[i].at >= 1004);
}

/* Engines on the fake network: every observer sees node 0 at one endpoint
 * (ports differ per observer when `symmetric`). */
static bool sym;
static bool seen_node0(struct tnet *net, uint32_t observer, const struct gossip_member *m,
		       struct wire_addr *out)
{
	if (memcmp(m->rec->id, tn_id(net, 0), WIRE_ID_LEN) != 0)
		return false;
	assert_int_equal(wire_addr_parse(out, "198.51.100.9:51820"), 0);
	if (sym)
		out->port = (uint16_t)(40000 + observer);
	return true;
}

static void engines(bool symmetric, uint32_t *n_public, enum gossip_nat *nat, uint64_t *obs)
{
	static struct tnet net;
	struct gossip_config cfg;
	struct wire_addr pub;

	sym = symmetric;
	gossip_config_defaults(&cfg);
	tn_init(&net, 4, 500, &cfg);
	net.seen = seen_node0;
	tn_connect_all(&net);
	tn_run(&net, 15000);
	*n_public = net.node[0].n_public;
	*nat = gossip_nat(net.node[0].g, &pub);
	*obs = gossip_stats(net.node[0].g)->observations;
	if (*n_public) {
		struct wire_addr none;

		assert_true(wire_addr_equal(&net.node[0].public_ep, &pub));
		gossip_observations_reset(net.node[0].g);      /* we moved */
		assert_int_equal(gossip_nat(net.node[0].g, &none), GOSSIP_NAT_UNKNOWN);
		assert_int_equal(none.family, 0);
		assert_false(net.node[0].g->obs.e[0].used);
	}
	/* nobody else was observed: their ACK-seen fields stayed absent */
	for (uint32_t i = 1; i < 4; i++)
		assert_int_equal(gossip_stats(net.node[i].g)->observations, 0);
	tn_free(&net);
}

static void test_engines(void **state)
{
	uint32_t n;
	enum gossip_nat nat;
	uint64_t obs;

	(void)state;
	engines(false, &n, &nat, &obs);
	assert_true(obs > 2);
	/* the fake agent never re-signs, so the engine asks again, but at most
	 * once per OBS_RESIGN_MS: twice in 15 s */
	assert_true(n >= 1 && n <= 2);
	engines(true, &n, &nat, &obs);
	assert_true(obs > 2);
	assert_int_equal(n, 0);
	assert_int_equal(nat, GOSSIP_NAT_SYMMETRIC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_agreement, setup),
		cmocka_unit_test_setup(test_two_node_mesh, setup),
		cmocka_unit_test_setup(test_rate_limit, setup),
		cmocka_unit_test_setup(test_symmetric, setup),
		cmocka_unit_test_setup(test_ignored, setup),
		cmocka_unit_test_setup(test_other_port, setup),
		cmocka_unit_test_setup(test_bounded, setup),
		cmocka_unit_test(test_engines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
