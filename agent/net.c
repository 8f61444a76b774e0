/* SPDX-License-Identifier: MIT */
/*
 * The gossip UDP socket(s). Every datagram is opened with the network key
 * before anything else looks at it; what fails is counted by reason and
 * dropped without a reply, and logged only at debug level, rate-limited.
 *
 * Sockets: without --bind one wildcard socket (dual-stack where the host
 * has IPv6) receives both underlay traffic (JOIN) and tunnel traffic to
 * our overlay address. With --bind the underlay socket is bound to that
 * address only, so a second socket is bound to the overlay address for
 * gossip through the tunnel; datagrams to the overlay prefix leave from
 * it, so peers see (and answer) our overlay address.
 *
 * Input is admitted by ingress.c (per-source and global budgets, replay
 * cache) before anything costly is done with it; see net_input.
 */
#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "agent.h"
#include "ingress.h"

enum {
	NET_BATCH = 32,          /* datagrams per recvmmsg */
	NET_BATCHES = 4,         /* recvmmsg calls per wake-up: 128 datagrams, then timers */
	/*
	 * Socket receive buffer: room for ~1,000 full datagrams (~2 KiB of
	 * kernel memory each), so a member's datagram finds a place in the
	 * queue while a flood is being dropped, and a join's burst of answers
	 * is not lost while the engine verifies the first ones. Needs
	 * CAP_NET_ADMIN above net.core.rmem_max; without it the kernel's
	 * maximum is used.
	 */
	NET_RCVBUF = 2 * 1024 * 1024,
};

/* Receive buffers for one recvmmsg batch, shared by the sockets (one thread). */
struct net_rx {
	struct mmsghdr msg[NET_BATCH];
	struct iovec iov[NET_BATCH];
	struct sockaddr_storage ss[NET_BATCH];
	uint8_t buf[NET_BATCH][WIRE_MAX_DATAGRAM + 1];   /* +1: an oversized one shows */
};

static void net_read(evutil_socket_t fd, short what, void *arg);

/* The admission state and receive buffers, made with the first socket. */
static int net_input_init(struct agent *a, char *err, size_t errlen)
{
	struct ingress_limits lim;
	int r;

	if (a->ingress)
		return 0;
	ingress_limits_default(&lim);
	if ((r = ingress_new(&a->ingress, &lim, agent_now_ms())) != 0 ||
	    !(a->rx = calloc(1, sizeof(*a->rx)))) {
		snprintf(err, errlen, "gossip socket: out of memory");
		ingress_free(a->ingress);
		a->ingress = NULL;
		return r ? r : -ENOMEM;
	}
	return 0;
}

static void set_rcvbuf(int fd)
{
	int size = NET_RCVBUF;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) != 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
}

