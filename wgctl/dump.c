// SPDX-License-Identifier: MIT
/*
 * Accumulating a device read back in pieces, and putting its peers in key
 * order at the end (the kernel lists them in insertion order, wireguard-go
 * in map order).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wgctl/diff.h"
#include "wgctl/dump.h"

struct wgctl_peer *wgctl_dump_peer(struct wgctl_dump *d, const uint8_t key[static WGCTL_KEY_LEN])
{
	struct wgctl_device *dev = &d->dev;
	struct wgctl_peer *p;

	if (dev->n_peers > 0 && wgctl_key_cmp(dev->peers[dev->n_peers - 1].public_key, key) == 0)
		return &dev->peers[dev->n_peers - 1];
	if (dev->n_peers == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;

		p = realloc(dev->peers, cap * sizeof(*p));
		if (!p)
			return NULL;
		dev->peers = p;
		d->cap = cap;
	}
	p = &dev->peers[dev->n_peers++];
	wgctl_peer_clear(p);
	memcpy(p->public_key, key, WGCTL_KEY_LEN);
	return p;
}

static int ptr_cmp(const void *a, const void *b)
{
	const struct wgctl_peer *const *pa = a, *const *pb = b;

	return wgctl_key_cmp((*pa)->public_key, (*pb)->public_key);
}

/*
 * Sort by key without qsort moving 1.4 KB elements n log n times: sort
 * pointers, then follow the permutation's cycles, moving each peer once.
 * A key that is still there twice came back apart, not as a split peer:
 * neither backend lists a peer twice, and the diff (which pairs keys
 * one to one) would remove the second copy of a wanted peer, so the
 * whole dump is refused.
 */
int wgctl_dump_finish(struct wgctl_dump *d)
{
	struct wgctl_peer *v = d->dev.peers, *tmp;
	size_t n = d->dev.n_peers, *src;
	const struct wgctl_peer **order;
	int ret = 0;

	if (n < 2)
		return 0;
	order = malloc(n * sizeof(*order));
	src = malloc(n * sizeof(*src));
	tmp = malloc(sizeof(*tmp));
	if (!order || !src || !tmp) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		order[i] = &v[i];
	qsort(order, n, sizeof(*order), ptr_cmp);
	for (size_t i = 1; i < n; i++) {
		if (wgctl_key_cmp(order[i - 1]->public_key, order[i]->public_key) == 0) {
			ret = -EBADMSG;
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++)
		src[i] = (size_t)(order[i] - v);   /* slot i takes peer src[i] */
	for (size_t i = 0; i < n; i++) {
		size_t j = i;

		if (src[i] == i || src[i] == SIZE_MAX)
			continue;
		wgctl_peer_copy(tmp, &v[i]);
		while (src[j] != i) {
			size_t k = src[j];

			wgctl_peer_copy(&v[j], &v[k]);
			src[j] = SIZE_MAX;
			j = k;
		}
		wgctl_peer_copy(&v[j], tmp);
		src[j] = SIZE_MAX;
	}
out:
	free(order);
	free(src);
	free(tmp);
	return ret;
}
