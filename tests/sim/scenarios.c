/* SPDX-License-Identifier: MIT */
/*
 * The scenarios. Each builds a converged mesh fast (every engine gets
 * every record through gossip_restore, as from a state file), lets it
 * settle, then does one thing and measures the engines' own events.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/trust.h"
#include "sc_common.h"

static void settle(struct sim *s, uint64_t until)
{
	sim_run(s, until);
}

static int build(struct sim *s, const struct sc_opts *o, uint32_t total, uint32_t members)
{
	int ret = sim_init(s, total, o->seed, &o->cfg);

	if (!ret)
		ret = sim_prepopulate(s, members);
	if (!ret)
		sim_start(s);
	return ret;
}

static void count_conflict(void *arg, const struct gossip_member *m)
{
	*(uint64_t *)arg += m->conflict && !m->self && m->state <= GOSSIP_SUSPECT;
}

static int cmp_addr(const void *a, const void *b)
{
	return memcmp(a, b, 4);
}

/* Contested claims left in anyone's view, and IPv4 overlay addresses used twice. */
static void address_totals(const struct sim *s, struct sc_result *r)
{
	uint8_t (*ip)[4] = calloc(s->n, sizeof(*ip));
	uint32_t n = 0;

	for (uint32_t i = 0; i < s->n; i++) {
		const struct gossip_member *self = gossip_self(s->nodes[i].g);

		r->conflicts += self->conflict;
		if (ip && !s->nodes[i].dead && self->rec->n_overlay)
			memcpy(ip[n++], self->rec->overlay[0].ip, 4);
	}
	/* Without overlay addresses there is nothing to contest (and N^2 to walk). */
	for (uint32_t i = 0; n && i < s->n; i++)
		gossip_foreach(s->nodes[i].g, count_conflict, &r->conflicts);
	if (ip) {
		qsort(ip, n, sizeof(*ip), cmp_addr);
		for (uint32_t i = 1; i < n; i++)
			r->addr_dups += memcmp(ip[i - 1], ip[i], 4) == 0;
		free(ip);
	}
}

/*
 * MESHSIM_TYPES=1: per message type, datagrams sent by all engines and
 * their mean size, plaintext and on the wire both ways (the worked
 * examples in docs/BENCHMARKS.md come from this).
 */
static void type_sizes(const struct sim *s)
{
	for (int t = 0; t < GOSSIP_NTYPES; t++) {
		uint64_t n = 0, b = 0;

		for (uint32_t i = 0; i < s->n; i++) {
			n += gossip_stats(s->nodes[i].g)->sent_msgs[t];
			b += gossip_stats(s->nodes[i].g)->sent_bytes[t];
		}
		if (n)
			fprintf(stderr, "type %d msgs %llu mean_plain %llu underlay %u tunnel %u\n", t,
				(unsigned long long)n, (unsigned long long)(b / n),
				sim_wire_bytes(b / n, false), sim_wire_bytes(b / n, true));
	}
}

void engine_totals(const struct sim *s, struct sc_result *r)
{
	uint64_t v = 0, vmax = 0, env = 0;

	address_totals(s, r);
	r->messages = s->delivered;
	for (uint32_t i = 0; i < s->n; i++) {
		const struct gossip_stats *st = gossip_stats(s->nodes[i].g);
		uint64_t vi = sim_verifications(s, i);

		v += vi;
		vmax = vi > vmax ? vi : vmax;
		env += s->nodes[i].dgrams_out + s->nodes[i].dgrams_in;

		r->suspicions += st->suspicions;
		r->refutations += st->refutations;
		r->refused += st->refused;
	}
	if (getenv("MESHSIM_TYPES"))
		type_sizes(s);
	if (!s->counting)
		return;   /* counts since the start would include the prepopulation */
	r->verify_per_node = (double)v / s->n;
	r->verify_max = (double)vmax;
	r->env_ops_per_node = (double)env / s->n;
}

