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
	char buf[WGCTL_ADDRSTRLEN];

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

/* One "key=value" line of a reply (NUL-terminated, no newline). */
static int reply_line(struct wgctl_uapi_reply *r, char *line)
{
	char *eq = strchr(line, '=');
	uint8_t key[WGCTL_KEY_LEN];
	const char *k = line, *v;

	if (line[0] == '\0' || !eq)
		return -EBADMSG;   /* a blank line before errno=, or junk */
	*eq = '\0';
	v = eq + 1;
	if (!strcmp(k, "errno")) {
		r->done = true;
		r->status = parse_errno_value(v);
		return r->status == -EBADMSG ? -EBADMSG : 0;
	}
	if (!r->is_get)
		return 0;
	if (!strcmp(k, "public_key")) {
		if (parse_hex_key(v, key) < 0)
			return -EBADMSG;
		/* A key right after itself continues its peer; a key that comes
		 * back later is refused by wgctl_dump_finish. */
		r->peer = wgctl_dump_peer(&r->d, key);
		return r->peer ? 0 : -ENOMEM;
	}
	return r->peer ? peer_line(r->peer, k, v) : device_line(&r->d.dev, k, v);
}

void wgctl_uapi_reply_init(struct wgctl_uapi_reply *r, bool is_get)
{
	memset(r, 0, sizeof(*r));
	r->is_get = is_get;
}

int wgctl_uapi_reply_feed(struct wgctl_uapi_reply *r, const char *s, size_t len)
{
	int ret = 0;

	for (size_t i = 0; i < len && !r->done && ret == 0; i++) {
		if (s[i] != '\n') {
			if (r->line_len + 1 >= sizeof(r->line))
				return -EBADMSG;
			r->line[r->line_len++] = s[i];
			continue;
		}
		r->line[r->line_len] = '\0';
		ret = reply_line(r, r->line);
		/* The line may have been a private or preshared key. */
		sodium_memzero(r->line, r->line_len);
		r->line_len = 0;
	}
	return ret;
}

int wgctl_uapi_reply_finish(struct wgctl_uapi_reply *r, struct wgctl_device *dev)
{
	int ret = r->done ? r->status : -EBADMSG;

	if (ret == 0 && r->is_get)
		ret = wgctl_dump_finish(&r->d);
	if (ret == 0 && r->is_get) {
		*dev = r->d.dev;
		memset(&r->d, 0, sizeof(r->d));
	}
	wgctl_uapi_reply_free(r);
	return ret;
}

void wgctl_uapi_reply_free(struct wgctl_uapi_reply *r)
{
	wgctl_device_free(&r->d.dev);
	sodium_memzero(r, sizeof(*r));
}

static int parse_all(const char *s, size_t len, bool is_get, struct wgctl_device *dev)
{
	struct wgctl_uapi_reply r;
	int ret;

	wgctl_uapi_reply_init(&r, is_get);
	ret = wgctl_uapi_reply_feed(&r, s, len);
	if (ret < 0) {
		wgctl_uapi_reply_free(&r);
		return ret;
	}
	return wgctl_uapi_reply_finish(&r, dev);
}

int wgctl_uapi_parse_get(const char *s, size_t len, struct wgctl_device *dev)
{
	memset(dev, 0, sizeof(*dev));
	return parse_all(s, len, true, dev);
}

int wgctl_uapi_parse_errno(const char *s, size_t len)
{
	return parse_all(s, len, false, NULL);
}
