// SPDX-License-Identifier: MIT
/*
 * Peer diffing. Both sides are sorted by public key, so one merge walk
 * finds every add, update and remove in O(n); an unchanged peer produces
 * no operation at all, which is what keeps a one-peer change cheap.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "wgctl/diff.h"

/* An allowed IP reduced to comparable bytes: masked address, cidr. */
struct norm_ip {
	uint8_t family, cidr;
	uint8_t addr[16];
};

void wgctl_peer_copy(struct wgctl_peer *dst, const struct wgctl_peer *src)
{
	size_t n = src->n_allowed > WGCTL_MAX_ALLOWED ? WGCTL_MAX_ALLOWED : src->n_allowed;

	if (dst == src)
		return;
	memcpy(dst, src, offsetof(struct wgctl_peer, allowed));
	memcpy(dst->allowed, src->allowed, n * sizeof(src->allowed[0]));
	dst->last_handshake = src->last_handshake;
	dst->rx_bytes = src->rx_bytes;
	dst->tx_bytes = src->tx_bytes;
}

void wgctl_peer_clear(struct wgctl_peer *p)
{
	memset(p, 0, offsetof(struct wgctl_peer, allowed));
	p->last_handshake = 0;
	p->rx_bytes = p->tx_bytes = 0;
}

int wgctl_key_cmp(const uint8_t a[static WGCTL_KEY_LEN], const uint8_t b[static WGCTL_KEY_LEN])
{
	/* Public keys only: ordering needs memcmp, not a constant-time compare. */
	return memcmp(a, b, WGCTL_KEY_LEN);
}

bool wgctl_endpoint_equal(const union wgctl_endpoint *a, const union wgctl_endpoint *b)
{
	if (a->addr.sa_family != b->addr.sa_family)
		return false;
	if (a->addr.sa_family == AF_INET)
		return a->in.sin_port == b->in.sin_port &&
		       a->in.sin_addr.s_addr == b->in.sin_addr.s_addr;
	if (a->addr.sa_family == AF_INET6)
		return a->in6.sin6_port == b->in6.sin6_port &&
		       a->in6.sin6_scope_id == b->in6.sin6_scope_id &&
		       memcmp(&a->in6.sin6_addr, &b->in6.sin6_addr, 16) == 0;
	return true;
}

static void norm_one(const struct wgctl_allowed *a, struct norm_ip *n)
{
	size_t len = a->family == AF_INET6 ? 16 : 4;
	unsigned int bits = a->cidr > len * 8 ? len * 8 : a->cidr;

	memset(n, 0, sizeof(*n));
	n->family = (uint8_t)a->family;
	n->cidr = (uint8_t)bits;
	memcpy(n->addr, &a->addr, len);
	/* WireGuard stores prefixes with host bits cleared; so must we. */
	for (size_t i = 0; i < len; i++) {
		if (bits >= 8) {
			bits -= 8;
			continue;
		}
		n->addr[i] &= (uint8_t)(0xffU << (8 - bits));
		bits = 0;
	}
}

static int norm_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct norm_ip));
}

static size_t norm_set(const struct wgctl_peer *p, struct norm_ip *out)
{
	size_t n = p->n_allowed > WGCTL_MAX_ALLOWED ? WGCTL_MAX_ALLOWED : p->n_allowed;
	size_t u = 0;

	for (size_t i = 0; i < n; i++)
		norm_one(&p->allowed[i], &out[i]);
	if (n > 1)
		qsort(out, n, sizeof(*out), norm_cmp);
	for (size_t i = 0; i < n; i++)
		if (u == 0 || memcmp(&out[u - 1], &out[i], sizeof(*out)) != 0)
			out[u++] = out[i];
	return u;
}

static bool same_order_equal(const struct wgctl_peer *a, const struct wgctl_peer *b)
{
	if (a->n_allowed != b->n_allowed || a->n_allowed > WGCTL_MAX_ALLOWED)
		return false;
	for (size_t i = 0; i < a->n_allowed; i++) {
		const struct wgctl_allowed *x = &a->allowed[i], *y = &b->allowed[i];

		if (x->family != y->family || x->cidr != y->cidr ||
		    memcmp(&x->addr, &y->addr, x->family == AF_INET6 ? 16 : 4) != 0)
			return false;
	}
	return true;
}

bool wgctl_allowed_equal(const struct wgctl_peer *a, const struct wgctl_peer *b)
{
	struct norm_ip na[WGCTL_MAX_ALLOWED], nb[WGCTL_MAX_ALLOWED];
	size_t ca, cb;

	/* The common case: the cache holds exactly what was last asked for. */
	if (same_order_equal(a, b))
		return true;
	ca = norm_set(a, na);
	cb = norm_set(b, nb);

	return ca == cb && memcmp(na, nb, ca * sizeof(na[0])) == 0;
}

