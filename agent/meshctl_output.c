/* SPDX-License-Identifier: MIT */
/*
 * meshctl's two output forms. The agent sends every field as text; the
 * tables here say which fields are numbers, booleans or "null when
 * absent" so the JSON is typed for jq users while the agent stays simple.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "meshctl.h"

enum jtype { J_STR, J_NUM, J_BOOL, J_NUM_OR_NULL };

static const struct { const char *key; enum jtype type; } jtypes[] = {
	{ "last_handshake", J_NUM_OR_NULL }, { "since", J_NUM }, { "since_ms", J_NUM }, { "version", J_NUM },
	{ "gossip_port", J_NUM }, { "listen_port", J_NUM }, { "rx_bytes", J_NUM_OR_NULL },
	{ "tx_bytes", J_NUM_OR_NULL }, { "self", J_BOOL }, { "conflict", J_BOOL },
	{ "name_conflict", J_BOOL },
	{ "uptime", J_NUM }, { "alive", J_NUM }, { "suspect", J_NUM }, { "failed", J_NUM },
	{ "left", J_NUM }, { "members", J_NUM }, { "mtu", J_NUM }, { "joined", J_BOOL },
	{ "time", J_NUM }, { "pid", J_NUM }, { "path_mtu", J_NUM },
	{ "key_epoch", J_NUM }, { "revocations", J_NUM }, { "admission_expires", J_NUM_OR_NULL },
	{ "revoked_at", J_NUM },
	{ "keepalive", J_NUM }, { "endpoints", J_NUM }, { "unreachable_members", J_NUM },
	{ "unreachable", J_BOOL },
};

static enum jtype jtype_of(const char *key)
{
	for (size_t i = 0; i < sizeof(jtypes) / sizeof(jtypes[0]); i++)
		if (strcmp(jtypes[i].key, key) == 0)
			return jtypes[i].type;
	return J_STR;
}

static bool is_number(const char *s)
{
	if (*s == '-')
		s++;
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/*
 * An integer as JSON writes it: no leading zeros ("01" is not JSON). A
 * numeric field that is not one is quoted, not printed bare or lost.
 */
static bool is_json_int(const char *s)
{
	if (*s == '-')
		s++;
	if (*s < '1' || *s > '9')
		return s[0] == '0' && s[1] == '\0';
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static void json_value(FILE *out, const char *key, const char *v)
{
	switch (jtype_of(key)) {
	case J_NUM:
		if (is_json_int(v)) {
			fputs(v, out);
			return;
		}
		break;
	case J_NUM_OR_NULL:
		if (is_json_int(v) || !is_number(v)) {
			fputs(is_json_int(v) ? v : "null", out);
			return;
		}
		break;
	case J_BOOL:
		fputs(strcmp(v, "1") == 0 ? "true" : "false", out);
		return;
	case J_STR:
		break;
	}
	json_write_string(out, v);
}

static void json_pairs(FILE *out, const struct ctl_line *l)
{
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			fputc(',', out);
		json_write_string(out, l->pair[i].key);
		fputc(':', out);
		json_value(out, l->pair[i].key, l->pair[i].value);
	}
}

static void json_object(FILE *out, const struct ctl_line *l)
{
	fputc('{', out);
	json_pairs(out, l);
	fputc('}', out);
}

static void json_list(FILE *out, const struct ctl_reply *r, const char *kind, const char *name)
{
	bool first = true;

	fprintf(out, "\"%s\":[", name);
	for (size_t i = 0; i < r->n; i++) {
		if (strcmp(r->line[i].kind, kind) != 0)
			continue;
		if (!first)
			fputc(',', out);
		first = false;
		json_object(out, &r->line[i]);
	}
	fputc(']', out);
}

static void json_members(FILE *out, const struct ctl_reply *r)
{
	fputc('{', out);
	json_list(out, r, "member", "members");
	fputs("}\n", out);
}

static void json_status(FILE *out, const struct ctl_reply *r)
{
	bool first = true;

	fputc('{', out);
	for (size_t i = 0; i < r->n; i++) {
		if (strcmp(r->line[i].kind, "status") == 0 && r->line[i].n > 0) {
			json_pairs(out, &r->line[i]);
			fputc(',', out);
		}
	}
	fputs("\"warnings\":[", out);
	for (size_t i = 0; i < r->n; i++) {
		const char *text;

		if (strcmp(r->line[i].kind, "warn") != 0)
			continue;
		text = ctl_line_get(&r->line[i], "text");
		if (!first)
			fputc(',', out);
		first = false;
		json_write_string(out, text ? text : "");
	}
	fputs("]}\n", out);
}

static void json_event(FILE *out, const struct ctl_line *l)
{
	json_object(out, l);
	fputc('\n', out);
	fflush(out);
}

static void json_revocations(FILE *out, const struct ctl_reply *r)
{
	fputc('{', out);
	json_list(out, r, "revocation", "revocations");
	fputs("}\n", out);
}

