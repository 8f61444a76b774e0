/* SPDX-License-Identifier: MIT */
/* What wgctl.c shares with the backends; not for use outside wgctl/. */
#ifndef MESHD_WGCTL_INTERNAL_H
#define MESHD_WGCTL_INTERNAL_H

#include "wgctl/diff.h"
#include "wgctl/netlink.h"

struct wgctl;

struct wgctl_backend_ops {
	/* Create/configure the interface (wgctl_setup). */
	int (*setup)(struct wgctl *w, const struct wgctl_device_conf *conf, char *err, size_t errlen);
	/* Read the whole device, peers sorted by key. */
	int (*get)(struct wgctl *w, struct wgctl_device *dev, char *err, size_t errlen);
	/* Send the operations (already diffed); all or an error. */
	int (*set_peers)(struct wgctl *w, const struct wgctl_op *ops, size_t n, char *err, size_t errlen);
	int (*destroy)(struct wgctl *w, char *err, size_t errlen);
};

/* The device's peers as last read or written, so apply need not dump. */
struct wgctl_cache {
	bool valid;
	size_t n, cap;
	struct wgctl_peer *peers;        /* sorted by key */
	union wgctl_endpoint *asked;     /* parallel: endpoint last asked for */
	/* The previous arrays, reused for the next rebuild: a thousand peers
	 * are ~1.4 MB, and a fresh mmap'd block each apply costs more than
	 * the diff itself. */
	size_t spare_cap;
	struct wgctl_peer *spare_peers;
	union wgctl_endpoint *spare_asked;
};

struct wgctl {
	enum wgctl_backend_kind kind;
	const struct wgctl_backend_ops *ops;
	char ifname[WGCTL_IFNAMSIZ];
	bool keep_endpoint;
	char *spawn;                     /* userspace: program to start, or NULL */
	struct wgctl_nl genl;            /* kernel: generic netlink */
	uint16_t genl_family;
	struct wgctl_nl rtnl;            /* link/address/MTU (kernel, userspace) */
	struct wgctl_cache cache;
	uint8_t own_public_key[WGCTL_KEY_LEN];
	bool has_own_key;                /* a peer with our own key is refused */
	struct wgctl_device none_dev;    /* none: device fields set up (no peers) */
};

extern const struct wgctl_backend_ops wgctl_kernel_ops;
extern const struct wgctl_backend_ops wgctl_uapi_ops;
extern const struct wgctl_backend_ops wgctl_none_ops;

/* Kernel backend: open the genl socket and resolve the family. */
int wgctl_kernel_open(struct wgctl *w, char *err, size_t errlen);
/* Userspace backend: does a UAPI socket for ifname answer? */
bool wgctl_uapi_present(const char *ifname);

/* rtnetlink pieces shared by kernel and userspace setup (link_setup.c). */
int wgctl_rtnl_open(struct wgctl *w, char *err, size_t errlen);
/* 0 if ifname exists with this link kind; -ENODEV or -EOPNOTSUPP (with
 * the sentence in err) otherwise. */
int wgctl_link_check_kind(struct wgctl *w, const char *kind, char *err, size_t errlen);
/* MTU (default 1420), up, overlay address. */
int wgctl_link_finish(struct wgctl *w, const struct wgctl_device_conf *conf, char *err,
		      size_t errlen);

/* Cache maintenance (cache.c). */
void wgctl_cache_clear(struct wgctl_cache *c);
/* Take over a freshly read device's peers as the cache (copies). */
int wgctl_cache_load(struct wgctl_cache *c, const struct wgctl_device *dev);
/* Same, taking over dev's peer array instead of copying it (apply's
 * first read: the caller has no use for the device). */
int wgctl_cache_adopt(struct wgctl_cache *c, struct wgctl_device *dev);
/* After ops went through: the device now holds want (sorted). */
int wgctl_cache_commit(struct wgctl_cache *c, const struct wgctl_peer *const *want, size_t n,
		       const struct wgctl_op *ops, size_t n_ops);

/* Errors (errors.c): fill err with printf text; return ret unchanged. */
int wgctl_fail(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/*
 * The sentence for a failed device operation: known causes (no such
 * interface, not WireGuard, permission, no support) by name, else what
 * failed with strerror and the kernel's reason `why` when there is one.
 */
int wgctl_fail_dev(char *err, size_t errlen, int ret, const char *ifname, const char *what,
		   const char *why);

/* X25519 public key of a private key (for backends that do not report it). */
void wgctl_public_from_private(uint8_t pub[static WGCTL_KEY_LEN],
			       const uint8_t priv[static WGCTL_KEY_LEN]);

#endif
