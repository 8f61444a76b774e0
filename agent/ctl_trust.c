/* SPDX-License-Identifier: MIT */
/*
 * The control commands of authority mode (ctl_proto.h): what meshctl on
 * the authority's machine needs from the local agent to build an invite,
 * a revocation or a rotation, and the door through which it hands the
 * signed objects in. Nothing here trusts what it is handed: the engine
 * verifies every object (gossip_trust_submit) before it changes anything.
 */
#include <event2/buffer.h>
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "ctl_proto.h"

enum { SEEDS_MAX = TOKEN_SEEDS_OFFERED };

static void put_line(struct evbuffer *out, struct ctl_writer *w, size_t *n)
{
	int k = ctl_w_end(w);

	if (k > 0) {
		evbuffer_add(out, w->buf, (size_t)k);
		(*n)++;
	}
}

static void put_b64(struct ctl_writer *w, const char *key, const uint8_t *bin, size_t len)
{
	char text[sodium_base64_ENCODED_LEN(64, sodium_base64_VARIANT_ORIGINAL)];

	sodium_bin2base64(text, sizeof(text), bin, len, sodium_base64_VARIANT_ORIGINAL);
	ctl_w_str(w, key, text);
	sodium_memzero(text, sizeof(text));
}

static void put_overlay(struct ctl_writer *w, const struct wire_prefix *p, size_t n)
{
	char list[WIRE_MAX_OVERLAY * (WIRE_ADDR_STRLEN + 1)] = "";
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		char one[WIRE_ADDR_STRLEN];

		wire_prefix_format(&p[i], one, sizeof(one));
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", i ? "," : "", one);
		if (len >= sizeof(list))
			break;
	}
	ctl_w_str(w, "overlay", list);
}

struct info_ctx {
	struct agent *a;
	struct evbuffer *out;
	struct ctl_writer *w;
	size_t n, seeds;
};

/* Members a new node can join through: alive, with an underlay endpoint. */
static void seed_of(void *arg, const struct gossip_member *m)
{
	struct info_ctx *c = arg;
	struct wire_addr s;
	char text[WIRE_ADDR_STRLEN];

	if (c->seeds >= SEEDS_MAX || m->state != GOSSIP_ALIVE || !m->rec->n_endpoints ||
	    (m->rec->flags & WIRE_REC_LEAVING))
		return;
	s = m->rec->endpoint[0];
	s.port = m->rec->gossip_port;
	wire_addr_format(&s, text, sizeof(text));
	ctl_w_begin(c->w, "seed");
	ctl_w_str(c->w, "addr", text);
	put_line(c->out, c->w, &c->n);
	c->seeds++;
}

static void member_of(void *arg, const struct gossip_member *m)
{
	struct info_ctx *c = arg;
	const struct wire_record *r = m->rec;

	if (m->state == GOSSIP_LEFT)
		return;
	ctl_w_begin(c->w, "member");
	put_b64(c->w, "id", r->id, WIRE_ID_LEN);
	ctl_w_str(c->w, "name", r->name);
	put_overlay(c->w, r->overlay, r->n_overlay);
	ctl_w_str(c->w, "status", agent_state_name(m->state));
	ctl_w_str(c->w, "self", m->self ? "1" : "0");
	if (r->has_admission)
		put_b64(c->w, "invite", r->adm.invite.invite_pub, WIRE_ID_LEN);
	put_line(c->out, c->w, &c->n);
}

size_t ctl_trust_info(struct agent *a, struct evbuffer *out)
{
	struct info_ctx c = { .a = a, .out = out };
	const struct keysched_key *k = &a->ks.cur;
	const struct gossip_trust_stats *ts = a->auth.on ? gossip_trust_stats(a->g) : NULL;

	if (!(c.w = malloc(sizeof(*c.w))))
		return 0;
	ctl_w_begin(c.w, "trust");
	ctl_w_str(c.w, "mode", a->auth.on ? "authority" : "open");
	ctl_w_u64(c.w, "epoch", k->epoch);
	ctl_w_u64(c.w, "granted_epoch", ts ? ts->epoch : 0);
	/* The newest key: a node invited now gets no grant for it later. */
	put_b64(c.w, "netkey", k->key, WIRE_KEY_LEN);
	ctl_w_str(c.w, "prefix", a->cfg->prefix);
	ctl_w_i64(c.w, "time", agent_wall_s());
	put_line(out, c.w, &c.n);
	for (size_t i = 0; i < a->auth.n_auth; i++) {
		char id[17];

		ctl_w_begin(c.w, "authority");
		put_b64(c.w, "key", a->auth.auth[i], WIRE_ID_LEN);
		ctl_w_str(c.w, "short", authority_short(id, a->auth.auth[i]));
		put_line(out, c.w, &c.n);
	}
	gossip_foreach(a->g, seed_of, &c);
	gossip_foreach(a->g, member_of, &c);
	sodium_memzero(c.w, sizeof(*c.w));
	free(c.w);
	return c.n;
}

