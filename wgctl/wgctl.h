/* SPDX-License-Identifier: MIT */
/*
 * wgctl: the part of meshd that programs WireGuard. One small interface
 * over three backends (kernel netlink, userspace UAPI, none). The agent
 * hands in the desired peer set; wgctl diffs it against what the device
 * holds and applies only the difference, peer by peer.
 *
 * Errors: every call returns 0 or -errno and, when `err` is not NULL,
 * fills it with one sentence naming the cause. The causes callers may
 * want to tell apart have fixed codes:
 *   -ENODEV          no such interface
 *   -EOPNOTSUPP      the interface exists but is not a WireGuard interface
 *   -EPERM           permission denied (needs root or CAP_NET_ADMIN)
 *   -EPROTONOSUPPORT no WireGuard support (no kernel module, no wireguard-go)
 *   -EAGAIN          another program kept changing the peers while they
 *                    were being read (the dump restarted too often)
 */
#ifndef MESHD_WGCTL_H
#define MESHD_WGCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

enum { WGCTL_KEY_LEN = 32, WGCTL_MAX_ALLOWED = 64, WGCTL_IFNAMSIZ = 16,
       WGCTL_ADDRSTRLEN = 80 /* endpoint or prefix text, with NUL */ };

enum wgctl_backend_kind { WGCTL_AUTO = 0, WGCTL_KERNEL, WGCTL_USERSPACE, WGCTL_NONE };

struct wgctl_allowed {
	uint16_t family;              /* AF_INET or AF_INET6 */
	uint8_t cidr;
	union { struct in_addr ip4; struct in6_addr ip6; } addr;
};

union wgctl_endpoint {
	struct sockaddr addr;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

struct wgctl_peer {
	uint8_t public_key[WGCTL_KEY_LEN];
	union wgctl_endpoint endpoint;     /* sa_family 0 = none (apply: don't care) */
	uint16_t keepalive;                /* seconds, 0 = off */
	size_t n_allowed;
	struct wgctl_allowed allowed[WGCTL_MAX_ALLOWED];
	/* read back only */
	int64_t last_handshake;            /* unix seconds, 0 = never */
	uint64_t rx_bytes, tx_bytes;
};

struct wgctl_device_conf {
	char ifname[WGCTL_IFNAMSIZ];       /* IFNAMSIZ */
	uint8_t private_key[WGCTL_KEY_LEN]; /* all zero = leave unchanged */
	uint16_t listen_port;              /* 0 = leave unchanged */
	uint32_t mtu;                      /* 0 = default 1420 */
	uint16_t addr_family;              /* overlay address: AF_INET/AF_INET6, 0 = none */
	uint8_t addr_cidr;
	union { struct in_addr ip4; struct in6_addr ip6; } addr;
	/* Dual stack (issue 14): a second, IPv6 overlay address; cidr 0 = none. */
	uint8_t addr6_cidr;
	struct in6_addr addr6;
};

struct wgctl_device {                  /* read back */
	char ifname[WGCTL_IFNAMSIZ];
	uint8_t private_key[WGCTL_KEY_LEN]; /* wiped by wgctl_device_free */
	uint8_t public_key[WGCTL_KEY_LEN];
	bool has_private_key;
	uint16_t listen_port;
	uint32_t fwmark;
	size_t n_peers;
	struct wgctl_peer *peers;          /* malloc'd, sorted by public key */
};

struct wgctl;  /* opaque handle: backend + open sockets + last known peer set */

/*
 * Open the backend for `ifname`. AUTO picks userspace when a UAPI socket
 * for `ifname` answers (as wg(8) does), else kernel when the `wireguard`
 * genl family resolves (resolving it also loads the module), else
 * userspace. The device need not exist yet (see wgctl_setup).
 */
int wgctl_open(struct wgctl **out, enum wgctl_backend_kind kind, const char *ifname,
	       char *err, size_t errlen);
void wgctl_close(struct wgctl *w);
enum wgctl_backend_kind wgctl_kind(const struct wgctl *w);
const char *wgctl_kind_name(enum wgctl_backend_kind k);
int wgctl_parse_kind(const char *s, enum wgctl_backend_kind *out);

/*
 * Userspace backend: let wgctl_setup start `program IFNAME` (normally
 * "wireguard-go", looked up in PATH) when the interface does not exist.
 * NULL (the default) never starts anything. No effect on other backends.
 */
int wgctl_set_spawn(struct wgctl *w, const char *program);

/*
 * Keep endpoints WireGuard learned from a roaming peer: an endpoint
 * difference is then pushed only when the wanted endpoint differs from the
 * one last asked for, or the peer has never completed a handshake. Off by
 * default (apply makes the device equal to `want`).
 */
void wgctl_set_keep_endpoint(struct wgctl *w, bool keep);

/* Create the interface if missing (kernel: rtnetlink; userspace: start
 * wireguard-go if allowed), set key, port, address, MTU, bring it up.
 * Peers already on the device are left alone. */
int wgctl_setup(struct wgctl *w, const struct wgctl_device_conf *conf, char *err, size_t errlen);

/*
 * Make the device's peer set equal to `want` (n peers, any order, keys
 * unique): remove peers not in want, add new ones, update changed ones
 * (endpoint, keepalive, allowed IPs), leave unchanged peers untouched.
 * The handle keeps the device's peer set from its last apply (refreshed
 * by wgctl_get), so only the first apply, or the first after an error or
 * a setup, reads the device. Fills
 * *changed (may be NULL) with the number of peers touched.
 */
int wgctl_apply(struct wgctl *w, const struct wgctl_peer *want, size_t n,
		size_t *changed, char *err, size_t errlen);

/* Read back the device with all peers (dump merged across messages);
 * once the handle has applied, this also refreshes its view of the peers
 * (stats and roamed endpoints for keep_endpoint). */
int wgctl_get(struct wgctl *w, struct wgctl_device *dev, char *err, size_t errlen);
void wgctl_device_free(struct wgctl_device *dev);

/* Delete the interface (tests, `meshctl` teardown). Refuses (-EOPNOTSUPP)
 * to delete an interface that is not WireGuard. */
int wgctl_destroy(struct wgctl *w, char *err, size_t errlen);

/* Text forms shared by the tool and the agent: "1.2.3.4:51820",
 * "[fd00::1]:51820", "10.0.0.1/32". Parsers return 0 or -EINVAL;
 * formatters write a NUL-terminated string into WGCTL_ADDRSTRLEN bytes. */
int wgctl_endpoint_parse(const char *s, union wgctl_endpoint *ep);
void wgctl_endpoint_format(const union wgctl_endpoint *ep, char *out, size_t len);
int wgctl_allowed_parse(const char *s, struct wgctl_allowed *a);
void wgctl_allowed_format(const struct wgctl_allowed *a, char *out, size_t len);

#endif
