/* SPDX-License-Identifier: MIT */
/*
 * Hole punching in the engine (issue 11, gossip/punch.c): a request goes
 * to a coordinator that answered the origin, which forwards it once to
 * the target's proven address; the target hands it to the agent only for
 * a live origin and one of the origin's own endpoints. Node 0 is the
 * coordinator (a public member), 1 and 2 the pair behind NAT: nothing
 * passes between 1 and 2 directly.
 */
#include <errno.h>
#include <string.h>

#include "tnet.h"
#include "gossip/internal.h"

enum { C = 0, A = 1, B = 2, OUT = 9 };

static bool drop_pair(struct tnet *net, uint32_t from, uint32_t to, const uint8_t *buf, size_t len)
{
	(void)net, (void)buf, (void)len;
	return (from == A && to == B) || (from == B && to == A);
}

static void setup(struct tnet *net)
{
	struct gossip_config c;

	gossip_config_defaults(&c);
	tn_init(net, 3, 70, &c);
	net->drop = drop_pair;
	tn_connect_all(net);
	tn_run(net, 5000);     /* proofs: everyone answered C, and C everyone */
}

static const struct wire_addr *ep_of(struct tnet *net, uint32_t i)
{
	return &gossip_self(net->node[i].g)->rec->endpoint[0];
}

static const struct gossip_stats *st(struct tnet *net, uint32_t i)
{
	return gossip_stats(net->node[i].g);
}

static void test_coordinated(void **state)
{
	struct tnet net;

	(void)state;
	setup(&net);
	assert_int_equal(gossip_punch(net.node[A].g, tn_id(&net, B), ep_of(&net, A), 1000, 0, false,
				      net.now), 0);
	assert_int_equal(st(&net, A)->punch_requested, 1);
	tn_run(&net, 50);
	assert_int_equal(st(&net, C)->punch_forwarded, 1);
	assert_int_equal(net.node[B].n_punch, 1);
	assert_memory_equal(net.node[B].punch_peer, tn_id(&net, A), WIRE_ID_LEN);
	assert_true(wire_addr_equal(&net.node[B].punch_ep, ep_of(&net, A)));
	assert_int_equal(net.node[B].punch_at, 1000);
	assert_int_equal(net.node[C].n_punch, 0);
	assert_int_equal(net.node[A].n_punch, 0);
	/* The same pair again at once: over the pair's budget, not forwarded. */
	assert_int_equal(gossip_punch(net.node[A].g, tn_id(&net, B), ep_of(&net, A), 1000, 0, false,
				      net.now), 0);
	tn_run(&net, 50);
	assert_int_equal(st(&net, C)->punch_forwarded, 1);
	assert_int_equal(st(&net, C)->punch_limited, 1);
	assert_int_equal(net.node[B].n_punch, 1);
	/* Later it is: a retry. And the other way round is its own pair. */
	tn_run(&net, PUNCH_PAIR_GAP_MS);
	assert_int_equal(gossip_punch(net.node[A].g, tn_id(&net, B), ep_of(&net, A), 500, 1, false,
				      net.now), 0);
	assert_int_equal(gossip_punch(net.node[B].g, tn_id(&net, A), ep_of(&net, B), 500, 0, false,
				      net.now), 0);
	tn_run(&net, 50);
	assert_int_equal(net.node[B].n_punch, 2);
	assert_int_equal(net.node[A].n_punch, 1);
	assert_true(wire_addr_equal(&net.node[A].punch_ep, ep_of(&net, B)));
	tn_free(&net);
}

/* What the caller can get wrong. */
static void test_request_checks(void **state)
{
	struct tnet net;
	struct wire_addr other;

	(void)state;
	setup(&net);
	tn_addr(OUT, &other);
	assert_int_equal(gossip_punch(net.node[A].g, tn_id(&net, B), &other, 1000, 0, false, net.now),
			 -EINVAL);
	assert_int_equal(gossip_punch(net.node[A].g, tn_id(&net, B), ep_of(&net, A),
				      WIRE_PUNCH_AT_MAX + 1, 0, false, net.now), -EINVAL);
	assert_int_equal(gossip_punch(net.node[A].g, tn_id(&net, A), ep_of(&net, A), 1000, 0, false,
				      net.now), -ENOENT);
	/* B never answered A (nothing passes between them): no direct request. */
	assert_int_equal(gossip_punch(net.node[A].g, tn_id(&net, B), ep_of(&net, A), 1000, 0, true,
				      net.now), -EHOSTUNREACH);
	assert_int_equal(st(&net, A)->punch_requested, 0);
	tn_free(&net);
}

