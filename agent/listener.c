/* SPDX-License-Identifier: MIT */
/*
 * conn_cap applied to an evconnlistener. libevent's accept loop runs
 * until accept() fails; a callback that disables the listener stops it, so
 * at the cap we take exactly `max` connections and leave the rest queued
 * in the kernel. Without an error callback libevent logs every failed
 * accept() and, since the pending connection keeps the socket readable,
 * retries at once: with no file descriptors left that was a busy loop
 * writing "Too many open files" lines as fast as the disk took them.
 */
#include <errno.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "listener.h"
#include "log.h"

enum { LOG_WINDOW_MS = 60000 };

struct listener {
	struct evconnlistener *lev;
	struct event *retry_ev;
	struct conn_cap cap;
	bool on;
	const char *name;
	listener_accept_fn fn;
	void *arg;
	struct log_ratelimit rl_full, rl_error;
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Make the evconnlistener agree with conn_cap; arm the retry timer if needed. */
static void sync_state(struct listener *l)
{
	uint64_t wait_ms;
	bool on = conn_cap_listening(&l->cap, mono_ms(), &wait_ms);

	if (on != l->on) {
		if (on)
			evconnlistener_enable(l->lev);
		else
			evconnlistener_disable(l->lev);
		l->on = on;
	}
	if (!on && wait_ms) {
		struct timeval tv = { (time_t)(wait_ms / 1000), (suseconds_t)(wait_ms % 1000) * 1000 };

		evtimer_add(l->retry_ev, &tv);
	}
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	sync_state(arg);
}

static void note_full(struct listener *l)
{
	uint32_t suppressed;

	if (!log_ratelimit_ok(&l->rl_full, mono_ms(), &suppressed))
		return;
	log_warn("%s: %u connections open, the limit: further ones %s (%" PRIu64 " times so "
		 "far; %u warnings suppressed)", l->name, l->cap.max,
		 l->cap.queue_when_full ? "wait" : "are refused",
		 l->cap.queue_when_full ? l->cap.full : l->cap.refused, suppressed);
}

static void on_accept(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
		      int salen, void *arg)
{
	struct listener *l = arg;

	(void)lev;
	(void)sa;
	(void)salen;
	if (!conn_cap_accepted(&l->cap)) {
		close(fd);
		note_full(l);
		return;
	}
	if (l->cap.queue_when_full && l->cap.open == l->cap.max)
		note_full(l);
	l->fn(l, fd, l->arg);
	sync_state(l);
}

static void on_error(struct evconnlistener *lev, void *arg)
{
	struct listener *l = arg;
	int err = EVUTIL_SOCKET_ERROR();
	uint64_t now = mono_ms();
	uint32_t suppressed;

	(void)lev;
	conn_cap_accept_failed(&l->cap, now);
	if (log_ratelimit_ok(&l->rl_error, now, &suppressed))
		log_warn("%s: accept: %s: not accepting for %u ms (%" PRIu64 " times so far; "
			 "%u warnings suppressed)", l->name, strerror(err), l->cap.backoff_ms,
			 l->cap.accept_errors, suppressed);
	sync_state(l);
}

struct listener *listener_new(struct event_base *base, const struct sockaddr *sa, socklen_t salen,
			      const struct listener_opts *o, listener_accept_fn fn, void *arg)
{
	unsigned flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC;
	struct listener *l = calloc(1, sizeof(*l));
	int err;
	struct rlimit rl;

	if (!l)
		return NULL;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		rl.rlim_cur = 1024;
	conn_cap_init(&l->cap, conn_cap_fit(o->max_conns, rl.rlim_cur), o->backoff_ms,
		      o->queue_when_full);
	l->name = o->name;
	l->fn = fn;
	l->arg = arg;
	l->rl_full = (struct log_ratelimit)LOG_RATELIMIT_INIT(LOG_WINDOW_MS, 1);
	l->rl_error = (struct log_ratelimit)LOG_RATELIMIT_INIT(LOG_WINDOW_MS, 1);
	if (sa->sa_family != AF_UNIX)
		flags |= LEV_OPT_REUSEABLE;
	l->retry_ev = evtimer_new(base, on_retry, l);
	if (l->retry_ev)
		l->lev = evconnlistener_new_bind(base, on_accept, l, flags, o->backlog, sa,
						 (int)salen);
	if (!l->lev) {
		err = errno ? errno : ENOMEM;
		listener_free(l);
		errno = err;
		return NULL;
	}
	evconnlistener_set_error_cb(l->lev, on_error);
	l->on = true;
	return l;
}

void listener_closed(struct listener *l)
{
	conn_cap_closed(&l->cap);
	sync_state(l);
}

const struct conn_cap *listener_cap(const struct listener *l)
{
	return &l->cap;
}

void listener_free(struct listener *l)
{
	if (!l)
		return;
	if (l->lev)
		evconnlistener_free(l->lev);
	if (l->retry_ev)
		event_free(l->retry_ev);
	free(l);
}
