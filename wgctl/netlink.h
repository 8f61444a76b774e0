/* SPDX-License-Identifier: MIT */
/* A netlink socket with extended ACKs and a request/ACK (or dump) loop. */
#ifndef MESHD_WGCTL_NETLINK_H
#define MESHD_WGCTL_NETLINK_H

#include <stddef.h>
#include <stdint.h>
#include <libmnl/libmnl.h>

/* Dumps come in messages up to 32 KiB when the reader offers that much. */
enum { WGCTL_NL_RECV_SIZE = 32768 };

struct wgctl_nl {
	struct mnl_socket *sock;
	uint32_t portid, seq;
};

int wgctl_nl_open(struct wgctl_nl *nl, int bus);
void wgctl_nl_close(struct wgctl_nl *nl);
uint32_t wgctl_nl_next_seq(struct wgctl_nl *nl);

/*
 * Send nlh (seq already set) and read replies until its ACK or the end of
 * the dump; data messages go to cb (may be NULL). On failure returns
 * -errno and copies the kernel's extended-ACK text (or "") into msg.
 * -EINTR means the dump was interrupted by a change: start it over.
 */
int wgctl_nl_transact(struct wgctl_nl *nl, const struct nlmsghdr *nlh, mnl_cb_t cb,
		      void *data, char *msg, size_t msglen);

/*
 * Whether the n bytes of one recv() are whole netlink messages: each
 * header's length at least a header and within the bytes left, no bytes
 * after the last message but its padding. 0 or -EBADMSG. libmnl 1.0.4
 * checks the length as an int, so without this a message claiming 2 GiB
 * or more reaches the callbacks and the walk steps far past the buffer.
 */
int wgctl_nl_batch_check(const void *buf, size_t n);

/*
 * An NLMSG_ERROR message: 0 for an ACK, else -errno with the extended-ACK
 * text (NLMSGERR_ATTR_MSG, capped or not) copied into msg ("" if none).
 * -EBADMSG when the message is too short to be one.
 */
int wgctl_nl_error(const struct nlmsghdr *nlh, char *msg, size_t msglen);

#endif
