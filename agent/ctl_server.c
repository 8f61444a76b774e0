/* SPDX-License-Identifier: MIT */
/*
 * The control socket: a Unix stream socket (0600 in a 0700 directory),
 * one bufferevent per client with a capped request size and timeouts, so
 * no client can block the loop or grow memory: a client that does not
 * read its events gets no more of them once its backlog passes
 * EVENTS_BACKLOG_MAX; when it has read its backlog down to half, it is
 * told how many it missed (a "dropped" line, count=N) before the next
 * event, so nothing is lost silently (issue 12).
 * Only root or the agent's own user may talk to it (SO_PEERCRED). At most
 * CLIENTS_MAX clients at once (more are closed at once, so meshctl fails
 * fast rather than hangs), and accept() failures pause the socket instead
 * of spinning (listener.c).
 *
 * The names socket (issue 14; the read-only socket of bgpd): beside the
 * control socket, mode 0666, open to every local user, answering only
 * `resolve NAME.DOMAIN`, so libnss_meshd resolves members for processes
 * that are not root. Its directory gets search permission for others
 * (0711: no listing). What it tells is what DNS would: a name's address.
 */
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent.h"
#include "ctl_proto.h"
#include "listener.h"
#include "state.h"

enum {
	CLIENTS_MAX = 32,
	ACCEPT_BACKOFF_MS = 250,
	BACKLOG = 16,
	EVENTS_BACKLOG_MAX = 256 * 1024,
	REQUEST_TIMEOUT_S = 10,
	WRITE_TIMEOUT_S = 30,
};

struct ctl_client {
	struct agent *a;
	struct bufferevent *bev;
	bool events;        /* subscribed to the event stream */
	bool leave_wait;    /* answer when the leave has been spread */
	bool closing;       /* reply queued: close once written */
	bool names_only;    /* from the names socket: `resolve` only */
	struct listener *from;
	uint64_t dropped;   /* events not queued for it since its last "dropped" line */
	struct ctl_client *next;
};

struct ctl_server {
	struct listener *listener;
	struct listener *names;
	struct ctl_client *clients;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char names_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

static void tell_dropped(struct ctl_client *c);

static void client_free(struct ctl_client *c)
{
	struct ctl_server *s = c->a->ctl;

	for (struct ctl_client **p = &s->clients; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	bufferevent_free(c->bev);
	listener_closed(c->from);
	free(c);
}

static void finish(struct ctl_client *c, size_t count)
{
	evbuffer_add_printf(bufferevent_get_output(c->bev), "END count=%zu\n", count);
	c->closing = true;
	bufferevent_disable(c->bev, EV_READ);
}

static void fail(struct ctl_client *c, const char *msg)
{
	struct ctl_writer w;
	int n;

	ctl_w_begin(&w, "ERR");
	ctl_w_str(&w, "msg", msg);
	if ((n = ctl_w_end(&w)) > 0)
		bufferevent_write(c->bev, w.buf, (size_t)n);
	c->closing = true;
	bufferevent_disable(c->bev, EV_READ);
}

static void on_leave_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	ctl_server_leave_done(arg);
}

static void start_leave(struct ctl_client *c)
{
	struct agent *a = c->a;
	struct timeval linger = { 2, 0 };
	int r;

	c->leave_wait = true;
	bufferevent_disable(c->bev, EV_READ);
	if (a->leaving)
		return;
	a->leaving = true;
	r = gossip_leave(a->g, agent_now_ms());
	if (r != 0)
		log_warn("leave: %s", wire_strerror(r));
	log_info("leaving the mesh (meshctl leave)");
	timers_kick(a);
	/* A few gossip rounds to spread the signed leave record before we go. */
	a->leave_ev = evtimer_new(a->base, on_leave_timer, a);
	if (a->leave_ev)
		evtimer_add(a->leave_ev, &linger);
	else
		ctl_server_leave_done(a);
}

static void handle(struct ctl_client *c, char *line, size_t len)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	const char *cmd, *arg;
	struct timeval wt = { WRITE_TIMEOUT_S, 0 };

	if (ctl_request_parse(line, len, &cmd, &arg) != 0) {
		fail(c, "malformed request");
		return;
	}
	if (c->names_only && strcmp(cmd, "resolve") != 0) {
		fail(c, "the names socket answers only: resolve NAME.DOMAIN");
	} else if (strcmp(cmd, "members") == 0) {
		finish(c, ctl_report_members(c->a, out));
	} else if (strcmp(cmd, "resolve") == 0) {
		finish(c, ctl_names_resolve(c->a, arg, out));
	} else if (strcmp(cmd, "status") == 0) {
		finish(c, ctl_report_status(c->a, out));
	} else if (strcmp(cmd, "leave") == 0) {
		start_leave(c);
	} else if (strcmp(cmd, "trust-info") == 0) {
		finish(c, ctl_trust_info(c->a, out));
	} else if (strcmp(cmd, "revocations") == 0) {
		finish(c, ctl_trust_revocations(c->a, out));
	} else if (strcmp(cmd, "trust-submit") == 0) {
		char msg[256];

		if (ctl_trust_submit(c->a, arg, msg, sizeof(msg)) == 0)
			finish(c, 0);
		else
			fail(c, msg);
	} else if (strcmp(cmd, "events") == 0) {
		c->events = true;
		/* Quiet meshes send nothing for long: no read timeout from now on. */
		bufferevent_set_timeouts(c->bev, NULL, &wt);
	} else {
		fail(c, "unknown command (members, status, resolve, events, leave, trust-info, "
		     "trust-submit, revocations)");
	}
}

