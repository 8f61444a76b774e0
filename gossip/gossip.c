/* SPDX-License-Identifier: MIT */
/* Life cycle, input dispatch, timers and queries: the engine's front door. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "internal.h"

_Static_assert(GOSSIP_NTYPES == WIRE_TYPE_MAX + 1, "a stats slot per message type");

void gossip_config_defaults(struct gossip_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->probe_interval_ms = 1000;
	cfg->probe_timeout_ms = 500;
	cfg->indirect_probes = 3;
	cfg->gossip_interval_ms = 200;
	cfg->gossip_fanout = 3;
	cfg->retransmit_mult = 4;
	cfg->suspicion_min_mult = 1;
	cfg->suspicion_max_mult = 6;
	cfg->suspicion_confirmations = 3;
	cfg->sync_interval_ms = 2000;
	cfg->tombstone_ms = 24ULL * 3600 * 1000;
	cfg->join_retry_ms = 250;     /* doubling: a lost JOIN costs ~one round, not five */
	cfg->via_overlay = false;
	cfg->max_members = 4096;
	cfg->admit_rate = 100;
	cfg->admit_burst = 1000;
}

static int check_config(const struct gossip_config *c)
{
	if (!c->probe_interval_ms || !c->probe_timeout_ms || c->probe_timeout_ms > c->probe_interval_ms ||
	    !c->gossip_interval_ms || !c->gossip_fanout || !c->retransmit_mult ||
	    !c->sync_interval_ms || !c->join_retry_ms)
		return -EINVAL;
	if (c->overlay_prefix.family && !wire_family_len(c->overlay_prefix.family))
		return -EINVAL;
	/* Bounded so the admission arithmetic (merge.c) cannot wrap. */
	if (c->max_members < 2 || c->admit_rate > GOSSIP_ADMIT_MAX ||
	    c->admit_burst > GOSSIP_ADMIT_MAX || (c->admit_rate && !c->admit_burst))
		return -EINVAL;
	if (c->n_authorities > GOSSIP_MAX_AUTHORITIES)
		return -EINVAL;
	return 0;
}

static int setup_self(struct gossip *g, const struct wire_record *self, uint64_t now)
{
	const struct grec *h;
	struct member *m;
	int ret;

	g->tmpl = *self;
	memcpy(g->tmpl.id, g->idn.id, WIRE_ID_LEN);
	g->tmpl.flags &= ~(uint32_t)WIRE_REC_LEAVING;
	if (!g->tmpl.version)
		g->tmpl.version = 1;
	/* Fills only the families a pinned address left empty. */
	if (g->prefix.family || g->prefix6.family) {
		ret = addr_derive_self(g, &g->tmpl);
		if (ret)
			return ret;
	}
	ret = record_sign(&g->tmpl, &g->idn);
	if (ret)
		return ret;
	h = recpool_add(g->pool, &g->tmpl);
	if (!h)
		return -ENOMEM;
	m = member_add(g, h, GOSSIP_ALIVE, now);
	if (!m) {
		recpool_put(g->pool, h);
		return -ENOMEM;
	}
	m->flags |= M_REPORTED;
	addr_claim(g, m, now);
	g->self_claim_seq = m->claim_seq;
	g->self_claim_ms = now;
	g->self_claim_old = g->cfg.self_claim_established;
	g->start_version = g->tmpl.version;
	bcast_record(g, h);
	return 0;
}

int gossip_new(struct gossip **out, const struct gossip_config *cfg,
	       const struct identity *idn, const struct wire_record *self,
	       const struct gossip_io *io, uint64_t now_ms)
{
	uint32_t hint = cfg->size_hint ? cfg->size_hint : 64;
	struct gossip *g;
	int ret;

	if (check_config(cfg) || !io->rand64 || !io->send)
		return -EINVAL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->cfg = *cfg;
	g->io = *io;
	g->idn = *idn;
	g->prefix = cfg->overlay_prefix;
	g->prefix6 = cfg->overlay_prefix6;
	g->now = now_ms;
	g->salt = gossip_rand(g);
	g->pool = cfg->pool;
	if (!g->pool) {
		ret = gossip_recpool_new(&g->pool);
		if (ret)
			goto out;
		g->own_pool = true;
	}
	ret = members_init(g, hint);
	if (!ret)
		ret = addr_init(g, hint);
	if (ret)
		goto out;
	g->order = malloc(hint * sizeof(*g->order));
	g->cap_order = g->order ? hint : 0;
	ret = setup_self(g, self, now_ms);
	if (!ret)
		ret = trust_init(g);
	if (ret)
		goto out;
	/* Random phases: engines started together must not tick together. */
	g->next_probe = now_ms + gossip_rand(g) % cfg->probe_interval_ms;
	g->gossip_phase = now_ms + gossip_rand(g) % cfg->gossip_interval_ms;
	g->next_sync = now_ms + gossip_rand(g) % cfg->sync_interval_ms;
	*out = g;
	return 0;
out:
	gossip_free(g);
	return ret;
}