double bytes_rate(const struct sim *s, uint32_t nodes, uint64_t ms)
{
	uint64_t b = 0;

	for (uint32_t i = 0; i < nodes; i++)
		b += s->nodes[i].bytes;
	return ms ? (double)b / nodes / ((double)ms / 1000.0) : 0;
}

void count_false(struct sim *s, struct node *n, enum gossip_event ev,
			const struct gossip_member *m)
{
	struct watch *w = s->sc;

	(void)n;
	if (ev == GOSSIP_EV_FAILED && !m->self &&
	    (w->any_failure_is_false || memcmp(m->rec->id, w->target, WIRE_ID_LEN) != 0))
		w->false_failures++;
}

/* ---- join: one new node through one seed ---- */

static void join_event(struct sim *s, struct node *n, enum gossip_event ev,
		       const struct gossip_member *m)
{
	struct watch *w = s->sc;

	count_false(s, n, ev, m);
	if (n->idx == w->target_idx || n->mark || memcmp(m->rec->id, w->target, WIRE_ID_LEN))
		return;
	n->mark = true;  /* holds the joiner's verified record */
	if (++w->count == w->goal)
		w->done_at = s->now;
}

static void join_after(struct sim *s, struct node *n)
{
	struct watch *w = s->sc;

	if (n->idx == w->target_idx && !w->full_at && gossip_size(n->g) >= s->n)
		w->full_at = s->now;
	if (w->done_at && w->full_at)
		s->stop = true;
}

static int run_join(const struct sc_opts *o, struct sc_result *r)
{
	struct watch w = { .o = o, .goal = o->nodes, .target_idx = o->nodes };
	struct wire_addr seed;
	struct sim s;
	uint64_t t0;
	int ret = build(&s, o, o->nodes + 1, o->nodes);

	if (ret)
		goto out;
	s.nodes[o->nodes].dead = true;    /* not started yet */
	s.loss = o->loss;
	settle(&s, o->warmup_ms);
	memcpy(w.target, gossip_self(s.nodes[o->nodes].g)->rec->id, WIRE_ID_LEN);
	s.sc = &w;
	s.on_event = join_event;
	s.after = join_after;
	s.track = true;
	sim_count_start(&s);
	t0 = s.now + rng_below(&s.rng, ROUND_MS);
	sim_run(&s, t0);
	s.nodes[o->nodes].dead = false;
	sim_addr(0, &seed);
	ret = gossip_join(s.nodes[o->nodes].g, &seed, 1, s.now);
	if (ret)
		goto out;
	sim_rearm(&s, &s.nodes[o->nodes]);
	s.trace *= 2;  /* MESHSIM_TRACE traces from the join on */
	sim_run(&s, t0 + 120000);
	r->reached = (double)w.count / w.goal;
	if (w.done_at) {
		r->converge_s = (double)(w.done_at - t0) / 1000.0;
		r->rounds = ceil((double)(w.done_at - t0) / ROUND_MS);
	}
	if (w.full_at)
		r->joiner_full_s = (double)(w.full_at - t0) / 1000.0;
	r->bytes_per_node_s = bytes_rate(&s, s.n, s.now - t0);
	r->false_failures = w.false_failures;
	engine_totals(&s, r);
out:
	sim_free(&s, o->exiting);
	return ret;
}

/* ---- steady: a converged mesh doing nothing ---- */

static int run_steady(const struct sc_opts *o, struct sc_result *r)
{
	struct watch w = { .o = o, .any_failure_is_false = true };
	struct sim s;
	int ret = build(&s, o, o->nodes, o->nodes);

	if (ret)
		goto out;
	s.loss = o->loss;
	s.sc = &w;
	s.on_event = count_false;
	s.track = true;
	settle(&s, o->warmup_ms);
	sim_count_start(&s);
	sim_run(&s, o->warmup_ms + o->duration_ms);
	r->bytes_per_node_s = bytes_rate(&s, s.n, o->duration_ms);
	r->false_failures = w.false_failures;
	r->reached = 1.0;
	engine_totals(&s, r);
out:
	sim_free(&s, o->exiting);
	return ret;
}

