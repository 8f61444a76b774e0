/* SPDX-License-Identifier: MIT */
/*
 * meshd configuration: one `key = value` line per long flag in the config
 * file, the same keys as flags on the command line. Flags win over the
 * file; a `--join` flag replaces the file's join list instead of adding to
 * it. Addresses stay strings here (syntax-checked only) so that parsing
 * has no dependency on the wire module; main.c converts them.
 */
#ifndef MESHD_AGENT_CONFIG_H
#define MESHD_AGENT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum {
	CONFIG_MAX_JOIN = 16,
	CONFIG_MAX_TAGS = 4,
	CONFIG_IFNAME_MAX = 15,
	CONFIG_DOMAIN_MAX = 63,       /* NAME.DOMAIN stays a short host name */
	CONFIG_LINE_MAX = 1024,
	/*
	 * --max-members: the member table (tombstones included) never grows
	 * past it, so memory, the state file and a `meshctl members` reply are
	 * bounded by it. The ceiling is what meshctl accepts in one reply.
	 */
	CONFIG_MEMBERS_DEFAULT = 4096,
	CONFIG_MEMBERS_MIN = 16,
	CONFIG_MEMBERS_MAX = 1000000,
	CONFIG_ADMIT_MAX = 1000000,   /* = GOSSIP_ADMIT_MAX */
	/* Authority public keys at once: an invite token carries at most 4. */
	CONFIG_MAX_AUTHORITIES = 4,
	/* --key-transition: how long both network keys open after a rotation. */
	CONFIG_KEY_TRANSITION_DEFAULT = 600,
	CONFIG_KEY_TRANSITION_MIN = 10,
	CONFIG_KEY_TRANSITION_MAX = 7 * 86400,
};

enum config_backend { CONFIG_BACKEND_AUTO = 0, CONFIG_BACKEND_KERNEL,
		      CONFIG_BACKEND_USERSPACE, CONFIG_BACKEND_NONE };

/* Hole punching: the datagram must leave our NAT and die before the peer's. */
enum { CONFIG_PUNCH_TTL_DEFAULT = 3, CONFIG_PUNCH_TTL_MIN = 2, CONFIG_PUNCH_TTL_MAX = 8 };

#define CONFIG_DOMAIN_DEFAULT "mesh"

struct meshd_config {
	char interface[CONFIG_IFNAME_MAX + 1];
	char *network_key;       /* path of the network key file */
	char *address;           /* pinned overlay CIDR, NULL = derived */
	char *prefix;            /* overlay prefix for derived addresses */
	char *address6;          /* pinned IPv6 overlay CIDR (dual stack), NULL = derived */
	char *prefix6;           /* IPv6 overlay prefix, NULL = IPv4 only */
	char *domain;            /* NSS domain, NULL = CONFIG_DOMAIN_DEFAULT */
	uint16_t listen_port;    /* WireGuard */
	uint16_t gossip_port;
	char *endpoint;          /* advertised underlay HOST:PORT, NULL = guessed */
	size_t n_join;
	char *join[CONFIG_MAX_JOIN];
	bool join_from_flags;     /* the list came from --join flags */
	char *bind;              /* underlay address of the gossip socket, NULL = all */
	char *state_dir;
	char *socket;
	char *names_socket;      /* resolve-only socket for libnss_meshd, "off" = none */
	enum config_backend backend;
	char *name;              /* NULL = host name */
	uint32_t mtu;
	uint16_t keepalive;      /* seconds, 0 = off */
	int log_level;           /* enum log_level */
	bool syslog;
	char *event_hook;
	char *metrics;           /* ADDR:PORT or PORT, NULL = off */
	uint32_t failed_grace;   /* seconds a failed member stays programmed */
	size_t n_tags;
	char *tags[CONFIG_MAX_TAGS]; /* "key=value" */
	bool tags_from_flags;
	char *config_file;       /* where the file values came from, if any */
	uint32_t max_members;    /* member table cap */
	uint32_t admit_rate;     /* new member ids taken in per second, 0 = no limit */
	uint32_t admit_burst;    /* ...and at once */
	/* Authority mode (docs/OPERATIONS.md): any authority key, from here or
	 * from an invite, turns it on. Keys are base64 (44 chars), checked here. */
	size_t n_authority;
	char *authority[CONFIG_MAX_AUTHORITIES];
	bool authority_from_flags;
	char *invite;            /* an invite token (visible in ps: prefer invite-file) */
	char *invite_file;       /* a file holding one invite token */
	uint32_t key_transition; /* seconds both network keys open after a rotation */
	bool punch;              /* hole punching (agent/punch*.c): experimental, off by default */
	uint8_t punch_ttl;       /* IP TTL of hole-punching datagrams */
	/* Relay (issue 11, P5; docs/DESIGN.md "Relays"): off by default. */
	bool relay;
	uint32_t relay_max_pairs;
	uint32_t relay_pps;      /* per pair */
	uint32_t relay_bps;      /* per pair */
};

void config_defaults(struct meshd_config *cfg);
void config_free(struct meshd_config *cfg);

/*
 * Set one key (a long flag name without dashes) from text. from_flag marks
 * a command-line value (for the join list's replace rule). A value must
 * fit config_dump's "key = value" in CONFIG_LINE_MAX bytes, without a
 * line break or white space at either end (the file parser trims it), so
 * --print-config output always loads back to the same. On error, err
 * gets a sentence without the location; returns 0 or -EINVAL.
 */
int config_set(struct meshd_config *cfg, const char *key, const char *value,
	       bool from_flag, char *err, size_t errlen);

/* Parse a config file; errors name "FILE:LINE". 0 or -errno. */
int config_parse_file(struct meshd_config *cfg, const char *path, char *err, size_t errlen);
/* Same over an open stream (tests, stdin); `name` is used in messages. */
int config_parse_stream(struct meshd_config *cfg, FILE *f, const char *name,
			char *err, size_t errlen);

/*
 * The whole command line: defaults, then the --config file, then flags.
 * Returns 0, 1 when --help or --version was printed (caller exits 0),
 * or -EINVAL with err filled.
 */
int config_load(struct meshd_config *cfg, int argc, char **argv, char *err, size_t errlen);

/* Cross-field checks and derived defaults (state dir, socket). */
int config_finish(struct meshd_config *cfg, char *err, size_t errlen);

/* The network keys a start by invite or a rotation saved (state dir). */
#define CONFIG_STATE_NETKEYS_NAME "netkeys"
bool config_state_has_netkey(const struct meshd_config *cfg);

/* Every key in canonical `key = value` form (golden tests, --print-config). */
void config_dump(const struct meshd_config *cfg, FILE *out);
void config_usage(FILE *out);

const char *config_backend_name(enum config_backend b);

#endif
