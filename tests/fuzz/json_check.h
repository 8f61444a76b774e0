/* SPDX-License-Identifier: MIT */
/*
 * A strict RFC 8259 validator for what meshctl prints: the fuzz targets
 * cannot trust json.c to check itself, and jq users must never get a
 * document it rejects. Strings must be valid UTF-8 (no surrogates, no
 * overlongs); numbers follow the grammar exactly (no leading zeros).
 */
#ifndef MESHD_FUZZ_JSON_CHECK_H
#define MESHD_FUZZ_JSON_CHECK_H

#include <stdbool.h>
#include <stddef.h>

/* True when [s, s + len) is exactly one JSON value, with optional
 * whitespace around it. */
bool json_check_value(const char *s, size_t len);
/* The same for a sequence of values, one per line (meshctl's output). */
bool json_check_lines(const char *s, size_t len);

#endif