/* ---- kill: one node dies; until every survivor marks it failed ---- */

static void kill_event(struct sim *s, struct node *n, enum gossip_event ev,
		       const struct gossip_member *m)
{
	struct watch *w = s->sc;

	count_false(s, n, ev, m);
	if (ev != GOSSIP_EV_FAILED || n->mark || memcmp(m->rec->id, w->target, WIRE_ID_LEN))
		return;
	n->mark = true;
	if (++w->count == w->goal) {
		w->done_at = s->now;
		s->stop = true;
	}
}

static int run_kill(const struct sc_opts *o, struct sc_result *r)
{
	struct watch w = { .o = o, .goal = o->nodes - 1 };
	struct sim s;
	uint64_t t0;
	int ret = build(&s, o, o->nodes, o->nodes);

	if (ret)
		goto out;
	s.loss = o->loss;
	settle(&s, o->warmup_ms);
	w.target_idx = (uint32_t)rng_below(&s.rng, o->nodes);
	memcpy(w.target, gossip_self(s.nodes[w.target_idx].g)->rec->id, WIRE_ID_LEN);
	s.sc = &w;
	s.on_event = kill_event;
	s.track = true;
	t0 = s.now + rng_below(&s.rng, 1000);
	sim_run(&s, t0);
	sim_kill(&s, w.target_idx);
	sim_run(&s, t0 + 120000);
	r->reached = (double)w.count / w.goal;
	if (w.done_at)
		r->detect_s = (double)(w.done_at - t0) / 1000.0;
	r->false_failures = w.false_failures;
	engine_totals(&s, r);
out:
	sim_free(&s, o->exiting);
	return ret;
}

/* ---- loss: every link loses packets; nobody live may be failed ---- */

static uint32_t full_views(const struct sim *s, uint32_t want)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < s->n; i++)
		n += gossip_count(s->nodes[i].g, GOSSIP_ALIVE) == want;
	return n;
}

static int run_loss(const struct sc_opts *o, struct sc_result *r)
{
	struct watch w = { .o = o, .any_failure_is_false = true };
	struct sim s;
	int ret = build(&s, o, o->nodes, o->nodes);

	if (ret)
		goto out;
	s.loss = o->loss;
	s.sc = &w;
	s.on_event = count_false;
	s.track = true;
	sim_count_start(&s);
	sim_run(&s, o->duration_ms);
	r->false_failures = w.false_failures;
	r->bytes_per_node_s = bytes_rate(&s, s.n, o->duration_ms);
	/* Suspects of the moment are fine; a view short of members is not. */
	r->reached = 0;
	for (uint32_t i = 0; i < s.n; i++)
		r->reached += gossip_count(s.nodes[i].g, GOSSIP_ALIVE) +
			      gossip_count(s.nodes[i].g, GOSSIP_SUSPECT) == s.n;
	r->reached /= s.n;
	engine_totals(&s, r);
out:
	sim_free(&s, o->exiting);
	return ret;
}

/* ---- partition: 50/50 split, then heal; until everyone sees everyone alive ---- */

static void part_after(struct sim *s, struct node *n)
{
	struct watch *w = s->sc;
	bool full = gossip_count(n->g, GOSSIP_ALIVE) == s->n;

	if (full != n->full) {
		n->full = full;
		w->n_full += full ? 1 : (uint32_t)-1;
	}
	if (w->n_full == s->n && !w->done_at)
		w->done_at = s->now;
}

struct failed_scan {
	struct sim *s;
	uint8_t *failed;
};

static void scan_failed(void *arg, const struct gossip_member *m)
{
	struct failed_scan *f = arg;

	if (m->state == GOSSIP_FAILED && !m->self)
		for (uint32_t i = 0; i < f->s->n; i++)
			if (memcmp(gossip_self(f->s->nodes[i].g)->rec->id, m->rec->id, WIRE_ID_LEN) == 0)
				f->failed[i] = 1;
}

