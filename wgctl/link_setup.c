// SPDX-License-Identifier: MIT
/*
 * The link-level half of setup, the same for both real backends: check
 * the interface is the kind we expect, then MTU, up and overlay address.
 */
#include <errno.h>
#include <sys/socket.h>
#include <string.h>

#include "wgctl/internal.h"
#include "wgctl/link.h"

enum { WHY_LEN = 256, DEFAULT_MTU = 1420 };

int wgctl_rtnl_open(struct wgctl *w, char *err, size_t errlen)
{
	int ret;

	if (w->rtnl.sock)
		return 0;
	ret = wgctl_nl_open(&w->rtnl, NETLINK_ROUTE);
	if (ret < 0)
		return wgctl_fail(err, errlen, ret, "cannot open an rtnetlink socket: %s",
				  strerror(-ret));
	return 0;
}

int wgctl_link_check_kind(struct wgctl *w, const char *kind, char *err, size_t errlen)
{
	char have[32], why[WHY_LEN];
	int ret = wgctl_rtnl_open(w, err, errlen);

	if (ret < 0)
		return ret;
	ret = wgctl_link_kind(&w->rtnl, w->ifname, have, sizeof(have), why, sizeof(why));
	if (ret < 0)
		return wgctl_fail_dev(err, errlen, ret, w->ifname, "reading the link", why);
	if (strcmp(have, kind) != 0)
		return wgctl_fail(err, errlen, -EOPNOTSUPP,
				  "%s is not a WireGuard interface (link kind \"%s\", expected \"%s\")",
				  w->ifname, have[0] ? have : "none", kind);
	return 0;
}

static int add_addr(struct wgctl *w, int family, const void *addr, uint8_t cidr, char *err,
		    size_t errlen)
{
	char why[WHY_LEN];
	int ret = wgctl_link_addr(&w->rtnl, w->ifname, family, addr, cidr, why, sizeof(why));

	if (ret == -EACCES && family == AF_INET6 && !why[0])
		return wgctl_fail(err, errlen, ret,
				  "%s: cannot add an IPv6 address: IPv6 is disabled on the "
				  "interface (net.ipv6.conf.%s.disable_ipv6)", w->ifname, w->ifname);
	if (ret < 0)
		return wgctl_fail_dev(err, errlen, ret, w->ifname, "adding the address", why);
	return 0;
}

int wgctl_link_finish(struct wgctl *w, const struct wgctl_device_conf *conf, char *err,
		      size_t errlen)
{
	char why[WHY_LEN];
	int ret = wgctl_rtnl_open(w, err, errlen);

	if (ret < 0)
		return ret;
	ret = wgctl_link_up(&w->rtnl, w->ifname, conf->mtu ? conf->mtu : DEFAULT_MTU, why,
			    sizeof(why));
	if (ret < 0)
		return wgctl_fail_dev(err, errlen, ret, w->ifname, "setting MTU and up", why);
	if (conf->addr_family == 0)
		return 0;
	ret = add_addr(w, conf->addr_family, &conf->addr, conf->addr_cidr, err, errlen);
	if (ret < 0 || conf->addr6_cidr == 0)
		return ret;
	return add_addr(w, AF_INET6, &conf->addr6, conf->addr6_cidr, err, errlen);
}
