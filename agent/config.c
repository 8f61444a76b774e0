/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <unistd.h>

#include "config.h"
#include "relay_rules.h"
#include "config_opts.h"
#include "log.h"

/*
 * One row per key; the same table drives the file parser, getopt_long,
 * config_dump and --help, so a key cannot exist in one and not the other.
 */
const struct config_opt config_opts[] = {
	{ "interface", OPT_SPECIAL, "NAME", "WireGuard interface (default wg0)" },
	{ "network-key", OPT_STR, "FILE", "network key file (base64, mode 0600)" },
	{ "address", OPT_SPECIAL, "CIDR", "pinned overlay address (default: derived from the key)" },
	{ "prefix", OPT_SPECIAL, "CIDR", "overlay prefix for derived addresses (default 10.42.0.0/16)" },
	{ "address6", OPT_SPECIAL, "CIDR", "pinned IPv6 overlay address (dual stack; default: derived in --prefix6)" },
	{ "prefix6", OPT_SPECIAL, "CIDR", "IPv6 overlay prefix for derived addresses, like fd00:42::/64 (default: none, IPv4 only)" },
	{ "domain", OPT_SPECIAL, "DOMAIN", "names resolve as NAME.DOMAIN through libnss_meshd (default mesh)" },
	{ "listen-port", OPT_PORT, "N", "WireGuard UDP port (default 51820)" },
	{ "gossip-port", OPT_PORT, "N", "gossip UDP port (default 51821)" },
	{ "endpoint", OPT_SPECIAL, "HOST:PORT", "advertised underlay endpoint (default: guessed)" },
	{ "join", OPT_SPECIAL, "HOST:PORT", "seed to join through (repeatable)" },
	{ "bind", OPT_SPECIAL, "ADDR", "underlay address of the gossip socket (default: all)" },
	{ "state-dir", OPT_STR, "DIR", "state directory (default /var/lib/meshd/IF)" },
	{ "socket", OPT_STR, "PATH", "control socket (default /run/meshd/IF.sock)" },
	{ "names-socket", OPT_STR, "PATH", "socket libnss_meshd asks, open to every user, resolve only (default: the control socket's path with .names.sock; off = none)" },
	{ "backend", OPT_SPECIAL, "KIND", "auto, kernel, userspace or none (discovery only)" },
	{ "name", OPT_SPECIAL, "NAME", "member name (default: host name)" },
	{ "mtu", OPT_SPECIAL, "N", "interface MTU (default 1420)" },
	{ "keepalive", OPT_SPECIAL, "SECONDS", "persistent keepalive for peers (default 25 behind NAT, else off)" },
	{ "log-level", OPT_SPECIAL, "LEVEL", "error, warning, info or debug (default info)" },
	{ "syslog", OPT_BOOL, NULL, "log to syslog instead of stderr" },
	{ "event-hook", OPT_STR, "SCRIPT", "run SCRIPT on every membership change" },
	{ "metrics", OPT_SPECIAL, "ADDR:PORT", "serve Prometheus metrics (default off)" },
	{ "failed-grace", OPT_U32, "SECONDS", "keep a failed member's peer this long (default 300)" },
	{ "tag", OPT_SPECIAL, "KEY=VALUE", "advertise a tag (repeatable, at most 4)" },
	{ "max-members", OPT_SPECIAL, "N", "member table cap, tombstones included (default 4096)" },
	{ "admit-rate", OPT_SPECIAL, "N", "new members taken in per second per source, 0 = no limit (default 100)" },
	{ "admit-burst", OPT_SPECIAL, "N", "new members taken in at once per source (default 1000)" },
	{ "authority", OPT_SPECIAL, "KEY", "authority public key (base64; repeatable, at most 4): authority mode" },
	{ "invite", OPT_SPECIAL, "TOKEN", "join with this invite token on first start (visible in ps: prefer --invite-file)" },
	{ "invite-file", OPT_STR, "FILE", "join with the invite token in FILE on first start" },
	{ "key-transition", OPT_SPECIAL, "SECONDS", "both network keys open this long after a rotation (default 600)" },
	{ "punch", OPT_BOOL, NULL, "punch holes for member pairs behind two NATs (experimental, default off)" },
	{ "punch-ttl", OPT_SPECIAL, "N", "IP TTL of the hole-punching datagram, 2 to 8 (default 3)" },
	{ "relay", OPT_BOOL, NULL, "forward WireGuard ciphertext for member pairs that cannot reach each other (default off)" },
	{ "relay-max-pairs", OPT_SPECIAL, "N", "pairs relayed at once (default 64, at most 1024)" },
	{ "relay-pps", OPT_SPECIAL, "N", "packets per second per relayed pair (default 20000)" },
	{ "relay-bps", OPT_SPECIAL, "N", "bytes per second per relayed pair (default 25000000)" },
};
const size_t config_n_opts = sizeof(config_opts) / sizeof(config_opts[0]);

