/* SPDX-License-Identifier: MIT */
/*
 * Authority mode: trust objects in, their effects on the member table,
 * and the agent's calls. Every object is verified before it changes
 * anything (a spend through its invite certificate and bind, a
 * revocation or grant by a configured authority's signature).
 *
 * Effects are applied by one rule, standing(): a member stays in the
 * table only while its record's admission is still good in the light of
 * everything the store holds (not revoked, its invite not revoked, no
 * address a revoked member held, its spend a winner, not expired). A
 * change that can remove someone (a revocation, a spend that pushed a
 * winner out) marks the table for a rescan, which runs once the current
 * input is applied: never in the middle of checking a datagram, never
 * under a caller holding a member pointer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "trust_internal.h"

uint64_t trust_unix(const struct gossip *g)
{
	const struct gossip_trust *t = g->trust;

	return t->unix_base + (g->now > t->base_ms ? (g->now - t->base_ms) / 1000 : 0);
}

void gossip_set_unix_time(struct gossip *g, uint64_t unix_s, uint64_t now_ms)
{
	if (now_ms > g->now)
		g->now = now_ms;
	if (!g->trust)
		return;
	g->trust->unix_base = unix_s;
	g->trust->base_ms = now_ms;
}

int trust_init(struct gossip *g)
{
	struct gossip_trust *t;
	struct trust_spend sp;
	bool added;

	if (!g->cfg.n_authorities)
		return 0;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	tstore_init(t);
	t->unix_base = g->cfg.unix_now;
	t->base_ms = g->now;
	t->next_sweep = g->now + TRUST_SWEEP_MS;
	g->trust = t;
	/* Our own spend is a fact like any other: known before anyone asks. */
	if (g->tmpl.has_admission) {
		memcpy(sp.member, g->idn.id, WIRE_ID_LEN);
		sp.adm = g->tmpl.adm;
		t->budget = 2;
		t->quiet = true;
		trust_spend_take(g, &sp, &added);
		t->quiet = false;
	}
	return 0;
}

void trust_free(struct gossip *g)
{
	if (!g->trust)
		return;
	tstore_free(g->trust);
	sodium_memzero(g->trust, sizeof(*g->trust));
	free(g->trust);
	g->trust = NULL;
}

/*
 * Is this record still admitted, by what the store holds now? No
 * signature: the record's admission was verified when it came in.
 */
static int standing(const struct gossip *g, const struct wire_record *r, bool times)
{
	const struct gossip_trust *t = g->trust;
	const struct trust_admission *a = &r->adm;
	const struct tinv *inv;

	if (!r->has_admission)
		return -TRUST_ENOADMISSION;
	if (tstore_revoked(t, TRUST_REVOKE_MEMBER, r->id))
		return -TRUST_EREVOKED;
	if (tstore_revoked(t, TRUST_REVOKE_INVITE, a->invite.invite_pub))
		return -TRUST_EREVOKED_INVITE;
	for (int i = 0; i < r->n_overlay; i++)
		if (tstore_addr_held(t, &r->overlay[i]))
			return -TRUST_EREVOKED_ADDRESS;
	inv = tstore_invite(t, a->invite.invite_pub);
	if (inv) {
		bool found;
		uint32_t rank = tstore_spend_rank(t, inv, r->id, a->admitted_at, &found);

		/* Not held (beyond the kept ones) ranks even later: a loser too. */
		if (rank >= inv->cert.uses)
			return -TRUST_EOVERSPENT;
	}
	return times ? trust_admission_check_times(a, trust_unix(g)) : 0;
}

static void drop_member(struct gossip *g, struct member *m, int why)
{
	bool revoked = why == -TRUST_EREVOKED || why == -TRUST_EREVOKED_INVITE;

	trust_count_refusal(g, why);
	g->trust->stats.removed++;
	susp_cancel(g, m);
	if (revoked)
		member_event(g, m, GOSSIP_EV_REVOKED);
	else if (m->flags & M_REPORTED)
		member_event(g, m, GOSSIP_EV_REMOVED);
	addr_release(g, m);
	member_remove(g, m);
}

