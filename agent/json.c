/* SPDX-License-Identifier: MIT */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

struct sink {
	char *buf;
	size_t cap, len;
};

static void emit(struct sink *k, const char *s, size_t n)
{
	if (k->len < k->cap) {
		size_t room = k->cap - k->len;

		memcpy(k->buf + k->len, s, n < room ? n : room);
	}
	k->len += n;
}

/* Length of a valid UTF-8 sequence at p (RFC 3629: no overlongs, surrogates, > U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *p)
{
	unsigned char c = p[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return (p[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && p[1] < 0xa0) || (c == 0xed && p[1] > 0x9f))
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if ((p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && p[1] < 0x90) || (c == 0xf4 && p[1] > 0x8f))
			return 0;
		return 4;
	}
	return 0;
}

static void escape(struct sink *k, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	emit(k, "\"", 1);
	while (*p) {
		size_t n = utf8_len(p);
		char esc[8];

		if (n == 0) {
			emit(k, "\\ufffd", 6);
			p++;
			continue;
		}
		if (n > 1) {
			emit(k, (const char *)p, n);
			p += n;
			continue;
		}
		switch (*p) {
		case '"': emit(k, "\\\"", 2); break;
		case '\\': emit(k, "\\\\", 2); break;
		case '\n': emit(k, "\\n", 2); break;
		case '\r': emit(k, "\\r", 2); break;
		case '\t': emit(k, "\\t", 2); break;
		default:
			if (*p < 0x20 || *p == 0x7f) {
				snprintf(esc, sizeof(esc), "\\u%04x", *p);
				emit(k, esc, 6);
			} else {
				emit(k, (const char *)p, 1);
			}
		}
		p++;
	}
	emit(k, "\"", 1);
}

size_t json_escape(char *buf, size_t len, const char *s)
{
	struct sink k = { buf, len ? len - 1 : 0, 0 };

	escape(&k, s);
	if (len)
		buf[k.len < len - 1 ? k.len : len - 1] = '\0';
	return k.len;
}

void json_write_string(FILE *out, const char *s)
{
	char small[256];
	size_t need = json_escape(small, sizeof(small), s);

	if (need < sizeof(small)) {
		fputs(small, out);
		return;
	}
	/* Rare: long values go out byte-exact through a second, sized pass. */
	{
		char *big = malloc(need + 1);

		if (!big)
			return;
		json_escape(big, need + 1, s);
		fputs(big, out);
		free(big);
	}
}
