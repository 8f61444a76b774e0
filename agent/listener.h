/* SPDX-License-Identifier: MIT */
/*
 * A listening socket on the event loop with a connection cap and a
 * back-off on accept() failures (conn_cap.h), so no client, however many
 * connections it opens, can exhaust our file descriptors, spin the loop
 * or fill the log: the only log lines are rate-limited summaries.
 * Every listening socket of the agent (control, metrics) goes through it.
 */
#ifndef MESHD_AGENT_LISTENER_H
#define MESHD_AGENT_LISTENER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "conn_cap.h"

struct event_base;
struct listener;

struct listener_opts {
	const char *name;        /* for log lines: "metrics", "control socket" */
	uint32_t max_conns;
	uint32_t backoff_ms;     /* pause after accept() fails */
	bool queue_when_full;    /* at the cap: stop accepting (true) or accept and close */
	int backlog;
};

/* A new connection (non-blocking, close-on-exec); call listener_closed when it is gone. */
typedef void (*listener_accept_fn)(struct listener *l, int fd, void *arg);

/* NULL with errno set on failure. */
struct listener *listener_new(struct event_base *base, const struct sockaddr *sa, socklen_t salen,
			      const struct listener_opts *o, listener_accept_fn fn, void *arg);
void listener_closed(struct listener *l);
const struct conn_cap *listener_cap(const struct listener *l);
void listener_free(struct listener *l);

#endif
