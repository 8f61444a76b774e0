/* SPDX-License-Identifier: MIT */
/*
 * Serving --metrics: GET /metrics, one request per connection, answered
 * and closed (Connection: close), on bufferevents.
 *
 * Not evhttp: libevent 2.1 (Debian 12) has no connection cap for it
 * (evhttp_set_max_connections came in 2.2), never reports a connection
 * that closes before sending a complete request, so it cannot be counted
 * from outside, and its timeouts restart on every byte, so a client
 * trickling one byte every few seconds holds its connection for ever.
 * Holding 1,100 of those exhausted the agent's file descriptors. Here: at
 * most METRICS_CONNS_MAX connections (the rest wait in the kernel backlog,
 * listener.c), a hard deadline per connection from accept, a capped
 * request size, and no log line per connection.
 */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "http_request.h"
#include "listener.h"
#include "metrics.h"

enum {
	METRICS_CONNS_MAX = 64,     /* fewer under a small fd limit: conn_cap_fit */
	METRICS_BACKLOG = 64,
	REQUEST_DEADLINE_S = 5,     /* accept to end of headers */
	REPLY_DEADLINE_S = 10,      /* end of headers to last byte written */
	ACCEPT_BACKOFF_MS = 1000,
};

struct http_conn {
	struct metrics *m;
	struct bufferevent *bev;
	struct event *deadline;
	bool replied;
	struct http_conn *prev, *next;
};

struct metrics {
	struct agent *a;
	struct listener *l;
	struct http_conn *conns;
};

static void conn_free(struct http_conn *c)
{
	struct metrics *m = c->m;

	if (c->prev)
		c->prev->next = c->next;
	else
		m->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	if (c->bev)
		bufferevent_free(c->bev);
	if (c->deadline)
		event_free(c->deadline);
	free(c);
	listener_closed(m->l);
}

static void reply(struct http_conn *c, enum http_verdict v)
{
	struct evbuffer *out = bufferevent_get_output(c->bev), *body = evbuffer_new();
	struct timeval dl = { REPLY_DEADLINE_S, 0 };

	if (!body) {
		conn_free(c);
		return;
	}
	if (v == HTTP_METRICS)
		metrics_render(c->m->a, body);
	else
		evbuffer_add_printf(body, "%d %s: try GET /metrics\n", (int)v, http_status_text(v));
	evbuffer_add_printf(out, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			    "Connection: close\r\n\r\n", (int)v, http_status_text(v),
			    v == HTTP_METRICS ? "text/plain; version=0.0.4; charset=utf-8"
					      : "text/plain; charset=utf-8",
			    evbuffer_get_length(body));
	evbuffer_add_buffer(out, body);
	evbuffer_free(body);
	c->replied = true;
	evtimer_add(c->deadline, &dl);
}

static void on_read(struct bufferevent *bev, void *arg)
{
	struct http_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len = evbuffer_get_length(in);
	enum http_verdict v;

	if (c->replied) {
		/* Read and drop: unread input would turn our close into a reset. */
		evbuffer_drain(in, len);
		return;
	}
	if (len > HTTP_REQUEST_MAX)
		len = HTTP_REQUEST_MAX;
	v = http_request_check((const char *)evbuffer_pullup(in, (ev_ssize_t)len), len);
	if (v == HTTP_INCOMPLETE)
		return;
	evbuffer_drain(in, evbuffer_get_length(in));
	reply(c, v);
}

static void on_write(struct bufferevent *bev, void *arg)
{
	struct http_conn *c = arg;

	if (c->replied && evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		conn_free(c);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct http_conn *c = arg;

	/* A client may half-close after its request: finish writing the reply. */
	if ((what & BEV_EVENT_EOF) && c->replied &&
	    evbuffer_get_length(bufferevent_get_output(bev)) > 0) {
		bufferevent_disable(bev, EV_READ);
		return;
	}
	conn_free(c);
}

static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	conn_free(arg);
}

static void on_accept(struct listener *l, int fd, void *arg)
{
	struct metrics *m = arg;
	struct agent *a = m->a;
	struct timeval dl = { REQUEST_DEADLINE_S, 0 };
	struct http_conn *c = calloc(1, sizeof(*c));

	if (!c) {
		close(fd);
		listener_closed(l);
		return;
	}
	c->m = m;
	c->next = m->conns;
	if (m->conns)
		m->conns->prev = c;
	m->conns = c;
	c->bev = bufferevent_socket_new(a->base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->deadline = evtimer_new(a->base, on_deadline, c);
	if (!c->bev || !c->deadline) {
		if (!c->bev)
			close(fd);
		conn_free(c);
		return;
	}
	bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
	/* Stop reading past the cap: http_request_check then answers 431. */
	bufferevent_setwatermark(c->bev, EV_READ, 0, HTTP_REQUEST_MAX);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	evtimer_add(c->deadline, &dl);
}

/* "[ADDR]:PORT", "ADDR:PORT" or "PORT" (loopback). */
static int parse_spec(const char *spec, char *host, size_t hostlen, char *port, size_t portlen)
{
	const char *colon = strrchr(spec, ':');

	snprintf(host, hostlen, "127.0.0.1");
	if (colon) {
		const char *h = spec, *e = colon;

		if (*h == '[' && e > h && e[-1] == ']')
			h++, e--;
		if ((size_t)(e - h) >= hostlen)
			return -EINVAL;
		memcpy(host, h, (size_t)(e - h));
		host[e - h] = '\0';
		spec = colon + 1;
	}
	if (snprintf(port, portlen, "%s", spec) >= (int)portlen)
		return -EINVAL;
	return 0;
}

int metrics_start(struct agent *a, char *err, size_t errlen)
{
	static const struct listener_opts opts = {
		.name = "metrics", .max_conns = METRICS_CONNS_MAX, .backoff_ms = ACCEPT_BACKOFF_MS,
		.queue_when_full = true, .backlog = METRICS_BACKLOG,
	};
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE }, *ai;
	char host[64], port[8];
	int r;

	if (!a->cfg->metrics)
		return 0;
	if (parse_spec(a->cfg->metrics, host, sizeof(host), port, sizeof(port)) != 0) {
		snprintf(err, errlen, "metrics: bad address %s", a->cfg->metrics);
		return -EINVAL;
	}
	if ((r = getaddrinfo(host, port, &hints, &ai)) != 0) {
		snprintf(err, errlen, "cannot serve metrics on %s:%s: %s", host, port,
			 gai_strerror(r));
		return -EINVAL;
	}
	a->metrics = calloc(1, sizeof(*a->metrics));
	if (!a->metrics) {
		freeaddrinfo(ai);
		return -ENOMEM;
	}
	a->metrics->a = a;
	a->metrics->l = listener_new(a->base, ai->ai_addr, ai->ai_addrlen, &opts, on_accept,
				     a->metrics);
	r = errno;
	freeaddrinfo(ai);
	if (!a->metrics->l) {
		snprintf(err, errlen, "cannot serve metrics on %s:%s: %s", host, port, strerror(r));
		return -EADDRINUSE;
	}
	log_info("metrics on http://%s%s%s:%s/metrics (at most %" PRIu32 " connections at once)",
		 strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "", port,
		 listener_cap(a->metrics->l)->max);
	return 0;
}

const struct conn_cap *metrics_http_cap(const struct agent *a)
{
	return a->metrics ? listener_cap(a->metrics->l) : NULL;
}

void metrics_stop(struct agent *a)
{
	struct metrics *m = a->metrics;

	if (!m)
		return;
	while (m->conns)
		conn_free(m->conns);
	listener_free(m->l);
	free(m);
	a->metrics = NULL;
}
