/* SPDX-License-Identifier: MIT */
/*
 * Accepting what the network says. Records: a newer signed version
 * replaces an older one, never the reverse, so replays are harmless; a
 * new version also refutes suspicion and resurrects a tombstone, which
 * nothing else can. Rumours ("origin thinks X at version v is suspect /
 * failed") apply only to the version we hold, and are unsigned: anyone
 * holding the network key can send one naming any origin. So a rumour
 * never decides anything by itself. It starts or confirms a suspicion
 * (suspicion.c), which only this node's own timer ends, which the
 * suspect's own answer to us cancels, and which the suspect refutes by
 * signing its next version: a member is failed here only when this node
 * has not heard from it for a whole suspicion timeout.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"

static bool would_change(const struct gossip *g, const struct wire_record *r)
{
	const struct member *m;

	if (memcmp(r->id, g->idn.id, WIRE_ID_LEN) == 0)
		return r->version > g->tmpl.version;
	m = member_find(g, r->id);
	return !m || m->pub.rec->version < r->version;
}

const struct grec merge_skip;

/* Inside the mesh prefix p, when we know one? Other families are not ours to judge. */
static bool in_one_prefix(const struct wire_prefix *p, const struct wire_record *r)
{
	size_t n = wire_family_len(p->family);
	unsigned bits = p->len < n * 8 ? p->len : (unsigned)(n * 8);

	for (int i = 0; n && i < r->n_overlay; i++) {
		const uint8_t *ip = r->overlay[i].ip;
		uint8_t mask = (uint8_t)(0xff00 >> (bits % 8));

		if (r->overlay[i].family != p->family)
			continue;
		if (memcmp(ip, p->ip, bits / 8) != 0 ||
		    (bits % 8 && ((ip[bits / 8] ^ p->ip[bits / 8]) & mask)))
			return false;
	}
	return true;
}

/* Inside the mesh prefixes (IPv4 and, when configured, IPv6)? */
static bool in_prefix(const struct gossip *g, const struct wire_record *r)
{
	return in_one_prefix(&g->prefix, r) &&
	       (g->prefix6.family == g->prefix.family || in_one_prefix(&g->prefix6, r));
}

/* The datagram came from its sender's own address, and that member answered us. */
static bool from_answering_member(const struct gossip *g, const struct wire_msg *msg,
				  const struct wire_addr *from)
{
	const struct member *s = member_find_short(g, msg->sender);

	return s && !s->pub.self && (s->flags & M_PROVEN) && member_at_own_addr(g, s, from);
}

/* A record for an id we do not hold: may it be checked and taken now? */
static bool may_enter(struct gossip *g, const struct wire_msg *msg, const struct wire_addr *from,
		      bool pooled, uint32_t *entering, uint32_t *verifying)
{
	if (!pooled && *verifying >= VERIFY_NEW_MAX) {
		g->stats.new_skipped_verify++;
		return false;
	}
	if (!admit_new(g, from)) {
		g->stats.new_refused_rate++;
		return false;
	}
	/* Full: a member that never answered us makes room (admit.c). */
	if (g->n_members + *entering >= g->cfg.max_members)
		g->pressed_until = g->now + PRESSED_MS;
	while (g->n_members + *entering >= g->cfg.max_members) {
		if (!admit_make_room(g, msg, from_answering_member(g, msg, from))) {
			g->stats.new_refused_full++;
			return false;
		}
	}
	(*entering)++;
	*verifying += !pooled;
	return true;
}

/*
 * Before anything changes: a record we would apply is verified unless the
 * pool holds it byte for byte (then it was verified on the way in).
 * Records that cannot change anything are never applied, so they need no
 * check. One bad signature, or an overlay address outside the mesh
 * prefix, refuses the whole datagram. A record for an id we do not hold
 * must also fit the table, the admission budget and the per-datagram
 * verification cap; otherwise it is skipped unverified (held[i] =
 * MERGE_SKIPPED) and the rest of the datagram goes on. The sender's own
 * record is taken first: it is the one that makes the sender known, and
 * a JOIN is nothing without it.
 */
