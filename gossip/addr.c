/* SPDX-License-Identifier: MIT */
/*
 * Overlay addresses: derivation from the identity into the prefix, the
 * index of who holds which address in our view, and the conflict rule.
 *
 * The rule, as every node applies it to others: the incumbent (the claim
 * this node accepted first, whose owner is still alive) keeps the
 * address; records accepted in one input are taken in id order, so the
 * lower id wins a tie. Any other claimant is flagged conflict and never
 * reported to the agent, so a contested address is never programmed for
 * a second peer. When the holder fails, leaves or moves, the oldest
 * waiting claim takes over.
 *
 * Why incumbency rather than plain "lower id wins": ids are public keys,
 * and anyone holding the network key can generate keys until one sorts
 * below a live node's, then derive or pin that node's address. Under a
 * lower-id rule that key would take the address away from a working node
 * and receive its traffic. Under incumbency a newcomer cannot displace a
 * live holder in the view of anyone who already knew the holder, and the
 * holder itself yields only to claims that were there first or that are
 * as new as its own (self.c). The id only breaks ties between claims that
 * are equally new.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "internal.h"

#define ENTRY_SLOT(v) (((v) & 0x7fffffffU) - 1)
#define ENTRY_WHICH(v) ((v) >> 31)

bool addr_same(const struct wire_prefix *a, const struct wire_prefix *b)
{
	size_t n = wire_family_len(a->family);

	return n && a->family == b->family && memcmp(a->ip, b->ip, n) == 0;
}

static uint32_t ip_home(const struct gossip *g, const struct wire_prefix *p)
{
	uint8_t ip[16] = { 0 };
	uint64_t a, b;

	memcpy(ip, p->ip, wire_family_len(p->family));
	memcpy(&a, ip, 8);
	memcpy(&b, ip + 8, 8);
	return (uint32_t)hash_mix(a ^ g->salt ^ hash_mix(b ^ p->family)) & g->aidx_mask;
}

static const struct wire_prefix *entry_prefix(const struct gossip *g, uint32_t v)
{
	return &g->m[ENTRY_SLOT(v)].pub.rec->overlay[ENTRY_WHICH(v)];
}

int addr_init(struct gossip *g, uint32_t hint)
{
	uint32_t n = 16;

	while (n < (uint64_t)hint * 4 / 3 + 1)
		n *= 2;
	g->aidx = calloc(n, sizeof(*g->aidx));
	if (!g->aidx)
		return -ENOMEM;
	g->aidx_mask = n - 1;
	return 0;
}

/* The index entry for this address, as a position, or -1. */
static int64_t find_pos(const struct gossip *g, const struct wire_prefix *p)
{
	for (uint32_t i = ip_home(g, p);; i = (i + 1) & g->aidx_mask) {
		if (!g->aidx[i])
			return -1;
		if (addr_same(entry_prefix(g, g->aidx[i]), p))
			return i;
	}
}

/* Slot+1 of the member holding this address in our view, or 0. */
static uint32_t holder(const struct gossip *g, const struct wire_prefix *p)
{
	int64_t i = find_pos(g, p);

	return i < 0 ? 0 : ENTRY_SLOT(g->aidx[i]) + 1;
}

static int grow(struct gossip *g)
{
	uint32_t *old = g->aidx, omask = g->aidx_mask;

	g->aidx_mask = omask * 2 + 1;
	g->aidx = calloc((size_t)g->aidx_mask + 1, sizeof(*g->aidx));
	if (!g->aidx) {
		g->aidx = old;
		g->aidx_mask = omask;
		return -ENOMEM;
	}
	for (uint32_t i = 0; i <= omask; i++) {
		uint32_t v = old[i], j;

		if (!v)
			continue;
		for (j = ip_home(g, entry_prefix(g, v)); g->aidx[j]; j = (j + 1) & g->aidx_mask)
			;
		g->aidx[j] = v;
	}
	free(old);
	return 0;
}

