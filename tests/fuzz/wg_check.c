/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "wg_check.h"
#include "wgctl/diff.h"

bool wg_keys_unique(const struct wgctl_device *d)
{
	for (size_t i = 1; i < d->n_peers; i++)
		if (wgctl_key_cmp(d->peers[i - 1].public_key, d->peers[i].public_key) == 0)
			return false;
	return true;
}

bool wg_peer_same_config(const struct wgctl_peer *a, const struct wgctl_peer *b)
{
	if (memcmp(a->public_key, b->public_key, WGCTL_KEY_LEN) != 0 ||
	    a->endpoint.addr.sa_family != b->endpoint.addr.sa_family ||
	    !wgctl_endpoint_equal(&a->endpoint, &b->endpoint) || a->keepalive != b->keepalive ||
	    a->n_allowed != b->n_allowed)
		return false;
	for (size_t i = 0; i < a->n_allowed; i++) {
		const struct wgctl_allowed *x = &a->allowed[i], *y = &b->allowed[i];

		if (x->family != y->family || x->cidr != y->cidr ||
		    memcmp(&x->addr, &y->addr, x->family == AF_INET6 ? 16 : 4) != 0)
			return false;
	}
	return true;
}

static const struct wgctl_peer **sorted_view(const struct wgctl_device *d)
{
	const struct wgctl_peer **v = malloc((d->n_peers + 1) * sizeof(*v));

	if (!v)
		abort();
	FUZZ_CHECK(wgctl_diff_sort(d->peers, d->n_peers, v) == 0);
	return v;
}

size_t wg_add_ops(const struct wgctl_device *d, struct wgctl_op **ops)
{
	const struct wgctl_peer **want = sorted_view(d);
	size_t n;

	*ops = malloc((d->n_peers + 1) * sizeof(**ops));
	if (!*ops)
		abort();
	n = wgctl_diff(want, d->n_peers, NULL, NULL, 0, 0, *ops);
	FUZZ_CHECK(n == d->n_peers);
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK((*ops)[i].kind == WGCTL_OP_ADD && (*ops)[i].peer == want[i]);
	free(want);
	return n;
}

static void check_diff(const struct wgctl_device *d)
{
	const struct wgctl_peer **want = sorted_view(d);
	struct wgctl_op *ops = malloc((2 * d->n_peers + 1) * sizeof(*ops));
	size_t n;

	if (!ops)
		abort();
	FUZZ_CHECK(wgctl_diff(want, d->n_peers, d->peers, NULL, d->n_peers, 0, ops) == 0);
	FUZZ_CHECK(wgctl_diff(want, d->n_peers, d->peers, NULL, d->n_peers,
			      WGCTL_DIFF_KEEP_ENDPOINT, ops) == 0);
	n = wgctl_diff(want, 0, d->peers, NULL, d->n_peers, 0, ops);
	FUZZ_CHECK(n == d->n_peers);
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(ops[i].kind == WGCTL_OP_REMOVE && ops[i].peer == &d->peers[i]);
	free(ops);
	free(want);
}

void wg_check_device(const struct wgctl_device *d)
{
	FUZZ_CHECK(d->n_peers == 0 || d->peers != NULL);
	FUZZ_CHECK(memchr(d->ifname, '\0', sizeof(d->ifname)) != NULL);
	for (size_t i = 0; i < d->n_peers; i++) {
		const struct wgctl_peer *p = &d->peers[i];
		const char *why = wgctl_peer_invalid(p);

		if (why) {
			fprintf(stderr, "peer %zu read back but not programmable: %s\n", i, why);
			abort();
		}
		if (i > 0)
			FUZZ_CHECK(wgctl_key_cmp(d->peers[i - 1].public_key, p->public_key) <= 0);
		/* wgctl_allowed_equal is what decides a change: reflexive on anything read. */
		FUZZ_CHECK(wgctl_allowed_equal(p, p));
	}
	/* A key listed twice would make the diff remove a wanted peer
	 * (corpus/fuzz_uapi/hostile-repeated-key): wgctl_dump_finish refuses it. */
	FUZZ_CHECK(wg_keys_unique(d));
	check_diff(d);
}
