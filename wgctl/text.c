// SPDX-License-Identifier: MIT
/* Endpoint and allowed-IP text, as wg(8) and the UAPI write them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>

#include "wgctl/wgctl.h"

static int parse_port(const char *s, uint16_t *port)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

int wgctl_endpoint_parse(const char *s, union wgctl_endpoint *ep)
{
	char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
	const char *colon;
	char *pct;
	uint16_t port;
	size_t hl;

	memset(ep, 0, sizeof(*ep));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		hl = (size_t)(close - s - 1);
		colon = close + 1;
		s++;
	} else {
		colon = strchr(s, ':');
		/* IPv6 needs brackets: "::1:51820" is ambiguous. */
		if (!colon || strchr(colon + 1, ':'))
			return -EINVAL;
		hl = (size_t)(colon - s);
	}
	if (hl == 0 || hl >= sizeof(host) || parse_port(colon + 1, &port) < 0)
		return -EINVAL;
	memcpy(host, s, hl);
	host[hl] = '\0';
	if (inet_pton(AF_INET, host, &ep->in.sin_addr) == 1) {
		ep->in.sin_family = AF_INET;
		ep->in.sin_port = htons(port);
		return 0;
	}
	pct = strchr(host, '%');
	if (pct) {
		*pct++ = '\0';
		ep->in6.sin6_scope_id = if_nametoindex(pct);
		if (!ep->in6.sin6_scope_id)
			ep->in6.sin6_scope_id = (uint32_t)strtoul(pct, NULL, 10);
	}
	if (inet_pton(AF_INET6, host, &ep->in6.sin6_addr) != 1)
		return -EINVAL;
	ep->in6.sin6_family = AF_INET6;
	ep->in6.sin6_port = htons(port);
	return 0;
}

/* Append "sep" + decimal v at out[n] (len total); returns the new n. */
static size_t put_uint(char *out, size_t len, size_t n, char sep, unsigned int v)
{
	char digits[12];
	size_t d = 0;

	do {
		digits[d++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (n + 1 + d >= len)
		return n;
	out[n++] = sep;
	while (d)
		out[n++] = digits[--d];
	out[n] = '\0';
	return n;
}

/* Formatters run thousands of times per dump: no printf. */
void wgctl_endpoint_format(const union wgctl_endpoint *ep, char *out, size_t len)
{
	size_t n;

	if (len < INET6_ADDRSTRLEN + 16) {
		if (len)
			out[0] = '\0';
		return;
	}
	if (ep->addr.sa_family == AF_INET) {
		inet_ntop(AF_INET, &ep->in.sin_addr, out, (socklen_t)len);
		put_uint(out, len, strlen(out), ':', ntohs(ep->in.sin_port));
	} else if (ep->addr.sa_family == AF_INET6) {
		out[0] = '[';
		inet_ntop(AF_INET6, &ep->in6.sin6_addr, out + 1, (socklen_t)len - 1);
		n = strlen(out);
		if (ep->in6.sin6_scope_id)
			n = put_uint(out, len, n, '%', ep->in6.sin6_scope_id);
		out[n++] = ']';
		out[n] = '\0';
		put_uint(out, len, n, ':', ntohs(ep->in6.sin6_port));
	} else {
		snprintf(out, len, "(none)");
	}
}

int wgctl_allowed_parse(const char *s, struct wgctl_allowed *a)
{
	char host[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t hl = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long cidr;
	char *end;

	memset(a, 0, sizeof(*a));
	if (hl == 0 || hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hl);
	host[hl] = '\0';
	if (inet_pton(AF_INET, host, &a->addr.ip4) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, host, &a->addr.ip6) == 1)
		a->family = AF_INET6;
	else
		return -EINVAL;
	cidr = a->family == AF_INET ? 32 : 128;
	if (slash) {
		unsigned long max = cidr;

		if (slash[1] < '0' || slash[1] > '9')
			return -EINVAL;
		errno = 0;
		cidr = strtoul(slash + 1, &end, 10);
		if (errno || *end || cidr > max)
			return -EINVAL;
	}
	a->cidr = (uint8_t)cidr;
	return 0;
}

void wgctl_allowed_format(const struct wgctl_allowed *a, char *out, size_t len)
{
	if (len < INET6_ADDRSTRLEN + 5) {
		if (len)
			out[0] = '\0';
		return;
	}
	if (!inet_ntop(a->family, &a->addr, out, (socklen_t)len))
		snprintf(out, len, "?");
	put_uint(out, len, strlen(out), '/', a->cidr);
}
