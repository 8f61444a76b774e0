/* SPDX-License-Identifier: MIT */
/*
 * The engine's side effects: randomness, sending, and what a membership
 * change sets off (WireGuard diff, state save, control-socket events,
 * hooks, a log line). Nothing here calls back into the engine: work that
 * needs the engine again (WireGuard apply, re-signing our record) is
 * deferred to wg.c's event, because callbacks run inside gossip_input.
 */
#include <inttypes.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../proto/msg.h"
#include "agent.h"
#include "relay_agent.h"

/* Probe round trips on loopback are well under a millisecond. */
static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static uint64_t io_rand64(void *ctx)
{
	uint64_t v;

	(void)ctx;
	randombytes_buf(&v, sizeof(v));
	return v;
}

static void io_send(void *ctx, const struct wire_addr *to, const uint8_t *buf, size_t len)
{
	net_send(ctx, to, buf, len);
}

/*
 * The name operators see (meshd(8)): an update that brings a suspect or
 * failed member back is "alive" (the engine stamps state_since_ms with the
 * time of the transition, which is this very call).
 */
static const char *event_name(enum gossip_event ev, const struct gossip_member *m)
{
	if (ev == GOSSIP_EV_UPDATED && !m->self && m->state == GOSSIP_ALIVE &&
	    agent_now_ms() - m->state_since_ms <= 1)
		return "alive";
	return ctl_event_name(ev);
}

/* Datagrams set these off (a key holder can mint identities): rate-limited. */
static void log_change(struct agent *a, const char *event, enum gossip_event ev,
		       const struct gossip_member *m)
{
	char ep[WIRE_ADDR_STRLEN] = "-", ov[WIRE_ADDR_STRLEN] = "-", who[KEY_B64_LEN + 96];
	const struct wire_record *r = m->rec;
	enum log_level lvl = LOG_LVL_INFO;
	uint32_t dropped;

	if (r->n_endpoints)
		wire_addr_format(&r->endpoint[0], ep, sizeof(ep));
	if (r->n_overlay)
		wire_prefix_format(&r->overlay[0], ov, sizeof(ov));
	if ((ev == GOSSIP_EV_UPDATED && strcmp(event, "alive") != 0) || ev == GOSSIP_EV_REMOVED)
		lvl = LOG_LVL_DEBUG;
	if (ev == GOSSIP_EV_CONFLICT)
		lvl = LOG_LVL_WARN;
	/* Only lines that would be printed spend the budget. */
	if (lvl > log_get_level() || !log_ratelimit_ok(&a->rl_member, agent_now_ms(), &dropped))
		return;
	if (dropped)
		log_info("(%u member changes not logged: too many)", dropped);
	if (m->name_conflict) {
		/* Never under the name another member holds: its key, and what it claims. */
		char key[KEY_B64_LEN];

		key_to_base64(key, m->wg_public);
		snprintf(who, sizeof(who), "%.10s (name conflict: claims \"%.63s\")", key, r->name);
	} else {
		snprintf(who, sizeof(who), "%s", r->name);
	}
	log_msg(lvl, "member %s %s%s (overlay %s, endpoint %s)", who, event,
		m->self ? " (self)" : "", ov, ep);
}

static void io_changed(void *ctx, enum gossip_event ev, const struct gossip_member *m)
{
	struct agent *a = ctx;
	const char *event = event_name(ev, m);

	log_change(a, event, ev, m);
	relay_agent_changed(a, ev, m);
	if (ev == GOSSIP_EV_REVOKED) {
		/* Not a log line per datagram: each member is revoked once. */
		if (m->self)
			log_err("this node was revoked by an authority: every member drops it; "
				  "it needs a new invite and a new identity to come back");
		authority_forget_peer(a, m->wg_public);
		a->state_save_soon = true;
	}
	if (m->self) {
		/* Our own address changed (conflict lost): the interface must follow. */
		if (m->rec->n_overlay && a->overlay.family &&
		    !wire_prefix_same_ip(&m->rec->overlay[0], &a->overlay))
			a->readdress = true;
	}
	/* A new or departed member is saved within a second; state flaps are batched. */
	a->state_dirty = true;
	if (!a->state_dirty_ms)
		a->state_dirty_ms = agent_now_ms();
	if (ev == GOSSIP_EV_ADDED || ev == GOSSIP_EV_LEFT || ev == GOSSIP_EV_REMOVED)
		a->state_save_soon = true;
	wg_mark_dirty(a);
	ctl_server_event(a, event, m);
	hooks_event(a, event, m);
}

static void io_observed(void *ctx, const struct wire_addr *addr)
{
	struct agent *a = ctx;

	if (a->endpoint_pinned)
		return;
	if (a->endpoint.family == addr->family &&
	    memcmp(a->endpoint.ip, addr->ip, sizeof(addr->ip)) == 0)
		return;
	/* The seed saw us from another address (NAT): advertise that one. */
	a->observed = *addr;
	a->observed.port = a->cfg->listen_port;
	a->have_observed = true;
	/* The seed holds the record of our JOIN, with the guessed address it
	 * cannot reach us at: give it the new one at once (wg.c). */
	a->join_again = true;
	wg_mark_dirty(a);
}

/* Issue 11: what our WireGuard saw of m goes into our ACKs to it. */
static bool io_seen(void *ctx, const struct gossip_member *m, struct wire_addr *out)
{
	return wg_paths_seen(ctx, m, out);
}

