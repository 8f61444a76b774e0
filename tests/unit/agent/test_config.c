/* SPDX-License-Identifier: MIT */
/*
 * Config parsing: a golden file with every key, flags over the file,
 * line-numbered errors for bad lines, derived defaults.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"
#include "config_opts.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return buf;
}

static char *dump(const struct meshd_config *cfg)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	config_dump(cfg, f);
	fclose(f);
	return out;
}

static void golden_every_key(void **state)
{
	struct meshd_config cfg;
	char err[512] = "";
	char *got, *want;

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(config_parse_file(&cfg, GOLDEN_DIR "/all-keys.conf", err, sizeof(err)), 0);
	assert_int_equal(config_finish(&cfg, err, sizeof(err)), 0);
	got = dump(&cfg);
	want = slurp(GOLDEN_DIR "/all-keys.expected");
	assert_string_equal(got, want);

	/* The dump is itself a valid config that reads back to the same dump. */
	{
		struct meshd_config again;
		FILE *f = fmemopen(got, strlen(got), "r");
		char *got2;

		config_defaults(&again);
		assert_int_equal(config_parse_stream(&again, f, "dump", err, sizeof(err)), 0);
		fclose(f);
		got2 = dump(&again);
		assert_string_equal(got2, want);
		free(got2);
		config_free(&again);
	}
	free(got);
	free(want);
	config_free(&cfg);
}

static int load(struct meshd_config *cfg, char *err, size_t errlen, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;

	argv[argc++] = "meshd";
	va_start(ap, errlen);
	for (char *a; (a = va_arg(ap, char *)) != NULL;)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	return config_load(cfg, argc, argv, err, errlen);
}

static void flags_win_over_file(void **state)
{
	struct meshd_config cfg;
	char err[512] = "";

	(void)state;
	assert_int_equal(load(&cfg, err, sizeof(err), "--config", GOLDEN_DIR "/all-keys.conf",
			      "--gossip-port", "7000", "--join", "198.51.100.1:7000",
			      "--name", "beta", "--tag", "x=y", NULL), 0);
	assert_int_equal(cfg.gossip_port, 7000);
	assert_int_equal(cfg.listen_port, 51000);       /* from the file */
	assert_string_equal(cfg.name, "beta");
	/* The flag's join list replaces the file's two seeds. */
	assert_int_equal(cfg.n_join, 1);
	assert_string_equal(cfg.join[0], "198.51.100.1:7000");
	assert_int_equal(cfg.n_tags, 1);
	assert_string_equal(cfg.tags[0], "x=y");
	assert_string_equal(cfg.config_file, GOLDEN_DIR "/all-keys.conf");
	config_free(&cfg);

	/* The order of --config among the flags does not matter. */
	assert_int_equal(load(&cfg, err, sizeof(err), "--mtu", "1300",
			      "--config", GOLDEN_DIR "/all-keys.conf", NULL), 0);
	assert_int_equal(cfg.mtu, 1300);
	assert_int_equal(cfg.n_join, 2);
	config_free(&cfg);
}

static void defaults_derived(void **state)
{
	struct meshd_config cfg;
	char err[512] = "";

	(void)state;
	assert_int_equal(load(&cfg, err, sizeof(err), "--interface", "wg7",
			      "--network-key", "/k", "--join", "10.0.0.1", "--join", "10.0.0.2:9", NULL), 0);
	assert_string_equal(cfg.state_dir, "/var/lib/meshd/wg7");
	assert_string_equal(cfg.socket, "/run/meshd/wg7.sock");
	assert_string_equal(cfg.prefix, "10.42.0.0/16");
	assert_int_equal(cfg.listen_port, 51820);
	assert_int_equal(cfg.gossip_port, 51821);
	assert_int_equal(cfg.mtu, 1420);
	assert_int_equal(cfg.backend, CONFIG_BACKEND_AUTO);
	assert_int_equal(cfg.n_join, 2);
	assert_non_null(cfg.name);
	config_free(&cfg);
}

static void expect_file_error(const char *text, const char *want)
{
	struct meshd_config cfg;
	char err[512] = "";
	FILE *f = fmemopen((void *)(uintptr_t)text, strlen(text), "r");

	config_defaults(&cfg);
	assert_int_not_equal(config_parse_stream(&cfg, f, "t.conf", err, sizeof(err)), 0);
	fclose(f);
	if (!strstr(err, want))
		fail_msg("error '%s' does not contain '%s'", err, want);
	config_free(&cfg);
}

