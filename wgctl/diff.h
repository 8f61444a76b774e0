/* SPDX-License-Identifier: MIT */
/*
 * The pure part of apply: which peers to add, update or remove so that
 * the device (have) matches the caller (want). No I/O; both backends
 * encode the resulting operation list in their own wire format.
 */
#ifndef MESHD_WGCTL_DIFF_H
#define MESHD_WGCTL_DIFF_H

#include "wgctl/wgctl.h"

enum wgctl_op_kind { WGCTL_OP_ADD, WGCTL_OP_UPDATE, WGCTL_OP_REMOVE };

/* What an ADD or UPDATE carries. */
enum {
	WGCTL_CH_ENDPOINT = 1U << 0,
	WGCTL_CH_KEEPALIVE = 1U << 1,
	WGCTL_CH_ALLOWED = 1U << 2,    /* send all IPs with REPLACE_ALLOWEDIPS */
};

/* Diff options. */
enum { WGCTL_DIFF_KEEP_ENDPOINT = 1U << 0 };

struct wgctl_op {
	enum wgctl_op_kind kind;
	unsigned int change;             /* WGCTL_CH_* */
	const struct wgctl_peer *peer;   /* want peer; for REMOVE the have peer */
};

/*
 * *dst = *src, but only the allowed IPs in use: a wgctl_peer is ~1.4 KB
 * of which a typical peer uses a tenth, and a thousand whole-struct copies
 * cost more than the diff itself.
 */
void wgctl_peer_copy(struct wgctl_peer *dst, const struct wgctl_peer *src);
/* Zero *p except the unused allowed IPs (see wgctl_peer_copy). */
void wgctl_peer_clear(struct wgctl_peer *p);

int wgctl_key_cmp(const uint8_t a[static WGCTL_KEY_LEN], const uint8_t b[static WGCTL_KEY_LEN]);
bool wgctl_endpoint_equal(const union wgctl_endpoint *a, const union wgctl_endpoint *b);
/* Same set of prefixes, ignoring order, duplicates and host bits. */
bool wgctl_allowed_equal(const struct wgctl_peer *a, const struct wgctl_peer *b);

/* Why p cannot be programmed (bad IP family, prefix length, endpoint or
 * IP count), or NULL when it can. */
const char *wgctl_peer_invalid(const struct wgctl_peer *p);

/*
 * Fill sorted[0..n) with pointers to want[] ordered by public key.
 * -EINVAL on a duplicate key or an n_allowed above WGCTL_MAX_ALLOWED.
 */
int wgctl_diff_sort(const struct wgctl_peer *want, size_t n, const struct wgctl_peer **sorted);

/*
 * want: sorted by key (wgctl_diff_sort). have: the device, sorted by key;
 * asked: parallel to have, the endpoint the caller last asked for (family
 * 0 = unknown), may be NULL. ops must hold n_want + n_have entries; they
 * come out sorted by key. Returns the number of ops.
 */
size_t wgctl_diff(const struct wgctl_peer *const *want, size_t n_want,
		  const struct wgctl_peer *have, const union wgctl_endpoint *asked,
		  size_t n_have, unsigned int flags, struct wgctl_op *ops);

#endif
