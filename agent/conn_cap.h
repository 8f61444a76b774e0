/* SPDX-License-Identifier: MIT */
/*
 * Connection accounting for one listening socket, pure (time comes in as
 * an argument) so it is unit-tested alone; listener.c applies it.
 *
 * At most `max` connections are open at once. When the cap is reached a
 * queuing listener stops calling accept(): further clients wait in the
 * kernel's backlog and cost us no file descriptor. A refusing listener
 * keeps accepting and closes what is over the cap at once (a short-lived
 * client such as meshctl then fails fast instead of hanging). After
 * accept() itself fails (no file descriptors, no memory) nothing is
 * accepted for `backoff_ms`: retrying at once would spin, because the
 * pending connection keeps the socket readable.
 */
#ifndef MESHD_AGENT_CONN_CAP_H
#define MESHD_AGENT_CONN_CAP_H

#include <stdbool.h>
#include <stdint.h>

struct conn_cap {
	uint32_t max;
	uint32_t backoff_ms;
	bool queue_when_full;
	uint32_t open;
	uint64_t retry_at_ms;    /* no accept() before this (0: none pending) */
	uint64_t accepted;       /* connections kept */
	uint64_t refused;        /* accepted over the cap and closed (refusing listeners) */
	uint64_t full;           /* times the cap was reached */
	uint64_t accept_errors;  /* accept() failures that started a back-off */
};

void conn_cap_init(struct conn_cap *c, uint32_t max, uint32_t backoff_ms, bool queue_when_full);
/* accept() returned a connection: true to keep it, false to close it now. */
bool conn_cap_accepted(struct conn_cap *c);
/* A kept connection has been closed. */
void conn_cap_closed(struct conn_cap *c);
/* accept() failed with a non-transient error at now_ms. */
void conn_cap_accept_failed(struct conn_cap *c, uint64_t now_ms);
/*
 * Whether accept() may run at now_ms. When not, *wait_ms says when to ask
 * again: a delay in ms, or 0 for "after the next conn_cap_closed".
 */
bool conn_cap_listening(const struct conn_cap *c, uint64_t now_ms, uint64_t *wait_ms);
/*
 * The cap to use for a listener that wants `want` connections in a
 * process allowed `fd_limit` descriptors: never more than an eighth of
 * them, so no one listener can starve the rest even under a small limit.
 */
uint32_t conn_cap_fit(uint32_t want, uint64_t fd_limit);

#endif
