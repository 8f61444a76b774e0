/* SPDX-License-Identifier: MIT */
/*
 * Lifeguard suspicion. A suspect has a timeout that starts at
 *   max = suspicion_max_mult * min,
 *   min = suspicion_min_mult * log10(max(N, 10)) * probe_interval
 * and shrinks logarithmically with each independent confirmation
 * (a suspicion from another origin) down to min at
 * suspicion_confirmations; at its end the member is failed. A suspicion
 * nobody else shares therefore waits long for a refutation, while one
 * that many members report independently is acted on quickly.
 *
 * Rumours are hearsay, and unsigned. A suspicion that began with one
 * (not with our own failed probe) gets a confirm probe at once: a PING
 * to the suspect carrying the rumour. If the suspect itself ACKs any
 * probe of ours while suspect, our suspicion ends on the spot and
 * further rumours about that version are ignored here (M_CLEARED, until
 * its record changes or our own probe fails). Every node fails a member
 * only when its own timer runs out, so a lie must outlast everyone's
 * probes, and the suspect, told by the PING, refutes it everywhere.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/*
 * The N of the timeouts is how many members a rumour must reach. Gossip
 * rounds and sync go to members that answered us (send.c, pick_targets;
 * in tunnel mode too), so that is the live members that ever answered
 * us, not every record a key holder managed to get into the table: a
 * flood of identities that never answer must not stretch the time it
 * takes to fail a real crash.
 */
static uint32_t population(const struct gossip *g)
{
	uint32_t live = member_live(g);

	return g->n_proven + 1 < live ? g->n_proven + 1 : live;
}

uint64_t susp_timeout(const struct gossip *g, uint32_t confirmations)
{
	uint32_t n = population(g), k = g->cfg.suspicion_confirmations;
	double min = g->cfg.suspicion_min_mult * log10(n > 10 ? n : 10) * g->cfg.probe_interval_ms;
	double max = g->cfg.suspicion_max_mult * min, t;

	if (max < min)
		max = min;
	if (!k || confirmations >= k)
		return (uint64_t)min;
	t = max - (max - min) * log(confirmations + 1.0) / log(k + 1.0);
	return (uint64_t)(t > min ? t : min);
}

/*
 * Rumours we pass on are about members that answered us. A record that
 * never answered (a key holder's made-up identities, most of all) is
 * still probed and failed here, but its suspicion stays ours: spread, it
 * would crowd the piggyback queue and every node's urgent probes out of
 * the way of a real member's failure.
 */
void susp_spread(struct gossip *g, const struct member *m, uint8_t state,
		 const uint8_t origin[static WIRE_SHORT_ID_LEN])
{
	if (m->flags & M_PROVEN)
		bcast_rumor(g, m->pub.rec->id, m->pub.rec->version, state, origin);
}

static struct suspicion *find(const struct gossip *g, uint32_t slot)
{
	for (uint32_t i = 0; i < g->n_susp; i++)
		if (g->susp[i].slot == slot)
			return &g->susp[i];
	return NULL;
}

static void drop(struct gossip *g, struct suspicion *s)
{
	*s = g->susp[--g->n_susp];
}

/* At most one confirm probe per suspect per probe interval, however often it is rumoured. */
static void confirm_probe(struct gossip *g, struct suspicion *s, struct member *m, uint64_t now)
{
	if (!notice_take(g, g->confirmed, &g->confirmed_pos, m, now))
		return;
	/* Random and non-zero: only the suspect, who got the PING, can answer it. */
	s->confirm_seq = (uint32_t)gossip_rand(g) | 1;
	probe_confirm(g, m, s->confirm_seq);
}

