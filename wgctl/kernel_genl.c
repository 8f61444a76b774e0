// SPDX-License-Identifier: MIT
/*
 * The kernel backend: WireGuard's generic netlink family for keys and
 * peers, rtnetlink (kernel_link.c) for the link itself.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/genetlink.h>
#include <linux/wireguard.h>
#include <sodium.h>

#include "wgctl/genl.h"
#include "wgctl/internal.h"
#include "wgctl/link.h"
#include "wgctl/nlattr.h"

/* A dump restarts when another writer changes the peers meanwhile; with
 * a writer that never pauses it would restart forever, so give up after
 * a while (backing off between tries) and say why. */
enum { DUMP_RESTARTS = 16, DUMP_BACKOFF_MAX_MS = 64, WHY_LEN = 256 };

static int on_family(const struct nlmsghdr *nlh, void *data)
{
	uint16_t *id = data;
	const struct nlattr *a;

	wgctl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID &&
		    mnl_attr_validate(a, MNL_TYPE_U16) == 0)
			*id = mnl_attr_get_u16(a);
	return MNL_CB_OK;
}

static int resolve_family(struct wgctl_nl *nl, uint16_t *id, char *why, size_t whylen)
{
	char buf[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;
	int ret;

	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = wgctl_nl_next_seq(nl);
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, WG_GENL_NAME);
	*id = 0;
	ret = wgctl_nl_transact(nl, nlh, on_family, id, why, whylen);
	if (ret == 0 && *id == 0)
		ret = -EPROTO;
	return ret;
}

int wgctl_kernel_open(struct wgctl *w, char *err, size_t errlen)
{
	char why[WHY_LEN];
	int ret = wgctl_nl_open(&w->genl, NETLINK_GENERIC);

	if (ret < 0)
		return wgctl_fail(err, errlen, ret, "cannot open a generic netlink socket: %s",
				  strerror(-ret));
	ret = resolve_family(&w->genl, &w->genl_family, why, sizeof(why));
	if (ret == -ENOENT)
		ret = -EPROTONOSUPPORT;   /* the family is registered by the module */
	if (ret < 0) {
		wgctl_nl_close(&w->genl);
		return wgctl_fail_dev(err, errlen, ret, w->ifname, "resolving the wireguard genl family",
				      why);
	}
	return 0;
}

