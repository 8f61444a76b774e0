// SPDX-License-Identifier: MIT
/*
 * The none backend, for discovery-only mode: no interface is touched. It
 * records what it was asked for, so get returns the desired device and
 * apply still reports how many peers a real backend would have touched.
 */
#include <string.h>
#include <stdlib.h>
#include <errno.h>
#include <sodium.h>

#include "wgctl/internal.h"

static int none_setup(struct wgctl *w, const struct wgctl_device_conf *conf, char *err,
		      size_t errlen)
{
	struct wgctl_device *d = &w->none_dev;

	(void)err;
	(void)errlen;
	memcpy(d->ifname, w->ifname, sizeof(d->ifname));
	if (!sodium_is_zero(conf->private_key, WGCTL_KEY_LEN)) {
		memcpy(d->private_key, conf->private_key, WGCTL_KEY_LEN);
		wgctl_public_from_private(d->public_key, d->private_key);
		d->has_private_key = true;
	}
	if (conf->listen_port)
		d->listen_port = conf->listen_port;
	return 0;
}

/* The peers are the handle's cache: exactly what the last apply asked for. */
static int none_get(struct wgctl *w, struct wgctl_device *dev, char *err, size_t errlen)
{
	size_t n = w->cache.valid ? w->cache.n : 0;

	*dev = w->none_dev;
	memcpy(dev->ifname, w->ifname, sizeof(dev->ifname));
	dev->peers = NULL;
	dev->n_peers = 0;
	if (n == 0)
		return 0;
	dev->peers = malloc(n * sizeof(*dev->peers));
	if (!dev->peers)
		return wgctl_fail(err, errlen, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		wgctl_peer_copy(&dev->peers[i], &w->cache.peers[i]);
	dev->n_peers = n;
	return 0;
}

static int none_set_peers(struct wgctl *w, const struct wgctl_op *ops, size_t n, char *err,
			  size_t errlen)
{
	(void)w;
	(void)ops;
	(void)n;
	(void)err;
	(void)errlen;
	return 0;
}

static int none_destroy(struct wgctl *w, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	sodium_memzero(&w->none_dev, sizeof(w->none_dev));
	wgctl_cache_clear(&w->cache);
	return 0;
}

const struct wgctl_backend_ops wgctl_none_ops = {
	.setup = none_setup,
	.get = none_get,
	.set_peers = none_set_peers,
	.destroy = none_destroy,
};
