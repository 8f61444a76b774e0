// SPDX-License-Identifier: MIT
/*
 * The handle: backend selection, and apply = diff against the cached
 * device view, send only the operations, then update the cache.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "wgctl/internal.h"

static const char *const kind_names[] = {
	[WGCTL_AUTO] = "auto",
	[WGCTL_KERNEL] = "kernel",
	[WGCTL_USERSPACE] = "userspace",
	[WGCTL_NONE] = "none",
};

const char *wgctl_kind_name(enum wgctl_backend_kind k)
{
	return (unsigned int)k < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[k] : "?";
}

int wgctl_parse_kind(const char *s, enum wgctl_backend_kind *out)
{
	for (size_t i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++) {
		if (!strcmp(s, kind_names[i])) {
			*out = (enum wgctl_backend_kind)i;
			return 0;
		}
	}
	return -EINVAL;
}

enum wgctl_backend_kind wgctl_kind(const struct wgctl *w)
{
	return w->kind;
}

void wgctl_public_from_private(uint8_t pub[static WGCTL_KEY_LEN],
			       const uint8_t priv[static WGCTL_KEY_LEN])
{
	/* X25519 clamps internally, as WireGuard does; an all-zero result
	 * only comes from a zero key, which has_private_key excludes. */
	if (crypto_scalarmult_base(pub, priv) != 0)
		memset(pub, 0, WGCTL_KEY_LEN);
}

/* The name also becomes a socket path: no '/', no dot names. */
static bool ifname_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n >= WGCTL_IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '/' || s[i] == ':' || s[i] <= ' ' || s[i] == 0x7f)
			return false;
	return true;
}

static int select_backend(struct wgctl *w, enum wgctl_backend_kind kind, char *err, size_t errlen)
{
	switch (kind) {
	case WGCTL_KERNEL:
		w->ops = &wgctl_kernel_ops;
		return wgctl_kernel_open(w, err, errlen);
	case WGCTL_USERSPACE:
		w->ops = &wgctl_uapi_ops;
		return 0;
	case WGCTL_NONE:
		w->ops = &wgctl_none_ops;
		return 0;
	case WGCTL_AUTO:
		/* As wg(8): a live UAPI socket wins, then the kernel. */
		if (wgctl_uapi_present(w->ifname))
			return select_backend(w, w->kind = WGCTL_USERSPACE, err, errlen);
		if (wgctl_kernel_open(w, NULL, 0) == 0) {
			w->kind = WGCTL_KERNEL;
			w->ops = &wgctl_kernel_ops;
			return 0;
		}
		return select_backend(w, w->kind = WGCTL_USERSPACE, err, errlen);
	}
	return wgctl_fail(err, errlen, -EINVAL, "unknown backend %d", (int)kind);
}

int wgctl_open(struct wgctl **out, enum wgctl_backend_kind kind, const char *ifname,
	       char *err, size_t errlen)
{
	struct wgctl *w;
	int ret;

	*out = NULL;
	if (!ifname_ok(ifname))
		return wgctl_fail(err, errlen, -EINVAL, "invalid interface name \"%s\"",
				  ifname ? ifname : "");
	if (sodium_init() < 0)
		return wgctl_fail(err, errlen, -EIO, "libsodium initialisation failed");
	w = calloc(1, sizeof(*w));
	if (!w)
		return wgctl_fail(err, errlen, -ENOMEM, "out of memory");
	memcpy(w->ifname, ifname, strlen(ifname) + 1);
	w->kind = kind;
	ret = select_backend(w, kind, err, errlen);
	if (ret < 0) {
		wgctl_close(w);
		return ret;
	}
	*out = w;
	return 0;
}

void wgctl_close(struct wgctl *w)
{
	if (!w)
		return;
	wgctl_nl_close(&w->genl);
	wgctl_nl_close(&w->rtnl);
	wgctl_cache_clear(&w->cache);
	free(w->spawn);
	sodium_memzero(w, sizeof(*w));
	free(w);
}

int wgctl_set_spawn(struct wgctl *w, const char *program)
{
	char *p = program ? strdup(program) : NULL;

	if (program && !p)
		return -ENOMEM;
	free(w->spawn);
	w->spawn = p;
	return 0;
}

void wgctl_set_keep_endpoint(struct wgctl *w, bool keep)
{
	w->keep_endpoint = keep;
}

void wgctl_device_free(struct wgctl_device *dev)
{
	free(dev->peers);
	sodium_memzero(dev, sizeof(*dev));
}

