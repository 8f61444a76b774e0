/* SPDX-License-Identifier: MIT */
/* What meshctl shows: member, status and warning lines built from the agent's state. */
#include <event2/buffer.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "agent.h"
#include "ctl_proto.h"
#include "invite.h"
#include "path.h"

enum { MTU_CHECK_MAX = 32, WG_OVERHEAD_V4 = 60, WG_OVERHEAD_V6 = 80 };

const char *ctl_event_name(enum gossip_event ev)
{
	/* The names meshd(8) documents for hooks and `meshctl events`. */
	static const char *const names[] = { "join", "update", "suspect", "failed", "left",
					     "removed", "conflict", "revoked" };

	return (unsigned)ev < sizeof(names) / sizeof(names[0]) ? names[ev] : "unknown";
}

static void put_line(struct evbuffer *out, struct ctl_writer *w)
{
	int n = ctl_w_end(w);

	if (n > 0)
		evbuffer_add(out, w->buf, (size_t)n);
}

/* Issue 11: how our WireGuard reaches m (path.h). */
static void report_path(struct agent *a, struct ctl_writer *w, const struct gossip_member *m)
{
	const struct path *p = wg_paths_get(a, m->rec->id);
	const struct gossip_member *relay;
	char text[WIRE_ADDR_STRLEN] = "";

	if (!a->wg)
		return;          /* discovery only: no data plane to report */
	ctl_w_str(w, "path", path_kind_name(p ? p->kind : PATH_NONE));
	if (p && p->endpoint.family)
		wire_addr_format(&p->endpoint, text, sizeof(text));
	ctl_w_str(w, "path_endpoint", text);
	relay = p && p->kind == PATH_RELAY ? gossip_find(a->g, p->relay_id) : NULL;
	ctl_w_str(w, "path_relay", relay && !relay->name_conflict ? relay->rec->name : "");
	ctl_w_str(w, "unreachable", p && m->state == GOSSIP_ALIVE &&
		  path_unreachable(p, agent_now_ms()) ? "1" : "0");
}

void ctl_report_member(struct agent *a, struct ctl_writer *w, const char *kind,
		       const struct gossip_member *m)
{
	const struct wire_record *r = m->rec;
	const struct wg_peer_stat *st = m->self ? NULL : wg_stat(a, m->wg_public);
	char text[WIRE_ADDR_STRLEN], key[KEY_B64_LEN], tags[WIRE_MAX_TAGS * 48] = "";
	size_t tl = 0;

	ctl_w_begin(w, kind);
	/* A contested name belongs to another member: shown as NAME~<id prefix>, flagged. */
	char shown[WIRE_NAME_MAX + 16];

	ctl_name_shown(m, shown, sizeof(shown));
	ctl_w_str(w, "name", shown);
	key_to_base64(key, m->wg_public);
	ctl_w_str(w, "public_key", key);
	key_to_base64(key, r->id);
	ctl_w_str(w, "id", key);
	/* The IPv4 address first; dual stack shows the IPv6 one beside it (issue 14). */
	int main_at = 0, v6_at = -1;

	for (int i = r->n_overlay - 1; i >= 0; i--) {
		if (r->overlay[i].family == WIRE_AF_INET)
			main_at = i;
		else
			v6_at = i;
	}
	if (v6_at == main_at)
		v6_at = -1;
	text[0] = '\0';
	if (r->n_overlay) {
		wire_prefix_format(&r->overlay[main_at], text, sizeof(text));
		text[strcspn(text, "/")] = '\0';
	}
	ctl_w_str(w, "overlay_ip", text);
	if (r->n_overlay)
		wire_prefix_format(&r->overlay[main_at], text, sizeof(text));
	ctl_w_str(w, "overlay_prefix", r->n_overlay ? text : "");
	text[0] = '\0';
	if (v6_at >= 0) {
		wire_prefix_format(&r->overlay[v6_at], text, sizeof(text));
		text[strcspn(text, "/")] = '\0';
	}
	ctl_w_str(w, "overlay_ip6", text);
	text[0] = '\0';
	if (r->n_endpoints)
		wire_addr_format(&r->endpoint[0], text, sizeof(text));
	ctl_w_str(w, "endpoint", text);
	ctl_w_str(w, "status", agent_state_name(m->state));
	ctl_w_i64(w, "since", agent_mono_to_wall(m->state_since_ms));
	/* The same instant to the millisecond: when a change reached this node. */
	ctl_w_i64(w, "since_ms", agent_mono_to_wall_ms(m->state_since_ms));
	ctl_w_u64(w, "version", r->version);
	ctl_w_u64(w, "gossip_port", r->gossip_port);
	ctl_w_str(w, "self", m->self ? "1" : "0");
	ctl_w_str(w, "conflict", m->conflict ? "1" : "0");
	ctl_w_str(w, "name_conflict", m->name_conflict ? "1" : "0");
	if (st && st->last_handshake > 0)
		ctl_w_i64(w, "last_handshake", st->last_handshake);
	else
		ctl_w_str(w, "last_handshake", "");
	if (st) {
		ctl_w_u64(w, "rx_bytes", st->rx_bytes);
		ctl_w_u64(w, "tx_bytes", st->tx_bytes);
		if (st->endpoint.family) {
			wire_addr_format(&st->endpoint, text, sizeof(text));
			ctl_w_str(w, "wg_endpoint", text);
		}
	}
	if (!m->self)
		report_path(a, w, m);
	for (size_t i = 0; i < r->n_tags && tl < sizeof(tags); i++)
		tl += (size_t)snprintf(tags + tl, sizeof(tags) - tl, "%s%s=%s", i ? "," : "",
				       r->tag[i].key, r->tag[i].val);
	ctl_w_str(w, "tags", tags);
}

