/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "trust.h"
#include "wire.h"

const char *wire_strerror(int err)
{
	const char *s;

	switch (-err) {
	case WIRE_EOK:       return "success";
	case WIRE_ETRUNC:    return "input truncated";
	case WIRE_ETYPE:     return "unexpected msgpack type";
	case WIRE_ELIMIT:    return "count, length or depth over limit";
	case WIRE_ECANON:    return "non-canonical encoding";
	case WIRE_EVERSION:  return "unknown version or message type";
	case WIRE_EAUTH:     return "authentication failed";
	case WIRE_ETRAILING: return "trailing bytes";
	case WIRE_EVALUE:    return "field value out of range";
	case WIRE_ESPACE:    return "output buffer too small";
	}
	if (-err >= TRUST_ENOADMISSION && -err < TRUST_REASON_END)
		return trust_strerror(err);
	/* strerrordesc_np: static text, unlike strerror's shared buffer. */
	s = err < 0 ? strerrordesc_np(-err) : NULL;
	return s ? s : "unknown error";
}

size_t wire_family_len(uint8_t family)
{
	return family == WIRE_AF_INET ? 4 : family == WIRE_AF_INET6 ? 16 : 0;
}

static int to_af(uint8_t family)
{
	return family == WIRE_AF_INET ? AF_INET : AF_INET6;
}

static int fill(size_t len, int n)
{
	if (n < 0 || (size_t)n >= len)
		return -WIRE_ESPACE;
	return n;
}

int wire_addr_format(const struct wire_addr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (!wire_family_len(a->family))
		return -EAFNOSUPPORT;
	if (!inet_ntop(to_af(a->family), a->ip, ip, sizeof(ip)))
		return -errno;
	if (a->family == WIRE_AF_INET6)
		return fill(len, snprintf(buf, len, "[%s]:%u", ip, a->port));
	return fill(len, snprintf(buf, len, "%s:%u", ip, a->port));
}

int wire_prefix_format(const struct wire_prefix *p, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (!wire_family_len(p->family))
		return -EAFNOSUPPORT;
	if (!inet_ntop(to_af(p->family), p->ip, ip, sizeof(ip)))
		return -errno;
	return fill(len, snprintf(buf, len, "%s/%u", ip, p->len));
}

/* Strict decimal: 1..digits chars, no sign, no leading zero, <= max. */
static int parse_uint(const char *s, unsigned max, unsigned *out)
{
	unsigned long v = 0;
	size_t n = strlen(s);

	if (n == 0 || n > 5 || (n > 1 && s[0] == '0'))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > max)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

/* Parse an IPv4 or IPv6 literal (no zone, no brackets) into family/ip. */
static int parse_ip(const char *s, size_t n, uint8_t *family, uint8_t ip[static 16])
{
	char tmp[INET6_ADDRSTRLEN];

	if (n == 0 || n >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	memset(ip, 0, 16);
	if (inet_pton(AF_INET, tmp, ip) == 1) {
		*family = WIRE_AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, tmp, ip) == 1) {
		*family = WIRE_AF_INET6;
		return 0;
	}
	return -EINVAL;
}

int wire_addr_parse(struct wire_addr *a, const char *hostport)
{
	struct wire_addr out = { 0 };
	const char *host = hostport, *colon;
	size_t host_len;
	unsigned port;

	if (!hostport)
		return -EINVAL;
	if (hostport[0] == '[') {
		const char *close = strchr(hostport, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		host = hostport + 1;
		host_len = (size_t)(close - host);
		colon = close + 1;
	} else {
		colon = strrchr(hostport, ':');
		if (!colon)
			return -EINVAL;
		host_len = (size_t)(colon - host);
	}
	if (parse_ip(host, host_len, &out.family, out.ip) ||
	    parse_uint(colon + 1, 65535, &port))
		return -EINVAL;
	/* IPv6 must be bracketed so the port cannot be mistaken for a group. */
	if ((out.family == WIRE_AF_INET6) != (hostport[0] == '['))
		return -EINVAL;
	out.port = (uint16_t)port;
	*a = out;
	return 0;
}

int wire_prefix_parse(struct wire_prefix *p, const char *cidr)
{
	struct wire_prefix out = { 0 };
	const char *slash;
	unsigned len;
	size_t ip_len;

	if (!cidr)
		return -EINVAL;
	slash = strchr(cidr, '/');
	ip_len = slash ? (size_t)(slash - cidr) : strlen(cidr);
	if (parse_ip(cidr, ip_len, &out.family, out.ip))
		return -EINVAL;
	len = (unsigned)wire_family_len(out.family) * 8;
	/* No "/len" means a host address. */
	if (slash && parse_uint(slash + 1, len, &len))
		return -EINVAL;
	out.len = (uint8_t)len;
	*p = out;
	return 0;
}

bool wire_addr_equal(const struct wire_addr *a, const struct wire_addr *b)
{
	return a->family == b->family && a->port == b->port &&
	       memcmp(a->ip, b->ip, wire_family_len(a->family)) == 0;
}

bool wire_prefix_same_ip(const struct wire_prefix *a, const struct wire_prefix *b)
{
	return a->family == b->family && memcmp(a->ip, b->ip, wire_family_len(a->family)) == 0;
}