static void insert(struct gossip *g, uint32_t slot, unsigned which)
{
	uint32_t v = (slot + 1) | ((uint32_t)which << 31), j;

	if ((g->aidx_used + 1) * 4 > (g->aidx_mask + 1) * 3)
		grow(g);  /* on failure the table still has room: it is only fuller */
	for (j = ip_home(g, entry_prefix(g, v)); g->aidx[j]; j = (j + 1) & g->aidx_mask)
		;
	g->aidx[j] = v;
	g->aidx_used++;
}

static void delete_pos(struct gossip *g, uint32_t i)
{
	uint32_t j = i;

	g->aidx[i] = 0;
	g->aidx_used--;
	for (;;) {
		uint32_t k;

		j = (j + 1) & g->aidx_mask;
		if (!g->aidx[j])
			return;
		k = ip_home(g, entry_prefix(g, g->aidx[j]));
		if ((j > i && (k <= i || k > j)) || (j < i && k <= i && k > j)) {
			g->aidx[i] = g->aidx[j];
			g->aidx[j] = 0;
			i = j;
		}
	}
}

static void set_conflict(struct gossip *g, struct member *m, bool c)
{
	if (m->pub.self || c == m->pub.conflict)
		return;
	m->pub.conflict = c;
	g->n_conflicted += c ? 1 : (uint32_t)-1;
}

static bool holds_all(const struct gossip *g, const struct member *m)
{
	const struct wire_record *r = m->pub.rec;

	for (int i = 0; i < r->n_overlay; i++)
		if (holder(g, &r->overlay[i]) != member_slot(g, m) + 1)
			return false;
	return true;
}

static bool claims(const struct member *m, const struct wire_prefix *p)
{
	const struct wire_record *r = m->pub.rec;

	for (int i = 0; i < r->n_overlay; i++)
		if (addr_same(&r->overlay[i], p))
			return true;
	return false;
}

/* The address is free again: the oldest waiting live claim gets it. */
static void handover(struct gossip *g, const struct wire_prefix *p)
{
	struct member *best = NULL;
	struct wire_prefix addr = *p;  /* p may point into a record about to change */

	if (!g->n_conflicted || holder(g, &addr))
		return;
	for (uint32_t s = 1; s < g->n_slots; s++) {
		struct member *c = &g->m[s];

		if (!(c->flags & M_USED) || !c->pub.conflict || c->pub.state > GOSSIP_SUSPECT ||
		    !claims(c, &addr))
			continue;
		if (!best || c->claim_seq < best->claim_seq ||
		    (c->claim_seq == best->claim_seq && id_cmp(c->pub.rec->id, best->pub.rec->id) < 0))
			best = c;
	}
	if (!best)
		return;
	for (int i = 0; i < best->pub.rec->n_overlay; i++)
		if (addr_same(&best->pub.rec->overlay[i], &addr))
			insert(g, member_slot(g, best), (unsigned)i);
	if (holds_all(g, best)) {
		set_conflict(g, best, false);
		member_report(g, best, true);
	}
}

/* Take every free address of m's record; flag what others hold. */
static void claim_all(struct gossip *g, struct member *m, uint64_t now)
{
	const struct wire_record *r = m->pub.rec;
	uint32_t slot = member_slot(g, m);
	bool conflict = false, self_hit = false;

	for (int i = 0; i < r->n_overlay; i++) {
		int64_t pos = find_pos(g, &r->overlay[i]);

		if (pos < 0) {
			insert(g, slot, (unsigned)i);
		} else if (ENTRY_SLOT(g->aidx[pos]) == slot) {
			continue;
		} else if (m->pub.self) {
			/* Our own address always routes to us in our own view. */
			struct member *o = &g->m[ENTRY_SLOT(g->aidx[pos])];

			delete_pos(g, (uint32_t)pos);
			insert(g, slot, (unsigned)i);
			set_conflict(g, o, true);
		} else {
			conflict = true;
			self_hit |= ENTRY_SLOT(g->aidx[pos]) == 0;
		}
	}
	set_conflict(g, m, conflict);
	if (self_hit)
		self_yield_check(g, m, now);
}

void addr_claim(struct gossip *g, struct member *m, uint64_t now)
{
	m->claim_seq = ++g->accept_seq;
	claim_all(g, m, now);
}

