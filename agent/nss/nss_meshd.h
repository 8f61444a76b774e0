/* SPDX-License-Identifier: MIT */
/* libnss_meshd internals, seen by its unit test (the .so exports only _nss_meshd_*). */
#ifndef MESHD_AGENT_NSS_MESHD_H
#define MESHD_AGENT_NSS_MESHD_H

#include <nss.h>
#include <stddef.h>
#include <stdint.h>

enum {
	NSS_MESHD_ADDRS_MAX = 2,      /* one IPv4, one IPv6: WIRE_MAX_OVERLAY */
	NSS_MESHD_REPLY_MAX = 1024,   /* buffered reply bytes: two addr lines and END */
};

struct nss_meshd_addr {
	int family;                   /* AF_INET or AF_INET6 */
	uint8_t ip[16];
};

struct nss_meshd_result {
	size_t n;
	struct nss_meshd_addr addr[NSS_MESHD_ADDRS_MAX];
};

/*
 * Take the whole lines of an agent's reply in buf[0..*have) (room for
 * NSS_MESHD_REPLY_MAX + 1 bytes): addr lines into res (at most
 * NSS_MESHD_ADDRS_MAX, malformed ones skipped), consumed lines removed.
 * 1 at END, -1 for any other line or a line longer than the buffer, 0 for more.
 */
int nss_meshd_parse(char *buf, size_t *have, struct nss_meshd_result *res);
/* Ask the agents whose names sockets (*.names.sock) are in dir; IPv4 first in res. */
enum nss_status nss_meshd_query(const char *dir, const char *name, struct nss_meshd_result *res);

#endif
