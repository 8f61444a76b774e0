/* SPDX-License-Identifier: MIT */
/*
 * meshd: flags and config, then the agent. Every start-up error is one
 * clear line and exit code 1, before anything in the mesh or the kernel
 * has been changed by this run.
 */
#include <stdio.h>
#include <stdlib.h>

#include "agent.h"
#include "config.h"
#include "crash_trace.h"
#include "log.h"

int main(int argc, char **argv)
{
	static struct agent agent;
	struct meshd_config cfg;
	char err[512] = "";
	int r;

	log_init("meshd", LOG_LVL_INFO, false);
	crash_trace_install();
	r = config_load(&cfg, argc, argv, err, sizeof(err));
	if (r == 1) {
		config_free(&cfg);
		return 0;
	}
	if (r != 0) {
		config_free(&cfg);
		fatal("%s", err);
	}
	log_init("meshd", (enum log_level)cfg.log_level, cfg.syslog);
	log_info("meshd %s starting on interface %s (backend %s)", MESHD_VERSION, cfg.interface,
		 config_backend_name(cfg.backend));
	if (agent_start(&agent, &cfg, err, sizeof(err)) != 0) {
		log_err("%s", err);
		agent_stop(&agent);
		config_free(&cfg);
		return 1;
	}
	r = agent_run(&agent);
	agent_stop(&agent);
	config_free(&cfg);
	log_info("stopped");
	return r == 0 ? 0 : 1;
}
