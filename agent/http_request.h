/* SPDX-License-Identifier: MIT */
/*
 * The one request the metrics server understands, checked on the bytes
 * received so far (pure: no I/O, no allocation). Anything but
 * "GET /metrics" (or "GET /") with a version of HTTP/1.x gets an error.
 */
#ifndef MESHD_AGENT_HTTP_REQUEST_H
#define MESHD_AGENT_HTTP_REQUEST_H

#include <stddef.h>

enum {
	HTTP_REQUEST_MAX = 8192,    /* request line and headers together */
};

enum http_verdict {
	HTTP_INCOMPLETE = 0,        /* no blank line yet: read more */
	HTTP_METRICS = 200,
	HTTP_BAD_REQUEST = 400,
	HTTP_NOT_FOUND = 404,
	HTTP_BAD_METHOD = 405,
	HTTP_TOO_LARGE = 431,       /* no end of headers within HTTP_REQUEST_MAX */
};

enum http_verdict http_request_check(const char *buf, size_t len);
/* The reason phrase of a verdict that is a status code. */
const char *http_status_text(enum http_verdict v);

#endif
