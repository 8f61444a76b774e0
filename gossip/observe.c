/* SPDX-License-Identifier: MIT */
/*
 * Endpoint observation (issue 11, P2). Members' ACKs carry `seen`: the
 * endpoint their WireGuard holds for us. We keep the last one per
 * observer (proven members only, OBS_SLOTS of them) and decide:
 *  - public endpoint: at least two observers (the only one, when the
 *    mesh has one other member) agree on a public endpoint our record
 *    does not advertise: io->public_endpoint, at most once per
 *    OBS_RESIGN_MS (a liar or a flapping NAT cannot make us re-sign in a
 *    loop);
 *  - NAT type: two observers see one public IP with different ports:
 *    the mapping depends on the destination ("symmetric"), punching
 *    cannot work. Agreement on our listen port: port-preserving.
 * Private addresses (a LAN peer's view of us) say nothing about our
 * public endpoint and are not counted.
 */
#include <string.h>

#include "internal.h"

bool obs_addr_private(const struct wire_addr *a)
{
	const uint8_t *ip = a->ip;

	if (a->family == WIRE_AF_INET)
		return ip[0] == 10 || ip[0] == 127 || (ip[0] == 172 && (ip[1] & 0xf0) == 16) ||
		       (ip[0] == 192 && ip[1] == 168) || (ip[0] == 169 && ip[1] == 254) ||
		       (ip[0] == 100 && (ip[1] & 0xc0) == 64);
	if (a->family == WIRE_AF_INET6)
		return (ip[0] & 0xfe) == 0xfc || (ip[0] == 0xfe && (ip[1] & 0xc0) == 0x80);
	return false;
}

static bool same_ip(const struct wire_addr *a, const struct wire_addr *b)
{
	size_t n = wire_family_len(a->family);

	return n && a->family == b->family && memcmp(a->ip, b->ip, n) == 0;
}

void obs_add(struct gossip_obs *o, const uint8_t sid[static WIRE_SHORT_ID_LEN],
	     const struct wire_addr *a, uint64_t now)
{
	struct obs_entry *slot = NULL;

	for (int i = 0; i < OBS_SLOTS && !slot; i++)
		if (o->e[i].used && !memcmp(o->e[i].sid, sid, WIRE_SHORT_ID_LEN))
			slot = &o->e[i];
	for (int i = 0; i < OBS_SLOTS && !slot; i++)
		if (!o->e[i].used)
			slot = &o->e[i];
	if (!slot) {            /* the oldest observation gives way */
		slot = &o->e[0];
		for (int i = 1; i < OBS_SLOTS; i++)
			if (o->e[i].at < slot->at)
				slot = &o->e[i];
	}
	memcpy(slot->sid, sid, WIRE_SHORT_ID_LEN);
	slot->addr = *a;
	slot->at = now;
	slot->used = true;
}

static bool fresh(const struct obs_entry *e, uint64_t now)
{
	return e->used && now - e->at <= OBS_TTL_MS && !obs_addr_private(&e->addr);
}

static bool advertised(const struct wire_record *self, const struct wire_addr *a)
{
	for (int i = 0; i < self->n_endpoints; i++)
		if (wire_addr_equal(&self->endpoint[i], a))
			return true;
	return false;
}

/* Our listen port: the port of our record's endpoints (all candidates share it). */
static uint16_t listen_port(const struct wire_record *self)
{
	return self->n_endpoints ? self->endpoint[self->n_endpoints - 1].port : 0;
}

bool obs_eval(struct gossip_obs *o, const struct wire_record *self, uint32_t others,
	      uint64_t now, struct wire_addr *out)
{
	uint32_t need = others == 1 ? 1 : 2;
	const struct obs_entry *best = NULL;
	uint32_t best_n = 0;

	for (int i = 0; i < OBS_SLOTS; i++) {
		const struct obs_entry *e = &o->e[i];
		uint32_t n = 0;

		if (!fresh(e, now))
			continue;
		for (int j = 0; j < OBS_SLOTS; j++) {
			if (!fresh(&o->e[j], now))
				continue;
			if (wire_addr_equal(&o->e[j].addr, &e->addr))
				n++;
			else if (same_ip(&o->e[j].addr, &e->addr))
				o->nat = GOSSIP_NAT_SYMMETRIC;   /* one IP, two ports */
		}
		if (n > best_n)
			best = e, best_n = n;
	}
	if (!best || best_n < need)
		return false;
	o->agreed = best->addr;
	if (o->nat != GOSSIP_NAT_SYMMETRIC)
		o->nat = best->addr.port == listen_port(self) ? GOSSIP_NAT_PRESERVING
							      : GOSSIP_NAT_UNKNOWN;
	if (advertised(self, &best->addr))
		return false;
	if (o->resigned && now - o->last_resign < OBS_RESIGN_MS)
		return false;
	o->resigned = true;
	o->last_resign = now;
	*out = best->addr;
	return true;
}

/* An ACK from the member we pinged, from its own address: take its `seen`. */
void observe_ack(struct gossip *g, const struct wire_msg *ack, const struct wire_addr *from,
		 uint64_t now)
{
	struct member *m;
	struct wire_addr a, pub;

	if (!ack->seen.family || memcmp(ack->sender, ack->target, WIRE_SHORT_ID_LEN))
		return;
	m = member_find_short(g, ack->sender);
	if (!m || m->pub.self || !(m->flags & M_PROVEN) || m->pub.state != GOSSIP_ALIVE ||
	    !member_addr(g, m, &a) || !wire_addr_equal(&a, from))
		return;
	g->stats.observations++;
	obs_add(&g->obs, ack->sender, &ack->seen, now);
	if (obs_eval(&g->obs, &g->tmpl, member_live(g) - 1, now, &pub) && g->io.public_endpoint)
		g->io.public_endpoint(g->io.ctx, &pub);
}

/*
 * What we put in an ACK to m: its endpoint as our WireGuard holds it, when
 * m's record does not already say so, or when m advertises several
 * candidates (a node behind NAT does: our confirmation tells it its NAT
 * keeps the mapping). A single-endpoint record we see at that endpoint (a
 * flat network) gets the ACK as it always was.
 */
void observe_fill_ack(struct gossip *g, struct member *m, struct wire_msg *ack)
{
	struct wire_addr a;

	if (!g->io.seen || !(m->flags & M_PROVEN) || !g->io.seen(g->io.ctx, &m->pub, &a))
		return;
	if (!wire_family_len(a.family) || !a.port ||
	    (m->pub.rec->n_endpoints <= 1 && advertised(m->pub.rec, &a)))
		return;
	ack->seen = a;
}

void gossip_observations_reset(struct gossip *g)
{
	memset(g->obs.e, 0, sizeof(g->obs.e));
	memset(&g->obs.agreed, 0, sizeof(g->obs.agreed));
	g->obs.nat = GOSSIP_NAT_UNKNOWN;
}

enum gossip_nat gossip_nat(const struct gossip *g, struct wire_addr *public_ep)
{
	if (public_ep)
		*public_ep = g->obs.agreed;
	return g->obs.nat;
}

const char *gossip_nat_name(enum gossip_nat n)
{
	switch (n) {
	case GOSSIP_NAT_NONE: return "none";
	case GOSSIP_NAT_PRESERVING: return "port-preserving";
	case GOSSIP_NAT_SYMMETRIC: return "symmetric";
	default: return "unknown";
	}
}