void gossip_free(struct gossip *g)
{
	if (!g)
		return;
	bcast_free(g);
	ack_wait_free(g);
	susp_free(g);
	probe_free(g);
	tomb_free(g);
	names_free(g);
	members_free(g);
	trust_free(g);
	free(g->aidx);
	if (g->own_pool)
		gossip_recpool_free(g->pool);
	identity_wipe(&g->idn);
	sodium_memzero(g, sizeof(*g));
	free(g);
}

static enum gossip_refusal refusal(int err)
{
	switch (-err) {
	case WIRE_EAUTH:
		return GOSSIP_REFUSE_AUTH;
	case ESTALE:
		return GOSSIP_REFUSE_STALE;
	case EPROTO:
	case EADDRNOTAVAIL:
		return GOSSIP_REFUSE_UNEXPECTED;
	case ELOOP:
		return GOSSIP_REFUSE_SELF;
	case ENOENT:
		return GOSSIP_REFUSE_UNKNOWN;
	case ENOMEM:
		return GOSSIP_REFUSE_NOMEM;
	case EDOM:
		return GOSSIP_REFUSE_PREFIX;
	case ENOSPC:
		return GOSSIP_REFUSE_FULL;
	case EKEYREVOKED:
		return GOSSIP_REFUSE_REVOKED;
	case EPERM:
		return GOSSIP_REFUSE_ADMISSION;
	}
	return -err >= WIRE_ETRUNC && -err <= WIRE_ESPACE ? GOSSIP_REFUSE_DECODE : GOSSIP_REFUSE_OTHER;
}

static int refuse(struct gossip *g, int err)
{
	g->stats.refused++;
	g->stats.refused_by_reason[refusal(err)]++;
	return err;
}

/* Everything that can refuse the datagram, before anything changes. */
static int precheck(const struct gossip *g, const struct wire_msg *m, const struct wire_addr *from)
{
	switch (m->type) {
	case WIRE_JOIN:
	case WIRE_JOIN_ACK:
		return join_precheck(g, m);
	case WIRE_PING:
	case WIRE_PING_REQ:
	case WIRE_ACK:
	case WIRE_NACK:
		return probe_precheck(g, m);
	case WIRE_SYNC_DIGEST:
	case WIRE_SYNC_ENTRIES: {
		const struct member *s = member_find_short(g, m->sender);

		if (s)
			return s->pub.state != GOSSIP_LEFT ? 0 : -ENOENT;
		/* Unknown, but it brought its own record (a joiner's first pull). */
		for (int i = 0; i < m->n_records; i++)
			if (memcmp(m->record[i].id, m->sender, WIRE_SHORT_ID_LEN) == 0)
				return 0;
		return -ENOENT;
	}
	case WIRE_TRUST:
		return trust_precheck(g, m);
	case WIRE_PUNCH:
		return punch_precheck(g, m, from);
	case WIRE_RELAY: {
		int ret = relay_precheck(g, m, from);

		if (ret)
			return ret;
		break;
	}
	}
	return merge_all_stale(g, m) ? -ESTALE : 0;
}

int gossip_input(struct gossip *g, const struct wire_addr *from,
		 const uint8_t *plain, size_t len, uint64_t now_ms)
{
	const struct grec *held[WIRE_MAX_RECORDS];
	struct wire_msg m;
	struct member *s;
	unsigned flags = 0;
	int ret;

	if (now_ms > g->now)
		g->now = now_ms;
	ret = msg_decode(&m, plain, len);
	if (ret)
		return refuse(g, ret);
	g->stats.recv_msgs[m.type]++;
	g->stats.recv_bytes[m.type] += len;
	if (memcmp(m.sender, g->idn.id, WIRE_SHORT_ID_LEN) == 0)
		return refuse(g, -ELOOP);
	/* A revoked member is not heard at all (T7). */
	if (trust_sender_refused(g, m.sender))
		return refuse(g, -EKEYREVOKED);
	/* Cheap rules first: a datagram they refuse costs no signature check. */
	trust_begin(g);
	ret = precheck(g, &m, from);
	if (!ret)
		ret = merge_check(g, &m, from, held);
	if (ret)
		return refuse(g, ret);

	if (m.type == WIRE_JOIN_ACK)
		flags = MERGE_PULLED;
	else if (m.type == WIRE_SYNC_DIGEST || m.type == WIRE_SYNC_ENTRIES)
		flags = MERGE_SYNC;
	merge_apply(g, &m, held, flags, now_ms);
	merge_release(g, &m, held);

	s = member_find_short(g, m.sender);
	reply_begin(g, s, &m, from, len);
	switch (m.type) {
	case WIRE_JOIN:
	case WIRE_JOIN_ACK:
		join_input(g, &m, from, len, now_ms);
		break;
	case WIRE_PING:
	case WIRE_PING_REQ:
	case WIRE_ACK:
	case WIRE_NACK:
		probe_input(g, &m, from, len, now_ms);
		break;
	case WIRE_SYNC_DIGEST:
	case WIRE_SYNC_ENTRIES:
		if (s)
			sync_input(g, &m, s, now_ms);
		break;
	case WIRE_TRUST:
		trust_input(g, &m, s);
		break;
	case WIRE_PUNCH:
		punch_input(g, &m, now_ms);
		break;
	case WIRE_RELAY:
		relay_input(g, &m);
		break;
	}
	/* A PING's ACK already carries the news; anything else gets a notice. */
	if (s && m.type != WIRE_PING && !g->left)
		notify_dead_sender(g, s, now_ms);
	reply_end(g, now_ms);
	trust_after(g);
	return 0;
}

