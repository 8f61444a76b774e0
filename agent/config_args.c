/* SPDX-License-Identifier: MIT */
/*
 * The command line: defaults, then the --config file, then every flag on
 * top, so flags win. Two getopt passes: the first only finds --config and
 * --help (the file must be read before the flags are applied).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "config.h"
#include "config_opts.h"

enum { OPT_BASE = 256, OPT_MAX = 72 };
enum { ID_CONFIG = 1000, ID_HELP, ID_VERSION, ID_FOREGROUND, ID_PRINT };

/* -1 when the table outgrew OPT_MAX: never drop an option silently (it happened: --relay). */
static int build_longopts(struct option *lo)
{
	size_t i;

	if (config_n_opts > OPT_MAX - 6)
		return -1;
	for (i = 0; i < config_n_opts; i++) {
		lo[i].name = config_opts[i].key;
		lo[i].has_arg = config_opts[i].arg ? required_argument : no_argument;
		lo[i].flag = NULL;
		lo[i].val = OPT_BASE + (int)i;
	}
	lo[i++] = (struct option){ "config", required_argument, NULL, ID_CONFIG };
	lo[i++] = (struct option){ "help", no_argument, NULL, ID_HELP };
	lo[i++] = (struct option){ "version", no_argument, NULL, ID_VERSION };
	lo[i++] = (struct option){ "foreground", no_argument, NULL, ID_FOREGROUND };
	lo[i++] = (struct option){ "print-config", no_argument, NULL, ID_PRINT };
	lo[i] = (struct option){ NULL, 0, NULL, 0 };
	return 0;
}

void config_usage(FILE *out)
{
	fprintf(out,
		"usage: meshd --interface NAME --network-key FILE [options]\n"
		"\n"
		"Joins (or starts) a WireGuard mesh: gossips signed member records and\n"
		"programs every member into the WireGuard interface.\n"
		"\n"
		"options (each is also a `key = value` line in the --config file;\n"
		"flags win over the file):\n");
	for (size_t i = 0; i < config_n_opts; i++) {
		char left[40];

		snprintf(left, sizeof(left), "--%s%s%s", config_opts[i].key,
			 config_opts[i].arg ? " " : "", config_opts[i].arg ? config_opts[i].arg : "");
		fprintf(out, "  %-28s %s\n", left, config_opts[i].help);
	}
	fprintf(out,
		"  %-28s %s\n  %-28s %s\n  %-28s %s\n  %-28s %s\n  %-28s %s\n",
		"--config FILE", "read options from FILE first",
		"--foreground", "stay in the foreground (the default; for scripts)",
		"--print-config", "print the merged configuration and exit",
		"--version", "print the version and exit",
		"--help", "this text");
}

