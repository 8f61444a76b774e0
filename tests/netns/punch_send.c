/* SPDX-License-Identifier: MIT */
/*
 * punch-send SPORT IP:PORT TTL: one hole-punching datagram, exactly as
 * meshd sends it (agent/punch_raw.c), for tests/netns/punch-nat.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "punch_raw.h"

int main(int argc, char **argv)
{
	struct wire_addr dst;
	int fd, r;

	if (argc != 4 || wire_addr_parse(&dst, argv[2]) != 0) {
		fprintf(stderr, "usage: punch-send SPORT IP:PORT TTL\n");
		return 2;
	}
	fd = punch_raw_open();
	if (fd < 0) {
		fprintf(stderr, "punch-send: raw socket: %s\n", strerror(-fd));
		return 1;
	}
	r = punch_raw_send(fd, (uint16_t)atoi(argv[1]), &dst, (uint8_t)atoi(argv[3]));
	close(fd);
	if (r < 0) {
		fprintf(stderr, "punch-send: %s\n", strerror(-r));
		return 1;
	}
	return 0;
}
