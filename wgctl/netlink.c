// SPDX-License-Identifier: MIT
/*
 * Netlink plumbing shared by the genl (WireGuard) and rtnetlink (link,
 * address) code: open with extended ACKs, send one request, collect the
 * replies and turn an NLMSG_ERROR into -errno plus the kernel's reason.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <linux/netlink.h>
#include <sodium.h>

#include "wgctl/netlink.h"
#include "wgctl/nlattr.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

struct reply_ctx {
	mnl_cb_t cb;
	void *data;
	int error;         /* -errno from NLMSG_ERROR / NLMSG_DONE */
	bool ended;        /* saw the final ERROR/ACK or DONE */
	char *msg;
	size_t msglen;
};

int wgctl_nl_open(struct wgctl_nl *nl, int bus)
{
	int one = 1;

	nl->sock = mnl_socket_open(bus);
	if (!nl->sock)
		return -errno;
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int ret = -errno;

		mnl_socket_close(nl->sock);
		nl->sock = NULL;
		return ret;
	}
	/* Best effort: old kernels lack these; errors then carry no text. */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	/* Don't echo a whole SET message back in every error. */
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (uint32_t)time(NULL);
	return 0;
}

void wgctl_nl_close(struct wgctl_nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

uint32_t wgctl_nl_next_seq(struct wgctl_nl *nl)
{
	return ++nl->seq;
}

/* Copy NLMSGERR_ATTR_MSG out of an error carrying extended-ACK TLVs. */
static void ext_ack_text(const struct nlmsghdr *nlh, const struct nlmsgerr *e,
			 char *msg, size_t msglen)
{
	size_t off = sizeof(*e);
	const struct nlattr *a;

	if (!msg || msglen == 0 || !(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	/* Without NLM_F_CAPPED the original request follows the header. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < sizeof(e->msg))
			return;
		off += MNL_ALIGN(e->msg.nlmsg_len - sizeof(e->msg));
	}
	if (off > mnl_nlmsg_get_payload_len(nlh))
		return;
	wgctl_attr_for_each(a, nlh, off) {
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0) {
			snprintf(msg, msglen, "%s", mnl_attr_get_str(a));
			return;
		}
	}
}

int wgctl_nl_error(const struct nlmsghdr *nlh, char *msg, size_t msglen)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	if (msg && msglen)
		msg[0] = '\0';
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
		return -EBADMSG;
	if (e->error == 0)
		return 0;
	ext_ack_text(nlh, e, msg, msglen);
	return e->error < 0 ? e->error : -e->error;
}

int wgctl_nl_batch_check(const void *buf, size_t n)
{
	size_t off = 0;

	while (off < n) {
		struct nlmsghdr h;

		if (n - off < sizeof(h))
			return -EBADMSG;
		memcpy(&h, (const char *)buf + off, sizeof(h));
		if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > n - off)
			return -EBADMSG;
		off += MNL_ALIGN(h.nlmsg_len);   /* may pass n by the last one's padding */
	}
	return 0;
}

static int on_error(const struct nlmsghdr *nlh, void *data)
{
	struct reply_ctx *ctx = data;
	int ret = wgctl_nl_error(nlh, ctx->msg, ctx->msglen);

	ctx->ended = true;
	if (ret == 0)
		return MNL_CB_STOP;   /* the ACK */
	ctx->error = ret;
	return MNL_CB_ERROR;
}

/* The end of a dump carries an int error when the dump failed midway. */
static int on_done(const struct nlmsghdr *nlh, void *data)
{
	struct reply_ctx *ctx = data;
	int err = 0;

	ctx->ended = true;
	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(err))
		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	if (err == 0)
		return MNL_CB_STOP;
	ctx->error = err < 0 ? err : -err;
	return MNL_CB_ERROR;
}

static int on_data(const struct nlmsghdr *nlh, void *data)
{
	struct reply_ctx *ctx = data;
	int ret;

	if (!ctx->cb)
		return MNL_CB_OK;
	ret = ctx->cb(nlh, ctx->data);
	if (ret < MNL_CB_OK && ctx->error == 0)
		ctx->error = errno ? -errno : -EBADMSG;
	return ret;
}

/*
 * After a failure in the middle of a dump the rest of it is still queued;
 * read it away so the next request on this socket starts clean. A batch
 * that is not whole messages has no end to find: stop there rather than
 * walk it (or wait for an end that may never come).
 */
static bool has_end(const char *buf, ssize_t n, uint32_t seq)
{
	const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
	int left = (int)n;

	if (n < 0)
		return false;
	if (wgctl_nl_batch_check(buf, (size_t)n) != 0)
		return true;
	for (; mnl_nlmsg_ok(h, left); h = mnl_nlmsg_next(h, &left))
		if (h->nlmsg_seq == seq &&
		    (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR))
			return true;
	return false;
}

/* buf holds the n bytes of the batch that failed. */
static void drain_dump(struct wgctl_nl *nl, uint32_t seq, char *buf, size_t len, ssize_t n)
{
	while (!has_end(buf, n, seq)) {
		n = mnl_socket_recvfrom(nl->sock, buf, len);
		if (n < 0 && errno != EINTR)
			return;
	}
}

int wgctl_nl_transact(struct wgctl_nl *nl, const struct nlmsghdr *nlh, mnl_cb_t cb,
		      void *data, char *msg, size_t msglen)
{
	static mnl_cb_t ctl[NLMSG_MIN_TYPE] = {   /* libmnl takes it non-const */
		[NLMSG_ERROR] = on_error,
		[NLMSG_DONE] = on_done,
	};
	struct reply_ctx ctx = { cb, data, 0, false, msg, msglen };
	char buf[WGCTL_NL_RECV_SIZE] __attribute__((aligned(8)));
	size_t used = 0;
	ssize_t n;
	int ret;

	if (msg && msglen)
		msg[0] = '\0';
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;   /* a signal, not an interrupted dump */
			ret = -errno;
			break;
		}
		used = (size_t)n > used ? (size_t)n : used;
		/* Only whole messages go to libmnl and the parsers (see netlink.h). */
		if ((ret = wgctl_nl_batch_check(buf, (size_t)n)) != 0)
			break;
		errno = 0;
		ret = mnl_cb_run2(buf, (size_t)n, nlh->nlmsg_seq, nl->portid, on_data, &ctx,
				  ctl, NLMSG_MIN_TYPE);
		if (ret == MNL_CB_STOP) {
			ret = 0;
			break;
		}
		if (ret == MNL_CB_ERROR) {
			ret = ctx.error ? ctx.error : (errno ? -errno : -EPROTO);
			if ((nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP && !ctx.ended)
				drain_dump(nl, nlh->nlmsg_seq, buf, sizeof(buf), n);
			used = sizeof(buf);
			break;
		}
	}
	/* A GET_DEVICE dump carries the private key. */
	sodium_memzero(buf, used);
	return ret;
}
