/* SPDX-License-Identifier: MIT */
/*
 * Who may bring us new identities, how fast, and what makes room for them.
 *
 * In open mode anyone holding the network key can mint identities, so a
 * table of members cannot tell a Sybil from a newcomer by its record. Two
 * things can still be told apart:
 *
 *   - where the record came from. New ids are token-bucketed per source
 *     address (admit_rate per second, admit_burst at once), not in one
 *     bucket for everyone: a flooder drains its own bucket, and a real
 *     joiner's JOIN, or a member gossiping its record, still finds tokens.
 *     ADMIT_SOURCES sources are tracked; the least recently seen is
 *     forgotten for a new one.
 *   - whether the member ever answered us. A member whose gossip address
 *     never answered a PING of ours (M_PROVEN unset) for UNPROVEN_GRACE_MS
 *     is what a full table gives up first, tombstones before the living,
 *     the longest-waiting first. An attacker who does not answer for its
 *     identities cannot keep real newcomers out; one who does answer for
 *     them has to spend a socket round trip per identity per node, and
 *     the per-source bucket still bounds how fast they come in.
 */
#include <string.h>

#include "internal.h"

static bool same_ip(const struct admit_src *s, const struct wire_addr *a)
{
	return s->family == a->family && memcmp(s->ip, a->ip, wire_family_len(a->family)) == 0;
}

static struct admit_src *source(struct gossip *g, const struct wire_addr *from)
{
	struct admit_src *s, *lru = NULL;

	for (uint32_t i = 0; i < g->n_asrc; i++) {
		s = &g->asrc[i];
		if (same_ip(s, from))
			return s;
		if (!lru || s->seen < lru->seen)
			lru = s;
	}
	s = g->n_asrc < ADMIT_SOURCES ? &g->asrc[g->n_asrc++] : lru;
	memset(s, 0, sizeof(*s));
	s->family = from->family;
	memcpy(s->ip, from->ip, wire_family_len(from->family));
	s->milli = (uint64_t)g->cfg.admit_burst * 1000;
	s->at = g->now;
	return s;
}

bool admit_new(struct gossip *g, const struct wire_addr *from)
{
	uint64_t cap = (uint64_t)g->cfg.admit_burst * 1000, el;
	struct admit_src *s;

	if (!g->cfg.admit_rate || !from)
		return true;   /* no limit configured, or our own state file (restore) */
	s = source(g, from);
	s->seen = g->now;
	if (g->now > s->at) {
		/* Both bounded by check_config: no product can wrap. */
		el = g->now - s->at < cap ? g->now - s->at : cap;
		s->milli += el * g->cfg.admit_rate;
		if (s->milli > cap)
			s->milli = cap;
		s->at = g->now;
	}
	if (s->milli < 1000)
		return false;
	s->milli -= 1000;
	return true;
}

/*
 * Does the message being checked carry a record of m? Then m stays: this
 * message may be its update, which merge_check has already let through as
 * a known member's and would otherwise re-enter past the admission checks.
 */
static bool in_message(const struct wire_msg *msg, const struct member *m)
{
	for (int i = 0; msg && i < msg->n_records; i++)
		if (memcmp(msg->record[i].id, m->pub.rec->id, WIRE_ID_LEN) == 0)
			return true;
	return false;
}

/*
 * The member a full table gives up: never answered us, longest waiting,
 * tombstones first. Only past its grace, unless the record comes from a
 * member that answered us (vouched): after an overflow such a member passes
 * on only members that answered it (merge.c), so what it brings is worth
 * more than an identity nobody has heard from yet. Without that, a
 * flood's identities, all in their grace, kept a real joiner out of every
 * table but its seed's for up to the whole grace.
 */
static struct member *victim(struct gossip *g, const struct wire_msg *msg, bool vouched)
{
	struct member *best = NULL;

	for (uint32_t i = 1; i < g->n_slots; i++) {
		struct member *m = &g->m[i];
		bool dead, best_dead;

		if (!(m->flags & M_USED) || (m->flags & M_PROVEN) || in_message(msg, m) ||
		    (!vouched && g->now < m->pub.state_since_ms + UNPROVEN_GRACE_MS))
			continue;
		if (!best) {
			best = m;
			continue;
		}
		dead = m->pub.state >= GOSSIP_FAILED;
		best_dead = best->pub.state >= GOSSIP_FAILED;
		if (dead != best_dead ? dead : m->pub.state_since_ms < best->pub.state_since_ms)
			best = m;
	}
	return best;
}

bool admit_make_room(struct gossip *g, const struct wire_msg *msg, bool vouched)
{
	struct member *m = victim(g, msg, vouched);

	if (!m)
		return false;
	susp_cancel(g, m);
	if (m->flags & M_REPORTED)
		member_event(g, m, GOSSIP_EV_REMOVED);
	addr_release(g, m);
	member_remove(g, m);
	g->stats.evicted_unproven++;
	return true;
}
