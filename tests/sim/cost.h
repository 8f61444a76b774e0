/* SPDX-License-Identifier: MIT */
#ifndef MESHSIM_COST_H
#define MESHSIM_COST_H

#include <stddef.h>

struct sim_cost {
	double verify_us;         /* one record signature check (Ed25519) */
	double env_op_us;         /* one envelope seal or open of a typical datagram */
	double sys_op_us;         /* one sendto or recvfrom of it over loopback UDP */
};

/* This process's CPU time in seconds. */
double sim_cpu_now(void);

/* Time them on this machine (CPU time of this process). 0 or error. */
int sim_crypto_cost(struct sim_cost *c, size_t dgram_len);

#endif