void addr_release(struct gossip *g, struct member *m)
{
	const struct wire_record *r = m->pub.rec;
	bool was_conflict = m->pub.conflict;

	set_conflict(g, m, false);
	for (int i = 0; i < r->n_overlay; i++) {
		int64_t pos = find_pos(g, &r->overlay[i]);

		if (pos >= 0 && ENTRY_SLOT(g->aidx[pos]) == member_slot(g, m)) {
			delete_pos(g, (uint32_t)pos);
			handover(g, &r->overlay[i]);
		}
	}
	if (was_conflict && g->m[0].pub.conflict)
		self_conflict_refresh(g);
}

/*
 * Swap in m's newer record. Index entries name (slot, overlay position)
 * and read the address from the current record, so they come out before
 * the swap and go back in after it: an address kept keeps its place,
 * one dropped goes to the oldest waiting claim.
 */
void addr_swap(struct gossip *g, struct member *m, const struct grec *h, uint64_t now)
{
	const struct wire_record *old = m->pub.rec;
	struct wire_prefix held[WIRE_MAX_OVERLAY];
	int n_held = 0;
	bool moved = old->n_overlay != h->rec.n_overlay, was_conflict = m->pub.conflict;

	for (int i = 0; i < old->n_overlay; i++) {
		int64_t pos = find_pos(g, &old->overlay[i]);

		if (pos >= 0 && ENTRY_SLOT(g->aidx[pos]) == member_slot(g, m)) {
			delete_pos(g, (uint32_t)pos);
			held[n_held++] = old->overlay[i];
		}
	}
	for (int i = 0; i < old->n_overlay && !moved; i++)
		moved = !addr_same(&old->overlay[i], &h->rec.overlay[i]);
	member_set_rec(g, m, h);  /* old is gone from here on */
	/*
	 * The claim's age is that of the address, not of the record: kept
	 * through new versions, suspicion, even a tombstone's return. Only a
	 * new address is a new claim.
	 */
	if (moved || !m->claim_seq)
		m->claim_seq = ++g->accept_seq;
	claim_all(g, m, now);
	for (int i = 0; i < n_held; i++)
		if (!claims(m, &held[i]))
			handover(g, &held[i]);
	/* A claimant of our address may just have moved off it. */
	if (was_conflict && g->m[0].pub.conflict)
		self_conflict_refresh(g);
}

/*
 * hash(id, gen) into the host part of the prefix. IPv4 skips the network
 * and broadcast addresses, IPv6 the all-zero subnet-router anycast one.
 * A dual-stack member derives both addresses from the same (id, gen), so
 * they move together.
 */
int addr_derive(const struct gossip *g, const struct wire_prefix *p, struct wire_prefix *out,
		uint8_t gen)
{
	size_t n = wire_family_len(p->family);
	unsigned host = (unsigned)(n * 8) - p->len;
	uint8_t in[WIRE_ID_LEN + 1], h[16];

	if (!n || p->len > n * 8 || host < (p->family == WIRE_AF_INET ? 2U : 1U))
		return -EINVAL;
	memcpy(in, g->idn.id, WIRE_ID_LEN);
	in[WIRE_ID_LEN] = gen;
	crypto_generichash(h, sizeof(h), in, sizeof(in), NULL, 0);
	memset(out, 0, sizeof(*out));
	out->family = p->family;
	out->len = p->len;
	if (p->family == WIRE_AF_INET) {
		uint64_t span = (1ULL << host) - 2, v = 0, base = 0;

		for (int i = 0; i < 8; i++)
			v = (v << 8) | h[i];
		for (int i = 0; i < 4; i++)
			base = (base << 8) | p->ip[i];
		base &= ~((1ULL << host) - 1) & 0xffffffffULL;
		v = base + 1 + v % span;
		for (int i = 0; i < 4; i++)
			out->ip[i] = (uint8_t)(v >> (24 - 8 * i));
		return 0;
	}
	uint8_t any = 0;

	for (unsigned i = 0; i < 16; i++) {
		unsigned net = p->len > i * 8 ? (p->len - i * 8 >= 8 ? 8 : p->len - i * 8) : 0;
		uint8_t mask = (uint8_t)(0xff00 >> net);

		out->ip[i] = (uint8_t)((p->ip[i] & mask) | (h[i] & ~mask));
		any |= (uint8_t)(h[i] & ~mask);
	}
	if (!any)
		out->ip[15] |= 1;
	return 0;
}