static void bad_lines_are_numbered(void **state)
{
	(void)state;
	expect_file_error("# ok\ninterface = wg0\nfrobnicate = 1\n", "t.conf:3: unknown key 'frobnicate'");
	expect_file_error("\n\njust words\n", "t.conf:3: expected 'key = value'");
	expect_file_error("= 5\n", "t.conf:1: missing key");
	expect_file_error("listen-port = 0\n", "t.conf:1: listen-port: invalid value '0'");
	expect_file_error("listen-port = 65536\n", "t.conf:1:");
	expect_file_error("gossip-port = 12x\n", "t.conf:1:");
	expect_file_error("mtu = -1\n", "t.conf:1:");
	expect_file_error("address = 10.42.0.7\n", "t.conf:1: address: '10.42.0.7' is not an address");
	expect_file_error("address = 10.42.0.7/33\n", "t.conf:1:");
	expect_file_error("join = 1.2.3.4:\n", "t.conf:1: join:");
	expect_file_error("join = ::1:5\n", "t.conf:1: join:");
	expect_file_error("endpoint = 1.2.3.4\n", "t.conf:1: endpoint:");
	expect_file_error("bind = example.org\n", "t.conf:1: bind:");
	expect_file_error("backend = magic\n", "t.conf:1: backend: invalid value 'magic'");
	expect_file_error("prefix6 = 10.42.0.0/16\n", "t.conf:1: prefix6: '10.42.0.0/16' is not an "
			  "IPv6 address with a prefix length (like fd00:42::7/64)");
	expect_file_error("domain = Mesh\n", "t.conf:1: domain: 'Mesh' is not a DNS name of "
			  "lower-case letters, digits, '-' and '.' (at most 63 bytes)");
	expect_file_error("domain = a..b\n", "t.conf:1: domain: 'a..b' is not a DNS name of "
			  "lower-case letters, digits, '-' and '.' (at most 63 bytes)");
	expect_file_error("syslog = maybe\n", "t.conf:1:");
	expect_file_error("interface = this-name-is-too-long\n", "t.conf:1: interface:");
	expect_file_error("interface = ../x\n", "t.conf:1: interface:");
	expect_file_error("log-level = loud\n", "t.conf:1:");
	expect_file_error("tag = novalue\n", "t.conf:1: tag:");
	expect_file_error("network-key =\n", "t.conf:1: network-key: empty value");
	expect_file_error("config = /etc/other\n", "t.conf:1: unknown key 'config'");
}

static void long_line_refused(void **state)
{
	char text[CONFIG_LINE_MAX + 64];

	(void)state;
	memset(text, 'a', sizeof(text) - 2);
	memcpy(text, "name = ", 7);
	text[sizeof(text) - 2] = '\n';
	text[sizeof(text) - 1] = '\0';
	expect_file_error(text, "t.conf:1: line longer than");
}

/* Regression: a NUL in a line was reported as "line longer than 1024 bytes". */
static void nul_byte_named(void **state)
{
	static const char text[] = "interface = wg0\nname = a\0b\n";
	struct meshd_config cfg;
	char err[512] = "";
	FILE *f = fmemopen((void *)(uintptr_t)text, sizeof(text) - 1, "r");

	(void)state;
	config_defaults(&cfg);
	assert_int_equal(config_parse_stream(&cfg, f, "t.conf", err, sizeof(err)), -EINVAL);
	fclose(f);
	if (!strstr(err, "t.conf:2: NUL byte"))
		fail_msg("error '%s' does not name the NUL", err);
	config_free(&cfg);
}

/*
 * Regression (fuzz_config-dump-long-line): "event-hook=/..." fit the line
 * limit, but --print-config wrote it as "event-hook = /..." two bytes
 * longer, which did not load. A value is now accepted only if its dumped
 * line fits, from the file or a flag; the longest one round-trips.
 */
static void print_config_loads_back(void **state)
{
	enum { MAXV = CONFIG_LINE_MAX - sizeof("event-hook = ") + 1 };
	char text[CONFIG_LINE_MAX + 64], value[1014], err[512] = "";   /* '/' and 1012 bytes */
	struct meshd_config cfg, again;
	char *out, *out2;
	FILE *f;

	(void)state;
	memset(value, 'y', sizeof(value));
	value[0] = '/';
	value[sizeof(value) - 1] = '\0';
	snprintf(text, sizeof(text), "event-hook=%s\n", value);   /* 1024 bytes, as found */
	expect_file_error(text, "t.conf:1: event-hook: value longer than 1011 bytes");
	config_defaults(&cfg);
	assert_int_equal(config_set(&cfg, "event-hook", value, true, err, sizeof(err)), -EINVAL);
	assert_int_equal(config_set(&cfg, "event-hook", "/a\nnetwork-key = /b", true, err,
				    sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "line break"));
	/* The file parser trims: "name =  x " would load as "x". */
	assert_int_equal(config_set(&cfg, "name", " x", true, err, sizeof(err)), -EINVAL);
	assert_int_equal(config_set(&cfg, "event-hook", "/x\t", true, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "white space"));

	value[MAXV] = '\0';
	assert_int_equal(config_set(&cfg, "event-hook", value, true, err, sizeof(err)), 0);
	assert_int_equal(config_set(&cfg, "network-key", "/k", false, err, sizeof(err)), 0);
	out = dump(&cfg);
	assert_non_null(strstr(out, "\nevent-hook = /yyy"));
	f = fmemopen(out, strlen(out), "r");
	config_defaults(&again);
	if (config_parse_stream(&again, f, "dump", err, sizeof(err)) != 0)
		fail_msg("the dump does not load: %s", err);
	fclose(f);
	out2 = dump(&again);
	assert_string_equal(out, out2);
	free(out);
	free(out2);
	config_free(&cfg);
	config_free(&again);
}