int wgctl_setup(struct wgctl *w, const struct wgctl_device_conf *conf, char *err, size_t errlen)
{
	int ret;

	if (conf->ifname[0] && strncmp(conf->ifname, w->ifname, sizeof(w->ifname)) != 0)
		return wgctl_fail(err, errlen, -EINVAL, "setup for %.16s on a handle for %s",
				  conf->ifname, w->ifname);
	if (conf->addr6_cidr > 128)
		return wgctl_fail(err, errlen, -EINVAL, "%s: bad IPv6 prefix length %u",
				  w->ifname, conf->addr6_cidr);
	if (conf->addr_family && conf->addr_cidr > (conf->addr_family == AF_INET ? 32 : 128))
		return wgctl_fail(err, errlen, -EINVAL, "%s: bad address prefix length %u",
				  w->ifname, conf->addr_cidr);
	/* A new device (or key) invalidates what we knew. */
	w->cache.valid = false;
	w->has_own_key = false;
	ret = w->ops->setup(w, conf, err, errlen);
	if (ret == 0 && !sodium_is_zero(conf->private_key, WGCTL_KEY_LEN)) {
		wgctl_public_from_private(w->own_public_key, conf->private_key);
		w->has_own_key = true;
	}
	return ret;
}

/* Read the device and make it the handle's view; `adopt` hands the
 * peers to the cache instead of copying them (dev->peers then empty). */
static int sync_device(struct wgctl *w, struct wgctl_device *dev, bool adopt, char *err,
		       size_t errlen)
{
	int ret = w->ops->get(w, dev, err, errlen);

	if (ret < 0) {
		w->cache.valid = false;
		return ret;
	}
	/* A handle that has not applied yet (a reader) keeps no view; the
	 * first apply reads the device itself. */
	if (!adopt && !w->cache.valid)
		ret = 0;
	else
		ret = adopt ? wgctl_cache_adopt(&w->cache, dev) : wgctl_cache_load(&w->cache, dev);
	if (ret < 0) {
		wgctl_device_free(dev);
		w->cache.valid = false;
		return wgctl_fail(err, errlen, -ENOMEM, "out of memory");
	}
	memcpy(w->own_public_key, dev->public_key, WGCTL_KEY_LEN);
	w->has_own_key = dev->has_private_key;
	return 0;
}

int wgctl_get(struct wgctl *w, struct wgctl_device *dev, char *err, size_t errlen)
{
	memset(dev, 0, sizeof(*dev));
	return sync_device(w, dev, false, err, errlen);
}

/* Refuse what the device would reject halfway through a split send. */
static int check_want(struct wgctl *w, const struct wgctl_peer *want, size_t n,
		      char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		const char *why = wgctl_peer_invalid(&want[i]);

		if (why)
			return wgctl_fail(err, errlen, -EINVAL, "%s: peer %zu: %s", w->ifname, i,
					  why);
		if (w->has_own_key && wgctl_key_cmp(want[i].public_key, w->own_public_key) == 0)
			/* WireGuard ignores such a peer; we would re-add it forever. */
			return wgctl_fail(err, errlen, -EINVAL,
					  "%s: peer %zu has the interface's own public key",
					  w->ifname, i);
	}
	return 0;
}

int wgctl_apply(struct wgctl *w, const struct wgctl_peer *want, size_t n,
		size_t *changed, char *err, size_t errlen)
{
	const struct wgctl_peer **sorted = NULL;
	struct wgctl_op *ops = NULL;
	struct wgctl_device dev;
	size_t n_ops = 0;
	int ret = 0;

	if (changed)
		*changed = 0;
	if (!w->cache.valid) {
		ret = sync_device(w, &dev, true, err, errlen);
		if (ret < 0)
			return ret;
		wgctl_device_free(&dev);
	}
	sorted = malloc((n ? n : 1) * sizeof(*sorted));
	ops = malloc((n + w->cache.n + 1) * sizeof(*ops));
	if (!sorted || !ops) {
		ret = wgctl_fail(err, errlen, -ENOMEM, "out of memory");
		goto out;
	}
	ret = check_want(w, want, n, err, errlen);
	if (ret < 0)
		goto out;
	ret = wgctl_diff_sort(want, n, sorted);
	if (ret < 0) {
		wgctl_fail(err, errlen, ret, "%s: two peers with the same public key", w->ifname);
		goto out;
	}
	n_ops = wgctl_diff(sorted, n, w->cache.peers, w->cache.asked, w->cache.n,
			   w->keep_endpoint ? WGCTL_DIFF_KEEP_ENDPOINT : 0, ops);
	ret = n_ops ? w->ops->set_peers(w, ops, n_ops, err, errlen) : 0;
	if (ret < 0) {
		/* Split sends are not atomic: re-read before the next diff. */
		w->cache.valid = false;
		goto out;
	}
	if (wgctl_cache_commit(&w->cache, sorted, n, ops, n_ops) < 0) {
		w->cache.valid = false;
		ret = wgctl_fail(err, errlen, -ENOMEM, "out of memory");
		goto out;
	}
	if (changed)
		*changed = n_ops;
out:
	free(sorted);
	free(ops);
	return ret;
}

int wgctl_destroy(struct wgctl *w, char *err, size_t errlen)
{
	int ret = w->ops->destroy(w, err, errlen);

	w->cache.valid = false;
	return ret;
}
