// SPDX-License-Identifier: MIT
/*
 * The userspace backend: one connection to /var/run/wireguard/IFNAME.sock
 * per request. wireguard-go makes a TUN device, so link, address, MTU and
 * up still go through rtnetlink (link_setup.c).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sodium.h>

#include "wgctl/internal.h"
#include "wgctl/link.h"
#include "wgctl/uapi_text.h"
#include "wgctl/uapi.h"

enum { REPLY_TIMEOUT_MS = 60000, WHY_LEN = 256 };

void wgctl_uapi_path(const char *ifname, char *out, size_t len)
{
	snprintf(out, len, "%s/%s.sock", WGCTL_UAPI_DIR, ifname);
}

int wgctl_uapi_connect(const char *ifname)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, ret;

	wgctl_uapi_path(ifname, sun.sun_path, sizeof(sun.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		ret = -errno;
		close(fd);
		/* A stale socket file whose daemon is gone: nobody there. */
		return ret == -ECONNREFUSED ? -ENOENT : ret;
	}
	return fd;
}

bool wgctl_uapi_present(const char *ifname)
{
	int fd = wgctl_uapi_connect(ifname);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* Why there is no socket to talk to: a missing or a foreign interface. */
static int no_socket(const char *ifname, int ret, char *err, size_t errlen)
{
	char path[108];

	wgctl_uapi_path(ifname, path, sizeof(path));
	if (ret == -EACCES || ret == -EPERM)
		return wgctl_fail_dev(err, errlen, -EPERM, ifname, "connecting to the UAPI socket", "");
	if (ret != -ENOENT)
		return wgctl_fail(err, errlen, ret, "%s: cannot connect to %s: %s", ifname, path,
				  strerror(-ret));
	if (if_nametoindex(ifname) != 0)
		return wgctl_fail(err, errlen, -EOPNOTSUPP,
				  "%s is not a userspace WireGuard interface (no socket at %s)",
				  ifname, path);
	return wgctl_fail(err, errlen, -ENODEV,
			  "no such interface %s (no wireguard-go socket at %s)", ifname, path);
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Feed the reply to r as it arrives, until its errno= line. */
static int read_reply(int fd, struct wgctl_uapi_reply *r)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char buf[16384];
	int ret = 0;

	while (!r->done && ret == 0) {
		int pr = poll(&pfd, 1, REPLY_TIMEOUT_MS);
		ssize_t n;

		if (pr == 0)
			return -ETIMEDOUT;
		if (pr < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		n = read(fd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -ECONNRESET;
		ret = wgctl_uapi_reply_feed(r, buf, (size_t)n);
		sodium_memzero(buf, (size_t)n);   /* a get carries the private key */
	}
	return ret;
}

/*
 * One request, one reply. Returns the daemon's status; a get's device
 * goes to dev. err names the cause: transport, malformed reply, or the
 * daemon's errno.
 */
static int uapi_transact(const char *ifname, const char *req, size_t len, bool is_get,
			 struct wgctl_device *dev, const char *what, char *err, size_t errlen)
{
	struct wgctl_uapi_reply r;
	int fd = wgctl_uapi_connect(ifname), ret;
	bool answered;

	if (fd < 0)
		return no_socket(ifname, fd, err, errlen);
	wgctl_uapi_reply_init(&r, is_get);
	ret = write_all(fd, req, len);
	if (ret == 0)
		ret = read_reply(fd, &r);
	close(fd);
	if (ret == -EBADMSG || ret == -E2BIG || ret == -ENOMEM) {
		wgctl_uapi_reply_free(&r);
		if (ret == -E2BIG)
			return wgctl_fail(err, errlen, ret, "%s: a peer has more than %d allowed IPs",
					  ifname, WGCTL_MAX_ALLOWED);
		return wgctl_fail(err, errlen, ret, "%s: %s", ifname,
				  ret == -ENOMEM ? "out of memory" : "malformed UAPI reply");
	}
	if (ret < 0) {
		wgctl_uapi_reply_free(&r);
		return wgctl_fail(err, errlen, ret, "%s: UAPI %s failed: %s", ifname, what,
				  strerror(-ret));
	}
	/* Past a status of 0, a failure is the reply's own (a peer listed twice). */
	answered = r.done && r.status == 0;
	ret = wgctl_uapi_reply_finish(&r, dev);
	if (ret < 0 && answered)
		return wgctl_fail(err, errlen, ret, "%s: %s", ifname, ret == -ENOMEM ?
				  "out of memory" : "malformed UAPI reply (a peer listed twice)");
	if (ret < 0)
		return wgctl_fail_dev(err, errlen, ret, ifname, what, "");
	return 0;
}

static int uapi_get(struct wgctl *w, struct wgctl_device *dev, char *err, size_t errlen)
{
	static const char req[] = "get=1\n\n";
	int ret;

	memset(dev, 0, sizeof(*dev));
	ret = uapi_transact(w->ifname, req, sizeof(req) - 1, true, dev, "get", err, errlen);
	if (ret < 0)
		return ret;
	snprintf(dev->ifname, sizeof(dev->ifname), "%s", w->ifname);
	if (dev->has_private_key)
		wgctl_public_from_private(dev->public_key, dev->private_key);
	return 0;
}

static int uapi_set(struct wgctl *w, const uint8_t *key, int port, const struct wgctl_op *ops,
		    size_t n, char *err, size_t errlen)
{
	struct wgctl_text req = { 0 };
	int ret = wgctl_uapi_build_set(&req, key, port, ops, n);

	if (ret < 0)
		wgctl_fail(err, errlen, ret, "out of memory");
	else
		ret = uapi_transact(w->ifname, req.p, req.len, false, NULL, "set", err, errlen);
	wgctl_text_free(&req);
	return ret;
}

static int uapi_set_peers(struct wgctl *w, const struct wgctl_op *ops, size_t n, char *err,
			  size_t errlen)
{
	if (n == 0)
		return 0;
	return uapi_set(w, NULL, -1, ops, n, err, errlen);
}

static int uapi_setup(struct wgctl *w, const struct wgctl_device_conf *conf, char *err,
		      size_t errlen)
{
	bool has_key = !sodium_is_zero(conf->private_key, WGCTL_KEY_LEN);
	int fd = wgctl_uapi_connect(w->ifname), ret;

	if (fd >= 0) {
		close(fd);
	} else if (fd == -ENOENT && w->spawn && if_nametoindex(w->ifname) == 0) {
		ret = wgctl_uapi_spawn(w->spawn, w->ifname, err, errlen);
		if (ret < 0)
			return ret;
	} else {
		return no_socket(w->ifname, fd, err, errlen);
	}
	if (has_key || conf->listen_port) {
		ret = uapi_set(w, has_key ? conf->private_key : NULL,
			       conf->listen_port ? conf->listen_port : -1, NULL, 0, err, errlen);
		if (ret < 0)
			return ret;
	}
	return wgctl_link_finish(w, conf, err, errlen);
}

/* wireguard-go exits when its TUN goes away; wait for its socket to go. */
static void wait_gone(const char *ifname)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };

	for (int i = 0; i < 300 && wgctl_uapi_present(ifname); i++)
		nanosleep(&ts, NULL);
}

static int uapi_destroy(struct wgctl *w, char *err, size_t errlen)
{
	char why[WHY_LEN];
	int fd = wgctl_uapi_connect(w->ifname), ret;

	if (fd < 0)
		return no_socket(w->ifname, fd, err, errlen);
	close(fd);
	ret = wgctl_rtnl_open(w, err, errlen);
	if (ret < 0)
		return ret;
	ret = wgctl_link_delete(&w->rtnl, w->ifname, why, sizeof(why));
	if (ret < 0)
		return wgctl_fail_dev(err, errlen, ret, w->ifname, "deleting the link", why);
	wait_gone(w->ifname);
	return 0;
}

const struct wgctl_backend_ops wgctl_uapi_ops = {
	.setup = uapi_setup,
	.get = uapi_get,
	.set_peers = uapi_set_peers,
	.destroy = uapi_destroy,
};
