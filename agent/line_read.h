/* SPDX-License-Identifier: MIT */
/*
 * Reading a text file line by line with a bounded buffer. fgets cannot
 * say how much it read when a line holds a NUL, so a caller that skips
 * the rest of an overlong line by strlen loses its place; this reads to
 * the real '\n' whatever the line holds, and says what was wrong with it.
 */
#ifndef MESHD_AGENT_LINE_READ_H
#define MESHD_AGENT_LINE_READ_H

#include <stddef.h>
#include <stdio.h>

enum {
	LINE_TOO_LONG = 1U << 0,     /* more than cap - 1 bytes: the rest was dropped */
	LINE_HAS_NUL = 1U << 1,      /* a NUL byte among the bytes kept */
	LINE_NO_NEWLINE = 1U << 2,   /* the file ended inside it */
};

/*
 * The next line of f into buf (cap >= 1 bytes; NUL-terminated, without
 * its '\n'), *len the bytes kept, *flags the LINE_* that apply. Returns 1
 * for a line, 0 at the end of the file. A read error ends the file like
 * EOF does: check ferror(f) after the last line.
 */
int line_read(FILE *f, char *buf, size_t cap, size_t *len, unsigned *flags);

#endif
