/* SPDX-License-Identifier: MIT */
#include <stdbool.h>

#include "line_read.h"

int line_read(FILE *f, char *buf, size_t cap, size_t *len, unsigned *flags)
{
	bool any = false;
	int c;

	*len = 0;
	*flags = 0;
	while ((c = getc(f)) != EOF && c != '\n') {
		any = true;
		if (*len + 1 >= cap) {
			*flags |= LINE_TOO_LONG;
			continue;
		}
		if (c == '\0')
			*flags |= LINE_HAS_NUL;
		buf[(*len)++] = (char)c;
	}
	buf[*len] = '\0';
	if (c == EOF) {
		if (!any)
			return 0;
		*flags |= LINE_NO_NEWLINE;
	}
	return 1;
}
