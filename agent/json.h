/* SPDX-License-Identifier: MIT */
/*
 * Minimal JSON output for meshctl: string escaping that stays valid for
 * any bytes a member name could hold (control characters escaped, invalid
 * UTF-8 replaced by U+FFFD), since names come from other nodes.
 */
#ifndef MESHD_AGENT_JSON_H
#define MESHD_AGENT_JSON_H

#include <stddef.h>
#include <stdio.h>

/* Write s as a quoted JSON string. */
void json_write_string(FILE *out, const char *s);
/* Into a buffer: returns the length it needs (without NUL); writes at most len-1 bytes. */
size_t json_escape(char *buf, size_t len, const char *s);

#endif
