/* SPDX-License-Identifier: MIT */
/*
 * meshd-nss-bench NAME [N]: resolve NAME N times (default 1000) with
 * getaddrinfo in this process and print the median, 99th percentile and
 * worst time per lookup in microseconds. Exit 1 if a lookup fails.
 */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *res;
	long n = argc > 2 ? strtol(argv[2], NULL, 10) : 1000;
	double *t;

	if (argc < 2 || n < 1 || n > 1000000) {
		fprintf(stderr, "usage: meshd-nss-bench NAME [N]\n");
		return 2;
	}
	t = calloc((size_t)n, sizeof(*t));
	if (!t)
		return 1;
	for (long i = 0; i < n; i++) {
		double t0 = now_us();
		int r = getaddrinfo(argv[1], NULL, &hints, &res);

		t[i] = now_us() - t0;
		if (r != 0) {
			fprintf(stderr, "lookup %ld of %s: %s\n", i + 1, argv[1], gai_strerror(r));
			free(t);
			return 1;
		}
		freeaddrinfo(res);
	}
	qsort(t, (size_t)n, sizeof(*t), cmp);
	printf("lookups=%ld median_us=%.1f p99_us=%.1f max_us=%.1f\n", n, t[n / 2],
	       t[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1], t[n - 1]);
	free(t);
	return 0;
}
