/* SPDX-License-Identifier: MIT */
/*
 * The WireGuard generic netlink wire format, without sockets: SET_DEVICE
 * messages are built into a caller's buffer and GET_DEVICE dump messages
 * are parsed from one, so both can be tested without a kernel.
 */
#ifndef MESHD_WGCTL_GENL_H
#define MESHD_WGCTL_GENL_H

#include <linux/netlink.h>

#include "wgctl/diff.h"
#include "wgctl/dump.h"

/* What one SET_DEVICE batch carries. */
struct wgctl_set_req {
	const char *ifname;
	const uint8_t *private_key;      /* NULL = unchanged */
	int listen_port;                 /* -1 = unchanged */
	const struct wgctl_op *ops;
	size_t n_ops;
};

/* Where the next message continues: op index, allowed-IP index, and
 * whether that op's first fragment (flags, endpoint, ...) went out. */
struct wgctl_set_cursor {
	size_t op, ip;
	bool started, device_done;
};

/*
 * Build the next SET_DEVICE message of `req` into buf (len bytes, the
 * netlink socket buffer size) as wireguard-tools splits them: every
 * message starts with IFNAME, device attributes only in the first, a peer
 * that does not fit continues in the next message with its PUBLIC_KEY and
 * the rest of its allowed IPs. Returns the message length, 0 when all of
 * req is out, -EMSGSIZE when buf cannot hold a single peer fragment.
 */
int wgctl_genl_encode_set(void *buf, size_t len, uint16_t family, uint32_t seq,
			  const struct wgctl_set_req *req, struct wgctl_set_cursor *cur);

/* GET_DEVICE request for ifname (NLM_F_DUMP). Returns the length. */
int wgctl_genl_encode_get(void *buf, size_t len, uint16_t family, uint32_t seq,
			  const char *ifname);

/*
 * Parse one GET_DEVICE message into d: device attributes, then peers; a
 * peer repeating the previous peer's key is the continuation of a split
 * peer and only adds allowed IPs. Returns 0 or -errno (-EBADMSG for a
 * malformed message, -E2BIG for a peer above WGCTL_MAX_ALLOWED).
 */
int wgctl_genl_parse_dump(const struct nlmsghdr *nlh, struct wgctl_dump *d);

#endif
