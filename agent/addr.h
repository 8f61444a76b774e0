/* SPDX-License-Identifier: MIT */
/* Conversions between wire addresses, socket addresses and wgctl's forms. */
#ifndef MESHD_AGENT_ADDR_H
#define MESHD_AGENT_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "../proto/wire.h"
#include "../wgctl/wgctl.h"

/* For a socket of family `sock_family`: IPv4 becomes v4-mapped on an AF_INET6 socket. */
int addr_to_sockaddr(const struct wire_addr *a, int sock_family, struct sockaddr_storage *ss,
		     socklen_t *len);
/* v4-mapped IPv6 is turned back into IPv4. 0 or -EAFNOSUPPORT. */
int addr_from_sockaddr(struct wire_addr *a, const struct sockaddr *sa);
/* "host:port" / "[v6]:port" / "host" (default_port); names through getaddrinfo. */
int addr_resolve(struct wire_addr *a, const char *hostport, uint16_t default_port,
		 char *err, size_t errlen);
/* Parse a literal IP (no port). */
int addr_parse_ip(struct wire_addr *a, const char *ip);
/* The local address the kernel would use to reach dst (no packet is sent). */
int addr_source_for(const struct wire_addr *dst, struct wire_addr *src);
/* The first global address of any interface but `skip_if` and loopback. */
int addr_first_global(struct wire_addr *out, const char *skip_if);
bool addr_is_any(const struct wire_addr *a);
/* An address of one of our interfaces (the port is not looked at). */
bool addr_is_local(const struct wire_addr *a);
/* Our first global IPv6 address (not ULA, link-local or loopback), on an
 * interface other than skip_if: the global IPv6 endpoint candidate. */
int addr_first_global6(struct wire_addr *out, const char *skip_if);
bool addr_in_prefix(const struct wire_addr *a, const struct wire_prefix *p);

void addr_to_wg_endpoint(const struct wire_addr *a, union wgctl_endpoint *ep);
void addr_from_wg_endpoint(struct wire_addr *a, const union wgctl_endpoint *ep);
/* The overlay address as a host route (/32 or /128) for allowed IPs. */
void addr_prefix_to_allowed(const struct wire_prefix *p, struct wgctl_allowed *al);

#endif
