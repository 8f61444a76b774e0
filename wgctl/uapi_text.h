/* SPDX-License-Identifier: MIT */
/*
 * The text protocol of the userspace WireGuard API (wireguard-go,
 * boringtun), without the socket: build `set=1` requests from diff
 * operations and parse `get=1` and `set=1` replies.
 */
#ifndef MESHD_WGCTL_UAPI_TEXT_H
#define MESHD_WGCTL_UAPI_TEXT_H

#include "wgctl/diff.h"

/* A growing text buffer; err is sticky (-ENOMEM). */
struct wgctl_text {
	char *p;
	size_t len, cap;
	int err;
};

void wgctl_text_free(struct wgctl_text *t);
/* Room for `more` bytes after len; old contents are wiped, not realloc'd,
 * since they may hold a key. Returns 0 or -ENOMEM. */
int wgctl_text_reserve(struct wgctl_text *t, size_t more);

/* "set=1\n" + device and peer lines + "\n". Returns 0 or -ENOMEM. */
int wgctl_uapi_build_set(struct wgctl_text *t, const uint8_t *private_key, int listen_port,
			 const struct wgctl_op *ops, size_t n);

/*
 * Parse a complete get reply into dev (peers sorted by key). Returns 0,
 * the daemon's -errno when it reported one (either sign), -EBADMSG for
 * malformed text, -E2BIG for a peer above WGCTL_MAX_ALLOWED.
 */
int wgctl_uapi_parse_get(const char *s, size_t len, struct wgctl_device *dev);

/* The errno=N line of a reply: 0, -N (either sign), or -EBADMSG. */
int wgctl_uapi_parse_errno(const char *s, size_t len);

#endif