/* The table cap and the admission bucket: defaults, ranges, flags over the file. */
static void member_limits(void **state)
{
	struct meshd_config cfg;
	char err[512] = "";

	(void)state;
	assert_int_equal(load(&cfg, err, sizeof(err), "--network-key", "/k", NULL), 0);
	assert_int_equal(cfg.max_members, 4096);
	assert_int_equal(cfg.admit_rate, 100);
	assert_int_equal(cfg.admit_burst, 1000);
	config_free(&cfg);

	assert_int_equal(load(&cfg, err, sizeof(err), "--config", GOLDEN_DIR "/all-keys.conf",
			      "--max-members", "1000000", "--admit-burst", "1", NULL), 0);
	assert_int_equal(cfg.max_members, 1000000);
	assert_int_equal(cfg.admit_rate, 0);          /* from the file: no limit */
	assert_int_equal(cfg.admit_burst, 1);
	config_free(&cfg);

	/* Without --prefix, a pinned address's network is the mesh prefix. */
	assert_int_equal(load(&cfg, err, sizeof(err), "--network-key", "/k", "--address",
			      "10.88.3.7/16", NULL), 0);
	assert_string_equal(cfg.prefix, "10.88.0.0/16");
	config_free(&cfg);
	assert_int_equal(load(&cfg, err, sizeof(err), "--network-key", "/k", "--address",
			      "fd00:1:2:3::7/62", NULL), 0);
	assert_string_equal(cfg.prefix, "fd00:1:2::/62");
	config_free(&cfg);
	assert_int_equal(load(&cfg, err, sizeof(err), "--network-key", "/k", "--address",
			      "10.88.3.7/16", "--prefix", "10.42.0.0/16", NULL), 0);
	assert_string_equal(cfg.prefix, "10.42.0.0/16");
	config_free(&cfg);

	expect_file_error("max-members = 15\n", "t.conf:1: max-members: '15' is not a number");
	expect_file_error("max-members = 1000001\n", "t.conf:1: max-members:");
	expect_file_error("max-members = 4k\n", "t.conf:1: max-members:");
	expect_file_error("admit-rate = 1000001\n", "t.conf:1: admit-rate:");
	expect_file_error("admit-rate = -1\n", "t.conf:1: admit-rate:");
	expect_file_error("admit-burst = 0\n", "t.conf:1: admit-burst: '0' is not a number from 1");
}

#define AUTH1 "9K5Q3Jr8bO0cGxkq3nYkC6uWbqv3YlDJfQ3JH3UuZ0U="
#define AUTH2 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