struct members_ctx {
	struct agent *a;
	struct evbuffer *out;
	struct ctl_writer *w;
	size_t n;
	bool self_pass;
};

static void member_line(void *arg, const struct gossip_member *m)
{
	struct members_ctx *c = arg;

	/* Self first, then the others in the engine's order. */
	if (m->self != c->self_pass)
		return;
	ctl_report_member(c->a, c->w, "member", m);
	put_line(c->out, c->w);
	c->n++;
}

size_t ctl_report_members(struct agent *a, struct evbuffer *out)
{
	struct ctl_writer *w = malloc(sizeof(*w));
	struct members_ctx c = { a, out, w, 0, true };

	if (!w)
		return 0;
	gossip_foreach(a->g, member_line, &c);
	c.self_pass = false;
	gossip_foreach(a->g, member_line, &c);
	free(w);
	return c.n;
}

/* Route MTU towards an endpoint as the kernel knows it (path MTU once discovered). */
static int path_mtu(const struct wire_addr *to)
{
	struct sockaddr_storage ss;
	socklen_t sl, ol;
	int family = to->family == WIRE_AF_INET ? AF_INET : AF_INET6;
	int fd, mtu = -1;

	if (addr_to_sockaddr(to, family, &ss, &sl) != 0)
		return -1;
	fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	ol = sizeof(mtu);
	if (connect(fd, (struct sockaddr *)&ss, sl) != 0 ||
	    getsockopt(fd, family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6,
		       family == AF_INET ? IP_MTU : IPV6_MTU, &mtu, &ol) != 0)
		mtu = -1;
	close(fd);
	return mtu;
}

struct mtu_ctx {
	struct agent *a;
	struct evbuffer *out;
	struct ctl_writer *w;
	size_t n, checked;
};

static void mtu_check(void *arg, const struct gossip_member *m)
{
	struct mtu_ctx *c = arg;
	const struct wire_record *r = m->rec;
	int pmtu, need;
	char text[WIRE_ADDR_STRLEN], msg[256];

	if (m->self || m->state != GOSSIP_ALIVE || !r->n_endpoints || c->checked >= MTU_CHECK_MAX)
		return;
	c->checked++;
	pmtu = path_mtu(&r->endpoint[0]);
	need = (int)c->a->cfg->mtu +
	       (r->endpoint[0].family == WIRE_AF_INET ? WG_OVERHEAD_V4 : WG_OVERHEAD_V6);
	if (pmtu <= 0 || pmtu >= need)
		return;
	wire_addr_format(&r->endpoint[0], text, sizeof(text));
	snprintf(msg, sizeof(msg), "path MTU to %s (%s) is %d but MTU %u needs %d: "
		 "lower --mtu to %d", m->name_conflict ? "-" : r->name, text, pmtu, c->a->cfg->mtu, need,
		 pmtu - (need - (int)c->a->cfg->mtu));
	ctl_w_begin(c->w, "warn");
	ctl_w_str(c->w, "text", msg);
	put_line(c->out, c->w);
	c->n++;
}

static void warn(struct evbuffer *out, struct ctl_writer *w, size_t *n, const char *msg)
{
	ctl_w_begin(w, "warn");
	ctl_w_str(w, "text", msg);
	put_line(out, w);
	(*n)++;
}

