/* SPDX-License-Identifier: MIT */
/*
 * meshwg peer files ("PUBKEY_B64 ENDPOINT|- ALLOWED[,ALLOWED...]|-
 * [KEEPALIVE]" lines, '#' comments), which tests/netns, tests/vm and the
 * benchmarks feed to meshwg apply; read through fmemopen as
 * meshwg_parse_peers reads a file or stdin. This also covers wgctl's
 * address text (wgctl_endpoint_parse, wgctl_allowed_parse) with whatever
 * a line holds.
 *
 * Invariants: a file that parses yields peers apply would accept
 * (wgctl_peer_invalid is NULL); written back in the same format with
 * wgctl's formatters it parses to the same peers; a failure names the
 * line. With unique keys the set sorts (wgctl_diff_sort), as apply does.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "wg_check.h"
#include "wgctl/diff.h"
#include "wgctl/meshwg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void write_peer(FILE *f, const struct wgctl_peer *p)
{
	char key[45], text[WGCTL_ADDRSTRLEN];

	meshwg_key_to_base64(key, p->public_key);
	fprintf(f, "%s ", key);
	if (p->endpoint.addr.sa_family) {
		wgctl_endpoint_format(&p->endpoint, text, sizeof(text));
		fprintf(f, "%s ", text);
	} else {
		fputs("- ", f);
	}
	for (size_t i = 0; i < p->n_allowed; i++) {
		wgctl_allowed_format(&p->allowed[i], text, sizeof(text));
		fprintf(f, "%s%s", i ? "," : "", text);
	}
	fprintf(f, "%s %u\n", p->n_allowed ? "" : "-", p->keepalive);
}

static void check_round_trip(const struct wgctl_peer *peers, size_t n)
{
	struct wgctl_peer *again = NULL;
	size_t len = 0, n2 = 0;
	char *text = NULL, err[256];
	FILE *f;

	if (n == 0)
		return;
	if (!(f = open_memstream(&text, &len)))
		abort();
	for (size_t i = 0; i < n; i++)
		write_peer(f, &peers[i]);
	if (fclose(f) != 0 || !(f = fmemopen(text, len, "r")))
		abort();
	if (meshwg_parse_peers(f, &again, &n2, err, sizeof(err)) != 0) {
		fprintf(stderr, "written peers do not parse: %s\n%s", err, text);
		abort();
	}
	fclose(f);
	FUZZ_CHECK(n2 == n);
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(wg_peer_same_config(&peers[i], &again[i]));
	free(again);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wgctl_peer *peers = NULL;
	const struct wgctl_peer **sorted;
	size_t n = 0;
	char err[256];
	FILE *f;
	int ret;

	if (size == 0 || !(f = fmemopen((void *)(uintptr_t)data, size, "r")))
		return 0;
	err[0] = '\0';
	ret = meshwg_parse_peers(f, &peers, &n, err, sizeof(err));
	fclose(f);
	if (ret != 0) {
		FUZZ_CHECK(ret == -EINVAL && peers == NULL && n == 0);
		FUZZ_CHECK(strncmp(err, "line ", 5) == 0);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(wgctl_peer_invalid(&peers[i]) == NULL);
	check_round_trip(peers, n);
	sorted = malloc((n + 1) * sizeof(*sorted));
	if (!sorted)
		abort();
	ret = wgctl_diff_sort(peers, n, sorted);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL);
	for (size_t i = 1; ret == 0 && i < n; i++)
		FUZZ_CHECK(wgctl_key_cmp(sorted[i - 1]->public_key, sorted[i]->public_key) < 0);
	free(sorted);
	free(peers);
	return 0;
}
