/* SPDX-License-Identifier: MIT */
/*
 * The text protocol of the userspace WireGuard API (wireguard-go,
 * boringtun), without the socket: build `set=1` requests from diff
 * operations and parse `get=1` and `set=1` replies.
 */
#ifndef MESHD_WGCTL_UAPI_TEXT_H
#define MESHD_WGCTL_UAPI_TEXT_H

#include "wgctl/diff.h"
#include "wgctl/dump.h"

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
 * A reply read as it arrives, so a thousand peers never sit in one big
 * buffer: feed bytes in any chunks; `done` is set at the errno= line.
 */
struct wgctl_uapi_reply {
	bool is_get, done;
	int status;                      /* the daemon's -errno, once done */
	struct wgctl_dump d;             /* get: the device so far */
	struct wgctl_peer *peer;         /* get: the section being read */
	size_t line_len;
	char line[256];                  /* a line split across chunks */
};

void wgctl_uapi_reply_init(struct wgctl_uapi_reply *r, bool is_get);
/* 0 (more wanted, or done), -EBADMSG, -E2BIG or -ENOMEM. */
int wgctl_uapi_reply_feed(struct wgctl_uapi_reply *r, const char *s, size_t len);
/* The daemon's status (-EBADMSG if the reply was cut short); a get's
 * device (sorted) goes to dev. Frees r either way. */
int wgctl_uapi_reply_finish(struct wgctl_uapi_reply *r, struct wgctl_device *dev);
void wgctl_uapi_reply_free(struct wgctl_uapi_reply *r);

/*
 * Parse a complete get reply into dev (peers sorted by key). Returns 0,
 * the daemon's -errno when it reported one (either sign), -EBADMSG for
 * malformed text, -E2BIG for a peer above WGCTL_MAX_ALLOWED.
 */
int wgctl_uapi_parse_get(const char *s, size_t len, struct wgctl_device *dev);

/* The errno=N line of a reply: 0, -N (either sign), or -EBADMSG. */
int wgctl_uapi_parse_errno(const char *s, size_t len);

#endif