void susp_start(struct gossip *g, struct member *m, const uint8_t origin[static WIRE_SHORT_ID_LEN],
		uint64_t now)
{
	uint32_t slot = member_slot(g, m), live;
	struct suspicion *s;

	if (g->n_susp == g->cap_susp) {
		uint32_t ncap = g->cap_susp ? g->cap_susp * 2 : 8;
		struct suspicion *n = realloc(g->susp, ncap * sizeof(*n));

		if (!n)
			return;  /* stays alive; the next failed probe tries again */
		g->susp = n;
		g->cap_susp = ncap;
	}
	s = &g->susp[g->n_susp++];
	memset(s, 0, sizeof(*s));
	s->slot = slot;
	s->version = m->pub.rec->version;
	s->start = now;
	s->n_origins = 1;
	memcpy(s->origins[0], origin, WIRE_SHORT_ID_LEN);
	s->deadline = now + susp_timeout(g, 0);
	member_set_state(g, m, GOSSIP_SUSPECT, now);
	member_event(g, m, GOSSIP_EV_SUSPECT);
	g->stats.suspicions++;
	susp_spread(g, m, WIRE_LIVE_SUSPECT, origin);
	if (memcmp(origin, g->idn.id, WIRE_SHORT_ID_LEN) != 0) {
		confirm_probe(g, s, m, now);
	} else {
		/* Our own probe failed: fresh local evidence, so others' rumours count again. */
		m->flags &= ~M_CLEARED;
	}
	/*
	 * Confirmations need others to probe the suspect, and a random probe
	 * order reaches it only about once per interval mesh-wide. So a few
	 * of those who hear the rumour (2k of N on average) probe it next:
	 * a dead member collects its confirmations within about one interval,
	 * while a live one is rarely failed by that handful under loss, and
	 * their pings carry the suspicion to it (buddy system) so it refutes.
	 * N is the population gossip reaches (above): records that never
	 * answer us must not thin out the confirmations of a real crash.
	 */
	live = population(g);
	if (memcmp(origin, g->idn.id, WIRE_SHORT_ID_LEN) != 0 && (m->flags & M_PROVEN) &&
	    gossip_rand(g) % (live ? live : 1) < 2 * (uint64_t)g->cfg.suspicion_confirmations)
		probe_urgent(g, slot);
}

void susp_confirm(struct gossip *g, struct member *m, const uint8_t origin[static WIRE_SHORT_ID_LEN],
		  uint64_t now)
{
	struct suspicion *s = find(g, member_slot(g, m));
	uint32_t conf;

	(void)now;
	if (!s || s->n_origins >= SUSP_MAX_ORIGINS)
		return;
	for (int i = 0; i < s->n_origins; i++)
		if (memcmp(s->origins[i], origin, WIRE_SHORT_ID_LEN) == 0)
			return;
	memcpy(s->origins[s->n_origins++], origin, WIRE_SHORT_ID_LEN);
	conf = s->n_origins - 1u;
	s->deadline = s->start + susp_timeout(g, conf);
	/* Pass the confirmation on, so others can count it too. */
	susp_spread(g, m, WIRE_LIVE_SUSPECT, origin);
}

void susp_cancel(struct gossip *g, struct member *m)
{
	struct suspicion *s = find(g, member_slot(g, m));

	if (s)
		drop(g, s);
}

bool susp_ack_expected(const struct gossip *g, const struct wire_msg *ack)
{
	for (uint32_t i = 0; i < g->n_susp; i++) {
		const struct suspicion *s = &g->susp[i];

		if (s->confirm_seq && s->confirm_seq == ack->seq &&
		    memcmp(g->m[s->slot].pub.rec->id, ack->target, WIRE_SHORT_ID_LEN) == 0)
			return true;
	}
	return false;
}

bool susp_ack(struct gossip *g, const struct wire_msg *ack, bool our_probe, uint64_t now)
{
	struct suspicion *s;
	struct member *m;

	/* Relayed ACKs are the relay's word, not the suspect's. */
	if (memcmp(ack->sender, ack->target, WIRE_SHORT_ID_LEN) != 0)
		return false;
	m = member_find_short(g, ack->target);
	if (!m || m->pub.self || m->pub.state != GOSSIP_SUSPECT)
		return false;
	s = find(g, member_slot(g, m));
	if (!s || s->version != m->pub.rec->version ||
	    (!our_probe && (!s->confirm_seq || s->confirm_seq != ack->seq)))
		return false;
	drop(g, s);
	member_set_state(g, m, GOSSIP_ALIVE, now);
	m->flags |= M_CLEARED;
	g->stats.susp_cleared++;
	member_report(g, m, true);
	return true;
}

void susp_tick(struct gossip *g, uint64_t now)
{
	for (uint32_t i = g->n_susp; i-- > 0;) {
		struct suspicion *s = &g->susp[i];
		struct member *m = &g->m[s->slot];
		uint64_t v = s->version;

		if (s->deadline > now)
			continue;
		drop(g, s);
		if ((m->flags & M_USED) && m->pub.state == GOSSIP_SUSPECT && m->pub.rec->version == v)
			mark_failed(g, m, g->idn.id, now);
	}
}

uint64_t susp_next(const struct gossip *g)
{
	uint64_t t = NO_DEADLINE;

	for (uint32_t i = 0; i < g->n_susp; i++)
		if (g->susp[i].deadline < t)
			t = g->susp[i].deadline;
	return t;
}

void susp_free(struct gossip *g)
{
	free(g->susp);
	g->susp = NULL;
	g->n_susp = g->cap_susp = 0;
}
