/* SPDX-License-Identifier: MIT */
/*
 * wgctl: the part of meshd that programs WireGuard. One small interface
 * over three backends (kernel netlink, userspace UAPI, none). The agent
 * hands in the desired peer set; wgctl diffs it against what the device
 * holds and applies only the difference, peer by peer.
 */
#ifndef MESHD_WGCTL_H
#define MESHD_WGCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

enum { WGCTL_KEY_LEN = 32, WGCTL_MAX_ALLOWED = 64 };

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
	union wgctl_endpoint endpoint;     /* sa_family 0 = none */
	uint16_t keepalive;                /* seconds, 0 = off */
	size_t n_allowed;
	struct wgctl_allowed allowed[WGCTL_MAX_ALLOWED];
	/* read back only */
	int64_t last_handshake;            /* unix seconds, 0 = never */
	uint64_t rx_bytes, tx_bytes;
};

struct wgctl_device_conf {
	char ifname[16];                   /* IFNAMSIZ */
	uint8_t private_key[WGCTL_KEY_LEN];
	uint16_t listen_port;
	uint32_t mtu;                      /* 0 = default 1420 */
	uint16_t addr_family;              /* overlay address: AF_INET/AF_INET6, 0 = none */
	uint8_t addr_cidr;
	union { struct in_addr ip4; struct in6_addr ip6; } addr;
};

struct wgctl_device {                  /* read back */
	char ifname[16];
	uint8_t public_key[WGCTL_KEY_LEN];
	bool has_private_key;
	uint16_t listen_port;
	size_t n_peers;
	struct wgctl_peer *peers;          /* malloc'd, sorted by public key */
};

struct wgctl;  /* opaque handle: backend + open sockets + last known peer set */

/*
 * Open the backend for `ifname`. AUTO picks kernel when the `wireguard`
 * genl family exists, else userspace. Errors fill `err` (may be NULL)
 * with a sentence naming the cause and, for missing WireGuard, what to
 * install. Returns 0 or -errno.
 */
int wgctl_open(struct wgctl **out, enum wgctl_backend_kind kind, const char *ifname,
	       char *err, size_t errlen);
void wgctl_close(struct wgctl *w);
enum wgctl_backend_kind wgctl_kind(const struct wgctl *w);
const char *wgctl_kind_name(enum wgctl_backend_kind k);
int wgctl_parse_kind(const char *s, enum wgctl_backend_kind *out);

/* Create the interface if missing (kernel: rtnetlink; userspace: start
 * wireguard-go if allowed), set key, port, address, MTU, bring it up.
 * Peers already on the device are left alone. */
int wgctl_setup(struct wgctl *w, const struct wgctl_device_conf *conf, char *err, size_t errlen);

/*
 * Make the device's peer set equal to `want` (n peers): remove peers not
 * in want, add new ones, update changed ones (endpoint, keepalive, allowed
 * IPs), leave unchanged peers untouched. If keep_endpoint is true, an
 * endpoint the device learned by roaming is not overwritten. Fills
 * *changed with the number of peers touched.
 */
int wgctl_apply(struct wgctl *w, const struct wgctl_peer *want, size_t n,
		size_t *changed, char *err, size_t errlen);

/* Read back the device with all peers (dump merged across messages). */
int wgctl_get(struct wgctl *w, struct wgctl_device *dev, char *err, size_t errlen);
void wgctl_device_free(struct wgctl_device *dev);

/* Delete the interface (tests, `meshctl` teardown). */
int wgctl_destroy(struct wgctl *w, char *err, size_t errlen);

#endif