/* Authority mode in `meshctl status` (plan T10). */
static void trust_status(struct agent *a, struct ctl_writer *w)
{
	char list[GOSSIP_MAX_AUTHORITIES * 18] = "";
	size_t len = 0;
	int64_t end;

	ctl_w_str(w, "mode", a->auth.on ? "authority" : "open");
	ctl_w_u64(w, "key_epoch", keysched_epoch(&a->ks, agent_wall_s()));
	if (!a->auth.on)
		return;
	for (size_t i = 0; i < a->auth.n_auth; i++) {
		char id[17];

		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", i ? "," : "",
					authority_short(id, a->auth.auth[i]));
	}
	ctl_w_str(w, "authorities", list);
	if (authority_admission_end(a, &end))
		ctl_w_i64(w, "admission_expires", end);
	else
		ctl_w_str(w, "admission_expires", "");
	ctl_w_u64(w, "revocations", gossip_trust_stats(a->g)->revocations);
}

size_t ctl_report_status(struct agent *a, struct evbuffer *out)
{
	const struct gossip_member *self = gossip_self(a->g);
	struct ctl_writer *w = malloc(sizeof(*w));
	char text[WIRE_ADDR_STRLEN], key[KEY_B64_LEN];
	size_t n = 0;

	if (!w)
		return 0;
	ctl_w_begin(w, "status");
	ctl_w_str(w, "name", self->rec->name);
	ctl_w_str(w, "interface", a->cfg->interface);
	key_to_base64(key, a->idn.wg_public);
	ctl_w_str(w, "public_key", key);
	text[0] = '\0';
	if (self->rec->n_overlay)
		wire_prefix_format(&self->rec->overlay[0], text, sizeof(text));
	ctl_w_str(w, "overlay_prefix", text);
	text[strcspn(text, "/")] = '\0';
	ctl_w_str(w, "overlay_ip", text);
	text[0] = '\0';
	if (self->rec->n_endpoints)
		wire_addr_format(&self->rec->endpoint[0], text, sizeof(text));
	ctl_w_str(w, "endpoint", text);
	ctl_w_str(w, "backend", a->wg ? wgctl_kind_name(wgctl_kind(a->wg)) : "none");
	ctl_w_u64(w, "listen_port", a->cfg->listen_port);
	ctl_w_u64(w, "gossip_port", a->cfg->gossip_port);
	ctl_w_u64(w, "mtu", a->cfg->mtu);
	ctl_w_str(w, "joined", gossip_joined(a->g) || a->n_seeds == 0 ? "1" : "0");
	ctl_w_str(w, "nat", gossip_nat_name(wg_paths_nat(a)));
	ctl_w_u64(w, "keepalive", wg_paths_keepalive(a));
	ctl_w_u64(w, "endpoints", self->rec->n_endpoints);
	ctl_w_u64(w, "unreachable_members", a->unreachable);
	ctl_w_u64(w, "alive", gossip_count(a->g, GOSSIP_ALIVE));
	ctl_w_u64(w, "suspect", gossip_count(a->g, GOSSIP_SUSPECT));
	ctl_w_u64(w, "failed", gossip_count(a->g, GOSSIP_FAILED));
	ctl_w_u64(w, "left", gossip_count(a->g, GOSSIP_LEFT));
	ctl_w_u64(w, "uptime", (agent_now_ms() - a->start_ms) / 1000);
	ctl_w_u64(w, "version", self->rec->version);
	ctl_w_u64(w, "pid", (uint64_t)getpid());
	trust_status(a, w);
	put_line(out, w);
	n++;
	if (authority_expiry_warning(a, agent_wall_s())) {
		char msg[160], when[64];
		int64_t end = 0;

		authority_admission_end(a, &end);
		invite_format_time(when, sizeof(when), (uint64_t)end);
		if (end <= agent_wall_s())
			snprintf(msg, sizeof(msg), "our admission expired at %s: this node needs a new "
				 "invite", when);
		else
			snprintf(msg, sizeof(msg), "our admission expires at %s: ask the authority for "
				 "a new invite before then", when);
		warn(out, w, &n, msg);
	}
	if (a->n_seeds && !gossip_joined(a->g))
		warn(out, w, &n, "not joined yet: no seed has answered (see the log)");
	if (a->wg_last_error[0]) {
		char msg[300];

		snprintf(msg, sizeof(msg), "WireGuard: %s", a->wg_last_error);
		warn(out, w, &n, msg);
	}
	if (self->conflict)
		warn(out, w, &n, "our overlay address is held by another member");
	if (a->unreachable) {
		char msg[200];

		snprintf(msg, sizeof(msg), "%zu member(s) alive in gossip have no WireGuard tunnel "
			 "(path none in meshctl members)", a->unreachable);
		warn(out, w, &n, msg);
	}
	if (a->wg) {
		struct mtu_ctx c = { a, out, w, 0, 0 };

		gossip_foreach(a->g, mtu_check, &c);
		n += c.n;
	}
	free(w);
	return n;
}
