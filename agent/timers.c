/* SPDX-License-Identifier: MIT */
/*
 * Time for the engine and the agent's own chores. The engine tells us its
 * next deadline (gossip_tick's return) and one timer is armed for exactly
 * that; a 1-second housekeeping timer does the rest: WireGuard read-back,
 * debounced state saves, join progress in the log, endpoint re-checks,
 * convergence tracking.
 */
#include <event2/event.h>
#include <signal.h>
#include <string.h>

#include "addr.h"
#include "agent.h"
#include "relay_agent.h"

enum {
	STATE_SAVE_DEBOUNCE_MS = 5000,
	JOIN_LOG_MS = 10000,
	ENDPOINT_CHECK_MS = 2000,     /* a route lookup: cheap; a roaming node notices at once */
};

static void arm(struct agent *a, uint64_t now, uint64_t next)
{
	struct timeval tv;
	uint64_t delta = next > now ? next - now : 0;

	/* A broken deadline must not spin the loop nor sleep for ever. */
	if (delta > 60000)
		delta = 60000;
	tv.tv_sec = (time_t)(delta / 1000);
	tv.tv_usec = (suseconds_t)(delta % 1000) * 1000;
	a->next_tick_ms = now + delta;
	event_add(a->tick_ev, &tv);
}

/* After input or a local call: the engine may want to run sooner. */
void timers_kick(struct agent *a)
{
	if (!a->g || !a->tick_ev)
		return;
	arm(a, agent_now_ms(), gossip_next_deadline(a->g));
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct agent *a = arg;
	uint64_t now = agent_now_ms();

	(void)fd;
	(void)what;
	arm(a, now, gossip_tick(a->g, now));
}

static void log_join_progress(struct agent *a, uint64_t now)
{
	char text[WIRE_ADDR_STRLEN * 4] = "";
	size_t len = 0;

	if (a->n_seeds == 0 || gossip_joined(a->g) || now - a->last_join_log_ms < JOIN_LOG_MS)
		return;
	a->last_join_log_ms = now;
	for (size_t i = 0; i < a->n_seeds && i < 3; i++) {
		char one[WIRE_ADDR_STRLEN];

		wire_addr_format(&a->seeds[i], one, sizeof(one));
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%s", i ? ", " : "", one);
		if (len >= sizeof(text))
			break;
	}
	log_warn("still joining: no answer yet from %s%s for %llu s (seeds down, wrong network "
		 "key, or a firewall on the gossip port?); retrying", text,
		 a->n_seeds > 3 ? " and others" : "",
		 (unsigned long long)((now - a->start_ms) / 1000));
}

/*
 * Without --endpoint the advertised address follows our underlay address:
 * when the local source address towards the mesh changes (DHCP, roaming),
 * advertise the new one. Only a change of the local address counts, so a
 * public address a seed observed for us behind NAT is not undone.
 */
static void check_endpoint(struct agent *a, uint64_t now)
{
	struct wire_addr src;

	if (a->endpoint_pinned || a->n_seeds == 0 ||
	    now - a->last_endpoint_check_ms < ENDPOINT_CHECK_MS)
		return;
	a->last_endpoint_check_ms = now;
	if (addr_source_for(&a->seeds[0], &src) != 0)
		return;
	src.port = a->cfg->listen_port;
	if (a->route_src.family && wire_addr_equal(&a->route_src, &src))
		return;
	if (a->route_src.family) {
		char text[WIRE_ADDR_STRLEN];

		a->observed = src;
		a->have_observed = true;
		/* a new local address: the public one members saw is history */
		memset(&a->public_ep, 0, sizeof(a->public_ep));
		gossip_observations_reset(a->g);
		wg_mark_dirty(a);
		/*
		 * Behind NAT the new public address is known only to those we
		 * send to, and members answer at the old one: a seed's JOIN_ACK
		 * tells us the new one at once (issue 11, roaming).
		 */
		wire_addr_format(&src, text, sizeof(text));
		log_info("local address now %s: joining again to learn our public endpoint", text);
		a->route_src = src;
		if (gossip_rejoin(a->g, now) != 0)
			log_warn("cannot join again after the address change");
		relay_agent_moved(a, now);
		return;
	}
	a->route_src = src;
}

static void track_convergence(struct agent *a, uint64_t now)
{
	if (gossip_count(a->g, GOSSIP_SUSPECT) == 0 && !a->wg_dirty && !a->wg_last_error[0] &&
	    (gossip_joined(a->g) || a->n_seeds == 0))
		a->converged_ms = now;
}

static void on_house(evutil_socket_t fd, short what, void *arg)
{
	struct agent *a = arg;
	uint64_t now = agent_now_ms();

	(void)fd;
	(void)what;
	wg_housekeeping(a, now);
	relay_agent_house(a, now);
	punch_house(a, now);
	authority_house(a, now);
	if (a->state_dirty && (a->state_save_soon || now - a->state_dirty_ms >= STATE_SAVE_DEBOUNCE_MS))
		agent_save_state(a);
	log_join_progress(a, now);
	check_endpoint(a, now);
	track_convergence(a, now);
	hooks_reap(a);
	/* Belt and braces: if the tick timer was lost, the engine still runs. */
	if (now > a->next_tick_ms + 1000)
		arm(a, now, gossip_tick(a->g, now));
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct agent *a = arg;

	(void)what;
	switch (sig) {
	case SIGTERM:
	case SIGINT:
		agent_shutdown(a, sig == SIGTERM ? "SIGTERM" : "SIGINT");
		break;
	case SIGHUP:
		/* Reopen syslog; other settings need a restart (they touch the mesh). */
		log_init("meshd", log_get_level(), a->cfg->syslog);
		log_info("SIGHUP: logs reopened; state saved");
		agent_save_state(a);
		break;
	case SIGCHLD:
		hooks_reap(a);
		break;
	}
}

int timers_start(struct agent *a)
{
	static const int sigs[4] = { SIGTERM, SIGINT, SIGHUP, SIGCHLD };
	struct timeval one = { 1, 0 };

	signal(SIGPIPE, SIG_IGN);
	a->tick_ev = event_new(a->base, -1, 0, on_tick, a);
	a->house_ev = event_new(a->base, -1, EV_PERSIST, on_house, a);
	if (!a->tick_ev || !a->house_ev || event_add(a->house_ev, &one) != 0)
		return -1;
	for (int i = 0; i < 4; i++) {
		a->sig_ev[i] = evsignal_new(a->base, sigs[i], on_signal, a);
		if (!a->sig_ev[i] || event_add(a->sig_ev[i], NULL) != 0)
			return -1;
	}
	arm(a, agent_now_ms(), gossip_tick(a->g, agent_now_ms()));
	return 0;
}

void timers_stop(struct agent *a)
{
	struct event **evs[] = { &a->tick_ev, &a->house_ev, &a->leave_ev, &a->sig_ev[0],
				 &a->sig_ev[1], &a->sig_ev[2], &a->sig_ev[3] };

	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++) {
		if (*evs[i])
			event_free(*evs[i]);
		*evs[i] = NULL;
	}
}