/* Authority mode: keys checked on entry, flags replace the file's list, bounded. */
static void authority_options(void **state)
{
	struct meshd_config cfg;
	char err[512] = "";
	char *out;

	(void)state;
	assert_int_equal(load(&cfg, err, sizeof(err), "--network-key", "/k", NULL), 0);
	assert_int_equal(cfg.n_authority, 0);
	assert_int_equal(cfg.key_transition, 600);
	assert_int_equal(cfg.punch_ttl, CONFIG_PUNCH_TTL_DEFAULT);
	assert_false(cfg.punch);          /* experimental: off unless asked for */
	config_free(&cfg);

	assert_int_equal(load(&cfg, err, sizeof(err), "--config", GOLDEN_DIR "/all-keys.conf",
			      "--authority", AUTH2, NULL), 0);
	assert_int_equal(cfg.n_authority, 1);           /* the flag replaced the file's two */
	assert_string_equal(cfg.authority[0], AUTH2);
	assert_int_equal(cfg.key_transition, 900);
	config_free(&cfg);

	/* The same key twice is one authority. */
	assert_int_equal(load(&cfg, err, sizeof(err), "--network-key", "/k", "--authority", AUTH1,
			      "--authority", AUTH1, "--key-transition", "10", NULL), 0);
	assert_int_equal(cfg.n_authority, 1);
	assert_int_equal(cfg.key_transition, 10);
	config_free(&cfg);

	expect_file_error("authority = abc\n", "t.conf:1: authority: 'abc' is not a public key");
	/* 44 characters, but 33 bytes' worth is not a key either. */
	expect_file_error("authority = 9K5Q3Jr8bO0cGxkq3nYkC6uWbqv3YlDJfQ3JH3UuZ0U!\n",
			  "t.conf:1: authority:");
	expect_file_error("authority = " AUTH1 "\nauthority = " AUTH2 "\nauthority = "
			  "AQECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\nauthority = "
			  "AgECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\nauthority = "
			  "AwECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n",
			  "t.conf:5: authority: at most 4");
	expect_file_error("key-transition = 9\n", "t.conf:1: key-transition: '9' is not a number");
	expect_file_error("key-transition = 604801\n", "t.conf:1: key-transition:");
	expect_file_error("punch-ttl = 1\n", "t.conf:1: punch-ttl:");   /* dies in our own router */
	expect_file_error("punch-ttl = 9\n", "t.conf:1: punch-ttl:");
	expect_file_error("invite = hello\n", "t.conf:1: invite: not an invite token");
	expect_file_error("invite-file =\n", "t.conf:1: invite-file: empty value");

	/* An invite stands in for --network-key; the token itself is never printed. */
	assert_int_equal(load(&cfg, err, sizeof(err), "--invite", "meshd1:c2VjcmV0", NULL), 0);
	out = dump(&cfg);
	assert_null(strstr(out, "c2VjcmV0"));
	assert_null(strstr(out, "invite"));
	free(out);
	config_free(&cfg);
	assert_int_equal(load(&cfg, err, sizeof(err), "--invite-file", "/t", NULL), 0);
	assert_string_equal(cfg.invite_file, "/t");
	config_free(&cfg);
	assert_int_equal(load(&cfg, err, sizeof(err), "--invite", "meshd1:x", "--invite-file",
			      "/t", NULL), -EINVAL);
	assert_non_null(strstr(err, "not both"));
	config_free(&cfg);
	assert_int_equal(load(&cfg, err, sizeof(err), "--state-dir", "/nonexistent/x", NULL), -EINVAL);
	assert_non_null(strstr(err, "--invite-file"));
	config_free(&cfg);
}

static void command_line_errors(void **state)
{
	struct meshd_config cfg;
	char err[512] = "";

	(void)state;
	assert_int_equal(load(&cfg, err, sizeof(err), "--bogus", NULL), -EINVAL);
	assert_non_null(strstr(err, "--bogus"));
	config_free(&cfg);
	assert_int_equal(load(&cfg, err, sizeof(err), "--network-key", "/k", "stray", NULL), -EINVAL);
	assert_non_null(strstr(err, "stray"));
	config_free(&cfg);
	assert_int_equal(load(&cfg, err, sizeof(err), "--interface", "wg0", NULL), -EINVAL);
	assert_non_null(strstr(err, "network key"));
	config_free(&cfg);
	assert_int_equal(load(&cfg, err, sizeof(err), "--network-key", "/k",
			      "--listen-port", "99999", NULL), -EINVAL);
	assert_non_null(strstr(err, "--listen-port"));
	config_free(&cfg);
	assert_int_equal(load(&cfg, err, sizeof(err), "--network-key", "/k", "--config",
			      "/nonexistent/meshd.conf", NULL), -EINVAL);
	assert_non_null(strstr(err, "/nonexistent/meshd.conf"));
	config_free(&cfg);
}

/*
 * Every option in the table is a flag getopt knows: the long-option array
 * once had room for 34 and silently dropped the rest (--relay among them).
 */
static void every_option_is_a_flag(void **state)
{
	(void)state;
	for (size_t i = 0; i < config_n_opts; i++) {
		struct meshd_config cfg;
		char flag[64], err[512] = "";

		snprintf(flag, sizeof(flag), "--%s", config_opts[i].key);
		load(&cfg, err, sizeof(err), flag, config_opts[i].arg ? "x" : NULL, NULL);
		if (strstr(err, "unknown option"))
			fail_msg("%s: %s", flag, err);
		config_free(&cfg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(golden_every_key),
		cmocka_unit_test(authority_options),
		cmocka_unit_test(flags_win_over_file),
		cmocka_unit_test(defaults_derived),
		cmocka_unit_test(bad_lines_are_numbered),
		cmocka_unit_test(member_limits),
		cmocka_unit_test(long_line_refused),
		cmocka_unit_test(command_line_errors),
		cmocka_unit_test(every_option_is_a_flag),
		cmocka_unit_test(nul_byte_named),
		cmocka_unit_test(print_config_loads_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