const char *config_backend_name(enum config_backend b)
{
	static const char *const names[] = { "auto", "kernel", "userspace", "none" };

	return (unsigned)b < 4 ? names[b] : "?";
}

void config_defaults(struct meshd_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	strcpy(cfg->interface, "wg0");
	cfg->listen_port = 51820;
	cfg->gossip_port = 51821;
	cfg->backend = CONFIG_BACKEND_AUTO;
	cfg->mtu = 1420;
	cfg->log_level = LOG_LVL_INFO;
	cfg->failed_grace = 300;
	cfg->max_members = CONFIG_MEMBERS_DEFAULT;
	cfg->admit_rate = 100;
	cfg->admit_burst = 1000;
	cfg->relay_max_pairs = RELAY_DEFAULT_MAX_PAIRS;
	cfg->relay_pps = RELAY_DEFAULT_PPS;
	cfg->relay_bps = RELAY_DEFAULT_BPS;
	cfg->key_transition = CONFIG_KEY_TRANSITION_DEFAULT;
	cfg->punch_ttl = CONFIG_PUNCH_TTL_DEFAULT;
}

static void free_str(char **p)
{
	free(*p);
	*p = NULL;
}

void config_free(struct meshd_config *cfg)
{
	char **strs[] = { &cfg->network_key, &cfg->address, &cfg->prefix, &cfg->address6,
			  &cfg->prefix6, &cfg->domain, &cfg->endpoint,
			  &cfg->bind, &cfg->state_dir, &cfg->socket, &cfg->names_socket, &cfg->name,
			  &cfg->event_hook, &cfg->metrics, &cfg->config_file, &cfg->invite_file };

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		free_str(strs[i]);
	for (size_t i = 0; i < cfg->n_join; i++)
		free_str(&cfg->join[i]);
	for (size_t i = 0; i < cfg->n_tags; i++)
		free_str(&cfg->tags[i]);
	for (size_t i = 0; i < cfg->n_authority; i++)
		free_str(&cfg->authority[i]);
	cfg->n_join = cfg->n_tags = cfg->n_authority = 0;
	/* A bearer secret: wiped, not just freed. */
	if (cfg->invite) {
		sodium_memzero(cfg->invite, strlen(cfg->invite));
		free_str(&cfg->invite);
	}
}

static int set_str(char **slot, const char *value)
{
	char *s = strdup(value);

	if (!s)
		return -ENOMEM;
	free(*slot);
	*slot = s;
	return 0;
}

static int parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return *out = true, 0;
		if (strcasecmp(s, no[i]) == 0)
			return *out = false, 0;
	}
	return -EINVAL;
}

/* "10.42.0.7/16" or "fd00::7/64": address plus a prefix length in range. */
static bool valid_cidr(const char *s)
{
	char ip[INET6_ADDRSTRLEN];
	unsigned char buf[16];
	const char *slash = strchr(s, '/');
	uint32_t len;
	size_t n;
	int af;

	if (!slash || (n = (size_t)(slash - s)) == 0 || n >= sizeof(ip))
		return false;
	memcpy(ip, s, n);
	ip[n] = '\0';
	af = strchr(ip, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(af, ip, buf) != 1)
		return false;
	return parse_u32(slash + 1, 1, af == AF_INET ? 32 : 128, &len) == 0;
}

/* A domain for names: "mesh", "corp.internal"; labels of [a-z0-9-], no empty label. */
static bool valid_domain(const char *s)
{
	size_t n = strlen(s), label = 0;

	if (n == 0 || n > CONFIG_DOMAIN_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
			   s[i] == '-') {
			label++;
		} else {
			return false;
		}
	}
	return label > 0;
}

