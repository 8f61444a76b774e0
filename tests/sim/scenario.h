/* SPDX-License-Identifier: MIT */
/* One simulated run of a scenario, and what it measured. */
#ifndef MESHSIM_SCENARIO_H
#define MESHSIM_SCENARIO_H

#include <stdbool.h>
#include <stdint.h>

#include "gossip/gossip.h"

struct sc_opts {
	const char *scenario;
	uint32_t nodes;
	double loss;              /* 0..1 */
	uint64_t seed;
	uint64_t duration_ms;     /* loss, steady (window), partition (split) */
	uint64_t warmup_ms;
	uint64_t pause_ms;        /* pause scenario */
	uint64_t spread_ms;       /* bootstrap: joiners start over this window */
	struct gossip_config cfg;
	bool exiting;             /* last run: leave teardown to process exit */
};

#define SC_NA (-1.0)

struct sc_result {
	double reached;           /* fraction of the goal reached (0..1) */
	double rounds;            /* join: gossip rounds until every member held it */
	double converge_s;        /* join: same in seconds; partition: after heal */
	double joiner_full_s;     /* join: until the joiner held everyone */
	double detect_s;          /* kill: until every survivor marked it failed */
	double bytes_per_node_s;
	/* Per node while counting: what a real agent pays in crypto. */
	double verify_per_node;   /* record signature checks, mean over nodes */
	double verify_max;        /* the busiest node's */
	double env_ops_per_node;  /* envelope seals + opens (datagrams out + in), mean */
	double engine_cpu_s;      /* bootstrap: this process's CPU until converged */
	uint64_t verified_actual; /* bootstrap: checks the shared pool really made in it */
	uint64_t false_failures;  /* live nodes marked failed, (observer, subject) pairs */
	uint64_t still_failed;    /* partition: nodes failed in someone's view at the end */
	uint64_t messages;
	uint64_t suspicions, refutations, refused;  /* summed over engines */
	uint64_t conflicts;       /* (observer, member) pairs flagged conflict at the end */
	uint64_t addr_dups;       /* live members sharing an overlay address at the end */
};

int sc_run(const struct sc_opts *o, struct sc_result *r);

#endif
