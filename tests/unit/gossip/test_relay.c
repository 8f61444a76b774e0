/* SPDX-License-Identifier: MIT */
/*
 * WIRE_RELAY in the engine (issue 11, P5): a request from a proven member
 * about another member reaches the agent's hook with both members; one
 * from another address (a copy, a key holder naming a member), about an
 * unknown id, about the sender itself, or from an unknown sender does
 * not, and is refused and counted.
 */
#include <errno.h>
#include <string.h>

#include "tnet.h"
#include "gossip/internal.h"

enum { OUTSIDER = 9 };

static struct tnet net;

static void mesh(void)
{
	struct gossip_config c;

	gossip_config_defaults(&c);
	tn_init(&net, 3, 700, &c);
	tn_connect_all(&net);
	tn_run(&net, 5000);   /* probes prove every member's address */
}

static void relay_msg(struct wire_msg *m, uint32_t sender, uint8_t op, const uint8_t *peer)
{
	msg_init(m, WIRE_RELAY, tn_id(&net, sender));
	m->relay_op = op;
	memcpy(m->relay_peer, peer, WIRE_ID_LEN);
}

static void test_request_reaches_hook(void **state)
{
	(void)state;
	mesh();
	/* Control: node 0 asks node 1 (a relay) for the pair (0, 2). */
	assert_int_equal(gossip_relay_send(net.node[0].g, tn_id(&net, 1), WIRE_RELAY_REQ,
					   tn_id(&net, 2), 0), 0);
	tn_run(&net, 10);
	assert_int_equal(net.node[1].n_relay, 1);
	assert_int_equal(net.node[1].relay_op, WIRE_RELAY_REQ);
	assert_memory_equal(net.node[1].relay_from, tn_id(&net, 0), WIRE_ID_LEN);
	assert_memory_equal(net.node[1].relay_peer, tn_id(&net, 2), WIRE_ID_LEN);
	/* The answer, to both sides, with a port. */
	assert_int_equal(gossip_relay_send(net.node[1].g, tn_id(&net, 2), WIRE_RELAY_OK,
					   tn_id(&net, 0), 40002), 0);
	tn_run(&net, 10);
	assert_int_equal(net.node[2].n_relay, 1);
	assert_int_equal(net.node[2].relay_op, WIRE_RELAY_OK);
	assert_int_equal(net.node[2].relay_port, 40002);
	assert_memory_equal(net.node[2].relay_peer, tn_id(&net, 0), WIRE_ID_LEN);
	/* Bad arguments are not sent. */
	assert_int_equal(gossip_relay_send(net.node[1].g, tn_id(&net, 2), WIRE_RELAY_OK,
					   tn_id(&net, 0), 0), -EINVAL);
	assert_int_equal(gossip_relay_send(net.node[1].g, tn_id(&net, 2), WIRE_RELAY_REQ,
					   tn_id(&net, 2), 0), -ENOENT);
	tn_free(&net);
}

static void test_refused(void **state)
{
	struct wire_msg m;
	uint8_t unknown[WIRE_ID_LEN];
	uint64_t refused;

	(void)state;
	mesh();
	memset(unknown, 0x77, sizeof(unknown));
	refused = gossip_stats(net.node[1].g)->refused;
	/* Node 0's id from an outsider's address: not node 0. */
	relay_msg(&m, 0, WIRE_RELAY_REQ, tn_id(&net, 2));
	assert_int_not_equal(tn_input(&net, 1, OUTSIDER, &m), 0);
	/* From node 2's address but naming node 0 as sender. */
	assert_int_not_equal(tn_input(&net, 1, 2, &m), 0);
	/* About an id nobody holds; about the sender itself; about us. */
	relay_msg(&m, 0, WIRE_RELAY_REQ, unknown);
	assert_int_not_equal(tn_input(&net, 1, 0, &m), 0);
	relay_msg(&m, 0, WIRE_RELAY_REQ, tn_id(&net, 0));
	assert_int_not_equal(tn_input(&net, 1, 0, &m), 0);
	relay_msg(&m, 0, WIRE_RELAY_REQ, tn_id(&net, 1));
	assert_int_not_equal(tn_input(&net, 1, 0, &m), 0);
	assert_int_equal(net.node[1].n_relay, 0);
	assert_int_equal(gossip_stats(net.node[1].g)->refused, refused + 5);
	/* Control: the same message from node 0's own address is heard. */
	relay_msg(&m, 0, WIRE_RELAY_REQ, tn_id(&net, 2));
	assert_int_equal(tn_input(&net, 1, 0, &m), 0);
	assert_int_equal(net.node[1].n_relay, 1);
	tn_free(&net);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_reaches_hook),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
