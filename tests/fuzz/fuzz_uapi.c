/* SPDX-License-Identifier: MIT */
/*
 * Replies of the userspace WireGuard API (wireguard-go, boringtun, or
 * whatever listens on /var/run/wireguard/IF.sock). uapi.c feeds
 * wgctl_uapi_reply_feed whatever each read() returns, so the same reply
 * is parsed twice: whole (wgctl_uapi_parse_get) and in chunks whose
 * sizes come from a generator seeded by the input (1 to 300 bytes,
 * mostly small, so lines and keys split everywhere). Both must agree on
 * the result and on every field of the device.
 *
 * A device that parses must satisfy wg_check_device; then it goes back
 * out through the real request builder (wgctl_uapi_build_set, ADD for
 * every peer, with its private key and port) and that text, read as a
 * reply, must give the same configuration back. The same bytes as a
 * set reply (wgctl_uapi_parse_errno) give 0, -1..-4095 or -EBADMSG.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wg_check.h"
#include "wgctl/uapi_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int parse_chunked(const char *s, size_t len, struct fuzz_rng *rng,
			 struct wgctl_device *dev)
{
	struct wgctl_uapi_reply r;
	size_t off = 0;
	int ret = 0;

	memset(dev, 0, sizeof(*dev));
	wgctl_uapi_reply_init(&r, true);
	/* As read_reply does: until the errno= line, an error, or the end of the stream. */
	while (!r.done && ret == 0 && off < len) {
		uint64_t x = fuzz_rng_next(rng);
		size_t n = x % 4 ? 1 + x % 16 : 1 + x % 300;

		if (n > len - off)
			n = len - off;
		ret = wgctl_uapi_reply_feed(&r, s + off, n);
		off += n;
	}
	if (ret < 0) {
		wgctl_uapi_reply_free(&r);
		return ret;
	}
	return wgctl_uapi_reply_finish(&r, dev);
}

static bool same_device(const struct wgctl_device *a, const struct wgctl_device *b)
{
	if (memcmp(a->ifname, b->ifname, sizeof(a->ifname)) != 0 ||
	    a->has_private_key != b->has_private_key ||
	    memcmp(a->private_key, b->private_key, WGCTL_KEY_LEN) != 0 ||
	    a->listen_port != b->listen_port || a->fwmark != b->fwmark || a->n_peers != b->n_peers)
		return false;
	for (size_t i = 0; i < a->n_peers; i++) {
		const struct wgctl_peer *p = &a->peers[i], *q = &b->peers[i];

		if (!wg_peer_same_config(p, q) || p->last_handshake != q->last_handshake ||
		    p->rx_bytes != q->rx_bytes || p->tx_bytes != q->tx_bytes)
			return false;
	}
	return true;
}

/* The builder's request, read back as a get reply: the same configuration. */
static void check_build_set(const struct wgctl_device *d)
{
	struct wgctl_text t = { 0 };
	struct wgctl_device again;
	struct wgctl_op *ops;
	size_t n = wg_add_ops(d, &ops);
	int ret;

	FUZZ_CHECK(wgctl_uapi_build_set(&t, d->has_private_key ? d->private_key : NULL,
					d->listen_port, ops, n) == 0);
	FUZZ_CHECK(t.len >= 7 && memcmp(t.p, "set=1\n", 6) == 0 && t.p[t.len - 1] == '\n' &&
		   t.p[t.len - 2] == '\n');
	/* The request ends with a blank line; a reply ends with errno=. */
	t.len--;
	FUZZ_CHECK(wgctl_text_reserve(&t, 9) == 0);
	memcpy(t.p + t.len, "errno=0\n", 8);
	t.len += 8;
	ret = wgctl_uapi_parse_get(t.p, t.len, &again);
	if (ret != 0) {
		fprintf(stderr, "the builder's text does not parse (%d):\n%.*s", ret, (int)t.len, t.p);
		abort();
	}
	FUZZ_CHECK(again.n_peers == d->n_peers && again.listen_port == d->listen_port &&
		   again.has_private_key == d->has_private_key &&
		   memcmp(again.private_key, d->private_key, WGCTL_KEY_LEN) == 0);
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(wg_peer_same_config(&again.peers[i], &d->peers[i]));
	wgctl_device_free(&again);
	wgctl_text_free(&t);
	free(ops);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct wgctl_device whole, chunked;
	struct fuzz_rng rng;
	int a, b, e;

	fuzz_rng_seed(&rng, data, size);
	a = wgctl_uapi_parse_get(s, size, &whole);
	b = parse_chunked(s, size, &rng, &chunked);
	if (a != b) {
		fprintf(stderr, "whole: %d, chunked: %d\n", a, b);
		abort();
	}
	FUZZ_CHECK(a <= 0 && a >= -4095);
	if (a == 0) {
		FUZZ_CHECK(same_device(&whole, &chunked));
		wg_check_device(&whole);
		check_build_set(&whole);
		wgctl_device_free(&whole);
		wgctl_device_free(&chunked);
	}
	e = wgctl_uapi_parse_errno(s, size);
	FUZZ_CHECK(e == -EBADMSG || (e <= 0 && e >= -4095));
	return 0;
}
