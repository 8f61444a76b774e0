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
 */
#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <sodium.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../proto/envelope.h"
#include "addr.h"
#include "agent.h"

static void net_read(evutil_socket_t fd, short what, void *arg);

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
	if (a->n_sock >= sizeof(a->sock) / sizeof(a->sock[0])) {
		snprintf(err, errlen, "too many gossip sockets");
		return -ENOSPC;
	}
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
	k = envelope_seal(out, sizeof(out), plain, len, a->netkey, nonce);
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

static void net_read(evutil_socket_t fd, short what, void *arg)
{
	struct agent *a = arg;
	uint8_t buf[WIRE_MAX_DATAGRAM + 1], plain[WIRE_MAX_DATAGRAM];
	bool any = false;

	(void)what;
	/* Drain until EAGAIN, but yield after a burst so one flood cannot starve timers. */
	for (int burst = 0; burst < 256; burst++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct wire_addr from;
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&ss, &sl);
		int k, r;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;   /* EAGAIN, or an ICMP error reported on the socket */
		}
		if (addr_from_sockaddr(&from, (struct sockaddr *)&ss) != 0)
			continue;
		a->c.rx_datagrams++;
		a->c.rx_bytes += (uint64_t)n;
		if (n <= WIRE_ENVELOPE_OVERHEAD || n > WIRE_MAX_DATAGRAM) {
			refuse(a, REFUSE_SIZE, &from, -EMSGSIZE);
			continue;
		}
		k = envelope_open(plain, sizeof(plain), buf, (size_t)n, a->netkey);
		if (k < 0) {
			refuse(a, REFUSE_ENVELOPE, &from, k);
			continue;
		}
		r = gossip_input(a->g, &from, plain, (size_t)k, agent_now_ms());
		any = true;
		if (r != 0) {
			refuse(a, REFUSE_MESSAGE, &from, r);
			continue;
		}
		membership_note_received(a, plain, (size_t)k);
	}
	sodium_memzero(plain, sizeof(plain));
	if (any)
		timers_kick(a);
}
