/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "json_check.h"

enum { JSON_DEPTH_MAX = 32 };

struct cur {
	const unsigned char *p, *end;
};

static void ws(struct cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static bool eat(struct cur *c, char ch)
{
	if (c->p < c->end && *c->p == (unsigned char)ch) {
		c->p++;
		return true;
	}
	return false;
}

static bool digits(struct cur *c)
{
	const unsigned char *start = c->p;

	while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
		c->p++;
	return c->p > start;
}

static bool number(struct cur *c)
{
	eat(c, '-');
	if (eat(c, '0')) {
		if (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			return false;   /* no leading zeros */
	} else if (!digits(c)) {
		return false;
	}
	if (eat(c, '.') && !digits(c))
		return false;
	if (eat(c, 'e') || eat(c, 'E')) {
		if (!eat(c, '+'))
			eat(c, '-');
		if (!digits(c))
			return false;
	}
	return true;
}

/* One UTF-8 sequence (RFC 3629), c->p at its first byte. */
static bool utf8(struct cur *c)
{
	const unsigned char *p = c->p;
	size_t left = (size_t)(c->end - p), n;
	unsigned lo = 0x80, hi = 0xbf;

	if (p[0] < 0x80)
		n = 1;
	else if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3, lo = p[0] == 0xe0 ? 0xa0 : 0x80, hi = p[0] == 0xed ? 0x9f : 0xbf;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4, lo = p[0] == 0xf0 ? 0x90 : 0x80, hi = p[0] == 0xf4 ? 0x8f : 0xbf;
	else
		return false;
	if (left < n)
		return false;
	for (size_t i = 1; i < n; i++) {
		unsigned b = p[i];

		if (i == 1 ? (b < lo || b > hi) : (b & 0xc0) != 0x80)
			return false;
	}
	c->p += n;
	return true;
}

static bool hex4(struct cur *c)
{
	if (c->end - c->p < 4)
		return false;
	for (int i = 0; i < 4; i++, c->p++)
		if (!strchr("0123456789abcdefABCDEF", *c->p) || *c->p == '\0')
			return false;
	return true;
}

static bool string(struct cur *c)
{
	if (!eat(c, '"'))
		return false;
	while (c->p < c->end) {
		unsigned char b = *c->p;

		if (b == '"') {
			c->p++;
			return true;
		}
		if (b < 0x20)
			return false;
		if (b == '\\') {
			c->p++;
			if (c->p == c->end)
				return false;
			if (*c->p == 'u') {
				c->p++;
				if (!hex4(c))
					return false;
			} else if (strchr("\"\\/bfnrt", *c->p) && *c->p != '\0') {
				c->p++;
			} else {
				return false;
			}
			continue;
		}
		if (!utf8(c))
			return false;
	}
	return false;
}

static bool value(struct cur *c, int depth);

static bool members(struct cur *c, int depth, char close, bool object)
{
	ws(c);
	if (eat(c, close))
		return true;
	for (;;) {
		if (object) {
			ws(c);
			if (!string(c))
				return false;
			ws(c);
			if (!eat(c, ':'))
				return false;
		}
		if (!value(c, depth + 1))
			return false;
		ws(c);
		if (eat(c, close))
			return true;
		if (!eat(c, ','))
			return false;
	}
}

static bool literal(struct cur *c, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
		return false;
	c->p += n;
	return true;
}

static bool value(struct cur *c, int depth)
{
	if (depth > JSON_DEPTH_MAX)
		return false;
	ws(c);
	if (c->p == c->end)
		return false;
	switch (*c->p) {
	case '{':
		c->p++;
		return members(c, depth, '}', true);
	case '[':
		c->p++;
		return members(c, depth, ']', false);
	case '"':
		return string(c);
	case 't':
		return literal(c, "true");
	case 'f':
		return literal(c, "false");
	case 'n':
		return literal(c, "null");
	default:
		return number(c);
	}
}

bool json_check_value(const char *s, size_t len)
{
	struct cur c = { (const unsigned char *)s, (const unsigned char *)s + len };

	if (!value(&c, 0))
		return false;
	ws(&c);
	return c.p == c.end;
}

bool json_check_lines(const char *s, size_t len)
{
	const char *end = s + len;

	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));

		if (!nl || !json_check_value(s, (size_t)(nl - s)))
			return false;
		s = nl + 1;
	}
	return true;
}
