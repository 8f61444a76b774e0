// SPDX-License-Identifier: MIT
/*
 * The handle's view of the device's peers. Kept after every successful
 * apply so the next apply diffs against memory instead of dumping a
 * thousand peers to change one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wgctl/internal.h"

void wgctl_cache_clear(struct wgctl_cache *c)
{
	free(c->peers);
	free(c->asked);
	memset(c, 0, sizeof(*c));
}

static int cache_alloc(size_t n, struct wgctl_peer **peers, union wgctl_endpoint **asked)
{
	size_t m = n ? n : 1;

	*peers = malloc(m * sizeof(**peers));
	*asked = calloc(m, sizeof(**asked));
	if (!*peers || !*asked) {
		free(*peers);
		free(*asked);
		return -ENOMEM;
	}
	return 0;
}

static void cache_replace(struct wgctl_cache *c, struct wgctl_peer *peers,
			  union wgctl_endpoint *asked, size_t n)
{
	free(c->peers);
	free(c->asked);
	c->peers = peers;
	c->asked = asked;
	c->n = c->cap = n;
	c->valid = true;
}

int wgctl_cache_load(struct wgctl_cache *c, const struct wgctl_device *dev)
{
	struct wgctl_peer *peers;
	union wgctl_endpoint *asked;
	size_t j = 0;

	if (cache_alloc(dev->n_peers, &peers, &asked) < 0)
		return -ENOMEM;
	if (dev->n_peers)
		memcpy(peers, dev->peers, dev->n_peers * sizeof(*peers));
	/* What the caller asked for survives a re-read of the device. */
	for (size_t i = 0; i < dev->n_peers && c->valid; i++) {
		while (j < c->n && wgctl_key_cmp(c->peers[j].public_key, peers[i].public_key) < 0)
			j++;
		if (j < c->n && wgctl_key_cmp(c->peers[j].public_key, peers[i].public_key) == 0)
			asked[i] = c->asked[j];
	}
	cache_replace(c, peers, asked, dev->n_peers);
	return 0;
}

int wgctl_cache_commit(struct wgctl_cache *c, const struct wgctl_peer *const *want, size_t n,
		       const struct wgctl_op *ops, size_t n_ops)
{
	struct wgctl_peer *peers;
	union wgctl_endpoint *asked;
	size_t j = 0, k = 0;

	if (cache_alloc(n, &peers, &asked) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct wgctl_peer *w = want[i], *h = NULL;
		const struct wgctl_op *op = NULL;
		struct wgctl_peer *p = &peers[i];

		while (j < c->n && wgctl_key_cmp(c->peers[j].public_key, w->public_key) < 0)
			j++;
		if (j < c->n && wgctl_key_cmp(c->peers[j].public_key, w->public_key) == 0)
			h = &c->peers[j];
		while (k < n_ops && wgctl_key_cmp(ops[k].peer->public_key, w->public_key) < 0)
			k++;
		if (k < n_ops && ops[k].kind != WGCTL_OP_REMOVE &&
		    wgctl_key_cmp(ops[k].peer->public_key, w->public_key) == 0)
			op = &ops[k];

		*p = *w;
		/* The device keeps an endpoint we did not push (roamed or unset). */
		if (h && !(op && (op->change & WGCTL_CH_ENDPOINT)))
			p->endpoint = h->endpoint;
		if (h) {
			p->last_handshake = h->last_handshake;
			p->rx_bytes = h->rx_bytes;
			p->tx_bytes = h->tx_bytes;
		} else {
			p->last_handshake = 0;
			p->rx_bytes = p->tx_bytes = 0;
		}
		asked[i] = w->endpoint.addr.sa_family ? w->endpoint
			   : h ? c->asked[j] : (union wgctl_endpoint){ 0 };
	}
	cache_replace(c, peers, asked, n);
	return 0;
}