static void punch_msg(struct wire_msg *m, const uint8_t *sender, const uint8_t *from,
		      const uint8_t *to, const struct wire_addr *ep, uint8_t flags)
{
	msg_init(m, WIRE_PUNCH, sender);
	m->punch_flags = flags;
	memcpy(m->punch_from, from, WIRE_SHORT_ID_LEN);
	memcpy(m->punch_to, to, WIRE_SHORT_ID_LEN);
	m->punch_ep = *ep;
	m->punch_at = 1000;
}

/* Hostile members and strangers: nothing forwarded, nothing punched. */
static void test_hostile(void **state)
{
	struct tnet net;
	struct wire_msg m;
	struct wire_addr victim;
	struct identity x;

	(void)state;
	setup(&net);
	tn_addr(OUT, &victim);
	/* A asks C to have B punch an address that is not A's: refused at C. */
	punch_msg(&m, tn_id(&net, A), tn_id(&net, A), tn_id(&net, B), &victim, 0);
	assert_int_equal(tn_input(&net, C, A, &m), 0);
	tn_run(&net, 50);
	assert_int_equal(st(&net, C)->punch_refused, 1);
	assert_int_equal(st(&net, C)->punch_forwarded, 0);
	/* ...and at B, even from C itself. */
	punch_msg(&m, tn_id(&net, C), tn_id(&net, A), tn_id(&net, B), &victim, WIRE_PUNCH_FWD);
	assert_int_equal(tn_input(&net, B, C, &m), 0);
	assert_int_equal(net.node[B].n_punch, 0);
	assert_int_equal(st(&net, B)->punch_refused, 1);
	/* A request naming another origin than its sender. */
	punch_msg(&m, tn_id(&net, A), tn_id(&net, C), tn_id(&net, B), ep_of(&net, C), 0);
	assert_true(tn_input(&net, C, A, &m) < 0);
	/* A forward claiming C as sender, from A's address (not C's proven one). */
	punch_msg(&m, tn_id(&net, C), tn_id(&net, A), tn_id(&net, B), ep_of(&net, A), WIRE_PUNCH_FWD);
	assert_true(tn_input(&net, B, A, &m) < 0);
	/* A forward for someone else is never forwarded again. */
	punch_msg(&m, tn_id(&net, A), tn_id(&net, A), tn_id(&net, B), ep_of(&net, A), WIRE_PUNCH_FWD);
	assert_true(tn_input(&net, C, A, &m) < 0);
	/* A stranger (not a member) and a piggybacked record: refused before anything. */
	tn_identity(&x, 999);
	punch_msg(&m, x.id, x.id, tn_id(&net, B), &victim, 0);
	assert_int_equal(tn_input(&net, C, OUT, &m), -ENOENT);
	punch_msg(&m, tn_id(&net, A), tn_id(&net, A), tn_id(&net, B), ep_of(&net, A), 0);
	m.record[0] = *gossip_self(net.node[A].g)->rec;
	m.n_records = 1;
	assert_true(tn_input(&net, C, A, &m) < 0);
	tn_run(&net, 50);
	assert_int_equal(st(&net, C)->punch_forwarded, 0);
	assert_int_equal(net.node[B].n_punch, 0);
	assert_int_equal(net.node[C].n_punch, 0);
	/* The control: the same request done right is forwarded and taken. */
	m.n_records = 0;
	assert_int_equal(tn_input(&net, C, A, &m), 0);
	tn_run(&net, 50);
	assert_int_equal(st(&net, C)->punch_forwarded, 1);
	assert_int_equal(net.node[B].n_punch, 1);
	tn_free(&net);
}

/* A flood of requests for many pairs: at most PUNCH_PER_S forwards a second. */
static void test_rate(void **state)
{
	struct tnet net;
	struct wire_msg m;
	uint8_t to[WIRE_SHORT_ID_LEN];

	(void)state;
	setup(&net);
	for (int i = 0; i < 100; i++) {
		/* Targets C does not know are refused; B again is limited per pair. */
		memcpy(to, tn_id(&net, B), sizeof(to));
		punch_msg(&m, tn_id(&net, A), tn_id(&net, A), to, ep_of(&net, A), 0);
		tn_input(&net, C, A, &m);
	}
	assert_int_equal(st(&net, C)->punch_forwarded, 1);
	assert_int_equal(st(&net, C)->punch_limited, 99);
	tn_free(&net);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_coordinated),
		cmocka_unit_test(test_request_checks),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_rate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
