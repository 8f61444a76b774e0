// SPDX-License-Identifier: MIT
/*
 * Starting wireguard-go when the kernel has no WireGuard. wireguard-go
 * creates the TUN and the UAPI socket, forks a daemon and exits; we wait
 * for that exit (its status and stderr tell why it failed) and for the
 * socket to answer.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include "wgctl/internal.h"
#include "wgctl/uapi.h"

extern char **environ;

enum { SPAWN_WAIT_MS = 10000, STEP_MS = 10 };

/* The last non-empty line of what the program wrote to stderr. */
static void last_line(int fd, char *out, size_t len)
{
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	char *end, *start;

	out[0] = '\0';
	if (n <= 0)
		return;
	buf[n] = '\0';
	end = buf + n;
	while (end > buf && (end[-1] == '\n' || end[-1] == ' '))
		*--end = '\0';
	start = strrchr(buf, '\n');
	start = start ? start + 1 : buf;
	/* Truncating a long line is fine: it is only a hint. */
	n = (ssize_t)strnlen(start, len - 1);
	memcpy(out, start, (size_t)n);
	out[n] = '\0';
}

static int start(const char *program, const char *ifname, int errfd, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	char *argv[] = { (char *)(uintptr_t)program, (char *)(uintptr_t)ifname, NULL };
	int ret;

	ret = posix_spawn_file_actions_init(&fa);
	if (ret)
		return -ret;
	ret = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (!ret)
		ret = posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	if (!ret)
		ret = posix_spawn_file_actions_adddup2(&fa, errfd, 2);
	if (!ret)
		ret = posix_spawnp(pid, program, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	return -ret;
}

int wgctl_uapi_spawn(const char *program, const char *ifname, char *err, size_t errlen)
{
	struct timespec step = { 0, STEP_MS * 1000 * 1000 };
	char line[256];
	int pipefd[2], status = 0, ret, fd = -ENOENT;
	bool exited = false;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) < 0)
		return wgctl_fail(err, errlen, -errno, "pipe: %s", strerror(errno));
	ret = start(program, ifname, pipefd[1], &pid);
	close(pipefd[1]);
	if (ret == -ENOENT) {
		close(pipefd[0]);
		return wgctl_fail(err, errlen, -EPROTONOSUPPORT,
				  "no WireGuard support: %s not found; install wireguard-go, or "
				  "load the wireguard kernel module", program);
	}
	if (ret < 0) {
		close(pipefd[0]);
		return wgctl_fail(err, errlen, ret, "cannot start %s: %s", program, strerror(-ret));
	}
	/* Done when the launcher has exited and the socket answers. A program
	 * that stays in the foreground is accepted once its socket answers. */
	for (int ms = 0; ms < SPAWN_WAIT_MS; ms += STEP_MS) {
		if (!exited) {
			pid_t r = waitpid(pid, &status, WNOHANG);

			if (r == pid || (r < 0 && errno == ECHILD))
				exited = true;   /* ECHILD: SIGCHLD ignored, status unknown */
			if (r == pid && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
				break;
		}
		if (fd < 0)
			fd = wgctl_uapi_connect(ifname);
		if (fd >= 0 && (exited || ms >= 1000))
			break;
		nanosleep(&step, NULL);
	}
	last_line(pipefd[0], line, sizeof(line));
	close(pipefd[0]);
	if (fd >= 0) {
		close(fd);
		return 0;
	}
	if (exited && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		return wgctl_fail(err, errlen, -EIO, "%s %s failed (%s %d)%s%s", program, ifname,
				  WIFEXITED(status) ? "exit" : "signal",
				  WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
				  line[0] ? ": " : "", line);
	return wgctl_fail(err, errlen, -ETIMEDOUT, "%s %s started but its UAPI socket did not appear",
			  program, ifname);
}
