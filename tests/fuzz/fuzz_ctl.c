/* SPDX-License-Identifier: MIT */
/*
 * The control socket protocol. meshd parses request lines from any local
 * client (ctl_request_parse); meshctl parses the agent's reply lines
 * (ctl_line_parse) and prints them as text or JSON, with values that
 * came from other nodes (names, tags). The input is one reply: lines
 * split after '\n', each in its own allocation of exactly len + 1 bytes
 * as the API asks, so any read or write past that is caught.
 *
 * Invariants: a parsed line writes back (ctl_writer) to a line that
 * parses to the same kind and pairs and writes back to the same bytes
 * (one canonical form); a parsed request is one printable command word
 * and an optional printable argument; whatever meshctl prints as JSON
 * is valid JSON.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"
#include "fuzz_util.h"
#include "json.h"
#include "json_check.h"
#include "meshctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { FUZZ_CTL_MAX_LINES = 64 };

static bool same_line(const struct ctl_line *a, const struct ctl_line *b)
{
	if (strcmp(a->kind, b->kind) != 0 || a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->pair[i].key, b->pair[i].key) != 0 ||
		    strcmp(a->pair[i].value, b->pair[i].value) != 0)
			return false;
	return true;
}

static int write_line(struct ctl_writer *w, const struct ctl_line *l)
{
	ctl_w_begin(w, l->kind);
	for (size_t i = 0; i < l->n; i++)
		ctl_w_str(w, l->pair[i].key, l->pair[i].value);
	return ctl_w_end(w);
}

/* fits: the parsed line ended in '\n', so its canonical form cannot be longer. */
static void check_canonical(const struct ctl_line *l, bool fits)
{
	static struct ctl_writer w, w2;
	char copy[CTL_LINE_MAX + 1];
	struct ctl_line again;
	int n = write_line(&w, l);

	if (n < 0) {
		FUZZ_CHECK(!fits && n == -ENOSPC);
		return;
	}
	FUZZ_CHECK(n <= CTL_LINE_MAX && w.buf[n - 1] == '\n');
	/* The writer's promise: plain printable ASCII, one newline at the end. */
	for (int i = 0; i < n - 1; i++)
		FUZZ_CHECK(w.buf[i] >= 0x20 && w.buf[i] < 0x7f);
	memcpy(copy, w.buf, (size_t)n);
	FUZZ_CHECK(ctl_line_parse(copy, (size_t)n, &again) == 0);
	FUZZ_CHECK(same_line(l, &again));
	FUZZ_CHECK(write_line(&w2, &again) == n && memcmp(w.buf, w2.buf, (size_t)n) == 0);
	for (size_t i = 0; i < l->n; i++)
		FUZZ_CHECK(ctl_line_get(&again, l->pair[i].key) != NULL);
}

static void check_request(const uint8_t *p, size_t len)
{
	char *s = fuzz_strndup(p, len);
	const char *cmd = NULL, *arg = NULL;

	if (ctl_request_parse(s, len, &cmd, &arg) == 0) {
		FUZZ_CHECK(cmd && *cmd && !strchr(cmd, ' ') && strlen(cmd) <= CTL_REQUEST_MAX);
		for (const char *c = cmd; *c; c++)
			FUZZ_CHECK(*c >= 0x20 && *c < 0x7f);
		for (const char *c = arg ? arg : ""; *c; c++)
			FUZZ_CHECK(*c >= 0x20 && *c < 0x7f);
	}
	free(s);
}

/* Every JSON value json.c writes for a string must be one valid JSON string. */
static void check_json_string(const char *v)
{
	char small[64];
	size_t need = json_escape(small, sizeof(small), v);
	char *big = malloc(need + 1);

	if (!big)
		abort();
	FUZZ_CHECK(json_escape(big, need + 1, v) == need && strlen(big) == need);
	FUZZ_CHECK(json_check_value(big, need));
	/* A cut buffer holds a prefix of the full text. */
	FUZZ_CHECK(strncmp(small, big, sizeof(small) - 1) == 0);
	free(big);
}

