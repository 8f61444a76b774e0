/* SPDX-License-Identifier: MIT */
/*
 * `meshctl join TOKEN|@FILE`: set this host up as a new member without
 * starting meshd: spend the invite (identity, admission, network key and
 * authorities into the state directory, as meshd's own first start by
 * invite does: invite.h) and write the config file meshd@IF reads.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../proto/token.h"
#include "atomic_file.h"
#include "invite.h"
#include "meshctl.h"
#include "state.h"
#include "trust_files.h"

static int write_config(const char *path, const struct token *t, const char *ifname,
			const char *state_dir)
{
	char *buf = NULL, text[WIRE_ADDR_STRLEN], key[KEY_B64_LEN];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int r;

	if (!f)
		return -ENOMEM;
	fprintf(f, "# Written by `meshctl join`. The network key, authorities and this node's\n"
		"# admission are in the state directory.\n");
	fprintf(f, "interface = %s\nstate-dir = %s\n", ifname, state_dir);
	for (size_t i = 0; i < t->n_auth; i++) {
		key_to_base64(key, t->auth[i]);
		fprintf(f, "authority = %s\n", key);
	}
	for (size_t i = 0; i < t->n_seeds; i++) {
		wire_addr_format(&t->seed[i], text, sizeof(text));
		fprintf(f, "join = %s\n", text);
	}
	if (t->has_prefix) {
		wire_prefix_format(&t->prefix, text, sizeof(text));
		fprintf(f, "prefix = %s\n", text);
	}
	if (t->name[0])
		fprintf(f, "name = %s\n", t->name);
	if (t->has_address) {
		wire_prefix_format(&t->address, text, sizeof(text));
		fprintf(f, "address = %s\n", text);
	}
	for (size_t i = 0; i < t->n_tags; i++)
		fprintf(f, "tag = %s=%s\n", t->tag[i].key, t->tag[i].val);
	if (fclose(f) != 0) {
		free(buf);
		return -EIO;
	}
	r = atomic_write_file(path, buf, len, 0600);
	free(buf);
	return r;
}

static void join_usage(FILE *f)
{
	fprintf(f,
		"usage: meshctl [--interface IF] join TOKEN|@FILE [--config FILE] [--state-dir DIR]\n"
		"         [--force]\n"
		"Spends the invite for this host: creates its identity, signs its admission,\n"
		"saves them with the network key in DIR (default /var/lib/meshd/IF) and\n"
		"writes FILE (default /etc/meshd/IF.conf) for `systemctl start meshd@IF`.\n"
		"A TOKEN on the command line is visible in ps: prefer @FILE (mode 0600).\n");
}

int meshctl_join(struct meshctl *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "state-dir", required_argument, NULL, 'd' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char conf_buf[256], dir_buf[256], conf_dir[4096], err[512], id[KEY_B64_LEN];
	const char *conf = NULL, *dir = NULL, *ifname = c->ifname ? c->ifname : "wg0";
	struct token *t = calloc(1, sizeof(*t));
	char *text = malloc(TOKEN_MAX_TEXT);
	struct trust_admission adm;
	struct identity idn;
	bool force = false, created, have_adm;
	int opt, r, rc = 1;

	memset(&idn, 0, sizeof(idn));
	if (!t || !text)
		goto out;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (opt) {
		case 'c': conf = optarg; break;
		case 'd': dir = optarg; break;
		case 'f': force = true; break;
		case 'h': join_usage(stdout); rc = 0; goto out;
		default: join_usage(stderr); rc = 2; goto out;
		}
	}
	if (optind != argc - 1) {
		join_usage(stderr);
		rc = 2;
		goto out;
	}
	if (!conf) {
		snprintf(conf_buf, sizeof(conf_buf), "/etc/meshd/%s.conf", ifname);
		conf = conf_buf;
	}
	if (!dir) {
		snprintf(dir_buf, sizeof(dir_buf), "/var/lib/meshd/%s", ifname);
		dir = dir_buf;
	}
	if (argv[optind][0] == '@')
		r = invite_read_file(argv[optind] + 1, text, TOKEN_MAX_TEXT, err, sizeof(err));
	else
		r = snprintf(text, TOKEN_MAX_TEXT, "%s", argv[optind]) >= TOKEN_MAX_TEXT ?
		    (snprintf(err, sizeof(err), "the token is longer than any invite"), -EINVAL) : 0;
	if (r == 0 && sodium_init() < 0)
		r = -EIO;
	if (r == 0)
		r = invite_decode(t, text, err, sizeof(err));
	if (r != 0) {
		fprintf(stderr, "meshctl: %s\n", err);
		goto out;
	}
	if (!force && access(conf, F_OK) == 0) {
		fprintf(stderr, "meshctl: %s exists: not overwritten (--force replaces it)\n", conf);
		goto out;
	}
	if (state_dir_prepare(dir, err, sizeof(err)) != 0 ||
	    tfile_read_admission(dir, &adm, &have_adm, err, sizeof(err)) != 0) {
		fprintf(stderr, "meshctl: %s\n", err);
		goto out;
	}
	if (have_adm) {
		fprintf(stderr, "meshctl: %s/admission exists: this host joined already (remove the "
			"state directory to join as a new member)\n", dir);
		goto out;
	}
	if (state_identity(dir, &idn, &created, err, sizeof(err)) != 0 ||
	    invite_admit(t, &idn, (uint64_t)time(NULL), &adm, err, sizeof(err)) != 0 ||
	    invite_save(dir, t, &adm, 600, err, sizeof(err)) != 0) {
		fprintf(stderr, "meshctl: %s\n", err);
		goto out;
	}
	/* /etc/meshd may not exist yet: made 0700, like the state directory. */
	snprintf(conf_dir, sizeof(conf_dir), "%s", conf);
	if (state_dir_prepare(dirname(conf_dir), err, sizeof(err)) != 0) {
		fprintf(stderr, "meshctl: %s\n", err);
		goto out;
	}
	if ((r = write_config(conf, t, ifname, dir)) != 0) {
		fprintf(stderr, "meshctl: cannot write %s: %s\n", conf, strerror(-r));
		goto out;
	}
	key_to_base64(id, idn.id);
	printf("joined as %s (id %s): config %s, state %s\nstart it: systemctl start meshd@%s\n",
	       t->name[0] ? t->name : "(host name)", id, conf, dir, ifname);
	rc = 0;
out:
	identity_wipe(&idn);
	if (t)
		token_wipe(t);
	free(t);
	if (text)
		sodium_memzero(text, TOKEN_MAX_TEXT);
	free(text);
	return rc;
}
