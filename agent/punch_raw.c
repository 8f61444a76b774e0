/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "punch_raw.h"

static uint16_t ip_checksum(const uint8_t *h, size_t n)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

int punch_raw_build(uint8_t *buf, size_t len, const uint8_t src[4], uint16_t sport,
		    const struct wire_addr *dst, uint8_t ttl)
{
	uint8_t *ip = buf, *udp = buf + 20;

	if (dst->family != WIRE_AF_INET)
		return -EAFNOSUPPORT;
	if (len < PUNCH_RAW_LEN || ttl == 0 || sport == 0 || dst->port == 0)
		return -EINVAL;
	memset(buf, 0, PUNCH_RAW_LEN);
	ip[0] = 0x45;                      /* IPv4, 20-byte header */
	put16(ip + 2, PUNCH_RAW_LEN);
	ip[6] = 0x40;                      /* don't fragment */
	ip[8] = ttl;
	ip[9] = IPPROTO_UDP;
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst->ip, 4);
	put16(ip + 10, ip_checksum(ip, 20));
	put16(udp, sport);
	put16(udp + 2, dst->port);
	put16(udp + 4, 8 + PUNCH_RAW_PAYLOAD);
	memcpy(udp + 8, "meshdpun", PUNCH_RAW_PAYLOAD);
	return PUNCH_RAW_LEN;
}

int punch_raw_open(void)
{
	int fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_RAW);

	if (fd < 0)
		return errno == EPERM || errno == EACCES ? -EPERM : -errno;
	return fd;
}

int punch_raw_send(int fd, uint16_t sport, const struct wire_addr *dst, uint8_t ttl)
{
	static const uint8_t any[4];
	uint8_t buf[PUNCH_RAW_LEN];
	struct sockaddr_in to;
	int n = punch_raw_build(buf, sizeof(buf), any, sport, dst, ttl);

	if (n < 0)
		return n;
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	memcpy(&to.sin_addr, dst->ip, 4);
	/* With a zero source the kernel fills it in, and the checksum with it. */
	if (sendto(fd, buf, (size_t)n, 0, (const struct sockaddr *)&to, sizeof(to)) < 0)
		return -errno;
	return 0;
}
