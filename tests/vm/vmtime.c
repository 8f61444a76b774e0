/* SPDX-License-Identifier: MIT */
/*
 * vmtime: run a command and report its wall time in milliseconds.
 *
 * The VM's busybox has no sub-second clock (`date +%N` is unsupported,
 * `time` rounds to 10 ms), and the side-by-side figures need ~1 µs
 * resolution. This is built static on the host by run-vm.sh so it needs
 * no libraries in the initramfs.
 *
 *   vmtime [-o FILE] CMD [ARG...]
 *
 * Prints "WALL USER SYS MINFLT MAXRSS" to FILE (ms; wall is CLOCK_MONOTONIC
 * from fork to reap, user/sys the child's CPU time; minor page faults; peak
 * RSS in KiB, all from wait4), or the same as key=value to stderr without
 * -o. User vs sys tells a tool's own work from the kernel's; page faults
 * and RSS do not depend on the clock, which under TCG is only a proxy.
 * Exit status is the command's, 127 if it could not be run.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double tv_ms(const struct timeval *tv)
{
	return (double)tv->tv_sec * 1e3 + (double)tv->tv_usec / 1e3;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	const char *out = NULL;
	int argi = 1, status = 0;
	struct rusage ru;
	double t0, ms;
	pid_t pid;

	if (argc > 2 && strcmp(argv[1], "-o") == 0) {
		out = argv[2];
		argi = 3;
	}
	if (argi >= argc) {
		fprintf(stderr, "usage: vmtime [-o FILE] CMD [ARG...]\n");
		return 2;
	}
	t0 = now_ms();
	pid = fork();
	if (pid < 0) {
		perror("vmtime: fork");
		return 127;
	}
	if (pid == 0) {
		execvp(argv[argi], &argv[argi]);
		fprintf(stderr, "vmtime: %s: %s\n", argv[argi], strerror(errno));
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("vmtime: wait4");
			return 127;
		}
	}
	ms = now_ms() - t0;
	if (out) {
		FILE *f = fopen(out, "w");

		if (!f) {
			perror("vmtime: open output");
			return 127;
		}
		fprintf(f, "%.3f %.3f %.3f %ld %ld\n", ms, tv_ms(&ru.ru_utime),
			tv_ms(&ru.ru_stime), ru.ru_minflt, ru.ru_maxrss);
		fclose(f);
	} else {
		fprintf(stderr, "vmtime_ms=%.3f user_ms=%.3f sys_ms=%.3f minflt=%ld maxrss_kb=%ld\n",
			ms, tv_ms(&ru.ru_utime), tv_ms(&ru.ru_stime), ru.ru_minflt, ru.ru_maxrss);
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}
