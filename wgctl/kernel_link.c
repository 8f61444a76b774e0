// SPDX-License-Identifier: MIT
/*
 * rtnetlink requests for the interface. Links are named rather than
 * indexed in requests where the kernel allows it, so a missing interface
 * comes back as ENODEV from the kernel itself.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "wgctl/link.h"
#include "wgctl/nlattr.h"

static struct nlmsghdr *link_msg(char *buf, struct wgctl_nl *rt, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = wgctl_nl_next_seq(rt);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	return nlh;
}

struct kind_ctx {
	char *kind;
	size_t len;
};

static int on_link(const struct nlmsghdr *nlh, void *data)
{
	struct kind_ctx *k = data;
	const struct nlattr *a, *info;

	wgctl_attr_for_each(a, nlh, sizeof(struct ifinfomsg)) {
		if (mnl_attr_get_type(a) != IFLA_LINKINFO)
			continue;
		wgctl_attr_for_each_nested(info, a) {
			if (mnl_attr_get_type(info) == IFLA_INFO_KIND &&
			    mnl_attr_validate(info, MNL_TYPE_STRING) == 0)
				snprintf(k->kind, k->len, "%.*s",
					 (int)strnlen(mnl_attr_get_str(info),
						      mnl_attr_get_payload_len(info)),
					 mnl_attr_get_str(info));
		}
	}
	return MNL_CB_OK;
}

int wgctl_link_kind(struct wgctl_nl *rt, const char *ifname, char *kind, size_t kindlen,
		    char *why, size_t whylen)
{
	char buf[512];
	struct nlmsghdr *nlh = link_msg(buf, rt, RTM_GETLINK, 0);
	struct kind_ctx k = { kind, kindlen };

	kind[0] = '\0';
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	return wgctl_nl_transact(rt, nlh, on_link, &k, why, whylen);
}

int wgctl_link_create(struct wgctl_nl *rt, const char *ifname, const char *kind,
		      char *why, size_t whylen)
{
	char buf[512];
	struct nlmsghdr *nlh = link_msg(buf, rt, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	struct nlattr *info;

	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
	mnl_attr_nest_end(nlh, info);
	return wgctl_nl_transact(rt, nlh, NULL, NULL, why, whylen);
}

int wgctl_link_delete(struct wgctl_nl *rt, const char *ifname, char *why, size_t whylen)
{
	char buf[512];
	struct nlmsghdr *nlh = link_msg(buf, rt, RTM_DELLINK, 0);

	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	return wgctl_nl_transact(rt, nlh, NULL, NULL, why, whylen);
}

int wgctl_link_up(struct wgctl_nl *rt, const char *ifname, uint32_t mtu, char *why, size_t whylen)
{
	char buf[512];
	struct nlmsghdr *nlh = link_msg(buf, rt, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	return wgctl_nl_transact(rt, nlh, NULL, NULL, why, whylen);
}

int wgctl_link_addr(struct wgctl_nl *rt, const char *ifname, int family, const void *addr,
		    uint8_t cidr, char *why, size_t whylen)
{
	char buf[512];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;
	unsigned int index = if_nametoindex(ifname);
	size_t alen = family == AF_INET6 ? 16 : 4;

	if (index == 0)
		return -ENODEV;
	nlh->nlmsg_type = RTM_NEWADDR;
	/* REPLACE makes a re-run of setup succeed instead of EEXIST. */
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;
	nlh->nlmsg_seq = wgctl_nl_next_seq(rt);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)family;
	/* No duplicate address detection: the overlay address is ours by the mesh's rule. */
	if (family == AF_INET6)
		ifa->ifa_flags = IFA_F_NODAD;
	ifa->ifa_prefixlen = cidr;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = index;
	/* Point-to-point device: local and "peer" address are both ours. */
	mnl_attr_put(nlh, IFA_LOCAL, alen, addr);
	mnl_attr_put(nlh, IFA_ADDRESS, alen, addr);
	return wgctl_nl_transact(rt, nlh, NULL, NULL, why, whylen);
}
