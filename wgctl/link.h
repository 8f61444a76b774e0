/* SPDX-License-Identifier: MIT */
/*
 * rtnetlink for the WireGuard interface: create/delete the link, read its
 * kind, set MTU and up, add the overlay address. Used by the kernel
 * backend and by the userspace one (wireguard-go makes a TUN, but the
 * address, MTU and up state are still the kernel's). Each returns 0 or
 * -errno, with the kernel's extended-ACK text in why.
 */
#ifndef MESHD_WGCTL_LINK_H
#define MESHD_WGCTL_LINK_H

#include "wgctl/netlink.h"

/* Kind ("wireguard", "tun", "" for none) of ifname; -ENODEV if missing. */
int wgctl_link_kind(struct wgctl_nl *rt, const char *ifname, char *kind, size_t kindlen,
		    char *why, size_t whylen);
int wgctl_link_create(struct wgctl_nl *rt, const char *ifname, const char *kind,
		      char *why, size_t whylen);
int wgctl_link_delete(struct wgctl_nl *rt, const char *ifname, char *why, size_t whylen);
/* MTU (0 = leave) and IFF_UP. */
int wgctl_link_up(struct wgctl_nl *rt, const char *ifname, uint32_t mtu, char *why, size_t whylen);
/* Add (or refresh) family/addr/cidr with IFA_LOCAL = IFA_ADDRESS. */
int wgctl_link_addr(struct wgctl_nl *rt, const char *ifname, int family, const void *addr,
		    uint8_t cidr, char *why, size_t whylen);

#endif