/* The derivation prefixes we have (v4 and/or v6), in record order. */
static int prefixes(const struct gossip *g, const struct wire_prefix *out[2])
{
	int n = 0;

	if (g->prefix.family)
		out[n++] = &g->prefix;
	if (g->prefix6.family && g->prefix6.family != g->prefix.family)
		out[n++] = &g->prefix6;
	return n;
}

static int family_at(const struct wire_record *r, uint8_t family)
{
	for (int i = 0; i < r->n_overlay; i++)
		if (r->overlay[i].family == family)
			return i;
	return -1;
}

/* Free for us: nobody else holds it, no revoked member held it. */
static bool free_for_us(const struct gossip *g, const struct wire_prefix *a)
{
	uint32_t h = holder(g, a);

	return (!h || h == 1) && !trust_addr_held(g, a);
}

/*
 * Fill the template's overlay for each prefix's family it lacks (a pinned
 * address keeps its family), dodging held addresses: the generation moves
 * until every address derived here is free.
 */
int addr_derive_self(struct gossip *g, struct wire_record *tmpl)
{
	const struct wire_prefix *pf[2];
	int np = prefixes(g, pf), want[2], nw = 0, ret;

	for (int i = 0; i < np; i++)
		if (family_at(tmpl, pf[i]->family) < 0)
			want[nw++] = i;
	if (!nw)
		return 0;
	if (tmpl->n_overlay + nw > WIRE_MAX_OVERLAY)
		return -ENOSPC;
	for (int tries = 0; tries < 256; tries++) {
		struct wire_prefix a[2];
		bool ok = true;

		for (int k = 0; k < nw; k++) {
			ret = addr_derive(g, pf[want[k]], &a[k], tmpl->addr_gen);
			if (ret)
				return ret;
			ok = ok && !holder(g, &a[k]) && !trust_addr_held(g, &a[k]);
		}
		if (ok || tries == 255) {
			for (int k = 0; k < nw; k++)
				tmpl->overlay[tmpl->n_overlay++] = a[k];
			return 0;
		}
		tmpl->addr_gen++;
	}
	return 0;
}

/* Other addresses for us: bump the generation until nobody we know holds any of them. */
int addr_rederive(struct gossip *g, struct wire_record *tmpl)
{
	const struct wire_prefix *pf[2];
	int np = prefixes(g, pf), at[2];

	for (int i = 0; i < np; i++)
		if ((at[i] = family_at(tmpl, pf[i]->family)) < 0)
			return -ENOENT;
	if (!np)
		return -ENOENT;
	for (int tries = 0; tries < 255; tries++) {
		struct wire_prefix a[2];
		bool ok = true;

		tmpl->addr_gen++;
		for (int i = 0; i < np; i++) {
			if (addr_derive(g, pf[i], &a[i], tmpl->addr_gen))
				return -EINVAL;
			ok = ok && free_for_us(g, &a[i]);
		}
		if (ok) {
			for (int i = 0; i < np; i++)
				tmpl->overlay[at[i]] = a[i];
			return 0;
		}
	}
	return -EADDRINUSE;
}

/* Is any live member other than us claiming one of our addresses? */
void self_conflict_refresh(struct gossip *g)
{
	struct member *self = member_self(g);
	bool c = false;

	for (uint32_t s = 1; g->n_conflicted && s < g->n_slots && !c; s++) {
		const struct member *o = &g->m[s];

		if (!(o->flags & M_USED) || !o->pub.conflict || o->pub.state > GOSSIP_SUSPECT)
			continue;
		for (int i = 0; i < self->pub.rec->n_overlay && !c; i++)
			c = claims(o, &self->pub.rec->overlay[i]);
	}
	if (c == self->pub.conflict)
		return;
	self->pub.conflict = c;
	member_event(g, self, c ? GOSSIP_EV_CONFLICT : GOSSIP_EV_UPDATED);
}
