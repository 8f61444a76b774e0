/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"

static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

int addr_to_sockaddr(const struct wire_addr *a, int sock_family, struct sockaddr_storage *ss,
		     socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == WIRE_AF_INET && sock_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(a->port);
		memcpy(&in->sin_addr, a->ip, 4);
		*len = sizeof(*in);
		return 0;
	}
	if (sock_family == AF_INET6 && (a->family == WIRE_AF_INET || a->family == WIRE_AF_INET6)) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(a->port);
		if (a->family == WIRE_AF_INET) {
			memcpy(in6->sin6_addr.s6_addr, v4mapped, 12);
			memcpy(in6->sin6_addr.s6_addr + 12, a->ip, 4);
		} else {
			memcpy(in6->sin6_addr.s6_addr, a->ip, 16);
		}
		*len = sizeof(*in6);
		return 0;
	}
	return -EAFNOSUPPORT;
}

int addr_from_sockaddr(struct wire_addr *a, const struct sockaddr *sa)
{
	memset(a, 0, sizeof(*a));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		a->family = WIRE_AF_INET;
		memcpy(a->ip, &in->sin_addr, 4);
		a->port = ntohs(in->sin_port);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		a->port = ntohs(in6->sin6_port);
		if (memcmp(in6->sin6_addr.s6_addr, v4mapped, 12) == 0) {
			a->family = WIRE_AF_INET;
			memcpy(a->ip, in6->sin6_addr.s6_addr + 12, 4);
		} else {
			a->family = WIRE_AF_INET6;
			memcpy(a->ip, in6->sin6_addr.s6_addr, 16);
		}
		return 0;
	}
	return -EAFNOSUPPORT;
}

int addr_parse_ip(struct wire_addr *a, const char *ip)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, ip, a->ip) == 1) {
		a->family = WIRE_AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, ip, a->ip) == 1) {
		a->family = WIRE_AF_INET6;
		return 0;
	}
	return -EINVAL;
}

int addr_resolve(struct wire_addr *a, const char *hostport, uint16_t default_port,
		 char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM, .ai_flags = AI_ADDRCONFIG };
	struct addrinfo *res = NULL;
	char host[256], port[8];
	const char *p;
	size_t n;
	int r;

	if (hostport[0] == '[') {
		p = strchr(hostport, ']');
		if (!p)
			goto bad;
		n = (size_t)(p - hostport - 1);
		if (n >= sizeof(host))
			goto bad;
		memcpy(host, hostport + 1, n);
		host[n] = '\0';
		p = p[1] == ':' ? p + 2 : NULL;
	} else {
		p = strrchr(hostport, ':');
		n = p ? (size_t)(p - hostport) : strlen(hostport);
		if (n >= sizeof(host))
			goto bad;
		memcpy(host, hostport, n);
		host[n] = '\0';
		if (p)
			p++;
	}
	snprintf(port, sizeof(port), "%s", p ? p : "");
	if (!p)
		snprintf(port, sizeof(port), "%u", default_port);
	r = getaddrinfo(host, port, &hints, &res);
	if (r != 0) {
		snprintf(err, errlen, "cannot resolve '%s': %s", hostport, gai_strerror(r));
		return -EHOSTUNREACH;
	}
	r = addr_from_sockaddr(a, res->ai_addr);
	freeaddrinfo(res);
	if (r != 0 || a->port == 0)
		goto bad;
	return 0;
bad:
	snprintf(err, errlen, "'%s' is not HOST:PORT", hostport);
	return -EINVAL;
}

int addr_source_for(const struct wire_addr *dst, struct wire_addr *src)
{
	struct sockaddr_storage ss, local;
	socklen_t len, llen = sizeof(local);
	int family = dst->family == WIRE_AF_INET ? AF_INET : AF_INET6;
	int fd, r = 0;
	struct wire_addr d = *dst;

	if (d.port == 0)
		d.port = 9;   /* connect() on UDP needs a port; nothing is sent */
	if (addr_to_sockaddr(&d, family, &ss, &len) != 0)
		return -EAFNOSUPPORT;
	fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&ss, len) != 0 ||
	    getsockname(fd, (struct sockaddr *)&local, &llen) != 0)
		r = -errno;
	else
		r = addr_from_sockaddr(src, (struct sockaddr *)&local);
	close(fd);
	if (r == 0)
		src->port = 0;
	return r;
}