int merge_check(struct gossip *g, const struct wire_msg *m, const struct wire_addr *from,
		const struct grec **held)
{
	uint32_t entering = 0, verifying = 0;
	uint8_t order[WIRE_MAX_RECORDS];
	int n = 0;

	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < m->n_records; i++)
			if ((memcmp(m->record[i].id, m->sender, WIRE_SHORT_ID_LEN) == 0) == (pass == 0))
				order[n++] = (uint8_t)i;
	for (int i = 0; i < m->n_records; i++)
		held[i] = NULL;
	for (int k = 0; k < n; k++) {
		int i = order[k];
		const struct wire_record *r = &m->record[i];
		int ret;

		/*
		 * A reference of our own: the pool's other holder may be the
		 * piggyback queue, and applying an earlier record of this very
		 * message can push that entry out of a full queue.
		 */
		held[i] = recpool_find(g->pool, r);
		if (held[i])
			recpool_ref(g->pool, held[i]);
		if (!would_change(g, r))
			continue;
		ret = !in_prefix(g, r) ? -EDOM : 0;
		/* Authority mode: no valid admission, no signature check (T4). */
		if (!ret && trust_record_check(g, r, true)) {
			if (held[i])
				recpool_put(g->pool, held[i]);
			held[i] = MERGE_SKIPPED;
			if (m->type != WIRE_JOIN)
				continue;
			ret = -EPERM;
		}
		if (!ret && memcmp(r->id, g->idn.id, WIRE_ID_LEN) != 0 && !member_find(g, r->id) &&
		    !may_enter(g, m, from, held[i] != NULL, &entering, &verifying)) {
			if (held[i])
				recpool_put(g->pool, held[i]);
			held[i] = MERGE_SKIPPED;
			if (m->type != WIRE_JOIN)
				continue;
			ret = -ENOSPC;
		}
		if (!ret && !held[i]) {
			g->stats.verified++;
			if (record_verify(r))
				ret = -WIRE_EAUTH;
		} else if (!ret) {
			g->stats.verified_elsewhere++;
		}
		if (ret) {
			merge_release(g, m, held);
			return ret;
		}
	}
	return 0;
}

void merge_release(struct gossip *g, const struct wire_msg *m, const struct grec **held)
{
	for (int i = 0; i < m->n_records; i++) {
		if (held[i] && held[i] != MERGE_SKIPPED)
			recpool_put(g->pool, held[i]);
		held[i] = NULL;
	}
}

bool merge_all_stale(const struct gossip *g, const struct wire_msg *m)
{
	if (!m->n_records || m->n_rumors)
		return false;
	for (int i = 0; i < m->n_records; i++) {
		const struct wire_record *r = &m->record[i];
		const struct member *o;

		if (memcmp(r->id, g->idn.id, WIRE_ID_LEN) == 0) {
			if (r->version >= g->tmpl.version)
				return false;
			continue;
		}
		o = member_find(g, r->id);
		if (!o || o->pub.rec->version <= r->version)
			return false;
	}
	return true;
}

/* Everything but version and signature. */
static bool same_content(const struct wire_record *a, const struct wire_record *b)
{
	struct wire_record x = *a, y = *b;

	y.version = x.version;
	memcpy(y.sig, x.sig, WIRE_SIG_LEN);
	return record_same(&x, &y);
}

/*
 * The tombstone keeps its address claims: only the holder's own signed
 * word (a record moving off it, a leave) or the tombstone's expiry frees
 * them. Failure is an opinion others can push, so it must not hand an
 * address to whoever waits for it.
 */