/* "host:port", "[v6]:port"; the port may be omitted only when allowed. */
static bool valid_hostport(const char *s, bool port_optional)
{
	const char *colon;
	uint32_t port;

	if (!*s || strlen(s) > 255)
		return false;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close == s + 1)
			return false;
		if (close[1] == '\0')
			return port_optional;
		if (close[1] != ':')
			return false;
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon && strchr(s, ':') != colon)   /* bare IPv6 needs brackets */
			return false;
		if (!colon)
			return port_optional;
		if (colon == s)
			return false;
	}
	for (const char *p = s; p < colon; p++)
		if (isspace((unsigned char)*p))
			return false;
	return parse_u32(colon + 1, 1, 65535, &port) == 0;
}

static bool valid_ifname(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > CONFIG_IFNAME_MAX || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("-_.", s[i]))
			return false;
	return true;
}

static bool valid_ip(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* An Ed25519 public key in base64: 44 characters for exactly 32 bytes. */
static bool valid_pubkey(const char *s)
{
	uint8_t bin[32];
	size_t len = 0;
	const char *end;

	return strlen(s) == 44 &&
	       sodium_base642bin(bin, sizeof(bin), s, 44, NULL, &len, &end,
				 sodium_base64_VARIANT_ORIGINAL) == 0 && len == 32 && end == s + 44;
}

static int set_authority(struct meshd_config *cfg, const char *value, bool from_flag,
			 char *err, size_t errlen)
{
	if (!valid_pubkey(value)) {
		snprintf(err, errlen, "authority: '%s' is not a public key (44 base64 characters, "
			 "as `meshctl authority new` prints)", value);
		return -EINVAL;
	}
	/* Same rule as --join: flags replace the file's list. */
	if (from_flag && !cfg->authority_from_flags) {
		for (size_t i = 0; i < cfg->n_authority; i++)
			free_str(&cfg->authority[i]);
		cfg->n_authority = 0;
		cfg->authority_from_flags = true;
	}
	for (size_t i = 0; i < cfg->n_authority; i++)
		if (strcmp(cfg->authority[i], value) == 0)
			return 0;
	if (cfg->n_authority == CONFIG_MAX_AUTHORITIES) {
		snprintf(err, errlen, "authority: at most %d authority keys", CONFIG_MAX_AUTHORITIES);
		return -EINVAL;
	}
	if (!(cfg->authority[cfg->n_authority] = strdup(value)))
		return -ENOMEM;
	cfg->n_authority++;
	return 0;
}

static int set_special(struct meshd_config *cfg, const char *key, const char *value,
		       bool from_flag, char *err, size_t errlen)
{
	uint32_t u;

	if (strcmp(key, "interface") == 0) {
		if (!valid_ifname(value))
			goto bad;
		strcpy(cfg->interface, value);
	} else if (strcmp(key, "address") == 0 || strcmp(key, "prefix") == 0) {
		if (!valid_cidr(value)) {
			snprintf(err, errlen, "%s: '%s' is not an address with a prefix length "
				 "(like 10.42.0.7/16)", key, value);
			return -EINVAL;
		}
		return set_str(key[0] == 'a' ? &cfg->address : &cfg->prefix, value);
	} else if (strcmp(key, "address6") == 0 || strcmp(key, "prefix6") == 0) {
		if (!valid_cidr(value) || !strchr(value, ':')) {
			snprintf(err, errlen, "%s: '%s' is not an IPv6 address with a prefix length "
				 "(like fd00:42::7/64)", key, value);
			return -EINVAL;
		}
		return set_str(key[0] == 'a' ? &cfg->address6 : &cfg->prefix6, value);
	} else if (strcmp(key, "domain") == 0) {
		if (!valid_domain(value)) {
			snprintf(err, errlen, "domain: '%s' is not a DNS name of lower-case letters, "
				 "digits, '-' and '.' (at most %d bytes)", value, CONFIG_DOMAIN_MAX);
			return -EINVAL;
		}
		return set_str(&cfg->domain, value);
	} else if (strcmp(key, "endpoint") == 0 || strcmp(key, "join") == 0) {
		bool is_join = key[0] == 'j';

		if (!valid_hostport(value, is_join)) {
			snprintf(err, errlen, "%s: '%s' is not HOST:PORT ([v6]:PORT for IPv6)",
				 key, value);
			return -EINVAL;
		}
		if (!is_join)
			return set_str(&cfg->endpoint, value);
		/* Flags win: the first --join drops the file's list. */
		if (from_flag && cfg->n_join > 0 && !cfg->join_from_flags) {
			for (size_t i = 0; i < cfg->n_join; i++)
				free_str(&cfg->join[i]);
			cfg->n_join = 0;
		}
		if (from_flag)
			cfg->join_from_flags = true;
		if (cfg->n_join == CONFIG_MAX_JOIN) {
			snprintf(err, errlen, "join: at most %d seeds", CONFIG_MAX_JOIN);
			return -EINVAL;
		}
		if (!(cfg->join[cfg->n_join] = strdup(value)))
			return -ENOMEM;
		cfg->n_join++;
	} else if (strcmp(key, "bind") == 0) {
		if (!valid_ip(value)) {
			snprintf(err, errlen, "bind: '%s' is not an IP address", value);
			return -EINVAL;
		}
		return set_str(&cfg->bind, value);
	} else if (strcmp(key, "backend") == 0) {
		for (u = 0; u < 4; u++)
			if (strcmp(value, config_backend_name(u)) == 0)
				break;
		if (u == 4)
			goto bad;
		cfg->backend = u;
	} else if (strcmp(key, "name") == 0) {
		size_t n = strlen(value);

		if (n == 0 || n > 63) {
			snprintf(err, errlen, "name: must be 1 to 63 bytes");
			return -EINVAL;
		}
		for (size_t i = 0; i < n; i++)
			if (iscntrl((unsigned char)value[i]))
				goto bad;
		return set_str(&cfg->name, value);
	} else if (strcmp(key, "mtu") == 0) {
		if (parse_u32(value, 576, 65535, &u))
			goto bad;
		cfg->mtu = u;
	} else if (strcmp(key, "keepalive") == 0) {
		if (parse_u32(value, 0, 65535, &u))
			goto bad;
		cfg->keepalive = (uint16_t)u;
	} else if (strcmp(key, "punch-ttl") == 0) {
		/* 1 dies in our own router before it opens anything (notes: nat-notes.md). */
		if (parse_u32(value, CONFIG_PUNCH_TTL_MIN, CONFIG_PUNCH_TTL_MAX, &u))
			goto bad;
		cfg->punch_ttl = (uint8_t)u;
	} else if (strcmp(key, "log-level") == 0) {
		enum log_level l;

		if (log_parse_level(value, &l))
			goto bad;
		cfg->log_level = l;
	} else if (strcmp(key, "metrics") == 0) {
		uint32_t port;

		/* A bare port means loopback: metrics are not for the world by default. */
		if (parse_u32(value, 1, 65535, &port) != 0 && !valid_hostport(value, false))
			goto bad;
		return set_str(&cfg->metrics, value);
	} else if (strcmp(key, "tag") == 0) {
		const char *eq = strchr(value, '=');

		if (!eq || eq == value || eq - value > 15 || strlen(eq + 1) > 31) {
			snprintf(err, errlen, "tag: '%s' is not KEY=VALUE (key up to 15 bytes, "
				 "value up to 31)", value);
			return -EINVAL;
		}
		if (from_flag && !cfg->tags_from_flags) {
			for (size_t i = 0; i < cfg->n_tags; i++)
				free_str(&cfg->tags[i]);
			cfg->n_tags = 0;
			cfg->tags_from_flags = true;
		}
		if (cfg->n_tags == CONFIG_MAX_TAGS) {
			snprintf(err, errlen, "tag: at most %d tags", CONFIG_MAX_TAGS);
			return -EINVAL;
		}
		if (!(cfg->tags[cfg->n_tags] = strdup(value)))
			return -ENOMEM;
		cfg->n_tags++;
	} else if (strcmp(key, "authority") == 0) {
		return set_authority(cfg, value, from_flag, err, errlen);
	} else if (strcmp(key, "invite") == 0) {
		/* Only the shape here: the token is decoded (and its limits checked) at start. */
		if (strncmp(value, "meshd1:", 7) != 0 || strlen(value) < 8) {
			snprintf(err, errlen, "invite: not an invite token (it starts with \"meshd1:\"; "
				 "`meshctl invite` prints one)");
			return -EINVAL;
		}
		return set_str(&cfg->invite, value);
	} else if (strcmp(key, "key-transition") == 0) {
		if (parse_u32(value, CONFIG_KEY_TRANSITION_MIN, CONFIG_KEY_TRANSITION_MAX,
			      &cfg->key_transition)) {
			snprintf(err, errlen, "key-transition: '%s' is not a number of seconds from %d "
				 "to %d", value, CONFIG_KEY_TRANSITION_MIN, CONFIG_KEY_TRANSITION_MAX);
			return -EINVAL;
		}
	} else if (strcmp(key, "max-members") == 0) {
		if (parse_u32(value, CONFIG_MEMBERS_MIN, CONFIG_MEMBERS_MAX, &cfg->max_members)) {
			snprintf(err, errlen, "max-members: '%s' is not a number from %d to %d",
				 value, CONFIG_MEMBERS_MIN, CONFIG_MEMBERS_MAX);
			return -EINVAL;
		}
	} else if (strncmp(key, "relay-", 6) == 0) {
		bool pairs = key[6] == 'm';
		uint32_t *dst = pairs ? &cfg->relay_max_pairs
				      : key[6] == 'p' ? &cfg->relay_pps : &cfg->relay_bps;
		uint32_t max = pairs ? RELAY_MAX_PAIRS_CAP : UINT32_MAX;

		if (parse_u32(value, 1, max, dst)) {
			snprintf(err, errlen, "%s: '%s' is not a number from 1 to %u", key, value,
				 (unsigned)max);
			return -EINVAL;
		}
	} else if (strcmp(key, "admit-rate") == 0 || strcmp(key, "admit-burst") == 0) {
		bool rate = key[6] == 'r';

		if (parse_u32(value, rate ? 0 : 1, CONFIG_ADMIT_MAX,
			      rate ? &cfg->admit_rate : &cfg->admit_burst)) {
			snprintf(err, errlen, "%s: '%s' is not a number from %d to %d", key, value,
				 rate ? 0 : 1, CONFIG_ADMIT_MAX);
			return -EINVAL;
		}
	}
	return 0;
bad:
	snprintf(err, errlen, "%s: invalid value '%s'", key, value);
	return -EINVAL;
}

static const struct config_opt *find_opt(const char *key)
{
	for (size_t i = 0; i < config_n_opts; i++)
		if (strcmp(config_opts[i].key, key) == 0)
			return &config_opts[i];
	return NULL;
}

int config_set(struct meshd_config *cfg, const char *key, const char *value,
	       bool from_flag, char *err, size_t errlen)
{
	const struct config_opt *o = find_opt(key);
	uint32_t u;

	if (!o) {
		snprintf(err, errlen, "unknown key '%s'", key);
		return -EINVAL;
	}
	/* Whatever is accepted, from the file or a flag, config_dump writes as
	 * one "key = value" line that config_parse_stream reads back. */
	if (strchr(value, '\n')) {
		snprintf(err, errlen, "%s: the value holds a line break", key);
		return -EINVAL;
	}
	if (*value && (isspace((unsigned char)value[0]) ||
		       isspace((unsigned char)value[strlen(value) - 1]))) {
		/* The file parser trims it: the dump would load as another value. */
		snprintf(err, errlen, "%s: white space at the start or end of '%s'", key, value);
		return -EINVAL;
	}
	if (strlen(key) + 3 + strlen(value) > CONFIG_LINE_MAX) {
		snprintf(err, errlen, "%s: value longer than %zu bytes", key,
			 CONFIG_LINE_MAX - 3 - strlen(key));
		return -EINVAL;
	}
	switch (o->kind) {
	case OPT_STR:
		if (!*value) {
			snprintf(err, errlen, "%s: empty value", key);
			return -EINVAL;
		}
		if (strcmp(key, "network-key") == 0)
			return set_str(&cfg->network_key, value);
		if (strcmp(key, "state-dir") == 0)
			return set_str(&cfg->state_dir, value);
		if (strcmp(key, "socket") == 0)
			return set_str(&cfg->socket, value);
		if (strcmp(key, "names-socket") == 0)
			return set_str(&cfg->names_socket, value);
		if (strcmp(key, "invite-file") == 0)
			return set_str(&cfg->invite_file, value);
		return set_str(&cfg->event_hook, value);
	case OPT_PORT:
		if (parse_u32(value, 1, 65535, &u))
			break;
		if (key[0] == 'l')
			cfg->listen_port = (uint16_t)u;
		else
			cfg->gossip_port = (uint16_t)u;
		return 0;
	case OPT_U32:
		if (parse_u32(value, 0, 7 * 86400, &u))
			break;
		cfg->failed_grace = u;
		return 0;
	case OPT_BOOL:
		if (parse_bool(value, strcmp(key, "relay") == 0 ? &cfg->relay :
				      strcmp(key, "punch") == 0 ? &cfg->punch : &cfg->syslog))
			break;
		return 0;
	case OPT_SPECIAL:
		return set_special(cfg, key, value, from_flag, err, errlen);
	}
	snprintf(err, errlen, "%s: invalid value '%s'", key, value);
	return -EINVAL;
}