/* Hole punching: a member asks us to punch towards it (gossip/punch.c checked it). */
static void io_punch(void *ctx, const struct gossip_member *peer, const struct wire_addr *ep,
		     uint32_t at_ms)
{
	punch_requested(ctx, peer, ep, at_ms);
}

/* Members agree they see us at addr: our public endpoint candidate. */
static void io_public_endpoint(void *ctx, const struct wire_addr *addr)
{
	struct agent *a = ctx;
	char text[WIRE_ADDR_STRLEN];

	if (wire_addr_equal(&a->public_ep, addr))
		return;
	wire_addr_format(addr, text, sizeof(text));
	log_info("members see our WireGuard endpoint at %s", text);
	a->public_ep = *addr;
	a->have_observed = true;
	wg_mark_dirty(a);
}

static void io_trust_stored(void *ctx)
{
	authority_trust_stored(ctx);
}

static void io_grant(void *ctx, const struct trust_grant *g, const uint8_t key[WIRE_KEY_LEN])
{
	authority_grant(ctx, g, key);
}

void membership_io(struct agent *a, struct gossip_io *io)
{
	memset(io, 0, sizeof(*io));
	io->ctx = a;
	io->rand64 = io_rand64;
	io->send = io_send;
	io->changed = io_changed;
	io->observed = io_observed;
	io->seen = io_seen;
	io->public_endpoint = io_public_endpoint;
	io->punch = io_punch;
	io->trust_stored = io_trust_stored;
	io->grant = io_grant;
	io->relay = relay_agent_input;
}

/* The type of a plaintext message: [type, ...] is a msgpack array whose first element is a fixint. */
static int peek_type(const uint8_t *plain, size_t len)
{
	size_t off;

	if (len < 3)
		return -1;
	if ((plain[0] & 0xf0) == 0x90)
		off = 1;
	else if (plain[0] == 0xdc)
		off = 3;
	else
		return -1;
	return off < len && plain[off] < 0x80 ? plain[off] : -1;
}

void membership_note_sent(struct agent *a, const uint8_t *plain, size_t len)
{
	struct wire_msg *m;

	if (peek_type(plain, len) != WIRE_PING)
		return;
	m = malloc(sizeof(*m));
	if (m && msg_decode(m, plain, len) == 0) {
		a->pings[a->ping_next].seq = m->seq;
		a->pings[a->ping_next].sent_us = now_us();
		a->ping_next = (a->ping_next + 1) % (sizeof(a->pings) / sizeof(a->pings[0]));
	}
	free(m);
}

/* One limit a minute per kind of refusal, however many arrive. */
struct refusal_note {
	struct log_ratelimit rl;
	uint64_t seen;
};

static bool note_due(struct refusal_note *n, uint64_t count)
{
	uint32_t dropped;
	bool due = count != n->seen && log_ratelimit_ok(&n->rl, agent_now_ms(), &dropped);

	if (due)
		n->seen = count;
	return due;
}

/*
 * New member ids the engine turned away (table full, admission budget
 * spent) and records outside the mesh prefix: any key holder can cause
 * them, so each kind is logged at most once a minute, with the total so
 * far. Checked as datagrams are accepted: a refusal shows with the next
 * good datagram.
 */
static void note_refused_members(struct agent *a)
{
	static struct refusal_note full = { LOG_RATELIMIT_INIT(60000, 1), 0 },
				   rate = { LOG_RATELIMIT_INIT(60000, 1), 0 },
				   prefix = { LOG_RATELIMIT_INIT(60000, 1), 0 },
				   evicted = { LOG_RATELIMIT_INIT(60000, 1), 0 };
	const struct gossip_stats *st = gossip_stats(a->g);

	if (note_due(&full, st->new_refused_full))
		log_warn("member table full (--max-members %u): refused %" PRIu64
			 " record(s) of new members so far", a->cfg->max_members,
			 st->new_refused_full);
	if (note_due(&evicted, st->evicted_unproven))
		log_warn("member table full (--max-members %u): dropped %" PRIu64 " member(s) so far "
			 "that never answered us, to make room", a->cfg->max_members,
			 st->evicted_unproven);
	if (note_due(&rate, st->new_refused_rate))
		log_warn("new members arriving from one source faster than --admit-rate %u/s: "
			 "deferred %" PRIu64 " record(s) so far", a->cfg->admit_rate,
			 st->new_refused_rate);
	if (note_due(&prefix, st->refused_by_reason[GOSSIP_REFUSE_PREFIX]))
		log_warn("refused %" PRIu64 " datagram(s) so far carrying a member record whose "
			 "overlay address lies outside the mesh prefix %s",
			 st->refused_by_reason[GOSSIP_REFUSE_PREFIX], a->cfg->prefix);
}

void membership_note_received(struct agent *a, const uint8_t *plain, size_t len)
{
	struct wire_msg *m;

	note_refused_members(a);

	if (peek_type(plain, len) != WIRE_ACK)
		return;
	m = malloc(sizeof(*m));
	if (m && msg_decode(m, plain, len) == 0) {
		for (size_t i = 0; i < sizeof(a->pings) / sizeof(a->pings[0]); i++) {
			if (a->pings[i].sent_us && a->pings[i].seq == m->seq) {
				a->c.rtt_count++;
				a->c.rtt_sum_s += (double)(now_us() - a->pings[i].sent_us) / 1e6;
				a->pings[i].sent_us = 0;
				break;
			}
		}
	}
	free(m);
}
