// SPDX-License-Identifier: MIT
/*
 * The handle's view of the device's peers. Kept after every successful
 * apply so the next apply diffs against memory instead of dumping a
 * thousand peers to change one. Updates that add or remove no peer are
 * written in place; others rebuild into a reused second buffer.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wgctl/internal.h"

void wgctl_cache_clear(struct wgctl_cache *c)
{
	free(c->peers);
	free(c->asked);
	free(c->spare_peers);
	free(c->spare_asked);
	memset(c, 0, sizeof(*c));
}

/* Spare arrays with room for n peers (asked zeroed). */
static int cache_spare(struct wgctl_cache *c, size_t n)
{
	size_t cap = n ? n : 1;
	struct wgctl_peer *p;
	union wgctl_endpoint *a;

	if (c->spare_cap < cap) {
		cap = cap < 2 * c->spare_cap ? 2 * c->spare_cap : cap;
		p = malloc(cap * sizeof(*p));
		a = malloc(cap * sizeof(*a));
		if (!p || !a) {
			free(p);
			free(a);
			return -ENOMEM;
		}
		free(c->spare_peers);
		free(c->spare_asked);
		c->spare_peers = p;
		c->spare_asked = a;
		c->spare_cap = cap;
	}
	memset(c->spare_asked, 0, (n ? n : 1) * sizeof(*c->spare_asked));
	return 0;
}

/* The spare arrays (holding n peers) become current. */
static void cache_swap(struct wgctl_cache *c, size_t n)
{
	struct wgctl_peer *p = c->peers;
	union wgctl_endpoint *a = c->asked;
	size_t cap = c->cap;

	c->peers = c->spare_peers;
	c->asked = c->spare_asked;
	c->cap = c->spare_cap;
	c->spare_peers = p;
	c->spare_asked = a;
	c->spare_cap = cap;
	c->n = n;
	c->valid = true;
}

int wgctl_cache_load(struct wgctl_cache *c, const struct wgctl_device *dev)
{
	struct wgctl_peer *peers;
	union wgctl_endpoint *asked;
	size_t j = 0;

	if (cache_spare(c, dev->n_peers) < 0)
		return -ENOMEM;
	peers = c->spare_peers;
	asked = c->spare_asked;
	for (size_t i = 0; i < dev->n_peers; i++)
		wgctl_peer_copy(&peers[i], &dev->peers[i]);
	/* What the caller asked for survives a re-read of the device, even
	 * one forced by an error or a setup (valid = false). */
	for (size_t i = 0; i < dev->n_peers && c->peers; i++) {
		while (j < c->n && wgctl_key_cmp(c->peers[j].public_key, peers[i].public_key) < 0)
			j++;
		if (j < c->n && wgctl_key_cmp(c->peers[j].public_key, peers[i].public_key) == 0)
			asked[i] = c->asked[j];
	}
	cache_swap(c, dev->n_peers);
	return 0;
}

int wgctl_cache_adopt(struct wgctl_cache *c, struct wgctl_device *dev)
{
	size_t n = dev->n_peers, j = 0;
	union wgctl_endpoint *asked = calloc(n ? n : 1, sizeof(*asked));

	if (!asked)
		return -ENOMEM;
	for (size_t i = 0; i < n && c->peers; i++) {
		while (j < c->n && wgctl_key_cmp(c->peers[j].public_key, dev->peers[i].public_key) < 0)
			j++;
		if (j < c->n && wgctl_key_cmp(c->peers[j].public_key, dev->peers[i].public_key) == 0)
			asked[i] = c->asked[j];
	}
	/* The old arrays become the spare ones, the dump the current ones. */
	free(c->spare_peers);
	free(c->spare_asked);
	c->spare_peers = c->peers;
	c->spare_asked = c->asked;
	c->spare_cap = c->cap;
	c->peers = dev->peers;
	c->asked = asked;
	c->n = c->cap = n;
	c->valid = true;
	dev->peers = NULL;
	dev->n_peers = 0;
	return 0;
}

/* The device's peer after op (NULL = untouched) set it towards w. */
static void apply_op(struct wgctl_peer *p, const struct wgctl_peer *w, const struct wgctl_op *op)
{
	if (!op)
		return;
	if (op->change & WGCTL_CH_ENDPOINT)
		p->endpoint = w->endpoint;
	if (op->change & WGCTL_CH_KEEPALIVE)
		p->keepalive = w->keepalive;
	if (op->change & WGCTL_CH_ALLOWED) {
		p->n_allowed = w->n_allowed;
		memcpy(p->allowed, w->allowed, w->n_allowed * sizeof(w->allowed[0]));
	}
}

static void note_asked(union wgctl_endpoint *asked, const struct wgctl_peer *w)
{
	if (w->endpoint.addr.sa_family)
		*asked = w->endpoint;
}

/* Only updates: the key sequence is unchanged, so index i is want[i]. */
static void commit_in_place(struct wgctl_cache *c, const struct wgctl_peer *const *want,
			    size_t n, const struct wgctl_op *ops, size_t n_ops)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		const struct wgctl_op *op = NULL;

		if (k < n_ops && ops[k].peer == want[i])
			op = &ops[k++];
		apply_op(&c->peers[i], want[i], op);
		note_asked(&c->asked[i], want[i]);
	}
}

int wgctl_cache_commit(struct wgctl_cache *c, const struct wgctl_peer *const *want, size_t n,
		       const struct wgctl_op *ops, size_t n_ops)
{
	size_t j = 0, k = 0;

	for (k = 0; k < n_ops && ops[k].kind == WGCTL_OP_UPDATE; k++)
		;
	if (k == n_ops && n == c->n) {
		commit_in_place(c, want, n, ops, n_ops);
		return 0;
	}
	if (cache_spare(c, n) < 0)
		return -ENOMEM;
	k = 0;
	for (size_t i = 0; i < n; i++) {
		const struct wgctl_peer *w = want[i];
		const struct wgctl_op *op = NULL;
		struct wgctl_peer *p = &c->spare_peers[i];

		while (j < c->n && wgctl_key_cmp(c->peers[j].public_key, w->public_key) < 0)
			j++;
		while (k < n_ops && wgctl_key_cmp(ops[k].peer->public_key, w->public_key) < 0)
			k++;
		if (k < n_ops && ops[k].peer == w)
			op = &ops[k];
		if (j < c->n && wgctl_key_cmp(c->peers[j].public_key, w->public_key) == 0) {
			/* Known peer: stats and anything not pushed stay as they are. */
			wgctl_peer_copy(p, &c->peers[j]);
			c->spare_asked[i] = c->asked[j];
			apply_op(p, w, op);
		} else {
			wgctl_peer_copy(p, w);
			p->last_handshake = 0;
			p->rx_bytes = p->tx_bytes = 0;
		}
		note_asked(&c->spare_asked[i], w);
	}
	cache_swap(c, n);
	return 0;
}
