// SPDX-License-Identifier: MIT
/*
 * GET_DEVICE dump parsing. The kernel spreads a device over several
 * messages and may split one peer's allowed IPs across two of them,
 * repeating the peer's key; this file merges those pieces back into one
 * peer. Every attribute is type- and length-checked before it is read.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/time_types.h>
#include <linux/wireguard.h>

#include "wgctl/genl.h"
#include "wgctl/nlattr.h"

static bool is_len(const struct nlattr *a, size_t len)
{
	return mnl_attr_get_payload_len(a) == len;
}

static int parse_allowed(const struct nlattr *nest, struct wgctl_allowed *out)
{
	const struct nlattr *a;
	bool has_family = false, has_addr = false, has_cidr = false;
	size_t addr_len = 0;

	memset(out, 0, sizeof(*out));
	wgctl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case WGALLOWEDIP_A_FAMILY:
			if (mnl_attr_validate(a, MNL_TYPE_U16) < 0)
				return -EBADMSG;
			out->family = mnl_attr_get_u16(a);
			has_family = true;
			break;
		case WGALLOWEDIP_A_IPADDR:
			addr_len = mnl_attr_get_payload_len(a);
			if (addr_len != 4 && addr_len != 16)
				return -EBADMSG;
			memcpy(&out->addr, mnl_attr_get_payload(a), addr_len);
			has_addr = true;
			break;
		case WGALLOWEDIP_A_CIDR_MASK:
			if (mnl_attr_validate(a, MNL_TYPE_U8) < 0)
				return -EBADMSG;
			out->cidr = mnl_attr_get_u8(a);
			has_cidr = true;
			break;
		}
	}
	if (!has_family || !has_addr || !has_cidr)
		return -EBADMSG;
	if (!((out->family == AF_INET && addr_len == 4 && out->cidr <= 32) ||
	      (out->family == AF_INET6 && addr_len == 16 && out->cidr <= 128)))
		return -EBADMSG;
	return 0;
}

static int parse_allowed_list(const struct nlattr *nest, struct wgctl_peer *p)
{
	const struct nlattr *a;
	int ret;

	wgctl_attr_for_each_nested(a, nest) {
		if (p->n_allowed >= WGCTL_MAX_ALLOWED)
			return -E2BIG;
		ret = parse_allowed(a, &p->allowed[p->n_allowed]);
		if (ret < 0)
			return ret;
		p->n_allowed++;
	}
	return 0;
}

static int parse_endpoint(const struct nlattr *a, union wgctl_endpoint *ep)
{
	size_t len = mnl_attr_get_payload_len(a);
	const void *sa = mnl_attr_get_payload(a);
	sa_family_t family;

	if (len < sizeof(family))
		return -EBADMSG;
	memcpy(&family, sa, sizeof(family));
	memset(ep, 0, sizeof(*ep));
	if (family == AF_INET && len == sizeof(struct sockaddr_in))
		memcpy(&ep->in, sa, len);
	else if (family == AF_INET6 && len == sizeof(struct sockaddr_in6))
		memcpy(&ep->in6, sa, len);
	else
		return -EBADMSG;
	return 0;
}

static int parse_peer_attr(const struct nlattr *a, struct wgctl_peer *p)
{
	struct __kernel_timespec ts;

	switch (mnl_attr_get_type(a)) {
	case WGPEER_A_ENDPOINT:
		return parse_endpoint(a, &p->endpoint);
	case WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL:
		if (mnl_attr_validate(a, MNL_TYPE_U16) < 0)
			return -EBADMSG;
		p->keepalive = mnl_attr_get_u16(a);
		return 0;
	case WGPEER_A_LAST_HANDSHAKE_TIME:
		if (!is_len(a, sizeof(ts)))
			return -EBADMSG;
		/* Attributes are only 4-byte aligned: copy, don't cast. */
		memcpy(&ts, mnl_attr_get_payload(a), sizeof(ts));
		p->last_handshake = ts.tv_sec;
		return 0;
	case WGPEER_A_RX_BYTES:
	case WGPEER_A_TX_BYTES:
		if (mnl_attr_validate(a, MNL_TYPE_U64) < 0)
			return -EBADMSG;
		*(mnl_attr_get_type(a) == WGPEER_A_RX_BYTES ? &p->rx_bytes : &p->tx_bytes) =
			mnl_attr_get_u64(a);
		return 0;
	case WGPEER_A_ALLOWEDIPS:
		return parse_allowed_list(a, p);
	}
	return 0;   /* unknown or uninteresting (preshared key, version) */
}

static const uint8_t *peer_key(const struct nlattr *nest)
{
	const struct nlattr *a;

	wgctl_attr_for_each_nested(a, nest)
		if (mnl_attr_get_type(a) == WGPEER_A_PUBLIC_KEY)
			return is_len(a, WGCTL_KEY_LEN) ? mnl_attr_get_payload(a) : NULL;
	return NULL;
}

static int parse_peers(const struct nlattr *nest, struct wgctl_dump *d)
{
	const struct nlattr *pa, *a;
	int ret;

	wgctl_attr_for_each_nested(pa, nest) {
		const uint8_t *key = peer_key(pa);
		struct wgctl_peer *p;

		if (!key)
			return -EBADMSG;
		p = wgctl_dump_peer(d, key);
		if (!p)
			return -ENOMEM;
		wgctl_attr_for_each_nested(a, pa) {
			ret = parse_peer_attr(a, p);
			if (ret < 0)
				return ret;
		}
	}
	return 0;
}

static int parse_device_attr(const struct nlattr *a, struct wgctl_dump *d)
{
	struct wgctl_device *dev = &d->dev;

	switch (mnl_attr_get_type(a)) {
	case WGDEVICE_A_IFNAME:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0 ||
		    mnl_attr_get_payload_len(a) > sizeof(dev->ifname))
			return -EBADMSG;
		memcpy(dev->ifname, mnl_attr_get_str(a), mnl_attr_get_payload_len(a));
		return 0;
	case WGDEVICE_A_PRIVATE_KEY:
		if (!is_len(a, WGCTL_KEY_LEN))
			return -EBADMSG;
		memcpy(dev->private_key, mnl_attr_get_payload(a), WGCTL_KEY_LEN);
		dev->has_private_key = true;
		return 0;
	case WGDEVICE_A_PUBLIC_KEY:
		if (!is_len(a, WGCTL_KEY_LEN))
			return -EBADMSG;
		memcpy(dev->public_key, mnl_attr_get_payload(a), WGCTL_KEY_LEN);
		return 0;
	case WGDEVICE_A_LISTEN_PORT:
		if (mnl_attr_validate(a, MNL_TYPE_U16) < 0)
			return -EBADMSG;
		dev->listen_port = mnl_attr_get_u16(a);
		return 0;
	case WGDEVICE_A_FWMARK:
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			return -EBADMSG;
		dev->fwmark = mnl_attr_get_u32(a);
		return 0;
	case WGDEVICE_A_PEERS:
		return parse_peers(a, d);
	}
	return 0;
}

int wgctl_genl_parse_dump(const struct nlmsghdr *nlh, struct wgctl_dump *d)
{
	const struct nlattr *a;
	int ret;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct genlmsghdr))
		return -EBADMSG;
	wgctl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		ret = parse_device_attr(a, d);
		if (ret < 0)
			return ret;
	}
	return 0;
}