/*
 * Take out every member whose admission no longer stands. Claimants of
 * a revoked member's address go before the holder: its address must not
 * be handed over to them on the way out (addr.c's handover).
 */
static void rescan(struct gossip *g, bool times)
{
	struct gossip_trust *t = g->trust;
	int ret;

	for (int pass = 0; pass < 2; pass++)
		for (uint32_t s = 1; s < g->n_slots; s++) {
			struct member *m = &g->m[s];

			if (!(m->flags & M_USED))
				continue;
			ret = standing(g, m->pub.rec, times);
			if (ret && (pass == 1 || ret == -TRUST_EREVOKED_ADDRESS))
				drop_member(g, m, ret);
		}
	/*
	 * Ourselves. A derived address a revoked member held: we move off it.
	 * Anything else the mesh now refuses us for (revoked, our invite
	 * revoked, our spend lost, a pinned address held): the agent has to
	 * know, once; an operator must re-invite us.
	 */
	ret = standing(g, &g->tmpl, false);
	if (ret == -TRUST_EREVOKED_ADDRESS && g->prefix.family &&
	    !(g->tmpl.flags & WIRE_REC_ADDR_PINNED)) {
		self_rederive(g, g->now);
		ret = standing(g, &g->tmpl, false);
	}
	if (ret && ret != -TRUST_ENOADMISSION && !t->self_revoked) {
		t->self_revoked = true;
		member_event(g, member_self(g), GOSSIP_EV_REVOKED);
	}
}

void trust_after(struct gossip *g)
{
	struct gossip_trust *t = g->trust;

	if (!t)
		return;
	if (t->rescan) {
		t->rescan = false;
		rescan(g, false);
	}
	if (t->dirty) {
		t->dirty = false;
		if (g->io.trust_stored)
			g->io.trust_stored(g->io.ctx);
	}
}

/* Admissions with a ttl run out with nobody saying so: look now and then. */
void trust_sweep(struct gossip *g, uint64_t now)
{
	struct gossip_trust *t = g->trust;

	if (!t || now < t->next_sweep)
		return;
	t->next_sweep = now + TRUST_SWEEP_MS;
	/*
	 * An invite with an admission ttl, past not_after + ttl: every
	 * admission through it has run out, so its spends decide nothing and
	 * go; the spend store does not grow for good with every member ever
	 * invited (invites without a ttl keep theirs: a late spend dated
	 * before theirs could still win).
	 */
	for (uint32_t i = t->n_inv; i-- > 0;)
		if (invite_dead(&t->inv[i].cert, trust_unix(g)))
			tstore_drop_invite(t, &t->inv[i]);
	rescan(g, true);
}

static int accept_revocation(struct gossip *g, const struct trust_revocation *rev)
{
	struct gossip_trust *t = g->trust;
	struct tinv *inv;
	int ret;

	if (trust_revocation_validate(rev))
		return -WIRE_EVALUE;
	if (tstore_revoked(t, rev->kind, rev->target))
		return -EALREADY;
	if (!t->budget)
		return -EAGAIN;
	t->budget--;
	t->stats.checks++;
	ret = trust_revocation_verify(rev, (const uint8_t(*)[WIRE_ID_LEN])g->cfg.authority,
				      g->cfg.n_authorities);
	if (ret)
		return ret;
	ret = tstore_add_revocation(t, rev);
	if (ret)
		return ret;
	if (rev->kind == TRUST_REVOKE_INVITE && (inv = tstore_invite(t, rev->target))) {
		inv->revoked = true;
		tstore_drop_spends(t, inv);
	}
	if (rev->kind == TRUST_REVOKE_MEMBER)
		tstore_drop_grant(t, rev->target);
	t->rescan = true;
	return 0;
}

