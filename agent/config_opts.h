/* SPDX-License-Identifier: MIT */
/*
 * The table of configuration keys shared by the file parser, the flag
 * parser, config_dump and --help (internal to config*.c).
 */
#ifndef MESHD_AGENT_CONFIG_OPTS_H
#define MESHD_AGENT_CONFIG_OPTS_H

#include <stddef.h>

enum config_opt_kind { OPT_STR, OPT_PORT, OPT_U32, OPT_BOOL, OPT_SPECIAL };

struct config_opt {
	const char *key;
	enum config_opt_kind kind;
	const char *arg;   /* metavariable for --help, NULL = no argument */
	const char *help;
};

extern const struct config_opt config_opts[];
extern const size_t config_n_opts;

#endif
