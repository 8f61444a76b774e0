/* SPDX-License-Identifier: MIT */
/* meshctl's durations: units, bounds, and everything else refused. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "duration.h"

static void accepted(void **state)
{
	static const struct { const char *s; uint64_t v; } ok[] = {
		{ "0", 0 }, { "90", 90 }, { "90s", 90 }, { "15m", 900 }, { "12h", 43200 },
		{ "7d", 604800 }, { "2w", 1209600 }, { "3650d", 315360000 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		uint64_t v = 12345;

		assert_int_equal(duration_parse(ok[i].s, &v), 0);
		assert_int_equal(v, ok[i].v);
	}
}

static void refused(void **state)
{
	static const char *const bad[] = {
		"", "s", "-1", "+5", " 5", "5 ", "5x", "5ms", "1.5h", "5dd", "0x10",
		"99999999999999999999", "1000000000w",   /* past 2^39 s */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t v = 7;

		if (duration_parse(bad[i], &v) != -EINVAL)
			fail_msg("accepted '%s'", bad[i]);
		assert_int_equal(v, 7);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepted),
		cmocka_unit_test(refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