int addr_first_global(struct wire_addr *out, const char *skip_if)
{
	struct ifaddrs *ifa, *i;
	int r = -EADDRNOTAVAIL;

	if (getifaddrs(&ifa) != 0)
		return -errno;
	for (i = ifa; i; i = i->ifa_next) {
		if (!i->ifa_addr || (i->ifa_flags & IFF_LOOPBACK) || !(i->ifa_flags & IFF_UP))
			continue;
		if (skip_if && strcmp(i->ifa_name, skip_if) == 0)
			continue;
		if (i->ifa_addr->sa_family != AF_INET)
			continue;   /* IPv4 first: the common underlay */
		if (addr_from_sockaddr(out, i->ifa_addr) == 0) {
			out->port = 0;
			r = 0;
			break;
		}
	}
	freeifaddrs(ifa);
	return r;
}

bool addr_is_local(const struct wire_addr *a)
{
	struct ifaddrs *ifa, *i;
	struct wire_addr x;
	bool found = false;

	if (getifaddrs(&ifa) != 0)
		return false;
	for (i = ifa; i && !found; i = i->ifa_next)
		if (i->ifa_addr && addr_from_sockaddr(&x, i->ifa_addr) == 0 && x.family == a->family)
			found = memcmp(x.ip, a->ip, wire_family_len(a->family)) == 0;
	freeifaddrs(ifa);
	return found;
}

int addr_first_global6(struct wire_addr *out, const char *skip_if)
{
	struct ifaddrs *ifa, *i;
	int r = -EADDRNOTAVAIL;

	if (getifaddrs(&ifa) != 0)
		return -errno;
	for (i = ifa; i && r; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET6 ||
		    (i->ifa_flags & IFF_LOOPBACK) || !(i->ifa_flags & IFF_UP))
			continue;
		if (skip_if && strcmp(i->ifa_name, skip_if) == 0)
			continue;
		if (addr_from_sockaddr(out, i->ifa_addr) == 0 && out->family == WIRE_AF_INET6 &&
		    (out->ip[0] & 0xe0) == 0x20) {      /* 2000::/3: global unicast */
			out->port = 0;
			r = 0;
		}
	}
	freeifaddrs(ifa);
	return r;
}

bool addr_is_any(const struct wire_addr *a)
{
	static const uint8_t zero[16];

	return memcmp(a->ip, zero, a->family == WIRE_AF_INET ? 4 : 16) == 0;
}

bool addr_in_prefix(const struct wire_addr *a, const struct wire_prefix *p)
{
	unsigned bits = p->len, bytes = bits / 8, rem = bits % 8;

	if (a->family != p->family || p->family == WIRE_AF_NONE)
		return false;
	if (memcmp(a->ip, p->ip, bytes) != 0)
		return false;
	if (rem == 0)
		return true;
	return ((a->ip[bytes] ^ p->ip[bytes]) & (uint8_t)(0xff << (8 - rem))) == 0;
}

void addr_to_wg_endpoint(const struct wire_addr *a, union wgctl_endpoint *ep)
{
	memset(ep, 0, sizeof(*ep));
	if (a->family == WIRE_AF_INET) {
		ep->in.sin_family = AF_INET;
		ep->in.sin_port = htons(a->port);
		memcpy(&ep->in.sin_addr, a->ip, 4);
	} else if (a->family == WIRE_AF_INET6) {
		ep->in6.sin6_family = AF_INET6;
		ep->in6.sin6_port = htons(a->port);
		memcpy(&ep->in6.sin6_addr, a->ip, 16);
	}
}

void addr_from_wg_endpoint(struct wire_addr *a, const union wgctl_endpoint *ep)
{
	if (addr_from_sockaddr(a, &ep->addr) != 0)
		memset(a, 0, sizeof(*a));
}

void addr_prefix_to_allowed(const struct wire_prefix *p, struct wgctl_allowed *al)
{
	memset(al, 0, sizeof(*al));
	if (p->family == WIRE_AF_INET) {
		al->family = AF_INET;
		al->cidr = 32;
		memcpy(&al->addr.ip4, p->ip, 4);
	} else {
		al->family = AF_INET6;
		al->cidr = 128;
		memcpy(&al->addr.ip6, p->ip, 16);
	}
}
