/* SPDX-License-Identifier: MIT */
/*
 * meshd-check-state FILE: does the agent's state file load the way meshd
 * loads it at start (state_load)? Exit 0 when it loads with no malformed
 * line (a missing file is a first start: fine), 1 otherwise, with the
 * reason on stderr; prints "records=N bad=M self_version=V" on stdout.
 * Used by tests/faults after every fault ("every state file loads").
 */
#include <stdio.h>
#include <inttypes.h>

#include "state.h"

int main(int argc, char **argv)
{
	struct state_members m;
	char err[512] = "";
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: %s STATE_FILE\n", argv[0]);
		return 2;
	}
	r = state_load(argv[1], &m, err, sizeof(err));
	if (r != 0) {
		fprintf(stderr, "%s: %s\n", argv[1], err[0] ? err : "does not load");
		return 1;
	}
	printf("records=%zu bad=%zu self_version=%" PRIu64 "\n", m.n, m.n_bad, m.self_version);
	r = m.n_bad ? 1 : 0;
	if (m.n_bad)
		fprintf(stderr, "%s: %zu malformed line(s)\n", argv[1], m.n_bad);
	state_members_free(&m);
	return r;
}