static int run_partition(const struct sc_opts *o, struct sc_result *r)
{
	struct watch w = { .o = o };
	struct sim s;
	uint64_t heal;
	int ret = build(&s, o, o->nodes, o->nodes);
	struct failed_scan f = { &s, NULL };

	if (ret)
		goto out;
	s.loss = o->loss;
	settle(&s, o->warmup_ms);
	for (uint32_t i = 0; i < s.n; i++)
		s.nodes[i].group = i >= s.n / 2;
	s.partitioned = true;
	heal = s.now + o->duration_ms;
	sim_run(&s, heal);
	s.partitioned = false;
	s.sc = &w;
	s.after = part_after;
	w.n_full = full_views(&s, s.n);
	for (uint32_t i = 0; i < s.n; i++)
		s.nodes[i].full = gossip_count(s.nodes[i].g, GOSSIP_ALIVE) == s.n;
	for (uint64_t t = heal + 1000; t <= heal + 120000 && !w.done_at; t += 1000)
		sim_run(&s, t);
	if (w.done_at) {
		r->converge_s = (double)(w.done_at - heal) / 1000.0;
		sim_run(&s, s.now + 10000);  /* and it stays so */
	}
	r->reached = (double)full_views(&s, s.n) / s.n;
	f.failed = calloc(s.n, 1);
	if (!f.failed) {
		ret = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < s.n; i++)
		gossip_foreach(s.nodes[i].g, scan_failed, &f);
	for (uint32_t i = 0; i < s.n; i++)
		r->still_failed += f.failed[i];
	free(f.failed);
	engine_totals(&s, r);
out:
	sim_free(&s, o->exiting);
	return ret;
}

/* ---- pause: one node freezes (GC, VM steal) and comes back ---- */

static int run_pause(const struct sc_opts *o, struct sc_result *r)
{
	struct watch w = { .o = o, .any_failure_is_false = true };
	struct sim s;
	int ret = build(&s, o, o->nodes, o->nodes);
	uint32_t victim;

	if (ret)
		goto out;
	s.loss = o->loss;
	settle(&s, o->warmup_ms);
	s.sc = &w;
	s.on_event = count_false;
	s.track = true;
	victim = (uint32_t)rng_below(&s.rng, o->nodes);
	sim_pause(&s, victim, s.now + o->pause_ms);
	sim_run(&s, s.now + o->pause_ms + 60000);
	r->false_failures = w.false_failures;
	r->reached = (double)full_views(&s, s.n) / s.n;
	engine_totals(&s, r);
out:
	sim_free(&s, o->exiting);
	return ret;
}

/* ---- revoke: an authority revokes a live member; until every other node dropped it ---- */

enum { SIM_UNIX = 1700000000, SIM_MAX_INVITES = 64 };

/* The authority and the invites that admitted every simulated node. */
struct sim_auth {
	uint8_t sk[TRUST_SECRET_KEY_LEN], pk[WIRE_ID_LEN];
	struct trust_invite inv[SIM_MAX_INVITES];
	uint8_t seed[SIM_MAX_INVITES][TRUST_SEED_LEN];
};

static void admit_tmpl(void *ctx, uint32_t idx, struct wire_record *r)
{
	struct sim_auth *a = ctx;
	uint32_t k = idx / TRUST_MAX_USES;

	r->has_admission = true;
	if (trust_admission_make(&r->adm, &a->inv[k], a->seed[k], r->id, SIM_UNIX - 3600))
		r->has_admission = false;   /* refused by everyone: the run shows it */
}

