/* SPDX-License-Identifier: MIT */
/* Control protocol: lines round-trip through the writer and parser; bad lines fail closed. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "ctl_proto.h"

static void round_trip(void **state)
{
	struct ctl_writer w;
	struct ctl_line l;
	char buf[CTL_LINE_MAX + 1];
	const char *nasty = "a b=c%d\n\t\x01\xc3\xa9 end";
	int n;

	(void)state;
	ctl_w_begin(&w, "member");
	ctl_w_str(&w, "name", nasty);
	ctl_w_str(&w, "empty", "");
	ctl_w_u64(&w, "version", UINT64_MAX);
	ctl_w_i64(&w, "delta", -42);
	n = ctl_w_end(&w);
	assert_true(n > 0);
	assert_int_equal(w.buf[n - 1], '\n');
	/* The line itself is plain ASCII with exactly one newline. */
	for (int i = 0; i < n - 1; i++)
		assert_true(w.buf[i] >= 0x20 && w.buf[i] < 0x7f);
	memcpy(buf, w.buf, (size_t)n);
	assert_int_equal(ctl_line_parse(buf, (size_t)n, &l), 0);
	assert_string_equal(l.kind, "member");
	assert_int_equal(l.n, 4);
	assert_string_equal(ctl_line_get(&l, "name"), nasty);
	assert_string_equal(ctl_line_get(&l, "empty"), "");
	assert_string_equal(ctl_line_get(&l, "version"), "18446744073709551615");
	assert_string_equal(ctl_line_get(&l, "delta"), "-42");
	assert_null(ctl_line_get(&l, "absent"));
}

static void end_line(void **state)
{
	char buf[] = "END count=3\n";
	struct ctl_line l;

	(void)state;
	assert_int_equal(ctl_line_parse(buf, strlen(buf), &l), 0);
	assert_string_equal(l.kind, "END");
	assert_string_equal(ctl_line_get(&l, "count"), "3");
}

static void writer_overflow(void **state)
{
	struct ctl_writer w;
	char big[CTL_LINE_MAX];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ctl_w_begin(&w, "member");
	ctl_w_str(&w, "name", big);
	assert_int_equal(ctl_w_end(&w), -ENOSPC);
}

static void bad_lines(void **state)
{
	const char *bad[] = {
		"", "\n", " member", "member  a=1", "member a=1 ", "member a", "member =1",
		"member A=1", "member a=%", "member a=%4", "member a=%zz", "member a=%00",
		"member a=b=c", "member a=\x01", "member a=\xc3\xa9", "thiskindistoolongforus a=1",
		"mem\001ber a=1",
	};
	struct ctl_line l;
	char buf[CTL_LINE_MAX + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t n = strlen(bad[i]);

		memcpy(buf, bad[i], n + 1);
		if (ctl_line_parse(buf, n, &l) != -EINVAL)
			fail_msg("accepted bad line %zu: '%s'", i, bad[i]);
	}
}

static void too_many_pairs(void **state)
{
	struct ctl_writer w;
	struct ctl_line l;
	char buf[CTL_LINE_MAX + 1];
	int n;

	(void)state;
	ctl_w_begin(&w, "x");
	for (int i = 0; i <= CTL_MAX_PAIRS; i++)
		ctl_w_u64(&w, "k", (uint64_t)i);
	n = ctl_w_end(&w);
	assert_true(n > 0);
	memcpy(buf, w.buf, (size_t)n);
	assert_int_equal(ctl_line_parse(buf, (size_t)n, &l), -EINVAL);
}

static void requests(void **state)
{
	const char *cmd, *arg;
	char a[] = "members\n", b[] = "events json\r\n", c[] = "\n", d[] = "mem\x02\n";
	char e[CTL_REQUEST_MAX + 8];

	(void)state;
	assert_int_equal(ctl_request_parse(a, strlen(a), &cmd, &arg), 0);
	assert_string_equal(cmd, "members");
	assert_null(arg);
	assert_int_equal(ctl_request_parse(b, strlen(b), &cmd, &arg), 0);
	assert_string_equal(cmd, "events");
	assert_string_equal(arg, "json");
	assert_int_equal(ctl_request_parse(c, strlen(c), &cmd, &arg), -EINVAL);
	assert_int_equal(ctl_request_parse(d, strlen(d), &cmd, &arg), -EINVAL);
	memset(e, 'a', sizeof(e) - 1);
	e[sizeof(e) - 1] = '\0';
	assert_int_equal(ctl_request_parse(e, strlen(e), &cmd, &arg), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(end_line),
		cmocka_unit_test(writer_overflow),
		cmocka_unit_test(bad_lines),
		cmocka_unit_test(too_many_pairs),
		cmocka_unit_test(requests),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
