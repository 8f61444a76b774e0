/* SPDX-License-Identifier: MIT */
/*
 * The config file: `key = value` lines, `#` comments on their own line,
 * blank lines ignored. Every error names FILE:LINE so an operator can fix
 * it without guessing; nothing is applied half-way (the caller exits).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "config_opts.h"
#include "line_read.h"

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

int config_parse_stream(struct meshd_config *cfg, FILE *f, const char *name,
			char *err, size_t errlen)
{
	char line[CONFIG_LINE_MAX + 1];
	char why[256];
	unsigned lineno = 0, flags;
	size_t n;

	while (line_read(f, line, sizeof(line), &n, &flags)) {
		char *key, *value, *eq;

		lineno++;
		if (flags & LINE_TOO_LONG) {
			snprintf(err, errlen, "%s:%u: line longer than %d bytes", name, lineno,
				 CONFIG_LINE_MAX);
			return -EINVAL;
		}
		if (flags & LINE_HAS_NUL) {
			snprintf(err, errlen, "%s:%u: NUL byte in the line (not a text file?)",
				 name, lineno);
			return -EINVAL;
		}
		key = trim(line);
		if (*key == '\0' || *key == '#')
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			snprintf(err, errlen, "%s:%u: expected 'key = value'", name, lineno);
			return -EINVAL;
		}
		*eq = '\0';
		key = trim(key);
		value = trim(eq + 1);
		if (*key == '\0') {
			snprintf(err, errlen, "%s:%u: missing key before '='", name, lineno);
			return -EINVAL;
		}
		if (config_set(cfg, key, value, false, why, sizeof(why)) != 0) {
			snprintf(err, errlen, "%s:%u: %s", name, lineno, why);
			return -EINVAL;
		}
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error: %s", name, strerror(errno));
		return -EIO;
	}
	return 0;
}

int config_parse_file(struct meshd_config *cfg, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	int r;

	if (!f) {
		r = -errno;
		snprintf(err, errlen, "cannot open config file %s: %s", path, strerror(-r));
		return r;
	}
	r = config_parse_stream(cfg, f, path, err, errlen);
	fclose(f);
	return r;
}

static void dump_str(FILE *out, const char *key, const char *v)
{
	if (v)
		fprintf(out, "%s = %s\n", key, v);
}

void config_dump(const struct meshd_config *cfg, FILE *out)
{
	fprintf(out, "interface = %s\n", cfg->interface);
	dump_str(out, "network-key", cfg->network_key);
	dump_str(out, "address", cfg->address);
	dump_str(out, "prefix", cfg->prefix);
	dump_str(out, "address6", cfg->address6);
	dump_str(out, "prefix6", cfg->prefix6);
	dump_str(out, "domain", cfg->domain);
	fprintf(out, "listen-port = %u\n", cfg->listen_port);
	fprintf(out, "gossip-port = %u\n", cfg->gossip_port);
	dump_str(out, "endpoint", cfg->endpoint);
	for (size_t i = 0; i < cfg->n_join; i++)
		fprintf(out, "join = %s\n", cfg->join[i]);
	dump_str(out, "bind", cfg->bind);
	dump_str(out, "state-dir", cfg->state_dir);
	dump_str(out, "socket", cfg->socket);
	dump_str(out, "names-socket", cfg->names_socket);
	fprintf(out, "backend = %s\n", config_backend_name(cfg->backend));
	dump_str(out, "name", cfg->name);
	fprintf(out, "mtu = %u\n", cfg->mtu);
	fprintf(out, "keepalive = %u\n", cfg->keepalive);
	fprintf(out, "log-level = %s\n", (const char *[]){ "error", "warning", "info",
							  "debug" }[cfg->log_level & 3]);
	fprintf(out, "syslog = %s\n", cfg->syslog ? "yes" : "no");
	dump_str(out, "event-hook", cfg->event_hook);
	dump_str(out, "metrics", cfg->metrics);
	fprintf(out, "failed-grace = %u\n", cfg->failed_grace);
	for (size_t i = 0; i < cfg->n_tags; i++)
		fprintf(out, "tag = %s\n", cfg->tags[i]);
	fprintf(out, "max-members = %u\n", cfg->max_members);
	fprintf(out, "admit-rate = %u\n", cfg->admit_rate);
	fprintf(out, "admit-burst = %u\n", cfg->admit_burst);
	for (size_t i = 0; i < cfg->n_authority; i++)
		fprintf(out, "authority = %s\n", cfg->authority[i]);
	/* invite: a bearer secret, never printed (and so never in a dump). */
	dump_str(out, "invite-file", cfg->invite_file);
	fprintf(out, "key-transition = %u\n", cfg->key_transition);
	fprintf(out, "punch = %s\n", cfg->punch ? "yes" : "no");
	fprintf(out, "punch-ttl = %u\n", cfg->punch_ttl);
	fprintf(out, "relay = %s\n", cfg->relay ? "yes" : "no");
	fprintf(out, "relay-max-pairs = %u\n", cfg->relay_max_pairs);
	fprintf(out, "relay-pps = %u\n", cfg->relay_pps);
	fprintf(out, "relay-bps = %u\n", cfg->relay_bps);
}
