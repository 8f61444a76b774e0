/* SPDX-License-Identifier: MIT */
/*
 * What one signature check and one envelope seal+open cost on this
 * machine, timed here so the simulator's per-node counts turn into CPU
 * seconds measured in the same run (the live bars compare agents' CPU
 * with N^2 checks at this very cost).
 */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cost.h"
#include "proto/envelope.h"
#include "proto/identity.h"
#include "proto/record.h"

double sim_cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A datagram to ourselves on 127.0.0.1 and back in: the agent's per-datagram system calls. */
static int sys_cost(struct sim_cost *c, const uint8_t *buf, size_t len)
{
	enum { ROUNDS = 20000 };
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	static uint8_t in[WIRE_MAX_DATAGRAM];
	int fd = socket(AF_INET, SOCK_DGRAM, 0), ret = -1;
	double t;

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || getsockname(fd, (struct sockaddr *)&a, &al))
		goto out;
	t = sim_cpu_now();
	for (int i = 0; i < ROUNDS; i++)
		if (sendto(fd, buf, len, 0, (struct sockaddr *)&a, sizeof(a)) != (ssize_t)len ||
		    recv(fd, in, sizeof(in), 0) != (ssize_t)len)
			goto out;
	c->sys_op_us = (sim_cpu_now() - t) / ROUNDS / 2 * 1e6;
	ret = 0;
out:
	close(fd);
	return ret;
}

int sim_crypto_cost(struct sim_cost *c, size_t dgram_len)
{
	enum { VERIFIES = 2000, ENVELOPES = 20000 };
	uint8_t seed[32], key[WIRE_KEY_LEN], nonce[WIRE_NONCE_LEN] = { 0 };
	static uint8_t plain[WIRE_MAX_DATAGRAM], sealed[WIRE_MAX_DATAGRAM];
	struct wire_record r;
	struct identity idn;
	volatile int sink = 0;
	double t;
	int ret;

	if (dgram_len + WIRE_ENVELOPE_OVERHEAD > sizeof(sealed))
		return -1;
	memset(seed, 7, sizeof(seed));
	memset(key, 9, sizeof(key));
	memset(plain, 0x5a, dgram_len);
	ret = identity_from_seed(&idn, seed);
	if (ret)
		return ret;
	memset(&r, 0, sizeof(r));
	/* A typical record: a name, one endpoint, one overlay address. */
	strcpy(r.name, "cost");
	r.version = 1;
	r.n_endpoints = 1;
	r.endpoint[0].family = WIRE_AF_INET;
	memcpy(r.endpoint[0].ip, (uint8_t[]){ 192, 0, 2, 1 }, 4);
	r.endpoint[0].port = 51820;
	r.gossip_port = 51821;
	r.n_overlay = 1;
	r.overlay[0].family = WIRE_AF_INET;
	memcpy(r.overlay[0].ip, (uint8_t[]){ 10, 0, 0, 1 }, 4);
	memcpy(r.id, idn.id, WIRE_ID_LEN);
	ret = record_sign(&r, &idn);
	identity_wipe(&idn);
	if (ret)
		return ret;
	t = sim_cpu_now();
	for (int i = 0; i < VERIFIES; i++)
		sink += record_verify(&r);
	c->verify_us = (sim_cpu_now() - t) / VERIFIES * 1e6;
	t = sim_cpu_now();
	for (int i = 0; i < ENVELOPES; i++) {
		int n = envelope_seal(sealed, sizeof(sealed), plain, dgram_len, key, nonce);

		sink += envelope_open(plain, sizeof(plain), sealed, (size_t)n, key) < 0;
		nonce[0]++;
	}
	/* One seal + one open per datagram, so half of this per envelope op. */
	c->env_op_us = (sim_cpu_now() - t) / ENVELOPES / 2 * 1e6;
	return sink ? -1 : sys_cost(c, sealed, dgram_len + WIRE_ENVELOPE_OVERHEAD);
}
