/* SPDX-License-Identifier: MIT */
/*
 * Tunnel mode: a seed's JOIN_ACK waits for the joiner's WireGuard peer.
 *
 * The joiner talks to its seed through the tunnel as soon as the ACK
 * arrives and it has programmed the seed's peer, a few milliseconds. If
 * the seed has not programmed the joiner's peer by the time that first
 * handshake initiation lands, WireGuard drops it ("invalid initiation")
 * and the joiner's WireGuard tries again only after REKEY_TIMEOUT, 5 s.
 * A seed busy with thousands of peers (a Sybil flood) lost that race
 * often enough to fail the 5 s join bar. Having the seed start a
 * handshake of its own does not help: two initiations that cross leave
 * both sides waiting out the same 5 s.
 *
 * So the seed answers a first JOIN only after the agent reports that it
 * has programmed the peers of everything it was told about
 * (gossip_tunnel_ready), and at the latest after ACK_WAIT_MS (a failed
 * apply must not cost the join). Retries of a JOIN already answered are
 * answered at once: its peer was programmed then. The ACK was built and
 * capped to the JOIN's size when the JOIN came in; only its sending waits.
 *
 * Then the seed sends the joiner nothing through the tunnel for
 * ACK_QUIET_MS, or until the joiner's own traffic proves it: a small
 * mesh's seed has gossip for a newcomer at once, and its initiation
 * would cross the joiner's (in e2e_authority the third node's join took
 * 4.5-7.5 s that way). The joiner, which has the seed's peer before it
 * sends anything, is the one to start.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct ack_wait {
	struct wire_msg m;
	struct wire_addr to;
	uint64_t at;
	uint8_t joiner[WIRE_SHORT_ID_LEN];
};

static void release(struct gossip *g, uint32_t i)
{
	struct ack_quiet *q = &g->ack_quiet[g->ack_quiet_pos++ % ACK_WAIT_SLOTS];

	memcpy(q->sid, g->ack_wait[i].joiner, WIRE_SHORT_ID_LEN);
	q->until = g->now + ACK_QUIET_MS;
	send_msg(g, &g->ack_wait[i].to, &g->ack_wait[i].m);
	memmove(&g->ack_wait[i], &g->ack_wait[i + 1], (g->n_ack_wait - i - 1) * sizeof(*g->ack_wait));
	g->n_ack_wait--;
}

bool ack_quiet(const struct gossip *g, const struct member *m)
{
	if (!g->cfg.via_overlay || (m->flags & M_PROVEN))
		return false;
	for (int i = 0; i < ACK_WAIT_SLOTS; i++)
		if (g->now < g->ack_quiet[i].until &&
		    memcmp(g->ack_quiet[i].sid, m->pub.rec->id, WIRE_SHORT_ID_LEN) == 0)
			return true;
	return false;
}

void ack_heard(struct gossip *g, const struct member *m)
{
	for (int i = 0; i < ACK_WAIT_SLOTS; i++)
		if (memcmp(g->ack_quiet[i].sid, m->pub.rec->id, WIRE_SHORT_ID_LEN) == 0)
			g->ack_quiet[i].until = 0;
}

void ack_wait_put(struct gossip *g, const struct wire_msg *ack, const struct wire_addr *to,
		  const uint8_t joiner[static WIRE_SHORT_ID_LEN])
{
	struct ack_wait *w;

	if (!g->ack_wait)
		g->ack_wait = calloc(ACK_WAIT_SLOTS, sizeof(*g->ack_wait));
	if (!g->ack_wait) {
		send_msg(g, to, ack);
		return;
	}
	/* Full (a burst of JOINs): the oldest goes now, unwaited. */
	if (g->n_ack_wait == ACK_WAIT_SLOTS)
		release(g, 0);
	w = &g->ack_wait[g->n_ack_wait++];
	w->m = *ack;
	w->to = *to;
	w->at = g->now;
	memcpy(w->joiner, joiner, WIRE_SHORT_ID_LEN);
}

void gossip_tunnel_ready(struct gossip *g, uint64_t now_ms)
{
	g->now = now_ms > g->now ? now_ms : g->now;
	while (g->n_ack_wait)
		release(g, 0);
}

void ack_wait_tick(struct gossip *g, uint64_t now)
{
	while (g->n_ack_wait && now >= g->ack_wait[0].at + ACK_WAIT_MS)
		release(g, 0);
}

uint64_t ack_wait_next(const struct gossip *g)
{
	return g->n_ack_wait ? g->ack_wait[0].at + ACK_WAIT_MS : NO_DEADLINE;
}

void ack_wait_free(struct gossip *g)
{
	free(g->ack_wait);
	g->ack_wait = NULL;
	g->n_ack_wait = 0;
}
