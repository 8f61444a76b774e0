/* SPDX-License-Identifier: MIT */
/*
 * WIRE_RELAY (issue 11, P5): relay allocation requests and answers
 * between members. The engine only authenticates and routes them: a
 * message is heard only from a proven member at its member address,
 * about another member we hold (not itself, not us), and handed to the
 * agent (io.relay), which decides allocations and runs the forwarder.
 * Nothing here changes the member table.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

static bool usable(const struct member *m)
{
	return m && m->pub.state != GOSSIP_LEFT && m->pub.state != GOSSIP_FAILED && !m->pub.self;
}

int relay_precheck(const struct gossip *g, const struct wire_msg *m, const struct wire_addr *from)
{
	const struct member *s = member_find_short(g, m->sender);
	const struct member *peer = member_find(g, m->relay_peer);
	struct wire_addr a;

	if (!usable(s) || !usable(peer) || s == peer)
		return -ENOENT;
	/* Only from where the member was proven: a datagram from elsewhere
	 * (a replay, or a key holder naming a member) is not the member. */
	if (!member_proven(g, s) || !member_addr(g, s, &a) || !wire_addr_equal(&a, from))
		return -EPROTO;
	return 0;
}

void relay_input(struct gossip *g, const struct wire_msg *m)
{
	const struct member *s = member_find_short(g, m->sender);
	const struct member *peer = member_find(g, m->relay_peer);

	g->stats.relay_msgs_heard++;
	if (g->io.relay && s && peer)
		g->io.relay(g->io.ctx, m->relay_op, &s->pub, &peer->pub, m->relay_port);
}

int gossip_relay_send(struct gossip *g, const uint8_t to[static WIRE_ID_LEN], uint8_t op,
		      const uint8_t peer[static WIRE_ID_LEN], uint16_t port)
{
	struct member *t = member_find(g, to);
	struct wire_msg m;
	int ret;

	if (op < WIRE_RELAY_REQ || op > WIRE_RELAY_OP_MAX || (op == WIRE_RELAY_OK) != (port != 0))
		return -EINVAL;
	if (!usable(t) || !usable(member_find(g, peer)) || !memcmp(to, peer, WIRE_ID_LEN))
		return -ENOENT;
	msg_init(&m, WIRE_RELAY, g->idn.id);
	m.relay_op = op;
	memcpy(m.relay_peer, peer, WIRE_ID_LEN);
	m.relay_port = port;
	ret = send_member(g, t, &m);
	return ret < 0 ? ret : 0;
}
