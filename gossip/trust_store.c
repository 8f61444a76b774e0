/* SPDX-License-Identifier: MIT */
/*
 * The trust store: verified objects only (callers verify first), every
 * collection capped. Objects live in one slot array; sorted index arrays
 * of slots find them by hash (anti-entropy, dedup), by revoked target,
 * by invite key (with the invite's spends in winner order) and, for the
 * current key epoch, by member. Revocations are never removed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "trust_internal.h"

int tstore_init(struct gossip_trust *t)
{
	memset(t, 0, sizeof(*t));
	return 0;
}

void tstore_free(struct gossip_trust *t)
{
	for (uint32_t i = 0; i < t->n_inv; i++)
		free(t->inv[i].spend);
	free(t->obj);
	free(t->free_slot);
	free(t->by_hash);
	free(t->rev);
	free(t->held);
	free(t->inv);
	free(t->grant);
	free(t->q);
	free(t->direct);
}

uint64_t tobj_hash(const struct gossip_trust_obj *o)
{
	switch (o->kind) {
	case GOSSIP_TRUST_SPEND:
		return trust_spend_hash(&o->u.spend);
	case GOSSIP_TRUST_REVOCATION:
		return trust_revocation_hash(&o->u.rev);
	case GOSSIP_TRUST_GRANT:
		return trust_grant_hash(&o->u.grant);
	}
	return 0;
}

/* Grow a uint32 array to hold one more (arrays grow by doubling). */
static int room(uint32_t **a, uint32_t n)
{
	uint32_t *na;

	if (n & (n - 1) || (n && n < 16))
		return 0;   /* not at a power of two (or below 16): capacity left */
	na = realloc(*a, (n ? n * 2 : 16) * sizeof(**a));
	if (!na)
		return -ENOMEM;
	*a = na;
	return 0;
}

static int ins_at(uint32_t **a, uint32_t *n, uint32_t pos, uint32_t v)
{
	if (room(a, *n))
		return -ENOMEM;
	memmove(&(*a)[pos + 1], &(*a)[pos], (*n - pos) * sizeof(**a));
	(*a)[pos] = v;
	(*n)++;
	return 0;
}

static void del_at(uint32_t *a, uint32_t *n, uint32_t pos)
{
	memmove(&a[pos], &a[pos + 1], (*n - pos - 1) * sizeof(*a));
	(*n)--;
}