int config_load(struct meshd_config *cfg, int argc, char **argv, char *err, size_t errlen)
{
	struct option lo[OPT_MAX];
	const char *file = NULL;
	bool print = false;
	char why[256];
	int c, r;

	if (build_longopts(lo)) {
		snprintf(err, errlen, "internal error: %zu options, room for %d (raise OPT_MAX)",
			 config_n_opts, OPT_MAX - 6);
		return -EINVAL;
	}
	config_defaults(cfg);

	/* Pass 1: only --config, --help, --version; report bad flags early. */
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+hc:", lo, NULL)) != -1) {
		if (c == ID_CONFIG || c == 'c') {
			file = optarg;
		} else if (c == ID_HELP || c == 'h') {
			config_usage(stdout);
			return 1;
		} else if (c == ID_VERSION) {
			printf("meshd %s\n", MESHD_VERSION);
			return 1;
		} else if (c == '?' || c == ':') {
			if (optopt && optopt < OPT_BASE)
				snprintf(err, errlen, "unknown option '-%c' (see --help)", optopt);
			else
				snprintf(err, errlen, "unknown option or missing value: '%s' (see --help)",
					 argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s' (see --help)", argv[optind]);
		return -EINVAL;
	}
	if (file) {
		if ((r = config_parse_file(cfg, file, err, errlen)) != 0)
			return -EINVAL;
		if (!(cfg->config_file = strdup(file)))
			return -ENOMEM;
	}

	/* Pass 2: flags on top of the file. */
	optind = 0;
	while ((c = getopt_long(argc, argv, "+hc:", lo, NULL)) != -1) {
		if (c == ID_PRINT) {
			print = true;
		} else if (c >= OPT_BASE && c < OPT_BASE + (int)config_n_opts) {
			const char *key = config_opts[c - OPT_BASE].key;
			const char *val = config_opts[c - OPT_BASE].arg ? optarg : "yes";

			if ((r = config_set(cfg, key, val, true, why, sizeof(why))) != 0) {
				snprintf(err, errlen, "--%s", why);
				return r;
			}
		}
	}
	if ((r = config_finish(cfg, err, errlen)) != 0)
		return r;
	if (print) {
		config_dump(cfg, stdout);
		return 1;
	}
	return 0;
}

static int default_path(char **slot, const char *fmt, const char *ifname)
{
	if (*slot)
		return 0;
	if (asprintf(slot, fmt, ifname) < 0) {
		*slot = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* "10.88.0.7/16" -> "10.88.0.0/16" (the value was checked by config_set). */
static char *network_of(const char *cidr)
{
	char ip[INET6_ADDRSTRLEN], out[INET6_ADDRSTRLEN + 16];  /* room for any int: -Wformat-truncation */
	unsigned char a[16];
	const char *slash = strchr(cidr, '/');
	int af, len, bytes;

	if (!slash || (size_t)(slash - cidr) >= sizeof(ip))
		return NULL;
	memcpy(ip, cidr, (size_t)(slash - cidr));
	ip[slash - cidr] = '\0';
	af = strchr(ip, ':') ? AF_INET6 : AF_INET;
	bytes = af == AF_INET ? 4 : 16;
	len = atoi(slash + 1);
	if (inet_pton(af, ip, a) != 1 || len < 1 || len > bytes * 8)
		return NULL;
	for (int i = 0; i < bytes; i++) {
		int keep = len - i * 8;

		a[i] &= keep >= 8 ? 0xff : keep <= 0 ? 0 : (unsigned char)(0xff00 >> keep);
	}
	if (!inet_ntop(af, a, ip, sizeof(ip)))
		return NULL;
	snprintf(out, sizeof(out), "%s/%d", ip, len);
	return strdup(out);
}

bool config_state_has_netkey(const struct meshd_config *cfg)
{
	char path[4096];

	if (!cfg->state_dir ||
	    snprintf(path, sizeof(path), "%s/" CONFIG_STATE_NETKEYS_NAME, cfg->state_dir) >=
	    (int)sizeof(path))
		return false;
	return access(path, F_OK) == 0;
}

int config_finish(struct meshd_config *cfg, char *err, size_t errlen)
{
	char host[256];

	if (cfg->listen_port == cfg->gossip_port && cfg->backend != CONFIG_BACKEND_NONE) {
		snprintf(err, errlen, "listen-port and gossip-port must differ (both %u)",
			 cfg->listen_port);
		return -EINVAL;
	}
	if (default_path(&cfg->state_dir, "/var/lib/meshd/%s", cfg->interface) ||
	    default_path(&cfg->socket, "/run/meshd/%s.sock", cfg->interface))
		return -ENOMEM;
	if (cfg->invite && cfg->invite_file) {
		snprintf(err, errlen, "give --invite or --invite-file, not both");
		return -EINVAL;
	}
	/*
	 * The network key: --network-key, or the one an invite brings, or the
	 * one a first start by invite (or a rotation) saved in the state dir.
	 */
	if (!cfg->network_key && !cfg->invite && !cfg->invite_file &&
	    !config_state_has_netkey(cfg)) {
		snprintf(err, errlen, "no network key: give --network-key FILE "
			 "(create one with `meshctl network-key > FILE; chmod 600 FILE`) "
			 "or an invite (--invite-file FILE)");
		return -EINVAL;
	}
	if (!cfg->names_socket) {
		/* Beside the control socket: /run/meshd/wg0.sock -> /run/meshd/wg0.names.sock. */
		size_t n = strlen(cfg->socket);
		int cut = n > 5 && strcmp(cfg->socket + n - 5, ".sock") == 0 ? 5 : 0;

		if (asprintf(&cfg->names_socket, "%.*s.names.sock", (int)(n - (size_t)cut),
			     cfg->socket) < 0) {
			cfg->names_socket = NULL;
			return -ENOMEM;
		}
	}
	if (strlen(cfg->names_socket) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		snprintf(err, errlen, "names socket path too long: %s", cfg->names_socket);
		return -EINVAL;
	}
	if (strlen(cfg->socket) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		snprintf(err, errlen, "socket path too long (%zu bytes, at most %zu): %s",
			 strlen(cfg->socket), sizeof(((struct sockaddr_un *)0)->sun_path) - 1,
			 cfg->socket);
		return -EINVAL;
	}
	/*
	 * The mesh prefix: records with overlay addresses outside it are
	 * refused. A pinned address carries the mesh's prefix length, so
	 * without --prefix its network is the mesh's.
	 */
	if (!cfg->prefix && cfg->address)
		cfg->prefix = network_of(cfg->address);
	if (!cfg->prefix && !(cfg->prefix = strdup("10.42.0.0/16")))
		return -ENOMEM;
	/* IPv6 in the overlay (dual stack): the same rule for the second prefix. */
	if (!cfg->prefix6 && cfg->address6 && !(cfg->prefix6 = network_of(cfg->address6)))
		return -ENOMEM;
	if (cfg->prefix6 && strchr(cfg->prefix, ':')) {
		snprintf(err, errlen, "prefix6 is for a second, IPv6 prefix beside an IPv4 --prefix "
			 "(the prefix %s is IPv6 already)", cfg->prefix);
		return -EINVAL;
	}
	if (!cfg->name) {
		if (gethostname(host, sizeof(host)) != 0 || host[0] == '\0')
			strcpy(host, "node");
		host[63] = '\0';
		if (!(cfg->name = strdup(host)))
			return -ENOMEM;
	}
	return 0;
}