const struct meshctl_output meshctl_json = { json_members, json_status, json_event,
					     json_revocations };

/* Text: names from other nodes are shown with non-printable bytes as '?'. */
static void sanitize(char *dst, size_t len, const char *s)
{
	size_t i = 0;

	for (; *s && i + 1 < len; s++)
		dst[i++] = ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s;
	dst[i] = '\0';
}

static const char *field(const struct ctl_line *l, const char *key)
{
	const char *v = ctl_line_get(l, key);

	return v && *v ? v : "-";
}

static void ago(char *buf, size_t len, const char *unix_s, time_t now)
{
	long long t, d;

	if (!unix_s || !is_number(unix_s) || (t = atoll(unix_s)) <= 0) {
		snprintf(buf, len, "never");
		return;
	}
	d = (long long)now - t;
	if (d < 0)
		d = 0;
	if (d < 120)
		snprintf(buf, len, "%llds ago", d);
	else if (d < 7200)
		snprintf(buf, len, "%lldm ago", d / 60);
	else if (d < 172800)
		snprintf(buf, len, "%lldh ago", d / 3600);
	else
		snprintf(buf, len, "%lldd ago", d / 86400);
}

static bool is_set(const struct ctl_line *l, const char *key)
{
	const char *v = ctl_line_get(l, key);

	return v && strcmp(v, "1") == 0;
}

enum { COLS = 7 };

static void print_cell(FILE *out, int col, size_t width, const char *text)
{
	if (col == COLS - 1)
		fprintf(out, "%s\n", text);
	else
		fprintf(out, "%-*s  ", (int)width, text);
}

/*
 * "direct 198.51.100.4:51820", "relay NAME 192.0.2.1:40000", "none"
 * (issue 11); "-" for self and agents without paths (discovery only).
 */
static void path_cell(char *buf, size_t len, const struct ctl_line *l)
{
	const char *kind = ctl_line_get(l, "path");
	char ep[64], relay[64], text[160];

	if (!kind || !*kind) {
		snprintf(buf, len, "-");
		return;
	}
	sanitize(ep, sizeof(ep), field(l, "path_endpoint"));
	sanitize(relay, sizeof(relay), field(l, "path_relay"));
	if (strcmp(kind, "relay") == 0)
		snprintf(text, sizeof(text), "relay %s %s", relay, ep);
	else if (strcmp(kind, "direct") == 0)
		snprintf(text, sizeof(text), "direct %s", ep);
	else
		snprintf(text, sizeof(text), "none%s", is_set(l, "unreachable") ? " (unreachable)" : "");
	sanitize(buf, len, text);
}

static void text_members(FILE *out, const struct ctl_reply *r)
{
	static const char *const head[COLS] = { "NAME", "OVERLAY IP", "ENDPOINT", "STATUS",
						"PATH", "HANDSHAKE", "KEY" };
	size_t width[COLS];
	char cell[COLS][128];
	time_t now = time(NULL);

	for (int c = 0; c < COLS; c++)
		width[c] = strlen(head[c]);
	/* Two passes: widths first, so columns line up like `serf members`. */
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1) {
			for (int c = 0; c < COLS; c++)
				print_cell(out, c, width[c], head[c]);
		}
		for (size_t i = 0; i < r->n; i++) {
			const struct ctl_line *l = &r->line[i];
			const char *self = ctl_line_get(l, "self");
			const char *key = field(l, "public_key");

			if (strcmp(l->kind, "member") != 0)
				continue;
			sanitize(cell[0], sizeof(cell[0]), field(l, "name"));
			char ov[2 * 64];
			const char *ip6 = ctl_line_get(l, "overlay_ip6");

			/* Dual stack: one token, so column tools still split the table. */
			snprintf(ov, sizeof(ov), "%s%s%s", field(l, "overlay_ip"),
				 ip6 && ip6[0] ? "," : "", ip6 ? ip6 : "");
			sanitize(cell[1], sizeof(cell[1]), ov);
			sanitize(cell[2], sizeof(cell[2]), field(l, "endpoint"));
			snprintf(cell[3], sizeof(cell[3]), "%s%s%s", field(l, "status"),
				 is_set(l, "conflict") ? " (address conflict)" : "",
				 is_set(l, "name_conflict") ? " (name conflict)" : "");
			path_cell(cell[4], sizeof(cell[4]), l);
			if (self && strcmp(self, "1") == 0)
				snprintf(cell[5], sizeof(cell[5]), "(self)");
			else
				ago(cell[5], sizeof(cell[5]), ctl_line_get(l, "last_handshake"), now);
			snprintf(cell[6], sizeof(cell[6]), "%.10s", key);
			for (int c = 0; c < COLS; c++) {
				if (pass == 0) {
					size_t w = strlen(cell[c]);

					width[c] = w > width[c] ? w : width[c];
				} else {
					print_cell(out, c, width[c], cell[c]);
				}
			}
		}
	}
}

