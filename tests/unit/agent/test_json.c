/* SPDX-License-Identifier: MIT */
/* JSON escaping of member names, which other nodes choose. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json.h"

static void check(const char *in, const char *want)
{
	char buf[256];
	size_t n = json_escape(buf, sizeof(buf), in);

	assert_int_equal(n, strlen(want));
	assert_string_equal(buf, want);
}

static void escapes(void **state)
{
	(void)state;
	check("node1", "\"node1\"");
	check("", "\"\"");
	check("a\"b\\c", "\"a\\\"b\\\\c\"");
	check("line\nbreak\ttab\r", "\"line\\nbreak\\ttab\\r\"");
	check("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"");
	check("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	check("</script>", "\"</script>\"");
}

static void invalid_utf8_replaced(void **state)
{
	(void)state;
	check("\xff", "\"\\ufffd\"");
	check("a\xc3", "\"a\\ufffd\"");                 /* truncated sequence */
	check("\xc0\xaf", "\"\\ufffd\\ufffd\"");         /* overlong '/' */
	check("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\""); /* UTF-16 surrogate */
	check("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""); /* > U+10FFFF */
}

static void truncation_reports_length(void **state)
{
	char small[8];
	size_t n;

	(void)state;
	n = json_escape(small, sizeof(small), "abcdefghij");
	assert_int_equal(n, 12);
	assert_string_equal(small, "\"abcdef");
}

static void long_string_to_file(void **state)
{
	char in[600], *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	(void)state;
	memset(in, '"', sizeof(in) - 1);
	in[sizeof(in) - 1] = '\0';
	json_write_string(f, in);
	fclose(f);
	assert_int_equal(len, 2 + 2 * (sizeof(in) - 1));
	assert_int_equal(out[0], '"');
	assert_int_equal(out[len - 1], '"');
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(escapes),
		cmocka_unit_test(invalid_utf8_replaced),
		cmocka_unit_test(truncation_reports_length),
		cmocka_unit_test(long_string_to_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
