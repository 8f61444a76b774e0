/* SPDX-License-Identifier: MIT */
/* The relay forwarder thread: see relay.h. */
#include "relay.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"

enum { SLOT_FREE = 0, SLOT_ACTIVE = 1 };
enum { CMD_ADD = 1, CMD_UPDATE, CMD_CLOSE, CMD_STOP };
enum { RELAY_BURST = 64, RELAY_BUF = 65536 };

struct relay_cmd {
	uint8_t op;
	uint32_t slot;
	struct wire_addr ep[2];
};

struct relay_slot {
	atomic_int state;            /* SLOT_*: FREE -> ACTIVE by the agent, back by the thread */
	/* the agent's side (read and written only in its thread) */
	uint8_t id[2][WIRE_ID_LEN];
	uint16_t port[2];
	/* the thread's side */
	int fd[2];
	struct relay_pair_rules rules;
};

struct relay {
	struct relay_limits lim;
	char *bind;
	int epfd, cmd_rd, cmd_wr;
	pthread_t thread;
	struct relay_slot *slot;
	atomic_uint_fast64_t pairs, fwd_pkts, fwd_bytes, allocated, refused;
	atomic_uint_fast64_t dropped[RELAY_VERDICT_N];
	uint8_t *buf;
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* epoll data: slot index * 2 + side; the command pipe is UINT32_MAX. */
static void slot_free(struct relay *r, uint32_t i)
{
	struct relay_slot *s = &r->slot[i];

	for (int k = 0; k < 2; k++) {
		if (s->fd[k] >= 0) {
			epoll_ctl(r->epfd, EPOLL_CTL_DEL, s->fd[k], NULL);
			close(s->fd[k]);
			s->fd[k] = -1;
		}
	}
	atomic_fetch_sub(&r->pairs, 1);
	atomic_store_explicit(&s->state, SLOT_FREE, memory_order_release);
}

static void run_cmd(struct relay *r, const struct relay_cmd *c, uint64_t now)
{
	struct relay_slot *s;

	if (c->slot >= r->lim.max_pairs)
		return;
	s = &r->slot[c->slot];
	switch (c->op) {
	case CMD_ADD:
		relay_pair_init(&s->rules, &c->ep[0], &c->ep[1], &r->lim, now);
		for (int k = 0; k < 2; k++) {
			struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (uint64_t)c->slot * 2 + (uint64_t)k };

			epoll_ctl(r->epfd, EPOLL_CTL_ADD, s->fd[k], &ev);
		}
		break;
	case CMD_UPDATE:
		/* Same IP: keep the port, it may have been learned (symmetric NAT). */
		for (int k = 0; k < 2; k++)
			if (!relay_same_ip(&c->ep[k], &s->rules.ep[k])) {
				s->rules.ep[k] = c->ep[k];
				/* a new NAT (the member moved): not opened yet, and its
				 * first datagram from the new IP sets the port, as for
				 * a fresh pair (its NAT may have remapped it) */
				s->rules.opened[k] = false;
				s->rules.heard[k] = false;
			}
		break;
	case CMD_CLOSE:
		if (s->fd[0] >= 0)
			slot_free(r, c->slot);
		break;
	}
}

static void count(struct relay *r, enum relay_verdict v)
{
	atomic_fetch_add_explicit(&r->dropped[v], 1, memory_order_relaxed);
}

static void forward(struct relay *r, uint32_t i, unsigned side, uint64_t now)
{
	struct relay_slot *s = &r->slot[i];

	for (int n = 0; n < RELAY_BURST; n++) {
		struct sockaddr_storage ss, dst;
		socklen_t sl = sizeof(ss), dl;
		struct wire_addr src;
		const struct wire_addr *to;
		enum relay_verdict v;
		ssize_t len = recvfrom(s->fd[side], r->buf, RELAY_BUF, MSG_DONTWAIT,
				       (struct sockaddr *)&ss, &sl);

		if (len < 0)
			return;
		if (addr_from_sockaddr(&src, (struct sockaddr *)&ss) != 0) {
			count(r, RELAY_DROP_STRANGER);
			continue;
		}
		v = relay_pair_judge(&s->rules, &r->lim, side, &src, r->buf, (size_t)len, now, &to);
		if (v != RELAY_FORWARD) {
			count(r, v);
			continue;
		}
		if (addr_to_sockaddr(to, to->family == WIRE_AF_INET ? AF_INET : AF_INET6, &dst, &dl) != 0 ||
		    sendto(s->fd[side ^ 1], r->buf, (size_t)len, MSG_DONTWAIT,
			   (struct sockaddr *)&dst, dl) < 0) {
			count(r, RELAY_DROP_ERROR);
			continue;
		}
		atomic_fetch_add_explicit(&r->fwd_pkts, 1, memory_order_relaxed);
		atomic_fetch_add_explicit(&r->fwd_bytes, (uint64_t)len, memory_order_relaxed);
	}
}

