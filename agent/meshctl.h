/* SPDX-License-Identifier: MIT */
/*
 * meshctl internals: a response is a list of parsed lines; output goes
 * through a small table of functions, text or JSON (as bgpctl does).
 */
#ifndef MESHD_AGENT_MESHCTL_H
#define MESHD_AGENT_MESHCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "ctl_proto.h"

struct ctl_reply {
	size_t n;
	char **raw;              /* the line buffers the parsed lines point into */
	struct ctl_line *line;
};

struct meshctl_output {
	void (*members)(FILE *out, const struct ctl_reply *r);
	void (*status)(FILE *out, const struct ctl_reply *r);
	void (*event)(FILE *out, const struct ctl_line *l);
};

extern const struct meshctl_output meshctl_text;
extern const struct meshctl_output meshctl_json;

#endif