uint64_t gossip_next_deadline(const struct gossip *g)
{
	uint64_t t = probe_next(g), x;

	if (g->joining && g->next_join < t)
		t = g->next_join;
	x = susp_next(g);
	t = x < t ? x : t;
	x = bcast_next(g);
	t = x < t ? x : t;
	x = sync_next(g);
	t = x < t ? x : t;
	x = tomb_next(g);
	t = x < t ? x : t;
	x = reconnect_next(g);
	t = x < t ? x : t;
	x = trust_next(g);
	t = x < t ? x : t;
	x = ack_wait_next(g);
	return x < t ? x : t;
}

uint64_t gossip_tick(struct gossip *g, uint64_t now_ms)
{
	if (now_ms > g->now)
		g->now = now_ms;
	join_tick(g, now_ms);
	probe_tick(g, now_ms);
	susp_tick(g, now_ms);
	bcast_tick(g, now_ms);
	sync_tick(g, now_ms);
	tomb_tick(g, now_ms);
	reconnect_tick(g, now_ms);
	trust_tick(g, now_ms);
	ack_wait_tick(g, now_ms);
	return gossip_next_deadline(g);
}

int gossip_restore(struct gossip *g, const struct wire_record *rec, uint64_t now_ms)
{
	const struct grec *h = recpool_find(g->pool, rec);
	int ret;

	if (now_ms > g->now)
		g->now = now_ms;
	/* A state file may hold members revoked since, or admitted no more. */
	trust_begin(g);
	if (trust_record_check(g, rec, false))
		return -EPERM;
	if (!h) {
		ret = record_validate(rec);
		if (ret)
			return ret;
		g->stats.verified++;
		if (record_verify(rec))
			return -WIRE_EAUTH;
	}
	ret = merge_record(g, rec, h, MERGE_PULLED, false, now_ms);
	return ret < 0 ? ret : 0;
}

int gossip_restore_from(struct gossip *g, const struct gossip *src, uint64_t now_ms)
{
	/* Only our own record can already be here: src holds each id once. */
	bool fresh = g->n_members == 1;

	if (g->pool == src->pool) {
		int ret = trust_copy_from(g, src);

		if (ret)
			return ret;
	}
	for (uint32_t s = 0; s < src->n_slots; s++) {
		const struct grec *h;
		int ret;

		if (!(src->m[s].flags & M_USED))
			continue;
		h = member_grec(&src->m[s]);
		if (g->pool != src->pool) {
			ret = gossip_restore(g, &h->rec, now_ms);
		} else if (fresh && memcmp(h->rec.id, g->idn.id, WIRE_ID_LEN) != 0) {
			recpool_ref(g->pool, h);
			ret = merge_new(g, h, MERGE_PULLED, false, now_ms);
		} else {
			ret = merge_record(g, &h->rec, h, MERGE_PULLED, false, now_ms);
		}
		if (ret < 0)
			return ret;
	}
	return 0;
}

size_t gossip_size(const struct gossip *g)
{
	return g->n_members;
}

size_t gossip_count(const struct gossip *g, enum gossip_state st)
{
	return (unsigned)st < 4 ? g->counts[st] : 0;
}

const struct gossip_member *gossip_self(const struct gossip *g)
{
	return &g->m[0].pub;
}

const struct gossip_member *gossip_find(const struct gossip *g, const uint8_t id[static WIRE_ID_LEN])
{
	const struct member *m = member_find(g, id);

	return m ? &m->pub : NULL;
}

void gossip_foreach(const struct gossip *g, void (*fn)(void *arg, const struct gossip_member *m),
		    void *arg)
{
	for (uint32_t s = 0; s < g->n_slots; s++)
		if (g->m[s].flags & M_USED)
			fn(arg, &g->m[s].pub);
}

bool gossip_joined(const struct gossip *g)
{
	return !g->joining;
}

const struct gossip_stats *gossip_stats(const struct gossip *g)
{
	return &g->stats;
}
