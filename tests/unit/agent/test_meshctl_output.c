/* SPDX-License-Identifier: MIT */
/*
 * meshctl's printers on replies a broken or foreign agent could send:
 * JSON stays JSON, and an event time no date can show is printed as it
 * came instead of an uninitialised struct tm.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "meshctl.h"

/* One reply line through a printer; the output is malloc'd. */
static char *print_event(const struct meshctl_output *o, const char *text)
{
	char line[CTL_LINE_MAX], *out = NULL;
	struct ctl_line l;
	size_t len = strlen(text);
	FILE *f = open_memstream(&out, &len);

	assert_non_null(f);
	memcpy(line, text, strlen(text) + 1);
	assert_int_equal(ctl_line_parse(line, strlen(line), &l), 0);
	o->event(f, &l);
	assert_int_equal(fclose(f), 0);
	return out;
}

static void expect_prefix(const struct meshctl_output *o, const char *text, const char *want)
{
	char *out = print_event(o, text);

	if (strncmp(out, want, strlen(want)) != 0)
		fail_msg("'%s' printed '%s', want it to start with '%s'", text, out, want);
	free(out);
}

static void expect_has(const struct meshctl_output *o, const char *text, const char *want)
{
	char *out = print_event(o, text);

	if (!strstr(out, want))
		fail_msg("'%s' printed '%s', want '%s' in it", text, out, want);
	free(out);
}

/* Regression (fuzz_ctl-json-number): "version=01" was printed bare as 01. */
static void json_numbers_canonical(void **state)
{
	(void)state;
	expect_has(&meshctl_json, "event name=a version=12 time=0", "\"version\":12,");
	expect_has(&meshctl_json, "event name=a version=0", "\"version\":0}");
	expect_has(&meshctl_json, "event name=a version=-3", "\"version\":-3}");
	expect_has(&meshctl_json, "event name=a version=01", "\"version\":\"01\"}");
	expect_has(&meshctl_json, "event name=a version=-007", "\"version\":\"-007\"}");
	expect_has(&meshctl_json, "event name=a version=--5", "\"version\":\"--5\"}");
	expect_has(&meshctl_json, "event name=a version=x", "\"version\":\"x\"}");
	/* Null when absent, a string when it is digits JSON cannot take. */
	expect_has(&meshctl_json, "event name=a rx_bytes=-", "\"rx_bytes\":null}");
	expect_has(&meshctl_json, "event name=a rx_bytes=00", "\"rx_bytes\":\"00\"}");
	expect_has(&meshctl_json, "event name=a rx_bytes=5", "\"rx_bytes\":5}");
}

/* Regression (fuzz_ctl-event-time): an unrepresentable time printed an
 * uninitialised struct tm. */
static void event_time_printed_or_raw(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	expect_prefix(&meshctl_text, "event name=x event=alive time=1700000000",
		      "2023-11-14T22:13:20 alive");
	expect_prefix(&meshctl_text, "event name=x event=alive time=0", "1970-01-01T00:00:00 ");
	/* Past long long (atoll saturated), and past the years struct tm holds. */
	expect_prefix(&meshctl_text, "event name=x event=alive time=99999999999999999999",
		      "99999999999999999999 alive");
	expect_prefix(&meshctl_text, "event name=x event=alive time=9223372036854775807",
		      "9223372036854775807 alive");
	expect_prefix(&meshctl_text, "event name=x event=alive time=-9223372036854775808",
		      "-9223372036854775808 alive");
	/* Not a number, or none: "-". */
	expect_prefix(&meshctl_text, "event name=x event=alive time=soon", "- alive");
	expect_prefix(&meshctl_text, "event name=x event=alive", "- alive");
}

/* A members reply of these lines through a printer; the output is malloc'd. */
static char *print_members(const struct meshctl_output *o, const char *const *lines, size_t n)
{
	char buf[4][CTL_LINE_MAX], *raw[4], *out = NULL;
	struct ctl_line parsed[4];
	struct ctl_reply r = { n, raw, parsed };
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	assert_true(n <= 4);
	assert_non_null(f);
	for (size_t i = 0; i < n; i++) {
		memcpy(buf[i], lines[i], strlen(lines[i]) + 1);
		raw[i] = buf[i];
		assert_int_equal(ctl_line_parse(buf[i], strlen(buf[i]), &parsed[i]), 0);
	}
	o->members(f, &r);
	assert_int_equal(fclose(f), 0);
	return out;
}

