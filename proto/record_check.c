/* SPDX-License-Identifier: MIT */
/* record_validate: the value rules that the encoding alone cannot express. */
#include <string.h>

#include "record.h"
#include "trust.h"

/*
 * Length of one printable UTF-8 character at s, or 0. Rejects overlong
 * forms, surrogates, > U+10FFFF, C0/C1 controls, DEL, and the bidi
 * overrides that make a name display as something it is not.
 */
static size_t utf8_printable(const unsigned char *s, size_t left)
{
	uint32_t c;
	size_t n;

	if (s[0] < 0x80)
		return s[0] >= 0x20 && s[0] != 0x7f;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, c = s[0] & 0x07;
	else
		return 0;
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)))
		return 0;
	if ((c >= 0xd800 && c <= 0xdfff) || c <= 0x9f)
		return 0;
	if ((c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069))
		return 0;
	return n;
}

static int check_text(const char *s, size_t max)
{
	size_t len = strnlen(s, max + 1);

	if (len > max)
		return -WIRE_EVALUE;
	for (size_t i = 0; i < len;) {
		size_t n = utf8_printable((const unsigned char *)s + i, len - i);

		if (!n)
			return -WIRE_EVALUE;
		i += n;
	}
	return 0;
}

static int check_tag_key(const char *s)
{
	size_t len = strnlen(s, WIRE_TAG_KEY_MAX + 1);

	if (len == 0 || len > WIRE_TAG_KEY_MAX)
		return -WIRE_EVALUE;
	for (size_t i = 0; i < len; i++)
		if (s[i] <= 0x20 || s[i] >= 0x7f)
			return -WIRE_EVALUE;
	return 0;
}

static int check_overlay(const struct wire_record *r)
{
	if (r->n_overlay > WIRE_MAX_OVERLAY)
		return -WIRE_EVALUE;
	for (int i = 0; i < r->n_overlay; i++) {
		const struct wire_prefix *p = &r->overlay[i];
		size_t n = wire_family_len(p->family);

		if (!n || p->len > n * 8)
			return -WIRE_EVALUE;
		for (int j = 0; j < i; j++)
			if (r->overlay[j].family == p->family)
				return -WIRE_EVALUE;
	}
	return 0;
}

static int check_endpoints(const struct wire_record *r)
{
	if (r->n_endpoints > WIRE_MAX_ENDPOINTS)
		return -WIRE_EVALUE;
	for (int i = 0; i < r->n_endpoints; i++)
		if (!wire_family_len(r->endpoint[i].family) || r->endpoint[i].port == 0)
			return -WIRE_EVALUE;
	return 0;
}

static int check_tags(const struct wire_record *r)
{
	if (r->n_tags > WIRE_MAX_TAGS)
		return -WIRE_EVALUE;
	for (int i = 0; i < r->n_tags; i++) {
		if (check_tag_key(r->tag[i].key) || check_text(r->tag[i].val, WIRE_TAG_VAL_MAX))
			return -WIRE_EVALUE;
		for (int j = 0; j < i; j++)
			if (strcmp(r->tag[j].key, r->tag[i].key) == 0)
				return -WIRE_EVALUE;
	}
	return 0;
}

int record_validate(const struct wire_record *r)
{
	if (check_text(r->name, WIRE_NAME_MAX) || check_overlay(r) || check_endpoints(r) ||
	    check_tags(r))
		return -WIRE_EVALUE;
	if (r->version > WIRE_VERSION_MAX)
		return -WIRE_EVALUE;
	if (r->gossip_port == 0 || (r->flags & ~(uint32_t)WIRE_REC_FLAGS_KNOWN))
		return -WIRE_EVALUE;
	if (r->has_admission && trust_admission_validate(&r->adm))
		return -WIRE_EVALUE;
	return 0;
}