/* A pattern where the next call's locals will be: uninitialised reads
 * show. One memset the compiler must keep (the empty asm reads it), not
 * a volatile byte loop: this runs before every event line. */
static __attribute__((noinline)) void dirty_stack(void)
{
	unsigned char junk[8192];

	memset(junk, 0xa5, sizeof(junk));
	__asm__ volatile("" : : "r"(junk) : "memory");
}

/*
 * The start of a text event line: a date and time with every field in
 * range; or, for a time no date can show, the time field as it came
 * (digits only), or "-".
 */
static bool sane_when(const char *line, const struct ctl_line *l)
{
	const char *t = ctl_line_get(l, "time");
	size_t tok = strcspn(line, " ");
	long long year;
	int mon, day, h, m, sec, n = 0;

	if (line[tok] != ' ')
		return false;
	if (tok == 1 && line[0] == '-')
		return true;
	if (t && strlen(t) == tok && memcmp(line, t, tok) == 0 &&
	    strspn(t + (t[0] == '-'), "0123456789") == tok - (t[0] == '-'))
		return true;
	return sscanf(line, "%lld-%2d-%2dT%2d:%2d:%2d%n", &year, &mon, &day, &h, &m, &sec, &n) == 6 &&
	       n > 0 && line[n] == ' ' && mon >= 1 && mon <= 12 && day >= 1 && day <= 31 &&
	       h >= 0 && h <= 23 && m >= 0 && m <= 59 && sec >= 0 && sec <= 60;
}

static void print_text_event(const struct ctl_line *l)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out;

	if (!(out = open_memstream(&buf, &len)))
		abort();
	dirty_stack();
	meshctl_text.event(out, l);
	if (fclose(out) != 0)
		abort();
	/*
	 * A time localtime_r cannot represent left struct tm uninitialised
	 * and strftime printed stack garbage (corpus/fuzz_ctl/hostile-event-
	 * time). No sanitizer sees it; the dirtied stack makes it show.
	 */
	if (!sane_when(buf, l)) {
		fprintf(stderr, "event printed with a bad time: %s", buf);
		abort();
	}
	free(buf);
}

/* meshctl's printers over the reply; JSON output must parse. */
static void print_reply(const struct ctl_reply *r)
{
	static FILE *devnull;
	char *buf = NULL;
	size_t len = 0;
	FILE *out;

	if (!devnull && !(devnull = fopen("/dev/null", "w")))
		abort();
	meshctl_text.members(devnull, r);
	meshctl_text.status(devnull, r);
	for (size_t i = 0; i < r->n; i++)
		print_text_event(&r->line[i]);

	if (!(out = open_memstream(&buf, &len)))
		abort();
	meshctl_json.members(out, r);
	meshctl_json.status(out, r);
	for (size_t i = 0; i < r->n; i++)
		meshctl_json.event(out, &r->line[i]);
	if (fclose(out) != 0)
		abort();
	/* A number field with a leading zero ("version=01") is quoted, not
	 * printed bare (corpus/fuzz_ctl/hostile-json-number). */
	FUZZ_CHECK(json_check_lines(buf, len));
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *raw[FUZZ_CTL_MAX_LINES];
	struct ctl_line line[FUZZ_CTL_MAX_LINES];
	struct ctl_reply r = { 0, raw, line };
	size_t off = 0;

	while (off < size && r.n < FUZZ_CTL_MAX_LINES) {
		const uint8_t *nl = memchr(data + off, '\n', size - off);
		size_t len = nl ? (size_t)(nl - (data + off)) + 1 : size - off;
		char *s = fuzz_strndup(data + off, len);

		check_request(data + off, len);
		if (ctl_line_parse(s, len, &line[r.n]) == 0) {
			check_canonical(&line[r.n], nl != NULL);
			for (size_t i = 0; i < line[r.n].n; i++)
				check_json_string(line[r.n].pair[i].value);
			raw[r.n++] = s;
		} else {
			free(s);
		}
		off += len;
	}
	print_reply(&r);
	for (size_t i = 0; i < r.n; i++)
		free(raw[i]);
	return 0;
}