static void *relay_main(void *arg)
{
	struct relay *r = arg;
	uint64_t next_sweep = mono_ms() + 1000;

	for (;;) {
		struct epoll_event ev[32];
		int n = epoll_wait(r->epfd, ev, 32, 1000);
		uint64_t now = mono_ms();

		for (int k = 0; k < n; k++) {
			uint64_t d = ev[k].data.u64;

			if (d == UINT32_MAX) {
				struct relay_cmd c;

				while (read(r->cmd_rd, &c, sizeof(c)) == (ssize_t)sizeof(c)) {
					if (c.op == CMD_STOP)
						return NULL;
					run_cmd(r, &c, now);
				}
				continue;
			}
			if (r->slot[d / 2].fd[0] >= 0)
				forward(r, (uint32_t)(d / 2), (unsigned)(d % 2), now);
		}
		if (now >= next_sweep) {
			next_sweep = now + 1000;
			for (uint32_t i = 0; i < r->lim.max_pairs; i++)
				if (r->slot[i].fd[0] >= 0 && relay_pair_idle(&r->slot[i].rules, &r->lim, now))
					slot_free(r, i);
		}
	}
}

static int send_cmd(struct relay *r, const struct relay_cmd *c)
{
	/* One write of < PIPE_BUF bytes is atomic: the reader sees whole commands. */
	return write(r->cmd_wr, c, sizeof(*c)) == (ssize_t)sizeof(*c) ? 0 : -EAGAIN;
}

int relay_start(struct relay **out, const struct relay_limits *lim, const char *bind,
		char *err, size_t errlen)
{
	struct relay *r = calloc(1, sizeof(*r));
	int p[2] = { -1, -1 };
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = UINT32_MAX };

	if (!r)
		return -ENOMEM;
	r->lim = *lim;
	r->epfd = -1;
	r->slot = calloc(lim->max_pairs ? lim->max_pairs : 1, sizeof(*r->slot));
	r->buf = malloc(RELAY_BUF);
	r->bind = bind ? strdup(bind) : NULL;
	if (!r->slot || !r->buf || (bind && !r->bind))
		goto nomem;
	for (uint32_t i = 0; i < lim->max_pairs; i++)
		r->slot[i].fd[0] = r->slot[i].fd[1] = -1;
	if (pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0 || (r->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    epoll_ctl(r->epfd, EPOLL_CTL_ADD, p[0], &ev) != 0) {
		snprintf(err, errlen, "relay: %s", strerror(errno));
		goto fail;
	}
	r->cmd_rd = p[0];
	r->cmd_wr = p[1];
	if (pthread_create(&r->thread, NULL, relay_main, r) != 0) {
		snprintf(err, errlen, "relay: cannot start its thread");
		goto fail;
	}
	*out = r;
	return 0;
nomem:
	snprintf(err, errlen, "relay: out of memory");
fail:
	if (p[0] >= 0) {
		close(p[0]);
		close(p[1]);
	}
	if (r->epfd >= 0)
		close(r->epfd);
	free(r->slot);
	free(r->buf);
	free(r->bind);
	free(r);
	return -EINVAL;
}

void relay_stop(struct relay *r)
{
	struct relay_cmd c = { .op = CMD_STOP };

	if (!r)
		return;
	/* The pipe is non-blocking: retry until the stop gets in. */
	while (send_cmd(r, &c) != 0)
		usleep(1000);
	pthread_join(r->thread, NULL);
	for (uint32_t i = 0; i < r->lim.max_pairs; i++)
		for (int k = 0; k < 2; k++)
			if (r->slot[i].fd[k] >= 0)
				close(r->slot[i].fd[k]);
	close(r->cmd_rd);
	close(r->cmd_wr);
	close(r->epfd);
	free(r->slot);
	free(r->buf);
	free(r->bind);
	free(r);
}