const char *wgctl_peer_invalid(const struct wgctl_peer *p)
{
	sa_family_t ef = p->endpoint.addr.sa_family;

	if (p->n_allowed > WGCTL_MAX_ALLOWED)
		return "too many allowed IPs";
	if (ef != 0 && ef != AF_INET && ef != AF_INET6)
		return "endpoint is neither IPv4 nor IPv6";
	for (size_t i = 0; i < p->n_allowed; i++) {
		const struct wgctl_allowed *a = &p->allowed[i];

		if (a->family != AF_INET && a->family != AF_INET6)
			return "allowed IP is neither IPv4 nor IPv6";
		if (a->cidr > (a->family == AF_INET ? 32 : 128))
			return "allowed IP prefix length too long";
	}
	return NULL;
}

static int ptr_key_cmp(const void *a, const void *b)
{
	const struct wgctl_peer *const *pa = a, *const *pb = b;

	return wgctl_key_cmp((*pa)->public_key, (*pb)->public_key);
}

int wgctl_diff_sort(const struct wgctl_peer *want, size_t n, const struct wgctl_peer **sorted)
{
	bool in_order = true;

	for (size_t i = 0; i < n; i++) {
		if (want[i].n_allowed > WGCTL_MAX_ALLOWED)
			return -EINVAL;
		sorted[i] = &want[i];
		if (i > 0 && in_order && wgctl_key_cmp(want[i - 1].public_key, want[i].public_key) > 0)
			in_order = false;
	}
	/* Callers that keep their set sorted skip the sort. */
	if (!in_order)
		qsort(sorted, n, sizeof(*sorted), ptr_key_cmp);
	for (size_t i = 1; i < n; i++)
		if (wgctl_key_cmp(sorted[i - 1]->public_key, sorted[i]->public_key) == 0)
			return -EINVAL;
	return 0;
}

/* Whether a differing endpoint should be pushed (see wgctl_set_keep_endpoint). */
static bool endpoint_needs_push(const struct wgctl_peer *w, const struct wgctl_peer *h,
				const union wgctl_endpoint *asked, unsigned int flags)
{
	if (w->endpoint.addr.sa_family == 0 || wgctl_endpoint_equal(&w->endpoint, &h->endpoint))
		return false;
	if (!(flags & WGCTL_DIFF_KEEP_ENDPOINT) || h->last_handshake == 0)
		return true;
	/* The peer talks to us from h->endpoint; only a new advertisement beats that. */
	return asked && asked->addr.sa_family != 0 && !wgctl_endpoint_equal(&w->endpoint, asked);
}

static unsigned int add_changes(const struct wgctl_peer *w)
{
	unsigned int c = WGCTL_CH_ALLOWED;

	if (w->endpoint.addr.sa_family != 0)
		c |= WGCTL_CH_ENDPOINT;
	if (w->keepalive != 0)
		c |= WGCTL_CH_KEEPALIVE;
	return c;
}

static unsigned int update_changes(const struct wgctl_peer *w, const struct wgctl_peer *h,
				   const union wgctl_endpoint *asked, unsigned int flags)
{
	unsigned int c = 0;

	if (endpoint_needs_push(w, h, asked, flags))
		c |= WGCTL_CH_ENDPOINT;
	if (w->keepalive != h->keepalive)
		c |= WGCTL_CH_KEEPALIVE;
	if (!wgctl_allowed_equal(w, h))
		c |= WGCTL_CH_ALLOWED;
	return c;
}

size_t wgctl_diff(const struct wgctl_peer *const *want, size_t n_want,
		  const struct wgctl_peer *have, const union wgctl_endpoint *asked,
		  size_t n_have, unsigned int flags, struct wgctl_op *ops)
{
	size_t i = 0, j = 0, n = 0;

	while (i < n_want || j < n_have) {
		int c = i == n_want ? 1 : j == n_have ? -1
			: wgctl_key_cmp(want[i]->public_key, have[j].public_key);

		if (c < 0) {
			ops[n++] = (struct wgctl_op){ WGCTL_OP_ADD, add_changes(want[i]), want[i] };
			i++;
		} else if (c > 0) {
			ops[n++] = (struct wgctl_op){ WGCTL_OP_REMOVE, 0, &have[j] };
			j++;
		} else {
			unsigned int ch = update_changes(want[i], &have[j], asked ? &asked[j] : NULL, flags);

			if (ch)
				ops[n++] = (struct wgctl_op){ WGCTL_OP_UPDATE, ch, want[i] };
			i++;
			j++;
		}
	}
	return n;
}
