/* SPDX-License-Identifier: MIT */
/*
 * Our own record: signing new versions, refuting suspicion, moving off a
 * contested derived address, updating and leaving.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

/*
 * Sign the template at `version`, make it our record and spread it.
 * Never above WIRE_VERSION_MAX: nobody would accept it, and a version
 * pushed to the top must stay there rather than wrap to nothing.
 */
int self_sign(struct gossip *g, uint64_t version, uint64_t now)
{
	const struct grec *h;
	int ret;

	if (version > WIRE_VERSION_MAX) {
		g->stats.sign_saturated++;
		return -ERANGE;
	}
	g->tmpl.version = version;
	ret = record_sign(&g->tmpl, &g->idn);
	if (ret)
		return ret;
	h = recpool_add(g->pool, &g->tmpl);
	if (!h)
		return -ENOMEM;
	addr_swap(g, member_self(g), h, now);
	bcast_record(g, h);
	return 0;
}

/*
 * Lifeguard: being suspected hints that our own links or timers are slow.
 * But anyone with the network key can make us refute (a rumour at the
 * version we hold), so it counts at most once per probe interval: a
 * rumour flood must not stretch all our timers ninefold.
 */
static void refute_awareness(struct gossip *g, uint64_t now)
{
	if (g->refute_aw_at && now < g->refute_aw_at + g->cfg.probe_interval_ms)
		return;
	g->refute_aw_at = now;
	awareness_add(g, 1);
}

/*
 * Someone says we are suspect or failed at the version we hold: only we
 * can answer, by signing the next version. Exactly the next: a rumour is
 * unsigned, so the version it names is never a reason to jump ahead
 * (merge.c only calls this for the version we hold). Lifeguard: being
 * suspected is also a hint that our own links or timers are slow.
 */
void self_refute(struct gossip *g, uint64_t now)
{
	if (g->left || self_sign(g, g->tmpl.version + 1, now))
		return;
	g->stats.refutations++;
	refute_awareness(g, now);
}

static bool claims_ours(const struct gossip *g, const struct wire_record *r)
{
	for (int i = 0; i < r->n_overlay; i++)
		for (int j = 0; j < g->tmpl.n_overlay; j++)
			if (addr_same(&r->overlay[i], &g->tmpl.overlay[j]))
				return true;
	return false;
}

/*
 * A record of ours came back from the mesh. A newer one (signed before a
 * restart) must be superseded: we sign just above it, which the bound on
 * versions keeps from wrapping. One carrying the address we claim now
 * shows the claim is not new, if it was signed before this start: the
 * mesh knew it then. (One signed since shows only that others heard our
 * new claim, contested or not.) Older records arrive unverified (they
 * change nothing), so that one is checked here: only our own signature
 * may make our claim old. Only while the claim is young (after that it
 * makes no difference), and at most once a probe interval, so forged
 * copies cannot make us verify at their rate.
 */
void self_seen(struct gossip *g, const struct wire_record *r, bool verified, uint64_t now)
{
	if (!g->self_claim_old && r->version < g->start_version &&
	    now < g->self_claim_ms + ADDR_YOUNG_MS && claims_ours(g, r)) {
		if (!verified && now >= g->self_check_next) {
			g->self_check_next = now + g->cfg.probe_interval_ms;
			g->stats.verified++;
			verified = record_verify(r) == 0;
		}
		g->self_claim_old = verified;
	}
	if (g->left || r->version <= g->tmpl.version)
		return;
	if (self_sign(g, r->version + 1, now))
		return;
	g->stats.refutations++;
	refute_awareness(g, now);
}

void self_rederive(struct gossip *g, uint64_t now)
{
	struct wire_record keep = g->tmpl;

	if (addr_rederive(g, &g->tmpl) || self_sign(g, g->tmpl.version + 1, now)) {
		g->tmpl = keep;
		self_conflict_refresh(g);
		return;
	}
	g->self_claim_seq = ++g->accept_seq;
	g->self_claim_ms = now;
	g->self_claim_old = false;
	self_conflict_refresh(g);
	member_event(g, member_self(g), GOSSIP_EV_UPDATED);
}

