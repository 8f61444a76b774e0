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
 * Prints "X.XXX" (ms, CLOCK_MONOTONIC, fork to reap) to FILE, or
 * "vmtime_ms=X.XXX" to stderr without -o. Exit status is the command's,
 * 127 if it could not be run.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			perror("vmtime: waitpid");
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
		fprintf(f, "%.3f\n", ms);
		fclose(f);
	} else {
		fprintf(stderr, "vmtime_ms=%.3f\n", ms);
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}
