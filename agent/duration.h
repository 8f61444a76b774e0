/* SPDX-License-Identifier: MIT */
/* Durations on meshctl's command line: "90", "90s", "15m", "12h", "7d", "2w". */
#ifndef MESHD_AGENT_DURATION_H
#define MESHD_AGENT_DURATION_H

#include <stdint.h>

/* Seconds, below 2^39 (so any unix time plus one stays a valid trust time); 0 or -EINVAL. */
int duration_parse(const char *s, uint64_t *out);

#endif