/*
 * `other` claims an address we hold. We move (re-derive, re-sign) when its
 * claim is older than ours: we knew of it before we claimed (even on a
 * tombstone that has come back with it), or, while our claim is young, we pulled
 * it from the mesh's existing state (JOIN_ACK, sync, restore: it was
 * there before we asked) or it has the lower id (equally new: the tie
 * rule). An old claim of ours stands against a newcomer whatever its id,
 * which is what stops a ground key from taking a live node's address.
 * A claim we held before this start (the agent's state file, or a record
 * of ours the mesh still has) is never young: a restart is no window for
 * a newcomer to take the address. A pinned address never moves; it stays
 * flagged.
 */
void self_yield_check(struct gossip *g, struct member *other, uint64_t now)
{
	bool young = !g->self_claim_old && now < g->self_claim_ms + ADDR_YOUNG_MS;

	if ((g->tmpl.flags & WIRE_REC_ADDR_PINNED) || !g->prefix.family || g->left) {
		self_conflict_refresh(g);
		return;
	}
	if (other->claim_seq < g->self_claim_seq ||
	    (young && ((other->flags & M_PULLED) || id_cmp(other->pub.rec->id, g->idn.id) < 0)))
		self_rederive(g, now);
	else
		self_conflict_refresh(g);
}

int gossip_leave(struct gossip *g, uint64_t now_ms)
{
	struct member *self = member_self(g);
	uint32_t to[8];
	struct wire_msg m;
	uint32_t n;
	int ret;

	if (g->left)
		return -EALREADY;
	g->tmpl.flags |= WIRE_REC_LEAVING;
	ret = self_sign(g, g->tmpl.version + 1, now_ms);
	if (ret) {
		g->tmpl.flags &= ~(uint32_t)WIRE_REC_LEAVING;
		return ret;
	}
	g->left = true;
	member_set_state(g, self, GOSSIP_LEFT, now_ms);
	member_event(g, self, GOSSIP_EV_LEFT);
	/* Straight to a few members too: the queue alone waits for the next round. */
	msg_init(&m, WIRE_LEAVE, g->idn.id);
	m.n_records = 1;
	m.record[0] = self->pub.rec[0];
	n = pick_targets(g, to, g->cfg.gossip_fanout < 8 ? g->cfg.gossip_fanout : 8, 0,
			 member_probeable);
	for (uint32_t i = 0; i < n; i++)
		send_member(g, &g->m[to[i]], &m);
	return 0;
}

int gossip_update_self(struct gossip *g, const struct wire_record *self, uint64_t now_ms)
{
	struct wire_record keep = g->tmpl, t = *self;
	uint64_t v = g->tmpl.version + 1;
	bool moved;
	int ret;

	memcpy(t.id, g->idn.id, WIRE_ID_LEN);
	t.flags |= g->tmpl.flags & WIRE_REC_LEAVING;
	if (!t.n_overlay && !(t.flags & WIRE_REC_ADDR_PINNED)) {
		/* Keep the address we derived (and the generation that got it). */
		t.n_overlay = g->tmpl.n_overlay;
		memcpy(t.overlay, g->tmpl.overlay, sizeof(t.overlay));
		t.addr_gen = g->tmpl.addr_gen;
	}
	/* Authority mode: an update without an admission keeps ours (else everyone refuses us). */
	if (!t.has_admission && g->tmpl.has_admission) {
		t.has_admission = true;
		t.adm = g->tmpl.adm;
	}
	g->tmpl = t;
	if (g->prefix.family || g->prefix6.family)
		addr_derive_self(g, &g->tmpl);
	ret = record_validate(&g->tmpl);
	if (!ret)
		ret = self_sign(g, t.version > v ? t.version : v, now_ms);
	if (ret) {
		g->tmpl = keep;
		return ret;
	}
	moved = keep.n_overlay != g->tmpl.n_overlay ||
		(keep.n_overlay && !addr_same(&keep.overlay[0], &g->tmpl.overlay[0]));
	if (moved) {
		g->self_claim_seq = ++g->accept_seq;
		g->self_claim_ms = now_ms;
		g->self_claim_old = false;
	}
	self_conflict_refresh(g);
	member_event(g, member_self(g), GOSSIP_EV_UPDATED);
	return 0;
}
