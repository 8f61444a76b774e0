/* SPDX-License-Identifier: MIT */
/*
 * Writes the fuzz_genl seeds: receive buffers as the kernel fills them
 * for a GET_DEVICE dump (device, peers, a peer split across two
 * messages, NLMSG_DONE), ACKs and errors with extended-ACK text (capped
 * and with the request echoed), an interrupted dump, and damaged ones.
 * Deterministic: gen_genl_seeds tests/fuzz/corpus/fuzz_genl
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/time_types.h>
#include <linux/wireguard.h>

#ifndef NLM_F_CAPPED
#define NLM_F_CAPPED 0x100
#endif
#ifndef NLM_F_ACK_TLVS
#define NLM_F_ACK_TLVS 0x200
#endif

enum { FAMILY = 0x1d };

static const char *dir;
static char buf[16384] __attribute__((aligned(8)));
static size_t used;

static void put(const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, used, f) != used || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
	used = 0;
}

static struct nlmsghdr *msg(uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf + used);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = 1;
	if (type >= NLMSG_MIN_TYPE) {
		struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

		g->cmd = WG_CMD_GET_DEVICE;
		g->version = WG_GENL_VERSION;
	}
	return nlh;
}

static void end(struct nlmsghdr *nlh)
{
	used += nlh->nlmsg_len;
}

static void key(uint8_t k[32], int id)
{
	for (int i = 0; i < 32; i++)
		k[i] = (uint8_t)(id * 31 + i);
}

static void put_ip(struct nlmsghdr *nlh, int family, const char *text, uint8_t cidr)
{
	struct nlattr *ip = mnl_attr_nest_start(nlh, 0);
	uint8_t addr[16];

	inet_pton(family, text, addr);
	mnl_attr_put_u16(nlh, WGALLOWEDIP_A_FAMILY, (uint16_t)family);
	mnl_attr_put(nlh, WGALLOWEDIP_A_IPADDR, family == AF_INET6 ? 16 : 4, addr);
	mnl_attr_put_u8(nlh, WGALLOWEDIP_A_CIDR_MASK, cidr);
	mnl_attr_nest_end(nlh, ip);
}

/* A peer as the kernel sends it; ips of its allowed IPs (10.0.id.0/24 + i). */
static void put_peer(struct nlmsghdr *nlh, int id, int ips, int first_ip, int full)
{
	struct nlattr *pn = mnl_attr_nest_start(nlh, 0), *list;
	struct __kernel_timespec ts = { 1735689600 + id, 5 };
	uint8_t k[32], psk[32] = { 0 };
	char text[64];

	key(k, id);
	mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, sizeof(k), k);
	if (full) {
		struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(51820) };
		struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(4242),
					    .sin6_scope_id = 3 };

		mnl_attr_put(nlh, WGPEER_A_PRESHARED_KEY, sizeof(psk), psk);
		mnl_attr_put(nlh, WGPEER_A_LAST_HANDSHAKE_TIME, sizeof(ts), &ts);
		mnl_attr_put_u16(nlh, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, 25);
		mnl_attr_put_u64(nlh, WGPEER_A_RX_BYTES, 1234567);
		mnl_attr_put_u64(nlh, WGPEER_A_TX_BYTES, 7654321);
		mnl_attr_put_u32(nlh, WGPEER_A_PROTOCOL_VERSION, 1);
		if (id % 2) {
			inet_pton(AF_INET, "192.0.2.7", &in.sin_addr);
			mnl_attr_put(nlh, WGPEER_A_ENDPOINT, sizeof(in), &in);
		} else {
			inet_pton(AF_INET6, "fe80::7", &in6.sin6_addr);
			mnl_attr_put(nlh, WGPEER_A_ENDPOINT, sizeof(in6), &in6);
		}
	}
	list = mnl_attr_nest_start(nlh, WGPEER_A_ALLOWEDIPS);
	for (int i = first_ip; i < first_ip + ips; i++) {
		if (i % 2) {
			snprintf(text, sizeof(text), "fd00:%x::%x", id, i);
			put_ip(nlh, AF_INET6, text, 128);
		} else {
			snprintf(text, sizeof(text), "10.%d.%d.0", id, i);
			put_ip(nlh, AF_INET, text, 24);
		}
	}
	mnl_attr_nest_end(nlh, list);
	mnl_attr_nest_end(nlh, pn);
}

static void put_device(struct nlmsghdr *nlh)
{
	uint8_t k[32];

	mnl_attr_put_u32(nlh, WGDEVICE_A_IFINDEX, 7);
	mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, "wg0");
	key(k, 100);
	mnl_attr_put(nlh, WGDEVICE_A_PRIVATE_KEY, sizeof(k), k);
	key(k, 101);
	mnl_attr_put(nlh, WGDEVICE_A_PUBLIC_KEY, sizeof(k), k);
	mnl_attr_put_u16(nlh, WGDEVICE_A_LISTEN_PORT, 51820);
	mnl_attr_put_u32(nlh, WGDEVICE_A_FWMARK, 0x42);
}

static void done(int error)
{
	struct nlmsghdr *nlh = msg(NLMSG_DONE, NLM_F_MULTI);

	memcpy(mnl_nlmsg_put_extra_header(nlh, sizeof(error)), &error, sizeof(error));
	end(nlh);
}