uint32_t tstore_hash_pos(const struct gossip_trust *t, uint64_t h)
{
	uint32_t lo = 0, hi = t->n_hash;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (t->obj[t->by_hash[mid]].hash < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct tobj *tstore_by_hash(const struct gossip_trust *t, uint64_t hash)
{
	uint32_t i = tstore_hash_pos(t, hash);

	return i < t->n_hash && t->obj[t->by_hash[i]].hash == hash ? &t->obj[t->by_hash[i]] : NULL;
}

/* A new slot holding o, indexed by hash and counted in the digest. */
static int64_t obj_add(struct gossip_trust *t, const struct gossip_trust_obj *o, uint64_t hash)
{
	uint32_t slot, pos = tstore_hash_pos(t, hash);

	if (t->n_free) {
		slot = t->free_slot[--t->n_free];
	} else {
		if (t->n_obj == t->cap_obj) {
			uint32_t ncap = t->cap_obj ? t->cap_obj * 2 : 16;
			struct tobj *no = realloc(t->obj, (size_t)ncap * sizeof(*no));

			if (!no)
				return -ENOMEM;
			t->obj = no;
			t->cap_obj = ncap;
		}
		slot = t->n_obj++;
	}
	if (ins_at(&t->by_hash, &t->n_hash, pos, slot)) {
		if (slot == t->n_obj - 1)
			t->n_obj--;
		else
			t->free_slot[t->n_free++] = slot;   /* it came from there: room */
		return -ENOMEM;
	}
	t->obj[slot].hash = hash;
	t->obj[slot].o = *o;
	t->stats.digest_count++;
	t->stats.digest_xor ^= hash;
	t->dirty = true;
	return slot;
}

static void obj_del(struct gossip_trust *t, uint32_t slot)
{
	uint64_t h = t->obj[slot].hash;
	uint32_t pos = tstore_hash_pos(t, h);

	while (t->by_hash[pos] != slot)
		pos++;
	del_at(t->by_hash, &t->n_hash, pos);
	tspread_unqueue(t, slot);
	t->stats.digest_count--;
	t->stats.digest_xor ^= h;
	memset(&t->obj[slot], 0, sizeof(t->obj[slot]));
	/* The free list never outgrows the slots it lists. */
	if (!(t->n_free & (t->n_free - 1)) || t->n_free < 16) {
		uint32_t *nf = realloc(t->free_slot, (t->n_free < 16 ? 16 : t->n_free * 2) *
						       sizeof(*nf));

		if (!nf)
			return;   /* the slot stays unused: a leak of one slot, not a fault */
		t->free_slot = nf;
	}
	t->free_slot[t->n_free++] = slot;
	t->dirty = true;
}

/* ---- revocations ---- */

static int rev_cmp(const struct trust_revocation *r, uint8_t kind, const uint8_t *target)
{
	int c = memcmp(r->target, target, WIRE_ID_LEN);

	return c ? c : (int)r->kind - (int)kind;
}

static uint32_t rev_pos(const struct gossip_trust *t, uint8_t kind, const uint8_t *target)
{
	uint32_t lo = 0, hi = t->n_rev;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (rev_cmp(&t->obj[t->rev[mid]].o.u.rev, kind, target) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct trust_revocation *tstore_revoked(const struct gossip_trust *t, uint8_t kind,
					      const uint8_t target[static WIRE_ID_LEN])
{
	uint32_t i = rev_pos(t, kind, target);

	if (i < t->n_rev && !rev_cmp(&t->obj[t->rev[i]].o.u.rev, kind, target))
		return &t->obj[t->rev[i]].o.u.rev;
	return NULL;
}

bool tstore_sender_revoked(const struct gossip_trust *t, const uint8_t sid[static WIRE_SHORT_ID_LEN])
{
	uint8_t lo[WIRE_ID_LEN] = { 0 };
	uint32_t i;

	memcpy(lo, sid, WIRE_SHORT_ID_LEN);
	/* Sorted by target: the first at or after sid||0... shares the prefix if any does. */
	for (i = rev_pos(t, 0, lo); i < t->n_rev; i++) {
		const struct trust_revocation *r = &t->obj[t->rev[i]].o.u.rev;

		if (memcmp(r->target, sid, WIRE_SHORT_ID_LEN) != 0)
			return false;
		if (r->kind == TRUST_REVOKE_MEMBER)
			return true;
	}
	return false;
}

static int held_cmp(const struct held_ip *h, const struct wire_prefix *p)
{
	if (h->family != p->family)
		return (int)h->family - (int)p->family;
	return memcmp(h->ip, p->ip, wire_family_len(p->family));
}

static uint32_t held_pos(const struct gossip_trust *t, const struct wire_prefix *p)
{
	uint32_t lo = 0, hi = t->n_held;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (held_cmp(&t->held[mid], p) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

bool tstore_addr_held(const struct gossip_trust *t, const struct wire_prefix *p)
{
	uint32_t i = held_pos(t, p);

	return wire_family_len(p->family) && i < t->n_held && !held_cmp(&t->held[i], p);
}

static int hold_addr(struct gossip_trust *t, const struct wire_prefix *p)
{
	uint32_t i = held_pos(t, p);

	if (tstore_addr_held(t, p))
		return 0;
	if (!(t->n_held & (t->n_held - 1)) || t->n_held < 16) {
		uint32_t ncap = t->n_held < 16 ? 16 : t->n_held * 2;
		struct held_ip *nh = realloc(t->held, ncap * sizeof(*nh));

		if (!nh)
			return -ENOMEM;
		t->held = nh;
	}
	memmove(&t->held[i + 1], &t->held[i], (t->n_held - i) * sizeof(*t->held));
	memset(&t->held[i], 0, sizeof(t->held[i]));
	t->held[i].family = p->family;
	memcpy(t->held[i].ip, p->ip, wire_family_len(p->family));
	t->n_held++;
	return 0;
}

int tstore_add_revocation(struct gossip_trust *t, const struct trust_revocation *rev)
{
	struct gossip_trust_obj o = { .kind = GOSSIP_TRUST_REVOCATION };
	uint32_t pos = rev_pos(t, rev->kind, rev->target);
	int64_t slot;

	/* One per target: a second signature over the same verdict adds nothing. */
	if (tstore_revoked(t, rev->kind, rev->target))
		return -EALREADY;
	if (t->n_rev >= TRUST_MAX_REVOCATIONS)
		return -ENOSPC;
	o.u.rev = *rev;
	slot = obj_add(t, &o, trust_revocation_hash(rev));
	if (slot < 0)
		return (int)slot;
	if (ins_at(&t->rev, &t->n_rev, pos, (uint32_t)slot)) {
		obj_del(t, (uint32_t)slot);
		return -ENOMEM;
	}
	for (int i = 0; i < rev->n_overlay; i++)
		if (hold_addr(t, &rev->overlay[i]))
			return -ENOMEM;   /* kept anyway: the member's records are refused by id */
	t->stats.revocations = t->n_rev;
	return 0;
}

/* ---- invites and spends ---- */

static uint32_t inv_pos(const struct gossip_trust *t, const uint8_t *pub)
{
	uint32_t lo = 0, hi = t->n_inv;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (memcmp(t->inv[mid].cert.invite_pub, pub, WIRE_ID_LEN) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct tinv *tstore_invite(const struct gossip_trust *t, const uint8_t invite_pub[static WIRE_ID_LEN])
{
	uint32_t i = inv_pos(t, invite_pub);

	if (i < t->n_inv && !memcmp(t->inv[i].cert.invite_pub, invite_pub, WIRE_ID_LEN))
		return &t->inv[i];
	return NULL;
}

struct tinv *tstore_add_invite(struct gossip_trust *t, const struct trust_invite *cert,
			       const uint8_t digest[static 16])
{
	uint32_t i = inv_pos(t, cert->invite_pub);

	if (t->n_inv >= TRUST_MAX_INVITES)
		return NULL;
	if (t->n_inv == t->cap_inv) {
		uint32_t ncap = t->cap_inv ? t->cap_inv * 2 : 16;
		struct tinv *ni = realloc(t->inv, ncap * sizeof(*ni));

		if (!ni)
			return NULL;
		t->inv = ni;
		t->cap_inv = ncap;
	}
	memmove(&t->inv[i + 1], &t->inv[i], (t->n_inv - i) * sizeof(*t->inv));
	memset(&t->inv[i], 0, sizeof(t->inv[i]));
	t->inv[i].cert = *cert;
	memcpy(t->inv[i].digest, digest, 16);
	t->inv[i].revoked = tstore_revoked(t, TRUST_REVOKE_INVITE, cert->invite_pub) != NULL;
	t->n_inv++;
	t->stats.invites = t->n_inv;
	return &t->inv[i];
}

/* The T6 order: lower admitted_at first, then lower member id. */
static int spend_cmp(const struct trust_spend *s, const uint8_t *member, uint64_t at)
{
	if (s->adm.admitted_at != at)
		return s->adm.admitted_at < at ? -1 : 1;
	return memcmp(s->member, member, WIRE_ID_LEN);
}

uint32_t tstore_spend_rank(const struct gossip_trust *t, const struct tinv *inv,
			   const uint8_t member[static WIRE_ID_LEN], uint64_t admitted_at, bool *found)
{
	uint32_t lo = 0, hi = inv->n_spend;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (spend_cmp(tstore_spend(t, inv, mid), member, admitted_at) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < inv->n_spend && !spend_cmp(tstore_spend(t, inv, lo), member, admitted_at);
	return lo;
}

int tstore_add_spend(struct gossip_trust *t, struct tinv *inv, const struct trust_spend *sp,
		     uint32_t at)
{
	struct gossip_trust_obj o = { .kind = GOSSIP_TRUST_SPEND };
	uint32_t keep = (uint32_t)inv->cert.uses + TRUST_SPENDS_OVER;
	int64_t slot;

	if (at >= keep)
		return -ENOSPC;   /* past every kept spend: a loser everywhere */
	if (t->n_spends >= TRUST_MAX_SPENDS && inv->n_spend < keep)
		return -ENOSPC;
	if (inv->n_spend == inv->cap_spend) {
		uint32_t ncap = inv->cap_spend ? inv->cap_spend * 2 : 2;
		uint32_t *ns;

		ncap = ncap < keep + 1 ? ncap : keep + 1;
		ns = realloc(inv->spend, ncap * sizeof(*ns));
		if (!ns)
			return -ENOMEM;
		inv->spend = ns;
		inv->cap_spend = ncap;
	}
	o.u.spend = *sp;
	slot = obj_add(t, &o, trust_spend_hash(sp));
	if (slot < 0)
		return (int)slot;
	memmove(&inv->spend[at + 1], &inv->spend[at], (inv->n_spend - at) * sizeof(*inv->spend));
	inv->spend[at] = (uint32_t)slot;
	inv->n_spend++;
	t->n_spends++;
	/* Beyond uses + 8 the highest goes: it loses to every kept one. */
	if (inv->n_spend > keep) {
		obj_del(t, inv->spend[--inv->n_spend]);
		t->n_spends--;
	}
	t->stats.spends = t->n_spends;
	return 0;
}

void tstore_drop_spends(struct gossip_trust *t, struct tinv *inv)
{
	while (inv->n_spend) {
		obj_del(t, inv->spend[--inv->n_spend]);
		t->n_spends--;
	}
	t->stats.spends = t->n_spends;
}

void tstore_drop_invite(struct gossip_trust *t, struct tinv *inv)
{
	uint32_t i = (uint32_t)(inv - t->inv);

	tstore_drop_spends(t, inv);
	free(inv->spend);
	memmove(&t->inv[i], &t->inv[i + 1], (t->n_inv - i - 1) * sizeof(*t->inv));
	t->n_inv--;
	t->stats.invites = t->n_inv;
}

/* ---- grants ---- */

static uint32_t grant_pos(const struct gossip_trust *t, const uint8_t *member)
{
	uint32_t lo = 0, hi = t->n_grant;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (memcmp(t->obj[t->grant[mid]].o.u.grant.member, member, WIRE_ID_LEN) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct trust_grant *tstore_grant(const struct gossip_trust *t,
				       const uint8_t member[static WIRE_ID_LEN])
{
	uint32_t i = grant_pos(t, member);

	if (i < t->n_grant && !memcmp(t->obj[t->grant[i]].o.u.grant.member, member, WIRE_ID_LEN))
		return &t->obj[t->grant[i]].o.u.grant;
	return NULL;
}

int tstore_add_grant(struct gossip_trust *t, const struct trust_grant *gr)
{
	struct gossip_trust_obj o = { .kind = GOSSIP_TRUST_GRANT };
	uint32_t pos;
	int64_t slot;

	if (gr->epoch < t->epoch)
		return -ESTALE;
	if (gr->epoch > t->epoch) {
		/* A new rotation: the old epoch's grants are spent. */
		while (t->n_grant)
			obj_del(t, t->grant[--t->n_grant]);
		t->epoch = gr->epoch;
		t->stats.epoch = gr->epoch;
	}
	pos = grant_pos(t, gr->member);
	if (pos < t->n_grant && !memcmp(t->obj[t->grant[pos]].o.u.grant.member, gr->member, WIRE_ID_LEN))
		return -EALREADY;
	if (t->n_grant >= TRUST_MAX_GRANTS)
		return -ENOSPC;
	o.u.grant = *gr;
	slot = obj_add(t, &o, trust_grant_hash(gr));
	if (slot < 0)
		return (int)slot;
	if (ins_at(&t->grant, &t->n_grant, pos, (uint32_t)slot)) {
		obj_del(t, (uint32_t)slot);
		return -ENOMEM;
	}
	t->stats.grants = t->n_grant;
	return 0;
}

void tstore_drop_grant(struct gossip_trust *t, const uint8_t member[static WIRE_ID_LEN])
{
	uint32_t i = grant_pos(t, member);

	if (i < t->n_grant && !memcmp(t->obj[t->grant[i]].o.u.grant.member, member, WIRE_ID_LEN)) {
		obj_del(t, t->grant[i]);
		del_at(t->grant, &t->n_grant, i);
		t->stats.grants = t->n_grant;
	}
}

void tstore_foreach(const struct gossip_trust *t, void (*fn)(void *arg, const struct gossip_trust_obj *o),
		    void *arg)
{
	for (uint32_t i = 0; i < t->n_hash; i++)
		fn(arg, &t->obj[t->by_hash[i]].o);
}
