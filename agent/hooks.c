/* SPDX-License-Identifier: MIT */
/*
 * Event hooks (like Serf's event handlers): on every membership change
 * run --event-hook with the member in MESHD_* environment variables. The
 * script is started with posix_spawn and never waited for in the loop:
 * SIGCHLD (and the housekeeping timer) reap exactly the children started
 * here, so a wireguard-go started by wgctl is never reaped by mistake.
 * At most HOOKS_RUNNING run at once; more wait in a queue that holds at
 * most one run per member (hooks_queue.h: latest state wins, bounded by
 * the member table, so a burst loses nothing); if runs must be dropped
 * anyway, the next one has MESHD_EVENTS_DROPPED=N. A script still
 * running after HOOKS_TIMEOUT_S is killed.
 *
 * Scripts run HOOKS_NICE levels below the agent: a burst of them (a
 * fleet boot is one run per member on every node) should not take the
 * CPU from the agent's own probes and acks, or members get suspected
 * because hooks are busy, which makes more events and more runs. It does
 * not make such a burst cheap: 128 agents with a one-line hook each on
 * one 2-core machine (16,256 runs at ~14 ms of fork and exec each here)
 * still swamp it (tests/faults/results, hooks128).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent.h"
#include "hooks_queue.h"

extern char **environ;

enum { HOOKS_RUNNING = 4, HOOKS_TIMEOUT_S = 30, HOOKS_NICE = 10 };

struct hooks {
	pid_t pid[HOOKS_RUNNING];
	uint64_t started_ms[HOOKS_RUNNING];
	struct hooks_queue q;
};

int hooks_start(struct agent *a, char *err, size_t errlen)
{
	if (!a->cfg->event_hook)
		return 0;
	if (access(a->cfg->event_hook, X_OK) != 0) {
		int r = -errno;

		snprintf(err, errlen, "event hook %s is not executable: %s", a->cfg->event_hook,
			 strerror(-r));
		return r;
	}
	a->hooks = calloc(1, sizeof(*a->hooks));
	if (!a->hooks)
		return -ENOMEM;
	/* One pending run per member: the table's bound, plus members on their way out. */
	return hooks_queue_init(&a->hooks->q, 2 * (size_t)(a->cfg->max_members ?
							  a->cfg->max_members : 4096));
}

static void spawn(struct agent *a, size_t slot, struct hook_job *job)
{
	struct hooks *h = a->hooks;
	char *argv[] = { a->cfg->event_hook, NULL };
	size_t n_env = 0, i = 0;
	char **envp;
	uint32_t dropped;
	pid_t pid;
	int r = 0, nice_to;

	while (environ[n_env])
		n_env++;
	envp = calloc(n_env + HOOK_VARS + 1, sizeof(*envp));
	if (!envp)
		return;
	/* Our variables first: a stale MESHD_* in our own environment must not win. */
	for (size_t k = 0; k < HOOK_VARS; k++)
		if (job->var[k][0])
			envp[i++] = job->var[k];
	for (size_t k = 0; k < n_env; k++)
		if (strncmp(environ[k], "MESHD_", 6) != 0)
			envp[i++] = environ[k];
	/*
	 * fork, not posix_spawn: the child lowers its own priority first. It
	 * calls only async-signal-safe functions (the relay's forwarder may
	 * be another thread), and writes nothing: the parent learns of a
	 * failed exec from the exit status 127.
	 */
	nice_to = getpriority(PRIO_PROCESS, 0) + HOOKS_NICE;   /* our own nice + 10 */
	if (nice_to > 19)
		nice_to = 19;
	pid = fork();
	if (pid == 0) {
		int fd = open("/dev/null", O_RDONLY);

		if (fd < 0 || dup2(fd, 0) < 0)
			_exit(126);
		if (fd != 0)
			close(fd);
		(void)setpriority(PRIO_PROCESS, 0, nice_to);
		execve(a->cfg->event_hook, argv, envp);
		_exit(127);
	}
	if (pid < 0)
		r = errno;
	h->pid[slot] = pid > 0 ? pid : 0;
	free(envp);
	if (r != 0) {
		h->pid[slot] = 0;
		a->c.hooks_failed++;
		if (log_ratelimit_ok(&a->rl_hooks, agent_now_ms(), &dropped))
			log_warn("event hook %s: %s", a->cfg->event_hook, strerror(r));
		return;
	}
	h->started_ms[slot] = agent_now_ms();
	a->c.hooks_run++;
}

static void run_queued(struct agent *a)
{
	struct hooks *h = a->hooks;

	for (size_t s = 0; s < HOOKS_RUNNING && h->q.len > 0; s++) {
		struct hook_job job;
		uint64_t dropped;

		if (h->pid[s] || !hooks_queue_take(&h->q, &job, &dropped))
			continue;
		snprintf(job.var[9], HOOK_VAR_MAX, "MESHD_EVENTS_DROPPED=%llu",
			 (unsigned long long)dropped);
		spawn(a, s, &job);
	}
}

