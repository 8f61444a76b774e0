/* SPDX-License-Identifier: MIT */
/*
 * Checks the wgctl fuzz targets share: what any device wgctl read back
 * must satisfy, whatever bytes it came from, and the way back out
 * through wgctl's own encoders (a decoded peer re-encodes to itself).
 */
#ifndef MESHD_FUZZ_WG_CHECK_H
#define MESHD_FUZZ_WG_CHECK_H

#include <stdbool.h>

#include "fuzz_util.h"
#include "wgctl/diff.h"

/*
 * Peers sorted by key, each key once, each one programmable
 * (wgctl_peer_invalid is NULL: a parser must never hand apply a peer it
 * would refuse), the interface name NUL-terminated. Then the diff: the device against
 * itself changes nothing, against nothing removes every peer, and from
 * nothing adds every peer.
 */
void wg_check_device(const struct wgctl_device *d);

/* No two peers share a key (sorted input). */
bool wg_keys_unique(const struct wgctl_device *d);

/* What apply programs: key, endpoint, keepalive, allowed IPs in order. */
bool wg_peer_same_config(const struct wgctl_peer *a, const struct wgctl_peer *b);

/*
 * d's peers as ADD operations (sorted by key), the way apply builds them
 * for an empty device; *ops is malloc'd. Keys must be unique.
 */
size_t wg_add_ops(const struct wgctl_device *d, struct wgctl_op **ops);

#endif