static int open_side(const struct relay *r, const struct wire_addr *ep, uint16_t *port)
{
	int af = ep->family == WIRE_AF_INET ? AF_INET : AF_INET6;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd = socket(af, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -errno;
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = (sa_family_t)af;
	if (r->bind) {
		struct wire_addr b;

		/* A bind address of the other family: any address of this one. */
		if (addr_parse_ip(&b, r->bind) == 0 && (b.family == WIRE_AF_INET) == (af == AF_INET))
			addr_to_sockaddr(&b, af, &ss, &sl);
	}
	if (bind(fd, (struct sockaddr *)&ss, af == AF_INET ? sizeof(struct sockaddr_in)
							   : sizeof(struct sockaddr_in6)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	*port = ntohs(af == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
				    : ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

static struct relay_slot *find_pair(struct relay *r, const uint8_t a[WIRE_ID_LEN],
				    const uint8_t b[WIRE_ID_LEN], bool *swapped)
{
	for (uint32_t i = 0; i < r->lim.max_pairs; i++) {
		struct relay_slot *s = &r->slot[i];

		if (atomic_load_explicit(&s->state, memory_order_acquire) != SLOT_ACTIVE)
			continue;
		if (!memcmp(s->id[0], a, WIRE_ID_LEN) && !memcmp(s->id[1], b, WIRE_ID_LEN)) {
			*swapped = false;
			return s;
		}
		if (!memcmp(s->id[0], b, WIRE_ID_LEN) && !memcmp(s->id[1], a, WIRE_ID_LEN)) {
			*swapped = true;
			return s;
		}
	}
	return NULL;
}

int relay_open(struct relay *r, const uint8_t a[WIRE_ID_LEN], const struct wire_addr *a_ep,
	       const uint8_t b[WIRE_ID_LEN], const struct wire_addr *b_ep, uint16_t port[2])
{
	struct relay_cmd c = { .op = CMD_UPDATE };
	bool swapped;
	struct relay_slot *s = find_pair(r, a, b, &swapped);
	int fd0, fd1;

	if (!memcmp(a, b, WIRE_ID_LEN) || !a_ep->family || !b_ep->family)
		return -EINVAL;
	if (s) {
		c.slot = (uint32_t)(s - r->slot);
		c.ep[swapped] = *a_ep;
		c.ep[!swapped] = *b_ep;
		port[0] = s->port[swapped];
		port[1] = s->port[!swapped];
		return send_cmd(r, &c);
	}
	for (uint32_t i = 0; i < r->lim.max_pairs; i++) {
		s = &r->slot[i];
		if (atomic_load_explicit(&s->state, memory_order_acquire) != SLOT_FREE)
			continue;
		fd0 = open_side(r, a_ep, &port[0]);
		if (fd0 < 0)
			return fd0;
		fd1 = open_side(r, b_ep, &port[1]);
		if (fd1 < 0) {
			close(fd0);
			return fd1;
		}
		memcpy(s->id[0], a, WIRE_ID_LEN);
		memcpy(s->id[1], b, WIRE_ID_LEN);
		s->port[0] = port[0];
		s->port[1] = port[1];
		s->fd[0] = fd0;
		s->fd[1] = fd1;
		c.op = CMD_ADD;
		c.slot = i;
		c.ep[0] = *a_ep;
		c.ep[1] = *b_ep;
		atomic_store_explicit(&s->state, SLOT_ACTIVE, memory_order_release);
		atomic_fetch_add(&r->pairs, 1);
		if (send_cmd(r, &c) != 0) {
			/* The thread never saw it: take it back. */
			close(fd0);
			close(fd1);
			s->fd[0] = s->fd[1] = -1;
			atomic_fetch_sub(&r->pairs, 1);
			atomic_store(&s->state, SLOT_FREE);
			return -EAGAIN;
		}
		atomic_fetch_add(&r->allocated, 1);
		return 0;
	}
	atomic_fetch_add(&r->refused, 1);
	return -ENOSPC;
}

void relay_close_member(struct relay *r, const uint8_t id[WIRE_ID_LEN])
{
	for (uint32_t i = 0; r && i < r->lim.max_pairs; i++) {
		struct relay_slot *s = &r->slot[i];
		struct relay_cmd c = { .op = CMD_CLOSE, .slot = i };

		if (atomic_load_explicit(&s->state, memory_order_acquire) != SLOT_ACTIVE)
			continue;
		if (!memcmp(s->id[0], id, WIRE_ID_LEN) || !memcmp(s->id[1], id, WIRE_ID_LEN)) {
			/* Forget the ids now so a new request opens a new pair. */
			memset(s->id, 0, sizeof(s->id));
			send_cmd(r, &c);
		}
	}
}

void relay_get_stats(struct relay *r, struct relay_stats *s)
{
	memset(s, 0, sizeof(*s));
	if (!r)
		return;
	s->pairs = atomic_load(&r->pairs);
	s->forwarded_packets = atomic_load(&r->fwd_pkts);
	s->forwarded_bytes = atomic_load(&r->fwd_bytes);
	s->allocated_total = atomic_load(&r->allocated);
	s->refused_total = atomic_load(&r->refused);
	for (int v = 1; v < RELAY_VERDICT_N; v++)
		s->dropped[v] = atomic_load(&r->dropped[v]);
}