static int sim_auth_init(struct sim_auth *a, uint32_t nodes, uint64_t seed)
{
	uint8_t s[TRUST_SEED_LEN], sk[TRUST_SECRET_KEY_LEN];
	uint32_t n_inv = (nodes + TRUST_MAX_USES - 1) / TRUST_MAX_USES;

	if (n_inv > SIM_MAX_INVITES)
		return -E2BIG;
	memset(s, (int)(seed & 0xff), sizeof(s));
	if (trust_key_from_seed(a->sk, a->pk, s))
		return -EINVAL;
	for (uint32_t k = 0; k < n_inv; k++) {
		memset(a->seed[k], (int)(0x40 + k), TRUST_SEED_LEN);
		a->seed[k][0] = (uint8_t)seed;
		if (trust_key_from_seed(sk, a->inv[k].invite_pub, a->seed[k]))
			return -EINVAL;
		a->inv[k].not_after = SIM_UNIX;
		a->inv[k].uses = TRUST_MAX_USES;
		if (trust_invite_sign(&a->inv[k], a->sk))
			return -EINVAL;
	}
	return 0;
}

static void revoke_event(struct sim *s, struct node *n, enum gossip_event ev,
			 const struct gossip_member *m)
{
	struct watch *w = s->sc;

	count_false(s, n, ev, m);
	if (ev != GOSSIP_EV_REVOKED || n->mark || n->idx == w->target_idx ||
	    memcmp(m->rec->id, w->target, WIRE_ID_LEN))
		return;
	n->mark = true;
	if (++w->count == w->goal) {
		w->done_at = s->now;
		s->stop = true;
	}
}

/*
 * An N-node mesh in authority mode, every node admitted by invite
 * (admit_tmpl), pre-populated and settled: where the revoke and rotate
 * scenarios start.
 */
static int admitted_mesh(struct sim *s, const struct sc_opts *o, struct sim_auth *a)
{
	struct gossip_config cfg = o->cfg;
	int ret;

	cfg.n_authorities = 1;
	memcpy(cfg.authority[0], a->pk, WIRE_ID_LEN);
	cfg.unix_now = SIM_UNIX;
	ret = sim_init_tmpl(s, o->nodes, o->seed, &cfg, admit_tmpl, a);
	if (!ret)
		ret = sim_prepopulate(s, o->nodes);
	if (ret)
		return ret;
	sim_start(s);
	s->loss = o->loss;
	settle(s, o->warmup_ms);
	return 0;
}

static int run_revoke(const struct sc_opts *o, struct sc_result *r)
{
	struct watch w = { .o = o, .goal = o->nodes - 1, .any_failure_is_false = true };
	struct gossip_trust_obj obj = { .kind = GOSSIP_TRUST_REVOCATION };
	struct trust_revocation *rev = &obj.u.rev;
	struct sim_auth *a = calloc(1, sizeof(*a));
	const struct wire_record *target;
	uint32_t origin;
	struct sim s;
	uint64_t t0;
	int ret = a ? sim_auth_init(a, o->nodes, o->seed) : -ENOMEM;

	memset(&s, 0, sizeof(s));
	if (ret)
		goto out;
	ret = admitted_mesh(&s, o, a);
	if (ret)
		goto out;
	w.target_idx = (uint32_t)rng_below(&s.rng, o->nodes);
	origin = (w.target_idx + 1 + (uint32_t)rng_below(&s.rng, o->nodes - 1)) % o->nodes;
	target = gossip_self(s.nodes[w.target_idx].g)->rec;
	memcpy(w.target, target->id, WIRE_ID_LEN);
	rev->kind = TRUST_REVOKE_MEMBER;
	memcpy(rev->target, target->id, WIRE_ID_LEN);
	rev->revoked_at = SIM_UNIX;
	rev->n_overlay = target->n_overlay;
	memcpy(rev->overlay, target->overlay, sizeof(rev->overlay));
	ret = trust_revocation_sign(rev, a->sk);
	if (ret)
		goto out;
	s.sc = &w;
	s.on_event = revoke_event;
	s.track = true;
	sim_count_start(&s);
	t0 = s.now + rng_below(&s.rng, ROUND_MS);
	sim_run(&s, t0);
	/* meshctl revoke hands it to one agent; the rest is gossip. */
	ret = gossip_trust_submit(s.nodes[origin].g, &obj, s.now);
	if (ret)
		goto out;
	sim_rearm(&s, &s.nodes[origin]);
	sim_run(&s, t0 + 60000);
	r->reached = (double)w.count / w.goal;
	if (w.done_at) {
		r->converge_s = (double)(w.done_at - t0) / 1000.0;
		r->rounds = ceil((double)(w.done_at - t0) / ROUND_MS);
	}
	r->bytes_per_node_s = bytes_rate(&s, s.n, s.now - t0);
	r->false_failures = w.false_failures;
	engine_totals(&s, r);
out:
	if (s.nodes)
		sim_free(&s, o->exiting);
	free(a);
	return ret;
}

