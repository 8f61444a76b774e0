/* SPDX-License-Identifier: MIT */
/*
 * The hole-punching datagram (issue 11, docs/DESIGN.md "Hole punching"):
 * a small UDP datagram from our WireGuard listen port to the peer's public
 * endpoint with a low IP TTL, so it opens our own NAT's mapping towards
 * the peer and dies on the way, before the peer's NAT sees it (a packet
 * arriving there first would poison the peer's mapping: nat-notes.md).
 * WireGuard owns the listen port, so the datagram goes out through a raw
 * socket (IPPROTO_RAW: send-only, we write the IP header): CAP_NET_RAW.
 * IPv4 only: IPv6 has no port mapping to open.
 */
#ifndef MESHD_AGENT_PUNCH_RAW_H
#define MESHD_AGENT_PUNCH_RAW_H

#include <stddef.h>
#include <stdint.h>

#include "../proto/wire.h"

enum {
	PUNCH_RAW_PAYLOAD = 8,                          /* "meshdpun": easy to spot in a capture */
	PUNCH_RAW_LEN = 20 + 8 + PUNCH_RAW_PAYLOAD,     /* IPv4 + UDP + payload */
};

/*
 * Build the datagram into buf (PUNCH_RAW_LEN bytes): IPv4 header with
 * `ttl`, protocol UDP, source src (0.0.0.0: the kernel picks the route's),
 * header checksum; UDP from sport to dst's port, no UDP checksum (optional
 * in IPv4). Returns the length or -EAFNOSUPPORT (dst not IPv4), -EINVAL.
 */
int punch_raw_build(uint8_t *buf, size_t len, const uint8_t src[4], uint16_t sport,
		    const struct wire_addr *dst, uint8_t ttl);

/* A raw socket for punch_raw_send: fd, or -EPERM without CAP_NET_RAW, or -errno. */
int punch_raw_open(void);
/* Send one punch from sport to dst; 0 or -errno. */
int punch_raw_send(int fd, uint16_t sport, const struct wire_addr *dst, uint8_t ttl);

#endif
