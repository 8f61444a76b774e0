/* SPDX-License-Identifier: MIT */
/*
 * Generic netlink replies as wgctl_nl_transact receives them: the input
 * is one recv() buffer (at most WGCTL_NL_RECV_SIZE bytes) checked with
 * wgctl_nl_batch_check and, when it is whole messages, run through
 * libmnl's mnl_cb_run2 with the callbacks kernel_get and netlink.c
 * install: data messages to wgctl_genl_parse_dump (GET_DEVICE dump,
 * peers split across messages), NLMSG_ERROR to wgctl_nl_error (errno and
 * extended-ACK text into a buffer whose size comes from the input's
 * hash), NLMSG_DONE ends the dump.
 *
 * The buffer is padded to the 4-byte netlink alignment, as the kernel
 * always delivers it: libmnl's attribute walk may look at the padding
 * after a message whose length is not aligned, which is inside the real
 * 32 KiB receive buffer. libmnl 1.0.4 compares a message's length as an
 * int, so the batch check is what keeps a message claiming 2 GiB or
 * more away from it (corpus/fuzz_genl/hostile-huge-len).
 *
 * Invariants: the batch check returns 0 or -EBADMSG; wgctl_nl_error returns 0 with empty text or a negative
 * errno with NUL-terminated text inside the buffer; a dump that parses
 * satisfies wg_check_device (or lists a key twice apart and is refused
 * by wgctl_dump_finish); and its peers, encoded as SET_DEVICE
 * messages by wgctl_genl_encode_set into buffers of an input-chosen size
 * (so peers split), parse back with the same parser to the same
 * configuration.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "wg_check.h"
#include "wgctl/genl.h"
#include "wgctl/netlink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { FUZZ_FAMILY = 0x1d };

struct ctx {
	struct wgctl_dump d;
	char *msg;
	size_t msglen;
	int error;
	bool ended;
};

static int on_data(const struct nlmsghdr *nlh, void *data)
{
	struct ctx *c = data;
	int ret = wgctl_genl_parse_dump(nlh, &c->d);

	FUZZ_CHECK(ret == 0 || ret == -EBADMSG || ret == -E2BIG);
	if (ret < 0) {
		c->error = ret;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

static int on_error(const struct nlmsghdr *nlh, void *data)
{
	struct ctx *c = data;
	bool cut = nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct nlmsgerr));
	int ret = wgctl_nl_error(nlh, c->msg, c->msglen);

	FUZZ_CHECK(ret <= 0 && (!cut || ret == -EBADMSG));
	if (c->msg) {
		FUZZ_CHECK(memchr(c->msg, '\0', c->msglen) != NULL);
		if (ret == 0 || cut)
			FUZZ_CHECK(c->msg[0] == '\0');
	}
	c->ended = true;
	if (ret == 0)
		return MNL_CB_STOP;
	c->error = ret;
	return MNL_CB_ERROR;
}

static int on_done(const struct nlmsghdr *nlh, void *data)
{
	struct ctx *c = data;

	(void)nlh;
	c->ended = true;
	return MNL_CB_STOP;
}

/* Encode d's peers as SET_DEVICE messages of at most buflen bytes; parse them back. */
static void check_encode(const struct wgctl_device *d, size_t buflen)
{
	struct wgctl_set_cursor cur = { 0 };
	struct wgctl_dump back = { 0 };
	struct wgctl_op *ops;
	size_t n = wg_add_ops(d, &ops), msgs = 0, most = 2;
	struct wgctl_set_req req = { "wg-fuzz", d->has_private_key ? d->private_key : NULL,
				     d->listen_port, ops, n };
	char *buf = malloc(buflen);
	int len;

	if (!buf)
		abort();
	/* Every message moves at least one allowed IP or one peer forward. */
	for (size_t i = 0; i < n; i++)
		most += 1 + d->peers[i].n_allowed;
	while ((len = wgctl_genl_encode_set(buf, buflen, FUZZ_FAMILY, 1, &req, &cur)) > 0) {
		FUZZ_CHECK((size_t)len <= buflen && ++msgs <= most);
		FUZZ_CHECK(((struct nlmsghdr *)buf)->nlmsg_len == (uint32_t)len);
		FUZZ_CHECK(wgctl_genl_parse_dump((struct nlmsghdr *)buf, &back) == 0);
	}
	/* Too small for one peer fragment is the only way to fail. */
	FUZZ_CHECK(len == 0 || len == -EMSGSIZE);
	if (len == 0) {
		FUZZ_CHECK(wgctl_dump_finish(&back) == 0);
		FUZZ_CHECK(back.dev.n_peers == n && strcmp(back.dev.ifname, "wg-fuzz") == 0);
		FUZZ_CHECK(back.dev.listen_port == d->listen_port &&
			   back.dev.has_private_key == d->has_private_key);
		for (size_t i = 0; i < n; i++)
			FUZZ_CHECK(wg_peer_same_config(&back.dev.peers[i], &d->peers[i]));
	}
	wgctl_device_free(&back.dev);
	free(buf);
	free(ops);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static mnl_cb_t ctl[NLMSG_MIN_TYPE] = {
		[NLMSG_ERROR] = on_error,
		[NLMSG_DONE] = on_done,
	};
	struct ctx c = { 0 };
	struct fuzz_rng rng;
	size_t padded = MNL_ALIGN(size);
	char *buf;
	int ret;

	if (size > WGCTL_NL_RECV_SIZE)
		return 0;
	fuzz_rng_seed(&rng, data, size);
	c.msglen = fuzz_rng_next(&rng) % 300;
	c.msg = c.msglen ? malloc(c.msglen) : NULL;
	buf = calloc(1, padded + 1);
	if ((c.msglen && !c.msg) || !buf)
		abort();
	memcpy(buf, data, size);
	ret = wgctl_nl_batch_check(buf, size);
	FUZZ_CHECK(ret == 0 || ret == -EBADMSG);
	/* As wgctl_nl_transact: only whole messages go to libmnl. */
	if (ret == 0 &&
	    mnl_cb_run2(buf, size, 0, 0, on_data, &c, ctl, NLMSG_MIN_TYPE) != MNL_CB_ERROR) {
		FUZZ_CHECK(c.error == 0);
		ret = wgctl_dump_finish(&c.d);
		FUZZ_CHECK(ret == 0 || ret == -EBADMSG);
		if (ret == 0) {
			wg_check_device(&c.d.dev);
			check_encode(&c.d.dev, 64 + fuzz_rng_next(&rng) % (MNL_SOCKET_BUFFER_SIZE - 63));
		}
	}
	wgctl_device_free(&c.d.dev);
	free(c.msg);
	free(buf);
	return 0;
}