static void event_time(char *buf, size_t len, const char *v);

/* Authority mode rows (older agents send none of these fields: nothing shown). */
static void text_trust_status(FILE *out, const struct ctl_line *l)
{
	char text[CTL_LINE_MAX];

	if (!ctl_line_get(l, "mode"))
		return;
	fprintf(out, "%-16s %s\n", "mode", field(l, "mode"));
	fprintf(out, "%-16s %s\n", "key epoch", field(l, "key_epoch"));
	if (strcmp(field(l, "mode"), "authority") != 0)
		return;
	sanitize(text, sizeof(text), field(l, "authorities"));
	fprintf(out, "%-16s %s\n", "authorities", text);
	if (strcmp(field(l, "admission_expires"), "-") != 0) {
		event_time(text, sizeof(text), field(l, "admission_expires"));
		fprintf(out, "%-16s %s\n", "admission ends", text);
	} else {
		fprintf(out, "%-16s %s\n", "admission ends", "never");
	}
	fprintf(out, "%-16s %s\n", "revocations", field(l, "revocations"));
}

static void text_status(FILE *out, const struct ctl_reply *r)
{
	static const struct { const char *key, *label; } rows[] = {
		{ "name", "name" }, { "interface", "interface" }, { "public_key", "public key" },
		{ "overlay_prefix", "overlay address" }, { "endpoint", "endpoint" },
		{ "backend", "backend" }, { "mtu", "mtu" }, { "joined", "joined" },
		{ "nat", "nat" }, { "keepalive", "keepalive" },
	};

	for (size_t i = 0; i < r->n; i++) {
		const struct ctl_line *l = &r->line[i];
		char name[80], text[CTL_LINE_MAX];

		if (strcmp(l->kind, "warn") == 0) {
			sanitize(text, sizeof(text), field(l, "text"));
			fprintf(out, "warning: %s\n", text);
			continue;
		}
		if (strcmp(l->kind, "status") != 0)
			continue;
		for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
			sanitize(name, sizeof(name), field(l, rows[k].key));
			if (strcmp(rows[k].key, "joined") == 0)
				snprintf(name, sizeof(name), "%s", strcmp(field(l, "joined"), "1") == 0
					 ? "yes" : "no (still contacting seeds)");
			fprintf(out, "%-16s %s\n", rows[k].label, name);
		}
		text_trust_status(out, l);
		fprintf(out, "%-16s %s alive, %s suspect, %s failed, %s left\n", "members",
			field(l, "alive"), field(l, "suspect"), field(l, "failed"), field(l, "left"));
		{
			long long up = atoll(field(l, "uptime"));

			fprintf(out, "%-16s %lldd %02lld:%02lld:%02lld\n", "uptime", up / 86400,
				up / 3600 % 24, up / 60 % 60, up % 60);
		}
	}
}

/*
 * The event's time (unix seconds) as a local date. A number no date can
 * show (past time_t, or a year localtime_r cannot hold, which leaves
 * struct tm unset) is printed as it came; anything else as "-".
 */
static void event_time(char *buf, size_t len, const char *v)
{
	struct tm tm;
	long long n;
	time_t t;
	char *end;

	if (!is_number(v)) {
		snprintf(buf, len, "-");
		return;
	}
	errno = 0;
	n = strtoll(v, &end, 10);
	t = (time_t)n;
	if (errno == 0 && (long long)t == n && localtime_r(&t, &tm) &&
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm) > 0)
		return;
	snprintf(buf, len, "%s", strlen(v) < len ? v : "-");
}

static void text_event(FILE *out, const struct ctl_line *l)
{
	char name[80], when[32];

	event_time(when, sizeof(when), field(l, "time"));
	sanitize(name, sizeof(name), field(l, "name"));
	fprintf(out, "%s %-8s %-20s %-16s %-22s %s\n", when, field(l, "event"), name,
		field(l, "overlay_ip"), field(l, "endpoint"), field(l, "status"));
	fflush(out);
}

static void text_revocations(FILE *out, const struct ctl_reply *r)
{
	if (r->n == 0) {
		fprintf(out, "no revocations\n");
		return;
	}
	fprintf(out, "%-7s %-44s %-16s %-20s %s\n", "KIND", "TARGET", "AUTHORITY", "REVOKED",
		"OVERLAY");
	for (size_t i = 0; i < r->n; i++) {
		const struct ctl_line *l = &r->line[i];
		char when[32], overlay[CTL_LINE_MAX];

		if (strcmp(l->kind, "revocation") != 0)
			continue;
		event_time(when, sizeof(when), field(l, "revoked_at"));
		sanitize(overlay, sizeof(overlay), field(l, "overlay"));
		fprintf(out, "%-7s %-44s %-16s %-20s %s\n", field(l, "kind"), field(l, "target"),
			field(l, "authority"), when, *overlay ? overlay : "-");
	}
}

const struct meshctl_output meshctl_text = { text_members, text_status, text_event,
					     text_revocations };
