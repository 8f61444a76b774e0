/* SPDX-License-Identifier: MIT */
/* libnss_meshd internals, seen by its unit test (the .so exports only _nss_meshd_*). */
#ifndef MESHD_AGENT_NSS_MESHD_H
#define MESHD_AGENT_NSS_MESHD_H

#include <nss.h>
#include <stddef.h>
#include <stdint.h>

enum { NSS_MESHD_ADDRS_MAX = 2 };   /* one IPv4, one IPv6: WIRE_MAX_OVERLAY */

struct nss_meshd_addr {
	int family;                   /* AF_INET or AF_INET6 */
	uint8_t ip[16];
};

struct nss_meshd_result {
	size_t n;
	struct nss_meshd_addr addr[NSS_MESHD_ADDRS_MAX];
};

/* Ask the agents whose sockets (*.sock) are in dir; IPv4 first in res. */
enum nss_status nss_meshd_query(const char *dir, const char *name, struct nss_meshd_result *res);

#endif
