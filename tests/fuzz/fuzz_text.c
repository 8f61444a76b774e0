/* SPDX-License-Identifier: MIT */
/*
 * The text parsers operators feed (config, CLI, key files): address and
 * prefix literals, base64 and hex keys. Whatever parses must format and
 * parse back to the same value; keys must format back to the exact
 * input (one text form per key).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proto/identity.h"
#include "proto/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_addr(const char *s)
{
	struct wire_addr a, b;
	char buf[WIRE_ADDR_STRLEN];

	if (wire_addr_parse(&a, s) != 0)
		return;
	if (wire_addr_format(&a, buf, sizeof(buf)) < 0 || wire_addr_parse(&b, buf) != 0 ||
	    !wire_addr_equal(&a, &b))
		abort();
}

static void check_prefix(const char *s)
{
	struct wire_prefix a, b;
	char buf[64];

	if (wire_prefix_parse(&a, s) != 0)
		return;
	if (wire_prefix_format(&a, buf, sizeof(buf)) < 0 || wire_prefix_parse(&b, buf) != 0 ||
	    !wire_prefix_same_ip(&a, &b) || a.len != b.len)
		abort();
}

static void check_keys(const char *s)
{
	uint8_t key[32];
	char b64[KEY_B64_LEN], hex[KEY_HEX_LEN];

	if (key_from_base64(key, s) == 0) {
		key_to_base64(b64, key);
		if (strcmp(b64, s) != 0)
			abort();
	}
	if (key_from_hex(key, s) == 0) {
		key_to_hex(hex, key);
		if (strcasecmp(hex, s) != 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[128];

	if (identity_init_crypto() != 0)
		abort();
	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	check_addr(s);
	check_prefix(s);
	check_keys(s);
	return 0;
}