static int accept_grant(struct gossip *g, const struct trust_grant *gr)
{
	struct gossip_trust *t = g->trust;
	uint8_t key[WIRE_KEY_LEN];
	int ret;

	if (trust_grant_validate(gr))
		return -WIRE_EVALUE;
	if (gr->epoch < t->epoch)
		return -ESTALE;
	/* A revoked member gets no key: whatever signed it, we do not carry it. */
	if (tstore_revoked(t, TRUST_REVOKE_MEMBER, gr->member))
		return -TRUST_EREVOKED;
	if (gr->epoch == t->epoch && tstore_grant(t, gr->member))
		return -EALREADY;
	if (!t->budget)
		return -EAGAIN;
	t->budget--;
	t->stats.checks++;
	ret = trust_grant_verify(gr, (const uint8_t(*)[WIRE_ID_LEN])g->cfg.authority,
				 g->cfg.n_authorities);
	if (ret)
		return ret;
	ret = tstore_add_grant(t, gr);
	if (ret)
		return ret;
	if (!memcmp(gr->member, g->idn.id, WIRE_ID_LEN)) {
		if (trust_grant_open(&g->idn, gr, key)) {
			trust_count_refusal(g, -TRUST_EGRANT);
		} else {
			if (g->io.grant)
				g->io.grant(g->io.ctx, gr, key);
			sodium_memzero(key, sizeof(key));
		}
	}
	return 0;
}

int trust_accept(struct gossip *g, const struct gossip_trust_obj *o, bool spread)
{
	struct gossip_trust *t = g->trust;
	uint64_t h = tobj_hash(o);
	bool added = false;
	int ret;

	if (!h)
		return -WIRE_EVALUE;   /* does not encode: invalid */
	if (tstore_by_hash(t, h))
		return -EALREADY;
	t->quiet = !spread;
	switch (o->kind) {
	case GOSSIP_TRUST_SPEND:
		ret = trust_admission_validate(&o->u.spend.adm) ? -WIRE_EVALUE :
		      trust_spend_take(g, &o->u.spend, &added);
		/* A loser kept for the digest is still a new object. */
		if (added)
			ret = 0;
		else if (!ret)
			ret = -EALREADY;  /* the same spend, another bind */
		break;
	case GOSSIP_TRUST_REVOCATION:
		ret = accept_revocation(g, &o->u.rev);
		break;
	case GOSSIP_TRUST_GRANT:
		ret = accept_grant(g, &o->u.grant);
		break;
	default:
		ret = -WIRE_EVALUE;
	}
	/* Revocations and grants queue here; spends queued themselves (trust_spend_take). */
	if (!ret && o->kind != GOSSIP_TRUST_SPEND) {
		struct tobj *x = tstore_by_hash(t, h);

		if (x)
			tspread_queue(g, (uint32_t)(x - t->obj));
		if (x && o->kind == GOSSIP_TRUST_GRANT && t->submitting)
			tspread_direct(g, (uint32_t)(x - t->obj));
	}
	t->quiet = false;
	return ret;
}

/* ---- the agent's calls ---- */

/* Our finer reasons (counted apart) as the -TRUST_E* / -errno codes of the API. */
static int public_err(int err)
{
	switch (-err) {
	case TRUST_EREVOKED_ADDRESS:
	case TRUST_EREVOKED_INVITE:
		return -TRUST_EREVOKED;
	case TRUST_EINVITE_CONFLICT:
		return -EEXIST;
	}
	return err;
}

static int from_agent(struct gossip *g, const struct gossip_trust_obj *o, uint64_t now_ms,
		      bool spread)
{
	int ret;

	if (!g->trust)
		return -EPERM;
	if (now_ms > g->now)
		g->now = now_ms;
	g->trust->budget = UINT32_MAX;   /* the operator's own objects: no datagram budget */
	ret = trust_accept(g, o, spread);
	if (ret && ret != -EALREADY)
		trust_count_refusal(g, ret);
	trust_after(g);
	return public_err(ret);
}