void mark_failed(struct gossip *g, struct member *m, const uint8_t origin[static WIRE_SHORT_ID_LEN],
		 uint64_t now)
{
	susp_cancel(g, m);
	member_set_state(g, m, GOSSIP_FAILED, now);
	tomb_push(g, m);
	member_event(g, m, GOSSIP_EV_FAILED);
	susp_spread(g, m, WIRE_LIVE_FAILED, origin);
}

/*
 * A table that overflowed lately (a new id found it full, within the last
 * PRESSED_MS) relays only what it can vouch for. There, a record of a
 * member that never answered us is more likely a key holder's made-up
 * identity than not, and relaying it makes it news in every other
 * table, where it takes an admission token and a slot from whatever real
 * member arrives next: under a flood the honest members passed Sybils
 * among themselves at their full admission budget long after the flood,
 * and a real joiner waited behind them. Held here, the record spreads the
 * moment its member answers us (member_mark_proven). Anti-entropy follows
 * the same rule (sync.c, push_one). A mesh that fits its --max-members
 * never overflows, so it never holds anything; a mesh that outgrew it is
 * warned about it (member table full) and should raise it.
 */
static void relay_or_hold(struct gossip *g, struct member *m, const struct grec *h)
{
	if (!(m->flags & M_PROVEN) && table_pressed(g)) {
		if (!(m->flags & M_HELD))
			g->stats.relays_held++;
		m->flags |= M_HELD;
		return;
	}
	m->flags &= (uint8_t)~M_HELD;
	bcast_record(g, h);
}

void merge_unhold(struct gossip *g, struct member *m)
{
	if (!(m->flags & M_HELD))
		return;
	m->flags &= (uint8_t)~M_HELD;
	bcast_record(g, member_grec(m));
}

int merge_new(struct gossip *g, const struct grec *h, unsigned flags, bool failed, uint64_t now)
{
	enum gossip_state st = (h->rec.flags & WIRE_REC_LEAVING) ? GOSSIP_LEFT :
			       failed ? GOSSIP_FAILED : GOSSIP_ALIVE;
	struct member *m;

	/* Every way in (input, restore) stops at the cap. */
	if (g->n_members >= g->cfg.max_members) {
		g->stats.new_refused_full++;
		recpool_put(g->pool, h);
		return -ENOSPC;
	}
	m = member_add(g, h, st, now);
	if (!m) {
		recpool_put(g->pool, h);
		return -ENOMEM;
	}
	if (flags & (MERGE_PULLED | MERGE_SYNC))
		m->flags |= M_PULLED;
	if (st == GOSSIP_ALIVE) {
		addr_claim(g, m, now);
		/* addr_claim may already have reported it (an address handed over). */
		if (!(m->flags & M_REPORTED) || m->pub.conflict)
			member_report(g, m, false);
	} else {
		tomb_push(g, m);
		member_event(g, m, st == GOSSIP_LEFT ? GOSSIP_EV_LEFT : GOSSIP_EV_FAILED);
	}
	/* Pulled state is old news to the mesh; a fresh record spreads on. */
	if (!(flags & (MERGE_PULLED | MERGE_SYNC)))
		relay_or_hold(g, m, h);
	return 1;
}

static int update(struct gossip *g, struct member *m, const struct grec *h, uint64_t now)
{
	enum gossip_state prev = m->pub.state;
	bool changed = !same_content(m->pub.rec, &h->rec);

	susp_cancel(g, m);
	if (h->rec.flags & WIRE_REC_LEAVING) {
		/* A tombstone still holds its addresses (mark_failed): released here too. */
		if (prev != GOSSIP_LEFT)
			addr_release(g, m);
		member_set_rec(g, m, h);
		if (prev != GOSSIP_LEFT) {
			member_set_state(g, m, GOSSIP_LEFT, now);
			tomb_push(g, m);
			member_event(g, m, GOSSIP_EV_LEFT);
		}
	} else {
		if (prev != GOSSIP_ALIVE)
			member_set_state(g, m, GOSSIP_ALIVE, now);
		addr_swap(g, m, h, now);
		member_report(g, m, changed || prev != GOSSIP_ALIVE);
	}
	/* An update spreads even when it came by sync: others hold the old one. */
	relay_or_hold(g, m, h);
	return 1;
}