static int open_socket(struct agent *a, const struct wire_addr *bind_addr, bool overlay,
		       char *err, size_t errlen)
{
	struct net_sock *s = &a->sock[a->n_sock];
	struct sockaddr_storage ss;
	struct wire_addr any = { .family = WIRE_AF_INET6, .port = a->cfg->gossip_port };
	socklen_t len;
	int family, one = 1, zero = 0;
	char text[WIRE_ADDR_STRLEN];

	if (!bind_addr)
		bind_addr = &any;
	family = bind_addr->family == WIRE_AF_INET ? AF_INET : AF_INET6;
	s->fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0 && family == AF_INET6 && bind_addr == &any) {
		/* No IPv6 on this host: plain IPv4 wildcard. */
		any.family = WIRE_AF_INET;
		family = AF_INET;
		s->fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	}
	if (s->fd < 0) {
		snprintf(err, errlen, "gossip socket: %s", strerror(errno));
		return -errno;
	}
	if (family == AF_INET6)
		setsockopt(s->fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	set_rcvbuf(s->fd);
	/* The overlay address may not be configured yet when a userspace
	 * backend is still bringing the interface up. */
	if (overlay)
		setsockopt(s->fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
	{
		struct wire_addr b = *bind_addr;

		b.port = a->cfg->gossip_port;
		addr_to_sockaddr(&b, family, &ss, &len);
		wire_addr_format(&b, text, sizeof(text));
	}
	if (bind(s->fd, (struct sockaddr *)&ss, len) != 0) {
		int r = -errno;

		snprintf(err, errlen, "cannot bind gossip socket to %s: %s%s", text, strerror(-r),
			 r == -EADDRINUSE ? " (another meshd or program uses this port; "
			 "use --gossip-port or --bind)" : "");
		close(s->fd);
		return r;
	}
	s->family = family;
	s->overlay = overlay;
	s->ev = event_new(a->base, s->fd, EV_READ | EV_PERSIST, net_read, a);
	if (!s->ev || event_add(s->ev, NULL) != 0) {
		snprintf(err, errlen, "gossip socket: cannot register with the event loop");
		close(s->fd);
		return -ENOMEM;
	}
	a->n_sock++;
	log_info("gossip socket bound to %s%s", text, overlay ? " (overlay)" : "");
	return 0;
}

int net_open(struct agent *a, const struct wire_addr *bind_addr, bool overlay, char *err,
	     size_t errlen)
{
	int r;

	if (a->n_sock >= sizeof(a->sock) / sizeof(a->sock[0])) {
		snprintf(err, errlen, "too many gossip sockets");
		return -ENOSPC;
	}
	if ((r = net_input_init(a, err, errlen)) != 0)
		return r;
	return open_socket(a, bind_addr, overlay, err, errlen);
}

void net_close(struct agent *a)
{
	for (size_t i = 0; i < a->n_sock; i++) {
		if (a->sock[i].ev)
			event_free(a->sock[i].ev);
		close(a->sock[i].fd);
	}
	a->n_sock = 0;
	ingress_free(a->ingress);
	a->ingress = NULL;
	free(a->rx);
	a->rx = NULL;
}

static struct net_sock *pick_socket(struct agent *a, const struct wire_addr *to)
{
	struct net_sock *fallback = NULL;
	bool to_overlay = addr_in_prefix(to, &a->gcfg.overlay_prefix) ||
			  (a->overlay.family && addr_in_prefix(to, &a->overlay));

	for (size_t i = 0; i < a->n_sock; i++) {
		struct net_sock *s = &a->sock[i];

		if (s->family == AF_INET && to->family != WIRE_AF_INET)
			continue;
		if (s->overlay == to_overlay)
			return s;
		if (!fallback)
			fallback = s;
	}
	return fallback;
}

void net_send(struct agent *a, const struct wire_addr *to, const uint8_t *plain, size_t len)
{
	uint8_t out[WIRE_MAX_DATAGRAM], nonce[WIRE_NONCE_LEN];
	struct sockaddr_storage ss;
	struct net_sock *s = pick_socket(a, to);
	uint32_t dropped;
	socklen_t sl;
	ssize_t n;
	int k;

	if (!s || addr_to_sockaddr(to, s->family, &ss, &sl) != 0)
		goto fail;
	randombytes_buf(nonce, sizeof(nonce));
	k = keysched_seal(&a->ks, to, agent_wall_s(), out, sizeof(out), plain, len, nonce);
	if (k <= 0)
		goto fail;
	do
		n = sendto(s->fd, out, (size_t)k, 0, (struct sockaddr *)&ss, sl);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		goto fail;
	a->c.tx_datagrams++;
	a->c.tx_bytes += (uint64_t)n;
	membership_note_sent(a, plain, len);
	return;
fail:
	/* UDP: the engine retries; a dead route must not flood the log. */
	a->c.tx_errors++;
	if (log_ratelimit_ok(&a->rl_send, agent_now_ms(), &dropped)) {
		char text[WIRE_ADDR_STRLEN];

		wire_addr_format(to, text, sizeof(text));
		log_debug("send to %s failed: %s%s", text, strerror(errno),
			  dropped ? " (more suppressed)" : "");
	}
}

static void refuse(struct agent *a, enum refuse_reason why, const struct wire_addr *from, int err)
{
	uint32_t dropped;

	/* Counted always; logged only at debug level and rate-limited, so a flood
	 * costs a counter increment per datagram, never a log line. */
	a->c.refused[why]++;
	if (log_get_level() >= LOG_LVL_DEBUG &&
	    log_ratelimit_ok(&a->rl_refused, agent_now_ms(), &dropped)) {
		char text[WIRE_ADDR_STRLEN];

		wire_addr_format(from, text, sizeof(text));
		if (dropped)
			log_debug("(%u more dropped datagrams not logged)", dropped);
		log_debug("dropped datagram from %s: %s (%s)", text, refuse_reason_names[why],
			  wire_strerror(err));
	}
}

/*
 * One datagram, cheapest checks first (plan D10): size; the source's
 * bucket and the global one (a hash lookup, before the ~3 us AEAD); the
 * AEAD; the replay cache (the nonce is only the sender's once the tag
 * verified); the engine's bucket (signature checks are the costly part);
 * the engine. What most of a flood costs is the first two steps.
 */
static bool net_input(struct agent *a, const struct wire_addr *from, const uint8_t *buf, size_t n,
		      uint8_t *plain, uint64_t now)
{
	bool old;
	int k, r;

	a->c.rx_datagrams++;
	a->c.rx_bytes += n;
	if (n <= WIRE_ENVELOPE_OVERHEAD || n > WIRE_MAX_DATAGRAM) {
		refuse(a, REFUSE_SIZE, from, -EMSGSIZE);
		return false;
	}
	switch (ingress_admit(a->ingress, from, now)) {
	case INGRESS_PASS:
		break;
	case INGRESS_RATE_SOURCE:
		refuse(a, REFUSE_RATE_SOURCE, from, -EBUSY);
		return false;
	case INGRESS_RATE_GLOBAL:
		refuse(a, REFUSE_RATE_GLOBAL, from, -EBUSY);
		return false;
	}
	/*
	 * One key, or two during a rotation's window (keysched.h): a datagram
	 * in neither, a revoked member's after the window, is refused here,
	 * before anything parses it.
	 */
	k = keysched_open(&a->ks, from, agent_wall_s(), plain, WIRE_MAX_PLAINTEXT, buf, n, &old);
	if (k >= 0 && old)
		a->c.opened_prev_key++;
	if (k < 0) {
		refuse(a, REFUSE_ENVELOPE, from, k);
		return false;
	}
	/* version byte, then the nonce (proto/envelope.h) */
	if (ingress_replayed(a->ingress, buf + 1)) {
		refuse(a, REFUSE_REPLAY, from, -EALREADY);
		return false;
	}
	if (!ingress_engine_ok(a->ingress, now)) {
		refuse(a, REFUSE_RATE_ENGINE, from, -EBUSY);
		return false;
	}
	r = gossip_input(a->g, from, plain, (size_t)k, agent_now_ms());
	if (r != 0) {
		refuse(a, REFUSE_MESSAGE, from, r);
		return true;   /* the engine ran: its timers may have moved */
	}
	membership_note_received(a, plain, (size_t)k);
	return true;
}

/*
 * Drain with recvmmsg, NET_BATCH datagrams a system call, but at most
 * NET_BATCHES calls per wake-up. libevent runs every active event each
 * loop iteration, and a timer that came due is activated in the same
 * iteration as the readable socket: so however hard the socket is
 * flooded, the engine's tick and the housekeeping timer run after at most
 * one such callback. What one callback may cost is bounded too:
 * NET_BATCH * NET_BATCHES cheap drops (~1 us each with the read), and the
 * engine's bucket bounds the costly ones. What we leave queued, the
 * kernel drops once the socket buffer is full, at no cost to us.
 */
static void net_read(evutil_socket_t fd, short what, void *arg)
{
	struct agent *a = arg;
	struct net_rx *rx = a->rx;
	uint8_t plain[WIRE_MAX_PLAINTEXT];
	bool any = false;

	(void)what;
	for (int batch = 0; batch < NET_BATCHES; batch++) {
		uint64_t now;
		int got;

		for (int i = 0; i < NET_BATCH; i++) {
			rx->iov[i] = (struct iovec){ rx->buf[i], sizeof(rx->buf[i]) };
			rx->msg[i].msg_hdr = (struct msghdr){
				.msg_name = &rx->ss[i], .msg_namelen = sizeof(rx->ss[i]),
				.msg_iov = &rx->iov[i], .msg_iovlen = 1,
			};
			rx->msg[i].msg_len = 0;
		}
		do
			got = recvmmsg(fd, rx->msg, NET_BATCH, MSG_DONTWAIT, NULL);
		while (got < 0 && errno == EINTR);
		if (got <= 0)
			break;   /* EAGAIN, or an ICMP error reported on the socket */
		now = agent_now_ms();
		for (int i = 0; i < got; i++) {
			struct wire_addr from;

			if (addr_from_sockaddr(&from, (struct sockaddr *)&rx->ss[i]) != 0)
				continue;
			/* A datagram longer than the buffer comes back truncated and
			 * flagged; its length is then over the limit either way. */
			if (rx->msg[i].msg_hdr.msg_flags & MSG_TRUNC)
				rx->msg[i].msg_len = sizeof(rx->buf[i]);
			any |= net_input(a, &from, rx->buf[i], rx->msg[i].msg_len, plain, now);
		}
		if (got < NET_BATCH)
			break;
	}
	sodium_memzero(plain, sizeof(plain));
	if (any)
		timers_kick(a);
}
