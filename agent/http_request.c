/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "http_request.h"

/* Offset just past the blank line ending the headers, or 0 if none yet. */
static size_t headers_end(const char *buf, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

static enum http_verdict check_line(const char *line, size_t len)
{
	const char *sp1 = memchr(line, ' ', len), *sp2, *path, *ver;
	size_t plen, vlen;

	if (!sp1)
		return HTTP_BAD_REQUEST;
	path = sp1 + 1;
	sp2 = memchr(path, ' ', len - (size_t)(path - line));
	if (!sp2)
		return HTTP_BAD_REQUEST;
	ver = sp2 + 1;
	vlen = len - (size_t)(ver - line);
	if (vlen != 8 || memcmp(ver, "HTTP/1.", 7) != 0 || ver[7] < '0' || ver[7] > '9')
		return HTTP_BAD_REQUEST;
	if (sp1 - line != 3 || memcmp(line, "GET", 3) != 0)
		return HTTP_BAD_METHOD;
	plen = (size_t)(sp2 - path);
	/* A query string is ignored: there is nothing to select. */
	for (size_t i = 0; i < plen; i++)
		if (path[i] == '?')
			plen = i;
	if ((plen == 8 && memcmp(path, "/metrics", 8) == 0) || (plen == 1 && path[0] == '/'))
		return HTTP_METRICS;
	return HTTP_NOT_FOUND;
}

enum http_verdict http_request_check(const char *buf, size_t len)
{
	size_t end = headers_end(buf, len < HTTP_REQUEST_MAX ? len : HTTP_REQUEST_MAX);
	const char *nl;
	size_t llen;

	if (!end)
		return len >= HTTP_REQUEST_MAX ? HTTP_TOO_LARGE : HTTP_INCOMPLETE;
	nl = memchr(buf, '\n', end);
	llen = (size_t)(nl - buf);
	if (llen > 0 && buf[llen - 1] == '\r')
		llen--;
	return check_line(buf, llen);
}

const char *http_status_text(enum http_verdict v)
{
	switch (v) {
	case HTTP_METRICS: return "OK";
	case HTTP_BAD_REQUEST: return "Bad Request";
	case HTTP_NOT_FOUND: return "Not Found";
	case HTTP_BAD_METHOD: return "Method Not Allowed";
	case HTTP_TOO_LARGE: return "Request Header Fields Too Large";
	case HTTP_INCOMPLETE: break;
	}
	return "Error";
}
