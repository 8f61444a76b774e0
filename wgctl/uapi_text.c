// SPDX-License-Identifier: MIT
/*
 * UAPI text. Keys travel in lowercase hex; a peer section starts with
 * public_key=; the reply ends with errno=N, where wireguard-go writes a
 * negative number and boringtun a positive one.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "wgctl/genl.h"
#include "wgctl/uapi_text.h"

void wgctl_text_free(struct wgctl_text *t)
{
	if (t->p)
		sodium_memzero(t->p, t->cap);   /* may hold the private key */
	free(t->p);
	memset(t, 0, sizeof(*t));
}

int wgctl_text_reserve(struct wgctl_text *t, size_t more)
{
	size_t cap = t->cap ? t->cap : 4096;
	char *p;

	if (t->cap - t->len > more)
		return 0;
	while (cap - t->len <= more)
		cap *= 2;
	p = malloc(cap);
	if (!p)
		return -ENOMEM;
	if (t->p) {
		memcpy(p, t->p, t->len);
		sodium_memzero(t->p, t->cap);
		free(t->p);
	}
	t->p = p;
	t->cap = cap;
	return 0;
}

static void text_add(struct wgctl_text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void text_add(struct wgctl_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->err)
		return;
	for (;;) {
		size_t room = t->cap - t->len;

		va_start(ap, fmt);
		n = vsnprintf(t->p ? t->p + t->len : NULL, t->p ? room : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->err = -EINVAL;
			return;
		}
		if (t->p && (size_t)n < room) {
			t->len += (size_t)n;
			return;
		}
		t->err = wgctl_text_reserve(t, (size_t)n + 1);
		if (t->err)
			return;
	}
}

static void add_key(struct wgctl_text *t, const char *name, const uint8_t key[static WGCTL_KEY_LEN])
{
	char hex[WGCTL_KEY_LEN * 2 + 1];

	sodium_bin2hex(hex, sizeof(hex), key, WGCTL_KEY_LEN);
	text_add(t, "%s=%s\n", name, hex);
	sodium_memzero(hex, sizeof(hex));
}

static void add_peer(struct wgctl_text *t, const struct wgctl_op *op)
{
	const struct wgctl_peer *p = op->peer;
	char buf[64];

	add_key(t, "public_key", p->public_key);
	if (op->kind == WGCTL_OP_REMOVE) {
		text_add(t, "remove=true\n");
		return;
	}
	if (op->change & WGCTL_CH_ENDPOINT) {
		wgctl_endpoint_format(&p->endpoint, buf, sizeof(buf));
		text_add(t, "endpoint=%s\n", buf);
	}
	if (op->change & WGCTL_CH_KEEPALIVE)
		text_add(t, "persistent_keepalive_interval=%u\n", p->keepalive);
	if (op->change & WGCTL_CH_ALLOWED) {
		text_add(t, "replace_allowed_ips=true\n");
		for (size_t i = 0; i < p->n_allowed; i++) {
			wgctl_allowed_format(&p->allowed[i], buf, sizeof(buf));
			text_add(t, "allowed_ip=%s\n", buf);
		}
	}
}

int wgctl_uapi_build_set(struct wgctl_text *t, const uint8_t *private_key, int listen_port,
			 const struct wgctl_op *ops, size_t n)
{
	text_add(t, "set=1\n");
	if (private_key)
		add_key(t, "private_key", private_key);
	if (listen_port >= 0)
		text_add(t, "listen_port=%d\n", listen_port);
	for (size_t i = 0; i < n; i++)
		add_peer(t, &ops[i]);
	text_add(t, "\n");
	return t->err;
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -EBADMSG;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -EBADMSG;
	*out = v;
	return 0;
}

static int parse_errno_value(const char *v)
{
	const char *digits = v[0] == '-' ? v + 1 : v;
	uint64_t e;

	if (parse_u64(digits, 4095, &e) < 0)
		return -EBADMSG;
	return -(int)e;   /* either sign means the same error */
}

static int parse_hex_key(const char *v, uint8_t key[static WGCTL_KEY_LEN])
{
	size_t n = 0;

	if (strlen(v) != WGCTL_KEY_LEN * 2 ||
	    sodium_hex2bin(key, WGCTL_KEY_LEN, v, WGCTL_KEY_LEN * 2, NULL, &n, NULL) != 0 ||
	    n != WGCTL_KEY_LEN)
		return -EBADMSG;
	return 0;
}