/* A member whose name another holds: flagged in both forms, never under the name. */
static void name_conflict_shown(void **state)
{
	static const char *const lines[] = {
		"member name=db1 overlay_ip=10.42.0.1 status=alive self=1 conflict=0 name_conflict=0 "
		"public_key=AAAAAAAAAAAA",
		"member name= overlay_ip=10.42.0.2 status=alive self=0 conflict=0 name_conflict=1 "
		"public_key=BBBBBBBBBBBB",
	};
	char *text = print_members(&meshctl_text, lines, 2), *json;
	const char *second = strstr(text, "BBBBBBBBBB");

	(void)state;
	assert_non_null(second);
	assert_non_null(strstr(text, "alive (name conflict)"));
	/* Only the holder's row carries the name. */
	assert_non_null(strstr(text, "\ndb1 "));
	assert_null(strstr(strstr(text, "\ndb1 ") + 4, "db1"));
	json = print_members(&meshctl_json, lines, 2);
	assert_non_null(strstr(json, "\"name\":\"\",\"overlay_ip\":\"10.42.0.2\""));
	assert_non_null(strstr(json, "\"name_conflict\":true"));
	assert_non_null(strstr(json, "\"name_conflict\":false"));
	free(text);
	free(json);
}

/* Issue 11: the PATH column and the path fields (typed in JSON). */
static void paths_shown(void **state)
{
	static const char *const lines[] = {
		"member name=db1 overlay_ip=10.42.0.1 status=alive self=1 conflict=0 name_conflict=0 "
		"public_key=AAAAAAAAAAAA",
		"member name=db2 overlay_ip=10.42.0.2 status=alive self=0 conflict=0 name_conflict=0 "
		"public_key=BBBBBBBBBBBB path=direct path_endpoint=198.51.100.4:51820 path_relay= "
		"unreachable=0",
		"member name=db3 overlay_ip=10.42.0.3 status=alive self=0 conflict=0 name_conflict=0 "
		"public_key=CCCCCCCCCCCC path=relay path_endpoint=192.0.2.1:40000 path_relay=r1 "
		"unreachable=0",
		"member name=db4 overlay_ip=10.42.0.4 status=alive self=0 conflict=0 name_conflict=0 "
		"public_key=DDDDDDDDDDDD path=none path_endpoint= path_relay= unreachable=1",
	};
	char *text = print_members(&meshctl_text, lines, 4), *json;

	(void)state;
	assert_non_null(strstr(text, "PATH"));
	assert_non_null(strstr(text, "direct 198.51.100.4:51820"));
	assert_non_null(strstr(text, "relay r1 192.0.2.1:40000"));
	assert_non_null(strstr(text, "none (unreachable)"));
	json = print_members(&meshctl_json, lines, 4);
	assert_non_null(strstr(json, "\"path\":\"relay\",\"path_endpoint\":\"192.0.2.1:40000\","
				     "\"path_relay\":\"r1\",\"unreachable\":false"));
	assert_non_null(strstr(json, "\"unreachable\":true"));
	free(text);
	free(json);
}

/* Issue 14: a dual-stack member's two addresses in one column; the claimant as NAME~id. */
static void dual_stack_and_shown_name(void **state)
{
	static const char *const lines[] = {
		"member name=db1 overlay_ip=10.42.0.1 overlay_ip6=fd00:42::1 status=alive self=1 "
		"conflict=0 name_conflict=0 public_key=AAAAAAAAAAAA",
		"member name=db1~0a1b2c3d overlay_ip=10.42.0.2 overlay_ip6= status=alive self=0 "
		"conflict=0 name_conflict=1 public_key=BBBBBBBBBBBB",
	};
	char *text = print_members(&meshctl_text, lines, 2), *json;

	(void)state;
	assert_non_null(strstr(text, "10.42.0.1,fd00:42::1 "));
	assert_non_null(strstr(text, "10.42.0.2 "));
	assert_null(strstr(text, "10.42.0.2,"));
	assert_non_null(strstr(text, "\ndb1~0a1b2c3d "));
	json = print_members(&meshctl_json, lines, 2);
	assert_non_null(strstr(json, "\"overlay_ip6\":\"fd00:42::1\""));
	assert_non_null(strstr(json, "\"name\":\"db1~0a1b2c3d\""));
	free(text);
	free(json);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(json_numbers_canonical),
		cmocka_unit_test(event_time_printed_or_raw),
		cmocka_unit_test(name_conflict_shown),
		cmocka_unit_test(dual_stack_and_shown_name),
		cmocka_unit_test(paths_shown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