static void error_msg(int error, uint16_t flags, const char *text, int echo_len)
{
	struct nlmsghdr *nlh = msg(NLMSG_ERROR, flags);
	struct nlmsgerr *e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));

	e->error = error;
	e->msg.nlmsg_len = (uint32_t)(sizeof(e->msg) + (echo_len > 0 ? echo_len : 0));
	e->msg.nlmsg_type = FAMILY;
	e->msg.nlmsg_seq = 1;
	if (echo_len < 0)
		e->msg.nlmsg_len = UINT32_MAX;
	if (echo_len > 0)
		memset(mnl_nlmsg_put_extra_header(nlh, MNL_ALIGN((size_t)echo_len)), 0x5a,
		       MNL_ALIGN((size_t)echo_len));
	if (text)
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, text);
	end(nlh);
}

static void valid_seeds(void)
{
	struct nlmsghdr *nlh;
	struct nlattr *peers;

	/* Two messages, peer 2 split after 3 of its 7 IPs, then DONE. */
	nlh = msg(FAMILY, NLM_F_MULTI);
	put_device(nlh);
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	put_peer(nlh, 3, 2, 0, 1);
	put_peer(nlh, 2, 3, 0, 1);
	mnl_attr_nest_end(nlh, peers);
	end(nlh);
	nlh = msg(FAMILY, NLM_F_MULTI);
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	put_peer(nlh, 2, 4, 3, 0);
	put_peer(nlh, 1, 1, 0, 1);
	mnl_attr_nest_end(nlh, peers);
	end(nlh);
	done(0);
	put("dump-split-peer");

	nlh = msg(FAMILY, NLM_F_MULTI);
	put_device(nlh);
	end(nlh);
	done(0);
	put("dump-no-peers");

	nlh = msg(FAMILY, NLM_F_MULTI | NLM_F_DUMP_INTR);
	put_device(nlh);
	end(nlh);
	put("dump-interrupted");

	done(-EBUSY);
	put("done-error");
	error_msg(0, NLM_F_CAPPED, NULL, 0);
	put("error-ack");
	error_msg(-EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, "Invalid peer endpoint", 0);
	put("error-extack-capped");
	error_msg(-ENODEV, NLM_F_ACK_TLVS, "No such device", 36);
	put("error-extack-echo");
	error_msg(EPERM, 0, NULL, 0);
	put("error-positive");
}

static void hostile_seeds(void)
{
	struct nlmsghdr *nlh;
	struct nlattr *peers, *pn;
	uint8_t k[32];

	/* Inner request length that would put the TLVs past any buffer. */
	error_msg(-EINVAL, NLM_F_ACK_TLVS, "x", -1);
	put("hostile-error-echo-len");

	/* A message claiming more bytes than the buffer holds. */
	nlh = msg(FAMILY, NLM_F_MULTI);
	put_device(nlh);
	end(nlh);
	nlh->nlmsg_len += 4096;
	put("hostile-nlmsg-len");

	/* A peer nest longer than the PEERS nest around it. */
	nlh = msg(FAMILY, NLM_F_MULTI);
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	pn = mnl_attr_nest_start(nlh, 0);
	key(k, 9);
	mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, sizeof(k), k);
	mnl_attr_nest_end(nlh, pn);
	mnl_attr_nest_end(nlh, peers);
	pn->nla_len = (uint16_t)(pn->nla_len + 64);
	end(nlh);
	put("hostile-nest-len");

	/* 65 allowed IPs over two messages: one more than the API holds. */
	nlh = msg(FAMILY, NLM_F_MULTI);
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	put_peer(nlh, 5, 40, 0, 0);
	mnl_attr_nest_end(nlh, peers);
	end(nlh);
	nlh = msg(FAMILY, NLM_F_MULTI);
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	put_peer(nlh, 5, 25, 40, 0);
	mnl_attr_nest_end(nlh, peers);
	end(nlh);
	put("hostile-too-many-ips");

	/* Interface name without its NUL, and a 17-byte one. */
	nlh = msg(FAMILY, NLM_F_MULTI);
	mnl_attr_put(nlh, WGDEVICE_A_IFNAME, 4, "wg0x");
	end(nlh);
	nlh = msg(FAMILY, NLM_F_MULTI);
	mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, "wg-sixteen-bytes");
	end(nlh);
	put("hostile-ifname");

	/* Endpoint of an odd length; a genl header cut short. */
	nlh = msg(FAMILY, NLM_F_MULTI);
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	pn = mnl_attr_nest_start(nlh, 0);
	mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, sizeof(k), k);
	mnl_attr_put(nlh, WGPEER_A_ENDPOINT, 6, "\x02\x00\x01\x02\x03\x04");
	mnl_attr_nest_end(nlh, pn);
	mnl_attr_nest_end(nlh, peers);
	end(nlh);
	nlh = mnl_nlmsg_put_header(buf + used);
	nlh->nlmsg_type = FAMILY;
	end(nlh);
	put("hostile-endpoint-short-genl");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: gen_genl_seeds DIR\n");
		return 2;
	}
	dir = argv[1];
	valid_seeds();
	hostile_seeds();
	return 0;
}