void hooks_event(struct agent *a, const char *event, const struct gossip_member *m)
{
	struct hooks *h = a->hooks;
	const struct wire_record *r = m->rec;
	struct hook_job one, *job;
	char text[WIRE_ADDR_STRLEN], key[KEY_B64_LEN];
	uint32_t dropped;
	int put;

	if (!h)
		return;
	job = &one;
	memset(job, 0, sizeof(*job));
	memcpy(job->id, r->id, WIRE_ID_LEN);
	snprintf(job->var[0], HOOK_VAR_MAX, "MESHD_EVENT=%s", event);
	/* A contested name is another member's: never hand it to a hook as this one's. */
	snprintf(job->var[1], HOOK_VAR_MAX, "MESHD_NAME=%s", m->name_conflict ? "" : r->name);
	key_to_base64(key, m->wg_public);
	snprintf(job->var[2], HOOK_VAR_MAX, "MESHD_PUBLIC_KEY=%s", key);
	text[0] = '\0';
	if (r->n_overlay)
		wire_prefix_format(&r->overlay[0], text, sizeof(text));
	text[strcspn(text, "/")] = '\0';
	snprintf(job->var[3], HOOK_VAR_MAX, "MESHD_OVERLAY_IP=%s", text);
	/* Dual stack (issue 14): the IPv6 address beside the first one, set only then. */
	text[0] = '\0';
	for (int i = 1; i < r->n_overlay; i++)
		if (r->overlay[i].family == WIRE_AF_INET6)
			wire_prefix_format(&r->overlay[i], text, sizeof(text));
	text[strcspn(text, "/")] = '\0';
	if (text[0])
		snprintf(job->var[10], HOOK_VAR_MAX, "MESHD_OVERLAY_IP6=%s", text);
	text[0] = '\0';
	if (r->n_endpoints)
		wire_addr_format(&r->endpoint[0], text, sizeof(text));
	snprintf(job->var[4], HOOK_VAR_MAX, "MESHD_ENDPOINT=%s", text);
	snprintf(job->var[5], HOOK_VAR_MAX, "MESHD_STATUS=%s", agent_state_name(m->state));
	snprintf(job->var[6], HOOK_VAR_MAX, "MESHD_INTERFACE=%s", a->cfg->interface);
	snprintf(job->var[7], HOOK_VAR_MAX, "MESHD_SELF=%d", m->self ? 1 : 0);
	snprintf(job->var[8], HOOK_VAR_MAX, "MESHD_NAME_CONFLICT=%d", m->name_conflict ? 1 : 0);
	put = hooks_queue_put(&h->q, job);
	if (put == 1) {
		a->c.hooks_coalesced++;
	} else if (put == 2 || put < 0) {
		a->c.hooks_dropped++;
		if (log_ratelimit_ok(&a->rl_hooks, agent_now_ms(), &dropped))
			log_warn("event hook queue full (%zu pending): dropped the oldest; the next "
				 "run gets MESHD_EVENTS_DROPPED", h->q.len);
	}
	run_queued(a);
}

void hooks_reap(struct agent *a)
{
	struct hooks *h = a->hooks;
	uint64_t now = agent_now_ms();

	if (!h)
		return;
	for (size_t s = 0; s < HOOKS_RUNNING; s++) {
		uint32_t dropped;
		int status;
		pid_t r;

		if (!h->pid[s])
			continue;
		r = waitpid(h->pid[s], &status, WNOHANG);
		if (r == h->pid[s] || (r < 0 && errno == ECHILD)) {
			if (r > 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
				a->c.hooks_failed++;
				if (log_ratelimit_ok(&a->rl_hooks, now, &dropped))
					log_warn("event hook %s exited with %s %d",
						 a->cfg->event_hook,
						 WIFEXITED(status) ? "status" : "signal",
						 WIFEXITED(status) ? WEXITSTATUS(status)
								   : WTERMSIG(status));
			}
			h->pid[s] = 0;
		} else if (now - h->started_ms[s] > HOOKS_TIMEOUT_S * 1000ULL) {
			log_warn("event hook %s ran over %d s: killed", a->cfg->event_hook,
				 HOOKS_TIMEOUT_S);
			kill(h->pid[s], SIGKILL);
			h->started_ms[s] = now;   /* reaped on the next round */
		}
	}
	run_queued(a);
}

void hooks_stop(struct agent *a)
{
	/* Running scripts finish on their own; they are not our data plane. */
	if (a->hooks)
		hooks_queue_free(&a->hooks->q);
	free(a->hooks);
	a->hooks = NULL;
}