static int decode_obj(struct gossip_trust_obj *o, const char *kind, const char *b64)
{
	uint8_t bin[TRUST_OBJECT_MAX_ENCODED];
	size_t n;
	const char *end;

	memset(o, 0, sizeof(*o));
	if (sodium_base642bin(bin, sizeof(bin), b64, strlen(b64), NULL, &n, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 || *end)
		return -EINVAL;
	if (strcmp(kind, "spend") == 0) {
		o->kind = GOSSIP_TRUST_SPEND;
		return trust_spend_decode(&o->u.spend, bin, n);
	}
	if (strcmp(kind, "revocation") == 0) {
		o->kind = GOSSIP_TRUST_REVOCATION;
		return trust_revocation_decode(&o->u.rev, bin, n);
	}
	if (strcmp(kind, "grant") == 0) {
		o->kind = GOSSIP_TRUST_GRANT;
		return trust_grant_decode(&o->u.grant, bin, n);
	}
	return -EINVAL;
}

int ctl_trust_submit(struct agent *a, const char *arg, char *msg, size_t msglen)
{
	struct gossip_trust_obj o;
	char kind[16];
	const char *sp;
	int r;

	if (!a->auth.on) {
		snprintf(msg, msglen, "this agent is in open mode (no --authority): trust objects "
			 "have no meaning here");
		return -EPERM;
	}
	if (!arg || !(sp = strchr(arg, ' ')) || (size_t)(sp - arg) >= sizeof(kind)) {
		snprintf(msg, msglen, "usage: trust-submit spend|revocation|grant BASE64");
		return -EINVAL;
	}
	memcpy(kind, arg, (size_t)(sp - arg));
	kind[sp - arg] = '\0';
	if ((r = decode_obj(&o, kind, sp + 1)) != 0) {
		snprintf(msg, msglen, "malformed %s: %s", kind,
			 r == -EINVAL ? "not base64 of one object" : wire_strerror(r));
		return -EINVAL;
	}
	gossip_set_unix_time(a->g, (uint64_t)agent_wall_s(), agent_now_ms());
	r = gossip_trust_submit(a->g, &o, agent_now_ms());
	timers_kick(a);
	if (r == 0 || r == -EALREADY)
		return 0;
	snprintf(msg, msglen, "%s refused: %s", kind,
		 r == -TRUST_EUNKNOWN_AUTH ? "signed by an authority this mesh does not trust "
		 "(wrong --authority-key?)" :
		 r == -ESTALE ? "this agent holds a newer key epoch already" :
		 r == -ENOSPC ? "the trust store is full" :
		 r == -EEXIST ? "another certificate for this invite key is held" :
		 wire_strerror(r));
	return r;
}

static void revocation_of(void *arg, const struct gossip_trust_obj *o)
{
	struct info_ctx *c = arg;
	const struct trust_revocation *rv = &o->u.rev;
	char auth[17];

	if (o->kind != GOSSIP_TRUST_REVOCATION)
		return;
	ctl_w_begin(c->w, "revocation");
	ctl_w_str(c->w, "kind", rv->kind == TRUST_REVOKE_MEMBER ? "member" : "invite");
	put_b64(c->w, "target", rv->target, WIRE_ID_LEN);
	if (rv->kind == TRUST_REVOKE_MEMBER) {
		uint8_t wg[WIRE_KEY_LEN];

		if (identity_wg_public(wg, rv->target) == 0)
			put_b64(c->w, "public_key", wg, WIRE_KEY_LEN);
	}
	sodium_bin2hex(auth, sizeof(auth), rv->auth, WIRE_AUTH_ID_LEN);
	ctl_w_str(c->w, "authority", auth);
	ctl_w_u64(c->w, "revoked_at", rv->revoked_at);
	put_overlay(c->w, rv->overlay, rv->n_overlay);
	put_line(c->out, c->w, &c->n);
}

size_t ctl_trust_revocations(struct agent *a, struct evbuffer *out)
{
	struct info_ctx c = { .a = a, .out = out };

	if (!a->auth.on || !(c.w = malloc(sizeof(*c.w))))
		return 0;
	gossip_trust_foreach(a->g, revocation_of, &c);
	free(c.w);
	return c.n;
}
