/* SPDX-License-Identifier: MIT */
/* What the scenario files share: the watch, totals and rates. */
#ifndef MESHSIM_SC_COMMON_H
#define MESHSIM_SC_COMMON_H

#include "scenario.h"
#include "simnet.h"

enum { ROUND_MS = 200 };

struct watch {
	const struct sc_opts *o;
	uint8_t target[WIRE_ID_LEN];
	uint32_t target_idx;
	uint32_t count;           /* nodes that reached the goal */
	uint32_t goal;
	uint64_t done_at;         /* when count reached goal (0: not yet) */
	uint64_t full_at;         /* join: when the joiner held everyone */
	uint32_t n_full;          /* partition: nodes seeing everyone alive */
	uint64_t false_failures;
	bool any_failure_is_false;
};

void engine_totals(const struct sim *s, struct sc_result *r);
double bytes_rate(const struct sim *s, uint32_t nodes, uint64_t ms);
/* on_event: a failure of anyone but the watched target is false (all, if any_failure_is_false). */
void count_false(struct sim *s, struct node *n, enum gossip_event ev,
		 const struct gossip_member *m);

int run_bootstrap(const struct sc_opts *o, struct sc_result *r);

#endif
