// SPDX-License-Identifier: MIT
/*
 * SET_DEVICE / GET_DEVICE message building. Every attribute goes in with a
 * _check writer; when one does not fit, the open nest is cancelled or
 * closed and the cursor remembers where the next message resumes.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/wireguard.h>

#include "wgctl/genl.h"

static struct nlmsghdr *start_msg(void *buf, size_t len, uint16_t family, uint32_t seq,
				  uint8_t cmd, uint16_t flags, const char *ifname)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = WG_GENL_VERSION;
	if (!mnl_attr_put_strz_check(nlh, len, WGDEVICE_A_IFNAME, ifname))
		return NULL;
	return nlh;
}

int wgctl_genl_encode_get(void *buf, size_t len, uint16_t family, uint32_t seq,
			  const char *ifname)
{
	struct nlmsghdr *nlh;

	if (len < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr)))
		return -EMSGSIZE;
	nlh = start_msg(buf, len, family, seq, WG_CMD_GET_DEVICE,
			NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP, ifname);
	return nlh ? (int)nlh->nlmsg_len : -EMSGSIZE;
}

static bool put_device(struct nlmsghdr *nlh, size_t len, const struct wgctl_set_req *req)
{
	if (req->private_key &&
	    !mnl_attr_put_check(nlh, len, WGDEVICE_A_PRIVATE_KEY, WGCTL_KEY_LEN, req->private_key))
		return false;
	if (req->listen_port >= 0 &&
	    !mnl_attr_put_u16_check(nlh, len, WGDEVICE_A_LISTEN_PORT, (uint16_t)req->listen_port))
		return false;
	return true;
}

/* The attributes of a peer's first fragment: flags, endpoint, keepalive. */
static bool put_peer_head(struct nlmsghdr *nlh, size_t len, const struct wgctl_op *op)
{
	const struct wgctl_peer *p = op->peer;
	uint32_t flags = 0;

	if (op->kind == WGCTL_OP_REMOVE)
		flags = WGPEER_F_REMOVE_ME;
	else if (op->change & WGCTL_CH_ALLOWED)
		flags = WGPEER_F_REPLACE_ALLOWEDIPS;
	if (flags && !mnl_attr_put_u32_check(nlh, len, WGPEER_A_FLAGS, flags))
		return false;
	if (op->kind == WGCTL_OP_REMOVE)
		return true;
	if (op->change & WGCTL_CH_ENDPOINT) {
		size_t sl = p->endpoint.addr.sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
								    : sizeof(struct sockaddr_in);

		if (!mnl_attr_put_check(nlh, len, WGPEER_A_ENDPOINT, sl, &p->endpoint))
			return false;
	}
	if ((op->change & WGCTL_CH_KEEPALIVE) &&
	    !mnl_attr_put_u16_check(nlh, len, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, p->keepalive))
		return false;
	return true;
}

static bool put_allowed(struct nlmsghdr *nlh, size_t len, const struct wgctl_allowed *a)
{
	struct nlattr *nest = mnl_attr_nest_start_check(nlh, len, 0);
	size_t al = a->family == AF_INET6 ? 16 : 4;

	if (!nest)
		return false;
	if (!mnl_attr_put_u16_check(nlh, len, WGALLOWEDIP_A_FAMILY, a->family) ||
	    !mnl_attr_put_check(nlh, len, WGALLOWEDIP_A_IPADDR, al, &a->addr) ||
	    !mnl_attr_put_u8_check(nlh, len, WGALLOWEDIP_A_CIDR_MASK, a->cidr)) {
		mnl_attr_nest_cancel(nlh, nest);
		return false;
	}
	mnl_attr_nest_end(nlh, nest);
	return true;
}

/*
 * Put as much of the cursor's op as fits. Returns true when the op is
 * complete, false when the message is full (cursor updated, and anything
 * that made it in is properly closed).
 */
static bool put_peer(struct nlmsghdr *nlh, size_t len, const struct wgctl_op *op,
		     struct wgctl_set_cursor *cur)
{
	const struct wgctl_peer *p = op->peer;
	bool send_ips = op->kind != WGCTL_OP_REMOVE && (op->change & WGCTL_CH_ALLOWED);
	bool was_started = cur->started;
	struct nlattr *peer = mnl_attr_nest_start_check(nlh, len, 0), *ips;
	size_t ip0 = cur->ip;

	if (!peer)
		return false;
	if (!mnl_attr_put_check(nlh, len, WGPEER_A_PUBLIC_KEY, WGCTL_KEY_LEN, p->public_key) ||
	    (!was_started && !put_peer_head(nlh, len, op))) {
		mnl_attr_nest_cancel(nlh, peer);
		return false;
	}
	cur->started = true;
	if (send_ips && cur->ip < p->n_allowed) {
		ips = mnl_attr_nest_start_check(nlh, len, WGPEER_A_ALLOWEDIPS);
		if (ips) {
			while (cur->ip < p->n_allowed && put_allowed(nlh, len, &p->allowed[cur->ip]))
				cur->ip++;
			if (cur->ip == ip0)
				mnl_attr_nest_cancel(nlh, ips);
			else
				mnl_attr_nest_end(nlh, ips);
		}
		/* A continuation that carries no IP would be a bare key: drop it. */
		if (cur->ip == ip0 && was_started) {
			mnl_attr_nest_cancel(nlh, peer);
			return false;
		}
		if (cur->ip < p->n_allowed) {
			mnl_attr_nest_end(nlh, peer);
			return false;
		}
	}
	mnl_attr_nest_end(nlh, peer);
	return true;
}

int wgctl_genl_encode_set(void *buf, size_t len, uint16_t family, uint32_t seq,
			  const struct wgctl_set_req *req, struct wgctl_set_cursor *cur)
{
	bool has_device = req->private_key || req->listen_port >= 0;
	struct wgctl_set_cursor at_start;
	struct nlmsghdr *nlh;
	struct nlattr *peers;

	if (!cur->device_done && !has_device)
		cur->device_done = true;
	at_start = *cur;
	if (cur->device_done && cur->op >= req->n_ops)
		return 0;
	if (len < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr)))
		return -EMSGSIZE;
	nlh = start_msg(buf, len, family, seq, WG_CMD_SET_DEVICE, NLM_F_REQUEST | NLM_F_ACK,
			req->ifname);
	if (!nlh)
		return -EMSGSIZE;
	if (!cur->device_done) {
		if (!put_device(nlh, len, req))
			return -EMSGSIZE;
		cur->device_done = true;
	}
	if (cur->op < req->n_ops) {
		peers = mnl_attr_nest_start_check(nlh, len, WGDEVICE_A_PEERS);
		if (peers) {
			while (cur->op < req->n_ops && put_peer(nlh, len, &req->ops[cur->op], cur)) {
				cur->op++;
				cur->ip = 0;
				cur->started = false;
			}
			if (cur->op == at_start.op && cur->ip == at_start.ip &&
			    cur->started == at_start.started)
				mnl_attr_nest_cancel(nlh, peers);
			else
				mnl_attr_nest_end(nlh, peers);
		}
		/* A message that moves nothing forward would repeat forever. */
		if (at_start.device_done && cur->op == at_start.op && cur->ip == at_start.ip &&
		    cur->started == at_start.started)
			return -EMSGSIZE;
	}
	return (int)nlh->nlmsg_len;
}