static void on_read(struct bufferevent *bev, void *arg)
{
	struct ctl_client *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len;
	char *line;

	if (c->events || c->leave_wait || c->closing) {
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF);
	if (!line) {
		if (evbuffer_get_length(in) > CTL_REQUEST_MAX)
			fail(c, "request too long");
		return;
	}
	handle(c, line, len);   /* evbuffer_readln NUL-terminates: len + 1 bytes */
	free(line);
}

static void on_write(struct bufferevent *bev, void *arg)
{
	struct ctl_client *c = arg;

	if (c->closing && evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		client_free(c);
	else if (c->events && c->dropped)
		tell_dropped(c);   /* it read everything: tell it now, not at the next event */
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)what;
	/* EOF, error or timeout: the client is gone or stuck. */
	client_free(arg);
}

static bool peer_allowed(evutil_socket_t fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
		return false;
	return cred.uid == 0 || cred.uid == getuid();
}

static void accept_client(struct listener *l, int fd, struct agent *a, bool names_only)
{
	struct ctl_server *s = a->ctl;
	struct timeval rt = { REQUEST_TIMEOUT_S, 0 }, wt = { WRITE_TIMEOUT_S, 0 };
	struct ctl_client *c = NULL;

	if ((!names_only && !peer_allowed(fd)) || !(c = calloc(1, sizeof(*c))) ||
	    !(c->bev = bufferevent_socket_new(a->base, fd, BEV_OPT_CLOSE_ON_FREE))) {
		close(fd);
		free(c);
		listener_closed(l);
		return;
	}
	c->a = a;
	c->names_only = names_only;
	c->from = l;
	c->next = s->clients;
	s->clients = c;
	bufferevent_setcb(c->bev, on_read, on_write, on_event, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, CTL_REQUEST_MAX + 1);
	bufferevent_set_timeouts(c->bev, &rt, &wt);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

static void on_accept(struct listener *l, int fd, void *arg)
{
	accept_client(l, fd, arg, false);
}

static void on_accept_names(struct listener *l, int fd, void *arg)
{
	accept_client(l, fd, arg, true);
}

/* Refuse to steal the socket of a running agent; remove a stale one. */
static int claim_path(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, r;

	/* --socket pointing at a file by mistake must not delete it. */
	if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "control socket path %s exists and is not a socket", path);
		return -EEXIST;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
	if (r == 0) {
		snprintf(err, errlen, "another meshd is already running on control socket %s", path);
		return -EADDRINUSE;
	}
	if (unlink(path) != 0 && errno != ENOENT) {
		r = -errno;
		snprintf(err, errlen, "cannot remove stale control socket %s: %s", path,
			 strerror(-r));
		return r;
	}
	return 0;
}

static int names_start(struct agent *a, char *err, size_t errlen)
{
	static const struct listener_opts opts = {
		.name = "names socket", .max_conns = CLIENTS_MAX,
		.backoff_ms = ACCEPT_BACKOFF_MS, .queue_when_full = false, .backlog = BACKLOG,
	};
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ctl_server *s = a->ctl;
	char dir[PATH_MAX];
	struct stat st;
	int r;

	if (!a->cfg->names_socket || strcmp(a->cfg->names_socket, "off") == 0)
		return 0;
	snprintf(s->names_path, sizeof(s->names_path), "%s", a->cfg->names_socket);
	snprintf(dir, sizeof(dir), "%s", a->cfg->names_socket);
	if ((r = state_dir_prepare(dirname(dir), err, errlen)) != 0)
		return r;
	if ((r = claim_path(s->names_path, err, errlen)) != 0)
		return r;
	strcpy(sun.sun_path, s->names_path);
	s->names = listener_new(a->base, (struct sockaddr *)&sun, sizeof(sun), &opts,
				on_accept_names, a);
	if (!s->names) {
		r = -errno;
		snprintf(err, errlen, "cannot listen on names socket %s: %s", s->names_path,
			 strerror(-r));
		return r ? r : -EIO;
	}
	chmod(s->names_path, 0666);
	/* Others may pass through (not list) the directory to reach it. */
	if (stat(dir, &st) == 0 && (st.st_mode & 0011) != 0011 && st.st_uid == geteuid() &&
	    chmod(dir, (st.st_mode & 07777) | 0011) == 0)
		log_info("%s: search permission for others (the names socket is in it)", dir);
	log_info("names socket %s (resolve only, every local user)", s->names_path);
	return 0;
}