static int device_line(struct wgctl_device *dev, const char *k, const char *v)
{
	uint64_t u;

	if (!strcmp(k, "private_key")) {
		if (parse_hex_key(v, dev->private_key) < 0)
			return -EBADMSG;
		dev->has_private_key = !sodium_is_zero(dev->private_key, WGCTL_KEY_LEN);
	} else if (!strcmp(k, "listen_port")) {
		if (parse_u64(v, 65535, &u) < 0)
			return -EBADMSG;
		dev->listen_port = (uint16_t)u;
	} else if (!strcmp(k, "fwmark")) {
		if (parse_u64(v, UINT32_MAX, &u) < 0)
			return -EBADMSG;
		dev->fwmark = (uint32_t)u;
	}
	return 0;
}

static int peer_line(struct wgctl_peer *p, const char *k, const char *v)
{
	uint64_t u;

	if (!strcmp(k, "endpoint"))
		return wgctl_endpoint_parse(v, &p->endpoint) < 0 ? -EBADMSG : 0;
	if (!strcmp(k, "allowed_ip")) {
		if (p->n_allowed >= WGCTL_MAX_ALLOWED)
			return -E2BIG;
		if (wgctl_allowed_parse(v, &p->allowed[p->n_allowed]) < 0)
			return -EBADMSG;
		p->n_allowed++;
		return 0;
	}
	if (!strcmp(k, "persistent_keepalive_interval")) {
		if (parse_u64(v, 65535, &u) < 0)
			return -EBADMSG;
		p->keepalive = (uint16_t)u;
	} else if (!strcmp(k, "last_handshake_time_sec")) {
		if (parse_u64(v, INT64_MAX, &u) < 0)
			return -EBADMSG;
		p->last_handshake = (int64_t)u;
	} else if (!strcmp(k, "rx_bytes") || !strcmp(k, "tx_bytes")) {
		if (parse_u64(v, UINT64_MAX, &u) < 0)
			return -EBADMSG;
		*(k[0] == 'r' ? &p->rx_bytes : &p->tx_bytes) = u;
	}
	return 0;   /* preshared_key, protocol_version, ...: not ours */
}

/*
 * Walk "key=value\n" lines up to the blank line. on_line gets each pair;
 * errno= ends the reply. Returns the reply's -errno, or a parse error.
 */
static int walk_lines(const char *s, size_t len,
		      int (*on_line)(void *ctx, const char *k, const char *v), void *ctx)
{
	char line[256];
	size_t i = 0;

	while (i < len) {
		const char *nl = memchr(s + i, '\n', len - i);
		size_t ll;
		char *eq;
		int ret;

		if (!nl)
			return -EBADMSG;
		ll = (size_t)(nl - (s + i));
		if (ll == 0)
			return -EBADMSG;   /* blank line before errno= */
		if (ll >= sizeof(line))
			return -EBADMSG;
		memcpy(line, s + i, ll);
		line[ll] = '\0';
		i += ll + 1;
		eq = strchr(line, '=');
		if (!eq)
			return -EBADMSG;
		*eq = '\0';
		if (!strcmp(line, "errno"))
			return parse_errno_value(eq + 1);
		ret = on_line ? on_line(ctx, line, eq + 1) : 0;
		sodium_memzero(line, sizeof(line));
		if (ret < 0)
			return ret;
	}
	return -EBADMSG;   /* no errno= line */
}

struct get_ctx {
	struct wgctl_dump d;
	struct wgctl_peer *peer;
};

static int get_line(void *c, const char *k, const char *v)
{
	struct get_ctx *g = c;
	uint8_t key[WGCTL_KEY_LEN];

	if (!strcmp(k, "public_key")) {
		if (parse_hex_key(v, key) < 0)
			return -EBADMSG;
		/* A key that repeats would be merged: the daemon never sends one. */
		g->peer = wgctl_dump_peer(&g->d, key);
		return g->peer ? 0 : -ENOMEM;
	}
	return g->peer ? peer_line(g->peer, k, v) : device_line(&g->d.dev, k, v);
}

int wgctl_uapi_parse_get(const char *s, size_t len, struct wgctl_device *dev)
{
	struct get_ctx g;
	int ret;

	memset(&g, 0, sizeof(g));
	ret = walk_lines(s, len, get_line, &g);
	if (ret == 0)
		ret = wgctl_dump_finish(&g.d);
	if (ret < 0) {
		wgctl_device_free(&g.d.dev);
		return ret;
	}
	*dev = g.d.dev;
	return 0;
}

int wgctl_uapi_parse_errno(const char *s, size_t len)
{
	return walk_lines(s, len, NULL, NULL);
}
