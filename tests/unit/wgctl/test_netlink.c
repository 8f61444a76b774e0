// SPDX-License-Identifier: MIT
/* NLMSG_ERROR decoding: ACKs, errno, and the kernel's extended-ACK text;
 * receive batches checked before libmnl walks them. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include "wgctl/netlink.h"

/* An error reply to a request of req_len bytes; echo it unless capped. */
static struct nlmsghdr *error_msg(char *buf, int error, bool capped, size_t req_len,
				  const char *text)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlmsgerr *e;

	nlh->nlmsg_type = NLMSG_ERROR;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = error;
	e->msg.nlmsg_len = (uint32_t)req_len;
	e->msg.nlmsg_type = 0x1d;
	if (!capped) {
		char *echo = mnl_nlmsg_put_extra_header(nlh, MNL_ALIGN(req_len - sizeof(e->msg)));

		memset(echo, 0xee, req_len - sizeof(e->msg));
	} else {
		nlh->nlmsg_flags |= NLM_F_CAPPED;
	}
	if (text) {
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
		mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, 20);
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, text);
	}
	return nlh;
}

static void test_ack(void **state)
{
	char buf[512], msg[64] = "stale";

	(void)state;
	assert_int_equal(wgctl_nl_error(error_msg(buf, 0, true, 16, NULL), msg, sizeof(msg)), 0);
	assert_string_equal(msg, "");
}

static void test_errno_and_text(void **state)
{
	char buf[512], msg[64];

	(void)state;
	assert_int_equal(wgctl_nl_error(error_msg(buf, -EACCES, true, 16,
						  "IPv6 is disabled on this device"),
				     msg, sizeof(msg)), -EACCES);
	assert_string_equal(msg, "IPv6 is disabled on this device");
	/* Not capped: the 42-byte request sits between header and TLVs. */
	assert_int_equal(wgctl_nl_error(error_msg(buf, -EINVAL, false, 42, "Unknown device type"),
				     msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg, "Unknown device type");
	/* No TLVs: errno only. */
	assert_int_equal(wgctl_nl_error(error_msg(buf, -ENODEV, false, 24, NULL), msg, sizeof(msg)),
			 -ENODEV);
	assert_string_equal(msg, "");
	/* Either sign means the same error. */
	assert_int_equal(wgctl_nl_error(error_msg(buf, EPERM, true, 16, NULL), msg, sizeof(msg)),
			 -EPERM);
	/* Text longer than the caller's buffer is cut, still terminated. */
	assert_int_equal(wgctl_nl_error(error_msg(buf, -EINVAL, true, 16, "0123456789"), msg, 5),
			 -EINVAL);
	assert_string_equal(msg, "0123");
}

static void test_malformed(void **state)
{
	char buf[512], msg[64];
	struct nlmsghdr *nlh;

	(void)state;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = NLMSG_ERROR;
	assert_int_equal(wgctl_nl_error(nlh, msg, sizeof(msg)), -EBADMSG);
	/* An echoed length beyond the message: no text, no overread. */
	nlh = error_msg(buf, -EINVAL, true, 16, "x");
	nlh->nlmsg_flags &= (uint16_t)~NLM_F_CAPPED;
	((struct nlmsgerr *)mnl_nlmsg_get_payload(nlh))->msg.nlmsg_len = 4000;
	assert_int_equal(wgctl_nl_error(nlh, msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg, "");
}

/* A data message of len bytes (header included) at buf. */
static size_t put_msg(char *buf, uint32_t len)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;

	memset(buf, 0, MNL_ALIGN(len));
	nlh->nlmsg_len = len;
	nlh->nlmsg_type = 0x1d;
	return MNL_ALIGN(len);
}

/*
 * Regression (fuzz_genl-mnl-huge-len): libmnl 1.0.4 takes a message
 * claiming 2 GiB or more for one that fits and steps past the buffer.
 * wgctl_nl_transact checks each batch first and gives -EBADMSG.
 */
static void test_batch_check(void **state)
{
	char buf[256] __attribute__((aligned(8)));
	size_t n;

	(void)state;
	n = put_msg(buf, 28);
	n += put_msg(buf + n, 20);
	assert_int_equal(wgctl_nl_batch_check(buf, n), 0);
	/* The last message's padding may be missing. */
	n = put_msg(buf, 28);
	n += put_msg(buf + n, 21);
	assert_int_equal(wgctl_nl_batch_check(buf, n - 3), 0);
	assert_int_equal(wgctl_nl_batch_check(buf, 0), 0);

	/* The fuzzer's message: 28 bytes claiming 0xca000200. */
	put_msg(buf, 28);
	((struct nlmsghdr *)buf)->nlmsg_len = 0xca000200;
	assert_int_equal(wgctl_nl_batch_check(buf, 28), -EBADMSG);
	/* The same after a good message, and 2 GiB exactly. */
	n = put_msg(buf, 20);
	put_msg(buf + n, 28);
	((struct nlmsghdr *)(buf + n))->nlmsg_len = 0x80000000;
	assert_int_equal(wgctl_nl_batch_check(buf, n + 28), -EBADMSG);
	/* Longer than what arrived, shorter than a header, a partial header. */
	put_msg(buf, 28);
	assert_int_equal(wgctl_nl_batch_check(buf, 24), -EBADMSG);
	((struct nlmsghdr *)buf)->nlmsg_len = 8;
	assert_int_equal(wgctl_nl_batch_check(buf, 28), -EBADMSG);
	n = put_msg(buf, 28);
	assert_int_equal(wgctl_nl_batch_check(buf, n + 8), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ack),
		cmocka_unit_test(test_errno_and_text),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_batch_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