int merge_record(struct gossip *g, const struct wire_record *r, const struct grec *held,
		 unsigned flags, bool failed, uint64_t now)
{
	struct member *m;
	const struct grec *h;

	if (memcmp(r->id, g->idn.id, WIRE_ID_LEN) == 0) {
		/* merge_check verified it if newer; the pool holds only verified ones. */
		self_seen(g, r, held || r->version > g->tmpl.version, now);
		return 0;
	}
	m = member_find(g, r->id);
	if (m && m->pub.rec->version >= r->version)
		return 0;
	if (held)
		recpool_ref(g->pool, held);
	h = held ? held : recpool_add(g->pool, r);
	if (!h)
		return -ENOMEM;
	return m ? update(g, m, h, now) : merge_new(g, h, flags, failed, now);
}

/* A rumour's origin counts only if it is a live member we know, not the subject, not us. */
static bool origin_ok(const struct gossip *g, const struct member *subject,
		      const uint8_t origin[static WIRE_SHORT_ID_LEN])
{
	const struct member *o = member_find_short(g, origin);

	return o && o != subject && !o->pub.self && o->pub.state <= GOSSIP_SUSPECT;
}

static void merge_rumor(struct gossip *g, const struct wire_rumor *r, uint64_t now)
{
	struct member *m;

	if (r->state == WIRE_LIVE_ALIVE)
		return;
	if (memcmp(r->subject, g->idn.id, WIRE_ID_LEN) == 0) {
		/*
		 * Only a rumour about the version we hold is answered, with exactly
		 * the next one. A higher version of ours exists only if we signed it,
		 * and then its record comes too (self_seen); a rumour naming one is
		 * a lie meant to push our versions to the end of their range.
		 */
		if (r->version == g->tmpl.version)
			self_refute(g, now);
		return;
	}
	m = member_find(g, r->subject);
	if (!m || m->pub.rec->version != r->version || m->pub.state > GOSSIP_SUSPECT ||
	    (m->flags & M_CLEARED) || !origin_ok(g, m, r->origin))
		return;
	/* FAILED is one more voice, like SUSPECT: our own timer decides. */
	if (m->pub.state == GOSSIP_ALIVE)
		susp_start(g, m, r->origin, now);
	else
		susp_confirm(g, m, r->origin, now);
}

/* A tombstone pushed by sync travels as its record plus a FAILED rumour. */
static bool failed_with(const struct wire_msg *m, const struct wire_record *r)
{
	for (int i = 0; i < m->n_rumors; i++)
		if (m->rumor[i].state == WIRE_LIVE_FAILED && m->rumor[i].version == r->version &&
		    memcmp(m->rumor[i].subject, r->id, WIRE_ID_LEN) == 0)
			return true;
	return false;
}

void merge_apply(struct gossip *g, const struct wire_msg *m, const struct grec **held,
		 unsigned flags, uint64_t now)
{
	uint8_t order[WIRE_MAX_RECORDS];

	/* Claims arriving together are taken lower id first (addr.c). */
	for (int i = 0; i < m->n_records; i++) {
		int j = i;

		while (j > 0 && id_cmp(m->record[order[j - 1]].id, m->record[i].id) > 0) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = (uint8_t)i;
	}
	for (int i = 0; i < m->n_records; i++) {
		const struct wire_record *r = &m->record[order[i]];

		if (held[order[i]] == MERGE_SKIPPED)
			continue;
		merge_record(g, r, held[order[i]], flags, failed_with(m, r), now);
	}
	for (int i = 0; i < m->n_rumors; i++)
		merge_rumor(g, &m->rumor[i], now);
}
