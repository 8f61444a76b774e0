/* SPDX-License-Identifier: MIT */
/* Addressing, encoding and counting what goes out. */
#include <errno.h>
#include <string.h>

#include "internal.h"

/*
 * Where a member listens for gossip: in tunnel mode (after joining) its
 * overlay address, so traffic rides WireGuard; otherwise its first
 * advertised underlay endpoint. Either way the gossip port of its record,
 * never the source of some datagram: replies to the source are only for
 * JOIN and probes, and stay no larger than what asked for them.
 */
bool member_addr(const struct gossip *g, const struct member *m, struct wire_addr *out)
{
	const struct wire_record *r = m->pub.rec;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (g->cfg.via_overlay && !g->joining && r->n_overlay) {
		n = wire_family_len(r->overlay[0].family);
		out->family = r->overlay[0].family;
		memcpy(out->ip, r->overlay[0].ip, n);
	} else if (r->n_endpoints) {
		n = wire_family_len(r->endpoint[0].family);
		out->family = r->endpoint[0].family;
		memcpy(out->ip, r->endpoint[0].ip, n);
	} else {
		return false;
	}
	out->port = r->gossip_port;
	return true;
}

int send_msg(struct gossip *g, const struct wire_addr *to, const struct wire_msg *m)
{
	int n = msg_encode(m, g->buf, sizeof(g->buf));

	if (n < 0)
		return n;
	g->stats.sent_msgs[m->type]++;
	g->stats.sent_bytes[m->type] += (uint64_t)n;
	g->io.send(g->io.ctx, to, g->buf, (size_t)n);
	return n;
}

int send_member(struct gossip *g, struct member *to, const struct wire_msg *m)
{
	struct wire_addr a;

	if (!member_addr(g, to, &a))
		return -EHOSTUNREACH;
	return send_msg(g, &a, m);
}

/* Lifeguard's buddy system, extended to tombstones: tell them to their face. */
void add_buddy_rumor(struct gossip *g, struct wire_msg *m, const struct member *to)
{
	struct wire_rumor *r;

	if (to->pub.state != GOSSIP_SUSPECT && to->pub.state != GOSSIP_FAILED)
		return;
	if (m->n_rumors >= WIRE_MAX_RUMORS)
		return;
	r = &m->rumor[m->n_rumors++];
	memcpy(r->subject, to->pub.rec->id, WIRE_ID_LEN);
	r->version = to->pub.rec->version;
	r->state = to->pub.state == GOSSIP_FAILED ? WIRE_LIVE_FAILED : WIRE_LIVE_SUSPECT;
	memcpy(r->origin, g->idn.id, WIRE_SHORT_ID_LEN);
}

/*
 * A member we hold as suspect or failed is talking to us, so it is alive
 * and does not know: tell it, so it signs a new version that clears it
 * everywhere. This is what heals a partition: the two sides hold each
 * other as tombstones that only their owners' new versions can lift.
 * At most one notice per member per probe interval.
 */
void notify_dead_sender(struct gossip *g, struct member *s, uint64_t now)
{
	struct wire_msg m;
	struct notice *n;

	if (s->pub.state != GOSSIP_SUSPECT && s->pub.state != GOSSIP_FAILED)
		return;
	for (int i = 0; i < NOTIFY_SLOTS; i++)
		if (memcmp(g->notice[i].sid, s->pub.rec->id, WIRE_SHORT_ID_LEN) == 0 &&
		    now < g->notice[i].at + g->cfg.probe_interval_ms)
			return;
	n = &g->notice[g->notice_pos++ % NOTIFY_SLOTS];
	memcpy(n->sid, s->pub.rec->id, WIRE_SHORT_ID_LEN);
	n->at = now;
	msg_init(&m, WIRE_RECORDS, g->idn.id);
	add_buddy_rumor(g, &m, s);
	send_member(g, s, &m);
}