int ctl_server_start(struct agent *a, char *err, size_t errlen)
{
	static const struct listener_opts opts = {
		.name = "control socket", .max_conns = CLIENTS_MAX,
		.backoff_ms = ACCEPT_BACKOFF_MS, .queue_when_full = false, .backlog = BACKLOG,
	};
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ctl_server *s;
	char dir[PATH_MAX];
	mode_t old;
	int r;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	a->ctl = s;
	snprintf(s->path, sizeof(s->path), "%s", a->cfg->socket);
	snprintf(dir, sizeof(dir), "%s", a->cfg->socket);
	if ((r = state_dir_prepare(dirname(dir), err, errlen)) != 0)
		return r;
	if ((r = claim_path(s->path, err, errlen)) != 0)
		return r;
	strcpy(sun.sun_path, s->path);
	old = umask(0177);
	s->listener = listener_new(a->base, (struct sockaddr *)&sun, sizeof(sun), &opts, on_accept,
				   a);
	umask(old);
	if (!s->listener) {
		r = -errno;
		snprintf(err, errlen, "cannot listen on control socket %s: %s", s->path,
			 strerror(-r));
		return r ? r : -EIO;
	}
	chmod(s->path, 0600);
	log_info("control socket %s", s->path);
	return names_start(a, err, errlen);
}

/* Before the next event a client gets: how many it missed, if any. */
static void tell_dropped(struct ctl_client *c)
{
	struct ctl_writer *w;
	int n;

	if (!c->dropped || !(w = malloc(sizeof(*w))))
		return;
	ctl_w_begin(w, "dropped");
	ctl_w_u64(w, "count", c->dropped);
	ctl_w_i64(w, "time", agent_wall_s());
	n = ctl_w_end(w);
	if (n > 0) {
		evbuffer_add(bufferevent_get_output(c->bev), w->buf, (size_t)n);
		c->dropped = 0;
	}
	free(w);
}

void ctl_server_event(struct agent *a, const char *event, const struct gossip_member *m)
{
	struct ctl_client *c, *next;
	struct ctl_writer *w;
	int n;

	if (!a->ctl || !a->ctl->clients)
		return;
	if (!(w = malloc(sizeof(*w))))
		return;
	ctl_report_member(a, w, "event", m);
	ctl_w_str(w, "event", event);
	ctl_w_i64(w, "time", agent_wall_s());
	n = ctl_w_end(w);
	for (c = a->ctl->clients; n > 0 && c; c = next) {
		struct evbuffer *out = bufferevent_get_output(c->bev);

		next = c->next;
		if (!c->events)
			continue;
		if (evbuffer_get_length(out) > EVENTS_BACKLOG_MAX ||
		    (c->dropped && evbuffer_get_length(out) > EVENTS_BACKLOG_MAX / 2)) {
			/* A local client (re)connecting in a loop must not flood the log. */
			static struct log_ratelimit rl = LOG_RATELIMIT_INIT(60000, 3);

			if (!c->dropped && log_ratelimit_ok(&rl, agent_now_ms(), &(uint32_t){ 0 }))
				log_warn("a control client does not read its events: skipping "
					 "events for it (it will be told how many)");
			c->dropped++;
			a->c.events_dropped++;
			continue;
		}
		tell_dropped(c);
		evbuffer_add(out, w->buf, (size_t)n);
	}
	free(w);
}

void ctl_server_leave_done(struct agent *a)
{
	for (struct ctl_client *c = a->ctl ? a->ctl->clients : NULL; c; c = c->next)
		if (c->leave_wait)
			finish(c, 0);
	agent_shutdown(a, "left the mesh");
}

/* Tell streaming clients we are going, then flush what can be flushed. */
void ctl_server_shutdown(struct agent *a)
{
	for (struct ctl_client *c = a->ctl ? a->ctl->clients : NULL; c; c = c->next)
		if (c->events && !c->closing)
			finish(c, 0);
}

const struct conn_cap *ctl_server_cap(const struct agent *a)
{
	return a->ctl && a->ctl->listener ? listener_cap(a->ctl->listener) : NULL;
}

void ctl_server_stop(struct agent *a)
{
	struct ctl_server *s = a->ctl;

	if (!s)
		return;
	while (s->clients)
		client_free(s->clients);
	if (s->listener) {
		listener_free(s->listener);
		unlink(s->path);
	}
	if (s->names) {
		listener_free(s->names);
		unlink(s->names_path);
	}
	free(s);
	a->ctl = NULL;
}