int gossip_trust_submit(struct gossip *g, const struct gossip_trust_obj *o, uint64_t now_ms)
{
	int ret;

	if (g->trust)
		g->trust->submitting = true;
	ret = from_agent(g, o, now_ms, true);
	if (g->trust)
		g->trust->submitting = false;
	return ret;
}

int gossip_trust_import(struct gossip *g, const struct gossip_trust_obj *o, uint64_t now_ms)
{
	return from_agent(g, o, now_ms, false);
}

void gossip_trust_foreach(const struct gossip *g,
			  void (*fn)(void *arg, const struct gossip_trust_obj *o), void *arg)
{
	if (g->trust)
		tstore_foreach(g->trust, fn, arg);
}

const struct trust_revocation *gossip_revoked(const struct gossip *g,
					      const uint8_t id[static WIRE_ID_LEN])
{
	return g->trust ? tstore_revoked(g->trust, TRUST_REVOKE_MEMBER, id) : NULL;
}

int gossip_admission_check(struct gossip *g, const struct wire_record *r, uint64_t now_ms)
{
	int ret;

	if (!g->trust)
		return 0;
	if (now_ms > g->now)
		g->now = now_ms;
	g->trust->budget = 2;
	ret = trust_admit(g, r);
	trust_after(g);
	return public_err(ret);
}

const struct gossip_trust_stats *gossip_trust_stats(const struct gossip *g)
{
	static const struct gossip_trust_stats none;

	return g->trust ? &g->trust->stats : &none;
}

/*
 * The simulator's converged start (gossip_restore_from with a shared
 * pool): src's objects taken as they are, like its records. One process
 * verified them on their way into src.
 */
int trust_copy_from(struct gossip *g, const struct gossip *src)
{
	const struct gossip_trust *s = src->trust;
	struct gossip_trust *t = g->trust;

	if (!t || !s)
		return 0;
	for (uint32_t i = 0; i < s->n_hash; i++) {
		const struct tobj *x = &s->obj[s->by_hash[i]];
		const struct trust_spend *sp = &x->o.u.spend;
		struct tinv *inv;
		uint32_t rank;
		bool found;

		if (tstore_by_hash(t, x->hash))
			continue;
		switch (x->o.kind) {
		case GOSSIP_TRUST_SPEND:
			inv = tstore_invite(t, sp->adm.invite.invite_pub);
			if (!inv) {
				const struct tinv *si = tstore_invite(s, sp->adm.invite.invite_pub);

				inv = si ? tstore_add_invite(t, &si->cert, si->digest) : NULL;
				if (!inv)
					return -ENOSPC;
			}
			rank = tstore_spend_rank(t, inv, sp->member, sp->adm.admitted_at, &found);
			if (!found)
				tstore_add_spend(t, inv, sp, rank);
			break;
		case GOSSIP_TRUST_REVOCATION:
			if (!tstore_add_revocation(t, &x->o.u.rev))
				t->rescan = true;
			break;
		case GOSSIP_TRUST_GRANT:
			tstore_add_grant(t, &x->o.u.grant);
			break;
		}
	}
	return 0;
}

/* ---- hooks for the rest of the engine ---- */

int trust_record_check(struct gossip *g, const struct wire_record *r, bool spread)
{
	int ret;

	if (!g->trust || !memcmp(r->id, g->idn.id, WIRE_ID_LEN))
		return 0;
	g->trust->quiet = !spread;
	ret = trust_admit(g, r);
	g->trust->quiet = false;
	if (ret == -EAGAIN)
		g->stats.new_skipped_verify++;
	else if (ret)
		trust_count_refusal(g, ret);
	return ret;
}

void trust_begin(struct gossip *g)
{
	if (g->trust)
		g->trust->budget = TRUST_VERIFY_MAX;
}

bool trust_addr_held(const struct gossip *g, const struct wire_prefix *p)
{
	return g->trust && tstore_addr_held(g->trust, p);
}

bool trust_sender_refused(const struct gossip *g, const uint8_t sid[static WIRE_SHORT_ID_LEN])
{
	return g->trust && tstore_sender_revoked(g->trust, sid);
}
