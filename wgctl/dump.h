/* SPDX-License-Identifier: MIT */
/*
 * A device being read back, peer by peer, from netlink messages or UAPI
 * lines: shared by both backends' parsers.
 */
#ifndef MESHD_WGCTL_DUMP_H
#define MESHD_WGCTL_DUMP_H

#include "wgctl/wgctl.h"

/* Accumulates a device across the messages of one dump. */
struct wgctl_dump {
	struct wgctl_device dev;
	size_t cap;
};

/* The slot for key: the last peer if it has this key (a split peer
 * continues), else a new zeroed peer. NULL when out of memory. */
struct wgctl_peer *wgctl_dump_peer(struct wgctl_dump *d, const uint8_t key[static WGCTL_KEY_LEN]);

/* Sort the accumulated peers by key. 0, -ENOMEM, or -EBADMSG when a key
 * occurs twice (not in a row, so not one split peer). */
int wgctl_dump_finish(struct wgctl_dump *d);

#endif