static int on_dump(const struct nlmsghdr *nlh, void *data)
{
	int ret = wgctl_genl_parse_dump(nlh, data);

	if (ret < 0) {
		errno = -ret;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

static int kernel_get(struct wgctl *w, struct wgctl_device *dev, char *err, size_t errlen)
{
	char buf[256], why[WHY_LEN];
	struct wgctl_dump d;
	int ret = -EINTR, len;

	for (int tries = 0; tries < DUMP_RESTARTS && ret == -EINTR; tries++) {
		if (tries > 0) {
			long ms = 1L << (tries < 6 ? tries : 6);
			struct timespec ts = { 0, (ms < DUMP_BACKOFF_MAX_MS ? ms : DUMP_BACKOFF_MAX_MS)
						  * 1000000L };

			nanosleep(&ts, NULL);
		}
		memset(&d, 0, sizeof(d));
		len = wgctl_genl_encode_get(buf, sizeof(buf), w->genl_family,
					    wgctl_nl_next_seq(&w->genl), w->ifname);
		if (len < 0)
			return wgctl_fail(err, errlen, len, "interface name %s too long", w->ifname);
		ret = wgctl_nl_transact(&w->genl, (struct nlmsghdr *)buf, on_dump, &d, why,
					sizeof(why));
		if (ret < 0)
			wgctl_device_free(&d.dev);
	}
	if (ret == -EINTR)
		return wgctl_fail(err, errlen, -EAGAIN,
				  "%s: the peer list kept changing during %d reads (another program "
				  "writing to it?); try again", w->ifname, DUMP_RESTARTS);
	if (ret == -E2BIG)
		return wgctl_fail(err, errlen, ret, "%s: a peer has more than %d allowed IPs",
				  w->ifname, WGCTL_MAX_ALLOWED);
	if (ret < 0)
		return wgctl_fail_dev(err, errlen, ret, w->ifname, "reading the device", why);
	if ((ret = wgctl_dump_finish(&d)) < 0) {
		wgctl_device_free(&d.dev);
		if (ret == -EBADMSG)
			return wgctl_fail(err, errlen, ret, "%s: the kernel listed a peer twice",
					  w->ifname);
		return wgctl_fail(err, errlen, ret, "out of memory");
	}
	*dev = d.dev;
	return 0;
}

/* Send a SET_DEVICE batch split into socket-buffer-sized messages. */
static int send_set(struct wgctl *w, const struct wgctl_set_req *req, const char *what,
		    char *err, size_t errlen)
{
	size_t len = (size_t)MNL_SOCKET_BUFFER_SIZE;
	struct wgctl_set_cursor cur = { 0 };
	char why[WHY_LEN];
	char *buf = malloc(len);
	int ret;

	if (!buf)
		return wgctl_fail(err, errlen, -ENOMEM, "out of memory");
	for (;;) {
		ret = wgctl_genl_encode_set(buf, len, w->genl_family, wgctl_nl_next_seq(&w->genl),
					    req, &cur);
		if (ret <= 0)
			break;
		ret = wgctl_nl_transact(&w->genl, (struct nlmsghdr *)buf, NULL, NULL, why,
					sizeof(why));
		if (ret < 0) {
			wgctl_fail_dev(err, errlen, ret, w->ifname, what, why);
			break;
		}
	}
	if (ret == -EMSGSIZE)
		wgctl_fail(err, errlen, ret, "%s: %s: a peer does not fit a netlink message",
			   w->ifname, what);
	sodium_memzero(buf, len);   /* may have held the private key */
	free(buf);
	return ret;
}

static int kernel_set_peers(struct wgctl *w, const struct wgctl_op *ops, size_t n,
			    char *err, size_t errlen)
{
	struct wgctl_set_req req = { w->ifname, NULL, -1, ops, n };

	return send_set(w, &req, "setting peers", err, errlen);
}

/* The interface must be a kernel WireGuard link; create it when missing. */
static int ensure_link(struct wgctl *w, char *err, size_t errlen)
{
	char why[WHY_LEN];
	int ret = wgctl_link_check_kind(w, "wireguard", err, errlen);

	if (ret != -ENODEV)
		return ret;
	ret = wgctl_link_create(&w->rtnl, w->ifname, "wireguard", why, sizeof(why));
	if (ret == -EOPNOTSUPP)
		ret = -EPROTONOSUPPORT;   /* "Unknown device type": no module */
	if (ret < 0)
		return wgctl_fail_dev(err, errlen, ret, w->ifname, "creating the link", why);
	return 0;
}

static int kernel_setup(struct wgctl *w, const struct wgctl_device_conf *conf, char *err,
			size_t errlen)
{
	bool has_key = !sodium_is_zero(conf->private_key, WGCTL_KEY_LEN);
	struct wgctl_set_req req = { w->ifname, has_key ? conf->private_key : NULL,
				     conf->listen_port ? conf->listen_port : -1, NULL, 0 };
	int ret = wgctl_rtnl_open(w, err, errlen);

	if (ret == 0)
		ret = ensure_link(w, err, errlen);
	if (ret == 0)
		ret = send_set(w, &req, "setting key and port", err, errlen);
	if (ret == 0)
		ret = wgctl_link_finish(w, conf, err, errlen);
	return ret;
}

static int kernel_destroy(struct wgctl *w, char *err, size_t errlen)
{
	char why[WHY_LEN];
	int ret = wgctl_rtnl_open(w, err, errlen);

	if (ret == 0)
		ret = wgctl_link_check_kind(w, "wireguard", err, errlen);
	if (ret < 0)
		return ret;
	ret = wgctl_link_delete(&w->rtnl, w->ifname, why, sizeof(why));
	if (ret < 0)
		return wgctl_fail_dev(err, errlen, ret, w->ifname, "deleting the link", why);
	return 0;
}

const struct wgctl_backend_ops wgctl_kernel_ops = {
	.setup = kernel_setup,
	.get = kernel_get,
	.set_peers = kernel_set_peers,
	.destroy = kernel_destroy,
};
