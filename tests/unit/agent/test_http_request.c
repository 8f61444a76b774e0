/* SPDX-License-Identifier: MIT */
/* The metrics server's request check: one GET, everything else refused, sizes capped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "http_request.h"

static enum http_verdict check(const char *s)
{
	return http_request_check(s, strlen(s));
}

static void metrics_and_root(void **state)
{
	(void)state;
	assert_int_equal(check("GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n"),
			 HTTP_METRICS);
	assert_int_equal(check("GET /metrics HTTP/1.0\n\n"), HTTP_METRICS);
	assert_int_equal(check("GET / HTTP/1.1\r\n\r\n"), HTTP_METRICS);
	assert_int_equal(check("GET /metrics?name[]=up HTTP/1.1\r\n\r\n"), HTTP_METRICS);
	/* Bytes after the headers (a pipelined request) do not change the answer. */
	assert_int_equal(check("GET /metrics HTTP/1.1\r\n\r\nGET /x HTTP/1.1\r\n\r\n"),
			 HTTP_METRICS);
}

static void incomplete_waits(void **state)
{
	(void)state;
	assert_int_equal(check(""), HTTP_INCOMPLETE);
	assert_int_equal(check("GET /metrics HTTP/1.1\r\n"), HTTP_INCOMPLETE);
	assert_int_equal(check("GET /metrics HTTP/1.1\r\nHost: x\r\n\r"), HTTP_INCOMPLETE);
}

static void refusals(void **state)
{
	(void)state;
	assert_int_equal(check("POST /metrics HTTP/1.1\r\n\r\n"), HTTP_BAD_METHOD);
	assert_int_equal(check("HEAD /metrics HTTP/1.1\r\n\r\n"), HTTP_BAD_METHOD);
	assert_int_equal(check("GET /metricsx HTTP/1.1\r\n\r\n"), HTTP_NOT_FOUND);
	assert_int_equal(check("GET /etc/passwd HTTP/1.1\r\n\r\n"), HTTP_NOT_FOUND);
	assert_int_equal(check("GET /metrics HTTP/2.0\r\n\r\n"), HTTP_BAD_REQUEST);
	assert_int_equal(check("GET /metrics\r\n\r\n"), HTTP_BAD_REQUEST);
	assert_int_equal(check("GET\r\n\r\n"), HTTP_BAD_REQUEST);
	assert_int_equal(check("\r\n\r\n"), HTTP_BAD_REQUEST);
	assert_int_equal(check("GET /metrics HTTP/1.1 extra\r\n\r\n"), HTTP_BAD_REQUEST);
}

static void size_cap(void **state)
{
	char *big = malloc(HTTP_REQUEST_MAX + 10);
	const char *start = "GET /metrics HTTP/1.1\r\nX: ";

	(void)state;
	assert_non_null(big);
	memset(big, 'a', HTTP_REQUEST_MAX + 10);
	memcpy(big, start, strlen(start));
	assert_int_equal(http_request_check(big, HTTP_REQUEST_MAX - 1), HTTP_INCOMPLETE);
	assert_int_equal(http_request_check(big, HTTP_REQUEST_MAX), HTTP_TOO_LARGE);
	/* The end of the headers past the cap does not count. */
	memcpy(big + HTTP_REQUEST_MAX, "\r\n\r\n", 4);
	assert_int_equal(http_request_check(big, HTTP_REQUEST_MAX + 4), HTTP_TOO_LARGE);
	/* Just inside the cap it does. */
	memcpy(big + HTTP_REQUEST_MAX - 4, "\r\n\r\n", 4);
	assert_int_equal(http_request_check(big, HTTP_REQUEST_MAX), HTTP_METRICS);
	free(big);
}

static void status_texts(void **state)
{
	(void)state;
	assert_string_equal(http_status_text(HTTP_METRICS), "OK");
	assert_string_equal(http_status_text(HTTP_TOO_LARGE), "Request Header Fields Too Large");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(metrics_and_root),
		cmocka_unit_test(incomplete_waits),
		cmocka_unit_test(refusals),
		cmocka_unit_test(size_cap),
		cmocka_unit_test(status_texts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
