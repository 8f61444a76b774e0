/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ctl_proto.h"

static const char hexdigits[] = "0123456789ABCDEF";

static bool plain_byte(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '%' && c != '=';
}

static bool key_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
	       c == '-';
}

static void put(struct ctl_writer *w, const char *s, size_t n)
{
	/* Keep one byte for the newline that ctl_w_end adds. */
	if (w->overflow || w->len + n + 1 > sizeof(w->buf)) {
		w->overflow = true;
		return;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

void ctl_w_begin(struct ctl_writer *w, const char *kind)
{
	w->len = 0;
	w->overflow = false;
	put(w, kind, strlen(kind));
}

void ctl_w_str(struct ctl_writer *w, const char *key, const char *value)
{
	put(w, " ", 1);
	put(w, key, strlen(key));
	put(w, "=", 1);
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		if (plain_byte(*p)) {
			put(w, (const char *)p, 1);
		} else {
			char esc[3] = { '%', hexdigits[*p >> 4], hexdigits[*p & 15] };

			put(w, esc, 3);
		}
	}
}

void ctl_w_u64(struct ctl_writer *w, const char *key, uint64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%" PRIu64, v);
	ctl_w_str(w, key, num);
}

void ctl_w_i64(struct ctl_writer *w, const char *key, int64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%" PRId64, v);
	ctl_w_str(w, key, num);
}

int ctl_w_end(struct ctl_writer *w)
{
	if (w->overflow)
		return -ENOSPC;
	w->buf[w->len++] = '\n';
	return (int)w->len;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Unescape [s, end) in place; NUL-terminates. A %00 would truncate: refused. */
static int unescape(char *s, char *end)
{
	char *out = s;

	for (char *p = s; p < end; p++) {
		if (*p == '%') {
			int hi, lo;

			if (end - p < 3 || (hi = hexval(p[1])) < 0 || (lo = hexval(p[2])) < 0)
				return -EINVAL;
			if (hi == 0 && lo == 0)
				return -EINVAL;
			*out++ = (char)(hi << 4 | lo);
			p += 2;
		} else if (plain_byte((unsigned char)*p)) {
			*out++ = *p;
		} else {
			return -EINVAL;
		}
	}
	*out = '\0';
	return 0;
}

int ctl_line_parse(char *line, size_t len, struct ctl_line *out)
{
	char *p = line, *end = line + len, *tok;

	if (len > 0 && end[-1] == '\n')
		end--;
	if (len == 0 || len > CTL_LINE_MAX || memchr(line, '\0', (size_t)(end - line)))
		return -EINVAL;
	*end = '\0';
	out->n = 0;

	tok = p;
	while (p < end && *p != ' ')
		p++;
	if (p == tok || p - tok > CTL_KIND_MAX)
		return -EINVAL;
	for (char *k = tok; k < p; k++)
		if (!key_byte((unsigned char)*k) && !(*k >= 'A' && *k <= 'Z'))
			return -EINVAL;
	out->kind = tok;
	while (p < end) {
		char *key, *eq, *vend;

		*p++ = '\0';   /* the space before this pair */
		key = p;
		while (p < end && *p != ' ')
			p++;
		vend = p;
		eq = memchr(key, '=', (size_t)(vend - key));
		if (!eq || eq == key || out->n == CTL_MAX_PAIRS)
			return -EINVAL;
		for (char *k = key; k < eq; k++)
			if (!key_byte((unsigned char)*k))
				return -EINVAL;
		*eq = '\0';
		/* May overwrite the separator at vend: the loop advances past it anyway. */
		if (unescape(eq + 1, vend) != 0)
			return -EINVAL;
		out->pair[out->n].key = key;
		out->pair[out->n].value = eq + 1;
		out->n++;
	}
	return 0;
}

const char *ctl_line_get(const struct ctl_line *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->pair[i].key, key) == 0)
			return l->pair[i].value;
	return NULL;
}

int ctl_request_parse(char *line, size_t len, const char **cmd, const char **arg)
{
	char *end = line + len, *sp;

	if (len > 0 && end[-1] == '\n')
		end--;
	if (len > 0 && end > line && end[-1] == '\r')
		end--;
	if (end == line || len > CTL_REQUEST_MAX || memchr(line, '\0', (size_t)(end - line)))
		return -EINVAL;
	*end = '\0';
	for (char *p = line; p < end; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			return -EINVAL;
	sp = strchr(line, ' ');
	*arg = NULL;
	if (sp) {
		*sp = '\0';
		*arg = sp + 1;
	}
	if (!*line)
		return -EINVAL;
	*cmd = line;
	return 0;
}
