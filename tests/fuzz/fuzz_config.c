/* SPDX-License-Identifier: MIT */
/*
 * The configuration: the file parser (config_parse_stream, through
 * fmemopen as config_parse_file reads a real file), config_set with the
 * raw key/value pairs a command line can carry (spaces, '=', newlines,
 * the flag-over-file rules for join and tag), then config_finish.
 *
 * The input is read twice. As a config file, and as flags: every line
 * is "KEY=VALUE" (from_flag when it starts with "--"), split at the
 * first '=' and handed to config_set untrimmed. Either way the limits
 * hold (join list, tags, interface name), the canonical dump (what
 * --print-config writes) fits the line limit and parses back to the
 * same dump (corpus/fuzz_config/hostile-dump-long-line), and
 * config_free leaves nothing behind (LeakSanitizer).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_limits(const struct meshd_config *cfg)
{
	FUZZ_CHECK(cfg->n_join <= CONFIG_MAX_JOIN && cfg->n_tags <= CONFIG_MAX_TAGS);
	FUZZ_CHECK(strnlen(cfg->interface, sizeof(cfg->interface)) <= CONFIG_IFNAME_MAX);
	FUZZ_CHECK(cfg->backend <= CONFIG_BACKEND_NONE);
	FUZZ_CHECK(cfg->log_level >= 0 && cfg->log_level <= 3);
	FUZZ_CHECK(cfg->listen_port != 0 && cfg->gossip_port != 0);
	FUZZ_CHECK(cfg->mtu >= 576 && cfg->mtu <= 65535);
	for (size_t i = 0; i < cfg->n_join; i++)
		FUZZ_CHECK(cfg->join[i] != NULL);
	for (size_t i = 0; i < cfg->n_tags; i++)
		FUZZ_CHECK(cfg->tags[i] && strchr(cfg->tags[i], '=') != NULL);
	if (cfg->name)
		FUZZ_CHECK(strlen(cfg->name) >= 1 && strlen(cfg->name) <= 63);
}

static char *dump(const struct meshd_config *cfg, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f)
		abort();
	config_dump(cfg, f);
	if (fclose(f) != 0)
		abort();
	return buf;
}

/* Whether every line of the dump fits the parser's limit (newline not counted). */
static bool lines_fit(const char *s)
{
	for (const char *nl; (nl = strchr(s, '\n')); s = nl + 1)
		if ((size_t)(nl - s) > CONFIG_LINE_MAX)
			return false;
	return true;
}

/* Dump, parse the dump, dump again: the same text. */
static void check_round_trip(const struct meshd_config *cfg)
{
	struct meshd_config again;
	char err[512];
	size_t len, len2;
	char *text = dump(cfg, &len), *text2;
	FILE *f;

	FUZZ_CHECK(lines_fit(text));
	if (!(f = fmemopen(text, len, "r")))
		abort();
	config_defaults(&again);
	if (config_parse_stream(&again, f, "dump", err, sizeof(err)) != 0) {
		fprintf(stderr, "the dump does not parse: %s\n---\n%s---\n", err, text);
		abort();
	}
	fclose(f);
	text2 = dump(&again, &len2);
	if (len != len2 || memcmp(text, text2, len) != 0) {
		fprintf(stderr, "dump changed:\n%s---\n%s---\n", text, text2);
		abort();
	}
	config_free(&again);
	free(text);
	free(text2);
}

static void finish(struct meshd_config *cfg)
{
	char err[512];

	err[0] = '\0';
	if (config_finish(cfg, err, sizeof(err)) == 0) {
		/* The key may come from an invite (or the state dir, read at start). */
		FUZZ_CHECK((cfg->network_key || cfg->invite || cfg->invite_file ||
			    config_state_has_netkey(cfg)) &&
			   cfg->state_dir && cfg->socket && cfg->prefix && cfg->name);
		FUZZ_CHECK(cfg->listen_port != cfg->gossip_port ||
			   cfg->backend == CONFIG_BACKEND_NONE);
	} else {
		FUZZ_CHECK(err[0] != '\0');
	}
	check_limits(cfg);
}

static void as_file(const uint8_t *data, size_t size)
{
	struct meshd_config cfg;
	char err[512];
	FILE *f;

	if (size == 0 || !(f = fmemopen((void *)(uintptr_t)data, size, "r")))
		return;
	config_defaults(&cfg);
	err[0] = '\0';
	if (config_parse_stream(&cfg, f, "fuzz.conf", err, sizeof(err)) == 0) {
		check_limits(&cfg);
		check_round_trip(&cfg);
		finish(&cfg);
	} else {
		/* Errors name the place: "fuzz.conf:LINE: ...". */
		FUZZ_CHECK(strncmp(err, "fuzz.conf", 9) == 0);
	}
	fclose(f);
	config_free(&cfg);
}

static void as_flags(const uint8_t *data, size_t size)
{
	struct meshd_config cfg;
	char *text = fuzz_strndup(data, size), *line = text, err[512];

	config_defaults(&cfg);
	while (line) {
		char *nl = strchr(line, '\n'), *eq;
		bool from_flag = strncmp(line, "--", 2) == 0;

		if (nl)
			*nl = '\0';
		eq = strchr(line, '=');
		if (eq) {
			*eq = '\0';
			err[0] = '\0';
			if (config_set(&cfg, line + (from_flag ? 2 : 0), eq + 1, from_flag, err,
				       sizeof(err)) != 0)
				FUZZ_CHECK(err[0] != '\0');
			check_limits(&cfg);
		}
		line = nl ? nl + 1 : NULL;
	}
	check_round_trip(&cfg);
	finish(&cfg);
	config_free(&cfg);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	as_file(data, size);
	as_flags(data, size);
	return 0;
}