/* ---- rotate: the authority grants every node a new network key through one node ---- */

static void rotate_grant(struct sim *s, struct node *n, const struct trust_grant *g)
{
	struct watch *w = s->sc;

	(void)g;
	if (n->mark)
		return;
	n->mark = true;
	if (++w->count == w->goal) {
		w->done_at = s->now;
		s->stop = true;
	}
}

static int run_rotate(const struct sc_opts *o, struct sc_result *r)
{
	struct watch w = { .o = o, .goal = o->nodes, .any_failure_is_false = true };
	struct sim_auth *a = calloc(1, sizeof(*a));
	struct gossip_trust_obj obj = { .kind = GOSSIP_TRUST_GRANT };
	uint8_t key[WIRE_KEY_LEN];
	uint32_t origin;
	struct sim s;
	uint64_t t0;
	int ret = a ? sim_auth_init(a, o->nodes, o->seed) : -ENOMEM;

	memset(&s, 0, sizeof(s));
	if (ret)
		goto out;
	ret = admitted_mesh(&s, o, a);
	if (ret)
		goto out;
	origin = (uint32_t)rng_below(&s.rng, o->nodes);
	s.sc = &w;
	s.on_event = count_false;
	s.on_grant = rotate_grant;
	s.track = true;
	sim_count_start(&s);
	t0 = s.now + rng_below(&s.rng, ROUND_MS);
	sim_run(&s, t0);
	memset(key, 0x5e, sizeof(key));
	/* meshctl rotate-network-key hands one agent a grant per member. */
	for (uint32_t i = 0; i < o->nodes && !ret; i++) {
		ret = trust_grant_seal(&obj.u.grant, key, gossip_self(s.nodes[i].g)->rec->id, 1,
				       SIM_UNIX + 60, a->sk);
		if (!ret)
			ret = gossip_trust_submit(s.nodes[origin].g, &obj, s.now);
	}
	if (ret)
		goto out;
	sim_rearm(&s, &s.nodes[origin]);
	sim_run(&s, t0 + 600000);
	r->reached = (double)w.count / w.goal;
	if (w.done_at) {
		r->converge_s = (double)(w.done_at - t0) / 1000.0;
		r->rounds = ceil((double)(w.done_at - t0) / ROUND_MS);
	}
	r->bytes_per_node_s = bytes_rate(&s, s.n, s.now - t0);
	r->false_failures = w.false_failures;
	engine_totals(&s, r);
out:
	if (s.nodes)
		sim_free(&s, o->exiting);
	free(a);
	return ret;
}

int sc_run(const struct sc_opts *o, struct sc_result *r)
{
	static const struct {
		const char *name;
		int (*run)(const struct sc_opts *, struct sc_result *);
	} table[] = {
		{ "join", run_join }, { "steady", run_steady }, { "kill", run_kill },
		{ "loss", run_loss }, { "partition", run_partition }, { "pause", run_pause },
		{ "revoke", run_revoke }, { "rotate", run_rotate }, { "bootstrap", run_bootstrap },
	};

	memset(r, 0, sizeof(*r));
	r->rounds = r->converge_s = r->joiner_full_s = r->detect_s = SC_NA;
	r->bytes_per_node_s = SC_NA;
	r->verify_per_node = r->verify_max = r->env_ops_per_node = r->engine_cpu_s = SC_NA;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(o->scenario, table[i].name) == 0)
			return table[i].run(o, r);
	return -EINVAL;
}
