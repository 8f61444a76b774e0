/* SPDX-License-Identifier: MIT */
/*
 * Reaching out to failed members (issue 12, like Serf's reconnect): a
 * node that restarted without its state, or the other half of a healed
 * partition, holds us as nothing or as a tombstone and never contacts us
 * again; we hold it failed and, without this, never contact it either.
 * Every RECONNECT_MS (jittered: half to one and a half times) we send up
 * to RECONNECT_PER_ROUND failed members whose address once answered us
 * (M_PROVEN: no made-up record can aim these at a victim), picked at
 * random among all we hold (for as long as their tombstones are kept, 24 h by default), one
 * anti-entropy digest to the underlay endpoint of their last record. It
 * carries our own record, so a node that forgot us can answer (sync
 * answers members only), and the rumour that it failed, so a live one
 * refutes with a newer version. Its answers go to our member address,
 * never to the datagram's source (no reflection), and while our address
 * is unproven to it they are cut to the size of our digest (send.c's
 * reply budget: no amplification). When it answers, the digests merge
 * the two tables both ways (sync.c), and a newer record of its own lifts
 * our tombstone. The message count is bounded by the round, whatever
 * the number of failed members: nothing is tracked per member.
 */
#include <string.h>

#include "internal.h"

enum { RECONNECT_MS = 30000, RECONNECT_PER_ROUND = 2 };

static bool reachable_failed(const struct gossip *g, const struct member *m)
{
	(void)g;
	/* Only members whose address once answered us (D7): a record naming a
	 * victim's address must not draw our digests there for a day. */
	return (m->flags & M_USED) && (m->flags & M_PROVEN) && !m->pub.self &&
	       m->pub.state == GOSSIP_FAILED &&
	       !m->pub.conflict && m->pub.rec->n_endpoints && m->pub.rec->gossip_port &&
	       !(m->pub.rec->flags & WIRE_REC_LEAVING);
}

static void reach_out(struct gossip *g, struct member *to)
{
	const struct wire_record *r = to->pub.rec;
	struct wire_msg m;
	struct wire_addr a = r->endpoint[0];

	a.port = r->gossip_port;
	msg_init(&m, WIRE_SYNC_DIGEST, g->idn.id);
	m.prefix_len = 0;
	m.n_buckets = WIRE_SYNC_FANOUT;
	sync_root_buckets(g, m.bucket);
	m.n_records = 1;
	m.record[0] = *member_self(g)->pub.rec;
	add_buddy_rumor(g, &m, to);
	trust_sync_fill(g, &m);
	if (send_msg(g, &a, &m) > 0)
		g->stats.reconnects++;
}

void reconnect_tick(struct gossip *g, uint64_t now)
{
	uint32_t pick[RECONNECT_PER_ROUND], n;

	if (!g->next_reconnect) {
		g->next_reconnect = now + RECONNECT_MS / 2 + gossip_rand(g) % RECONNECT_MS;
		return;
	}
	if (now < g->next_reconnect)
		return;
	g->next_reconnect = now + RECONNECT_MS / 2 + gossip_rand(g) % RECONNECT_MS;
	if (g->left || !g->counts[GOSSIP_FAILED])
		return;
	n = members_pick(g, pick, RECONNECT_PER_ROUND, 0, reachable_failed);
	for (uint32_t i = 0; i < n; i++)
		reach_out(g, &g->m[pick[i]]);
}

uint64_t reconnect_next(const struct gossip *g)
{
	return g->next_reconnect && g->counts[GOSSIP_FAILED] && !g->left ? g->next_reconnect
									 : NO_DEADLINE;
}
