/* SPDX-License-Identifier: MIT */
/*
 * meshctl's authority-mode commands (docs/OPERATIONS.md "Authority
 * mode"). The authority key never leaves this process: it is read, used
 * to sign, and wiped. What the signatures need to know about the mesh
 * (network key, seeds, members and their addresses) comes from the local
 * agent's trust-info; the signed objects go back through trust-submit,
 * and the agent gossips them.
 *
 *   authority new --out FILE
 *   invite --authority-key FILE --expires DURATION [--uses N] [--name NAME]
 *          [--address CIDR] [--tag K=V]... [--admission-ttl DURATION]
 *          [--seed IP:PORT]... [--network-key FILE] [--prefix CIDR]
 *   revocations
 *   (revoke, rotate-network-key: meshctl_revoke.c; join: meshctl_join.c)
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../proto/token.h"
#include "../proto/trust.h"
#include "duration.h"
#include "invite.h"
#include "keyfile.h"
#include "meshctl_trust.h"

void mctl_info_free(struct info *in)
{
	free(in->m);
	sodium_memzero(in, sizeof(*in));
}

static int b64_32(uint8_t out[static 32], const char *s)
{
	return s ? key_from_base64(out, s) : -EINVAL;
}

static const char *get(const struct ctl_line *l, const char *key)
{
	const char *v = ctl_line_get(l, key);

	return v ? v : "";
}

int mctl_fetch_info(struct meshctl *c, struct info *in)
{
	struct ctl_reply r;

	memset(in, 0, sizeof(*in));
	if (meshctl_request(c, "trust-info", &r) != 0)
		return -1;
	if (!(in->m = calloc(r.n ? r.n : 1, sizeof(*in->m)))) {
		meshctl_reply_free(&r);
		return -1;
	}
	for (size_t i = 0; i < r.n; i++) {
		const struct ctl_line *l = &r.line[i];

		if (strcmp(l->kind, "trust") == 0) {
			in->authority_mode = strcmp(get(l, "mode"), "authority") == 0;
			in->epoch = strtoull(get(l, "epoch"), NULL, 10);
			in->granted_epoch = strtoull(get(l, "granted_epoch"), NULL, 10);
			b64_32(in->netkey, ctl_line_get(l, "netkey"));
			snprintf(in->prefix, sizeof(in->prefix), "%s", get(l, "prefix"));
		} else if (strcmp(l->kind, "authority") == 0 && in->n_auth < TOKEN_MAX_AUTHORITIES) {
			if (b64_32(in->auth[in->n_auth], ctl_line_get(l, "key")) == 0)
				in->n_auth++;
		} else if (strcmp(l->kind, "seed") == 0 && in->n_seeds < TOKEN_MAX_SEEDS) {
			if (wire_addr_parse(&in->seed[in->n_seeds], get(l, "addr")) == 0)
				in->n_seeds++;
		} else if (strcmp(l->kind, "member") == 0) {
			struct info_member *m = &in->m[in->n_members];

			if (b64_32(m->id, ctl_line_get(l, "id")) != 0)
				continue;
			snprintf(m->name, sizeof(m->name), "%s", get(l, "name"));
			snprintf(m->overlay, sizeof(m->overlay), "%s", get(l, "overlay"));
			m->self = strcmp(get(l, "self"), "1") == 0;
			m->has_invite = b64_32(m->invite, ctl_line_get(l, "invite")) == 0;
			in->n_members++;
		}
	}
	/* The reply carried the network key. */
	for (size_t i = 0; i < r.n; i++)
		sodium_memzero(r.raw[i], strlen(r.raw[i]));
	meshctl_reply_free(&r);
	return 0;
}

int mctl_duration_arg(const char *opt, const char *s, uint64_t *out)
{
	if (duration_parse(s, out) == 0)
		return 0;
	fprintf(stderr, "meshctl: %s '%s': not a duration (like 90s, 15m, 12h, 7d, 2w)\n", opt, s);
	return -1;
}

/* The authority's secret key from its file; wiped by the caller. */
int mctl_load_authority(const char *path, uint8_t sk[static TRUST_SECRET_KEY_LEN],
			  uint8_t pk[static WIRE_ID_LEN])
{
	uint8_t seed[TRUST_SEED_LEN];
	char err[512];
	int r;

	if (!path) {
		fprintf(stderr, "meshctl: give --authority-key FILE (made by `meshctl authority new`)\n");
		return -1;
	}
	r = keyfile_read(path, seed, err, sizeof(err));
	if (r == 0)
		r = trust_key_from_seed(sk, pk, seed);
	sodium_memzero(seed, sizeof(seed));
	if (r != 0) {
		fprintf(stderr, "meshctl: authority key: %s\n", r == -EINVAL && !*err ?
			"not an Ed25519 seed" : err);
		return -1;
	}
	return 0;
}

/* This authority must be one the mesh trusts, or nothing it signs counts. */
int mctl_check_authority(const struct info *in, const uint8_t pk[static WIRE_ID_LEN],
			   const char *path)
{
	char key[KEY_B64_LEN];

	if (!in->authority_mode) {
		fprintf(stderr, "meshctl: the local agent runs in open mode (no authority keys): "
			"start it with --authority KEY first\n");
		return -1;
	}
	for (size_t i = 0; i < in->n_auth; i++)
		if (memcmp(in->auth[i], pk, WIRE_ID_LEN) == 0)
			return 0;
	key_to_base64(key, pk);
	fprintf(stderr, "meshctl: %s (public key %s) is not an authority of this mesh; its "
		"authorities are:\n", path, key);
	for (size_t i = 0; i < in->n_auth; i++) {
		key_to_base64(key, in->auth[i]);
		fprintf(stderr, "  %s\n", key);
	}
	return -1;
}

int mctl_submit(struct meshctl *c, const char *kind, const uint8_t *bin, size_t len)
{
	char req[CTL_REQUEST_MAX + 1];
	struct ctl_reply r;
	int n;

	n = snprintf(req, sizeof(req), "trust-submit %s ", kind);
	if (n < 0 || sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL) >
	    sizeof(req) - (size_t)n)
		return -1;
	sodium_bin2base64(req + n, sizeof(req) - (size_t)n, bin, len, sodium_base64_VARIANT_ORIGINAL);
	if (meshctl_request(c, req, &r) != 0)
		return -1;
	meshctl_reply_free(&r);
	return 0;
}

/* ---- authority new ---- */

static int cmd_authority(struct meshctl *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "out", required_argument, NULL, 'o' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint8_t seed[TRUST_SEED_LEN], sk[TRUST_SECRET_KEY_LEN], pk[WIRE_ID_LEN];
	const char *out = NULL;
	char err[512], key[KEY_B64_LEN];
	int opt, r;

	(void)c;
	if (argc < 2 || strcmp(argv[1], "new") != 0) {
		fprintf(stderr, "usage: meshctl authority new --out FILE\n");
		return 2;
	}
	optind = 0;
	while ((opt = getopt_long(argc - 1, argv + 1, "o:h", lo, NULL)) != -1) {
		if (opt == 'o') {
			out = optarg;
		} else {
			fprintf(opt == 'h' ? stdout : stderr,
				"usage: meshctl authority new --out FILE\n"
				"Writes a new authority key (mode 0600; never overwrites a file) and\n"
				"prints its public key: give it to every meshd as --authority KEY.\n"
				"Keep the file offline: whoever holds it admits and revokes members.\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	if (!out || optind != argc - 1) {
		fprintf(stderr, "usage: meshctl authority new --out FILE\n");
		return 2;
	}
	randombytes_buf(seed, sizeof(seed));
	r = keyfile_create(out, seed, err, sizeof(err));
	if (r == 0)
		r = trust_key_from_seed(sk, pk, seed);
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(sk, sizeof(sk));
	if (r != 0) {
		fprintf(stderr, "meshctl: %s\n", err);
		return 1;
	}
	key_to_base64(key, pk);
	printf("%s\n", key);
	return 0;
}

/* ---- invite ---- */

struct invite_opts {
	const char *auth_path, *netkey_path, *name, *address, *prefix, *out;
	uint64_t expires, admit_ttl;
	uint32_t uses;
	size_t n_tags, n_seeds;
	struct wire_tag tag[WIRE_MAX_TAGS];
	struct wire_addr seed[TOKEN_MAX_SEEDS];
	size_t n_extra;                              /* --authority: more keys the mesh trusts */
	uint8_t extra[TOKEN_MAX_AUTHORITIES - 1][WIRE_ID_LEN];
};

static void invite_usage(FILE *f)
{
	fprintf(f,
		"usage: meshctl invite --authority-key FILE --expires DURATION [--uses N]\n"
		"         [--name NAME] [--address CIDR] [--tag K=V]... [--admission-ttl DURATION]\n"
		"         [--seed IP:PORT]... [--network-key FILE [--prefix CIDR] [--authority KEY]...]\n"
		"         [--out FILE]\n"
		"Prints an invite token (a secret: it holds the network key; --out writes\n"
		"it to a new file of mode 0600 instead) for\n"
		"`meshd --invite-file FILE` or `meshctl join`. --name, --address and --tag\n"
		"pin those fields of the member it admits. The network key, seeds and\n"
		"prefix come from the local agent unless --network-key is given (then\n"
		"no agent is asked: how the first member of a mesh is invited; name the\n"
		"mesh's other authorities with --authority).\n"
		"Durations: 90s, 15m, 12h, 7d, 2w. --uses: 1 (default) to %d.\n", TRUST_MAX_USES);
}

static int parse_invite_opts(int argc, char **argv, struct invite_opts *o)
{
	static const struct option lo[] = {
		{ "authority-key", required_argument, NULL, 'a' },
		{ "expires", required_argument, NULL, 'e' },
		{ "uses", required_argument, NULL, 'u' },
		{ "name", required_argument, NULL, 'n' },
		{ "address", required_argument, NULL, 'A' },
		{ "tag", required_argument, NULL, 't' },
		{ "admission-ttl", required_argument, NULL, 'T' },
		{ "seed", required_argument, NULL, 's' },
		{ "network-key", required_argument, NULL, 'k' },
		{ "prefix", required_argument, NULL, 'p' },
		{ "out", required_argument, NULL, 'o' },
		{ "authority", required_argument, NULL, 'X' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool have_expires = false;
	int opt;

	memset(o, 0, sizeof(*o));
	o->uses = 1;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (opt) {
		case 'a': o->auth_path = optarg; break;
		case 'k': o->netkey_path = optarg; break;
		case 'n':
			if (!*optarg || strlen(optarg) > WIRE_NAME_MAX) {
				fprintf(stderr, "meshctl: --name: 1 to %d bytes\n", WIRE_NAME_MAX);
				return -1;
			}
			o->name = optarg;
			break;
		case 'A': o->address = optarg; break;
		case 'p': o->prefix = optarg; break;
		case 'o': o->out = optarg; break;
		case 'X':
			if (o->n_extra == TOKEN_MAX_AUTHORITIES - 1 ||
			    key_from_base64(o->extra[o->n_extra], optarg) != 0) {
				fprintf(stderr, "meshctl: --authority '%s': a public key (base64), at "
					"most %d besides the signing one\n", optarg,
					TOKEN_MAX_AUTHORITIES - 1);
				return -1;
			}
			o->n_extra++;
			break;
		case 'e':
			if (mctl_duration_arg("--expires", optarg, &o->expires) != 0)
				return -1;
			have_expires = true;
			break;
		case 'T':
			if (mctl_duration_arg("--admission-ttl", optarg, &o->admit_ttl) != 0)
				return -1;
			break;
		case 'u': {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);

			if (*optarg < '0' || *optarg > '9' || *end || v < 1 || v > TRUST_MAX_USES) {
				fprintf(stderr, "meshctl: --uses '%s': a number from 1 to %d\n", optarg,
					TRUST_MAX_USES);
				return -1;
			}
			o->uses = (uint32_t)v;
			break;
		}
		case 't': {
			const char *eq = strchr(optarg, '=');
			struct wire_tag *t = &o->tag[o->n_tags];

			if (o->n_tags == WIRE_MAX_TAGS || !eq || eq == optarg ||
			    eq - optarg > WIRE_TAG_KEY_MAX || strlen(eq + 1) > WIRE_TAG_VAL_MAX) {
				fprintf(stderr, "meshctl: --tag '%s': KEY=VALUE (key up to %d bytes, "
					"value up to %d, at most %d tags)\n", optarg, WIRE_TAG_KEY_MAX,
					WIRE_TAG_VAL_MAX, WIRE_MAX_TAGS);
				return -1;
			}
			snprintf(t->key, sizeof(t->key), "%.*s", (int)(eq - optarg), optarg);
			snprintf(t->val, sizeof(t->val), "%s", eq + 1);
			o->n_tags++;
			break;
		}
		case 's':
			if (o->n_seeds == TOKEN_MAX_SEEDS ||
			    wire_addr_parse(&o->seed[o->n_seeds], optarg) != 0) {
				fprintf(stderr, "meshctl: --seed '%s': IP:PORT ([v6]:PORT), at most %d\n",
					optarg, TOKEN_MAX_SEEDS);
				return -1;
			}
			o->n_seeds++;
			break;
		case 'h':
			invite_usage(stdout);
			return 1;
		default:
			invite_usage(stderr);
			return -1;
		}
	}
	if (optind != argc || !o->auth_path || !have_expires) {
		if (optind != argc)
			fprintf(stderr, "meshctl: invite: unexpected argument '%s'\n", argv[optind]);
		else
			fprintf(stderr, "meshctl: invite needs --authority-key FILE and "
				"--expires DURATION\n");
		return -1;
	}
	if (o->expires == 0) {
		fprintf(stderr, "meshctl: --expires must be more than 0 s\n");
		return -1;
	}
	return 0;
}

/* The token's mesh part: from --network-key (offline) or the local agent. */
static int invite_mesh(struct meshctl *c, const struct invite_opts *o,
		       const uint8_t pk[static WIRE_ID_LEN], struct token *t)
{
	struct info in;
	char err[512];

	memcpy(t->auth[0], pk, WIRE_ID_LEN);
	t->n_auth = 1;
	if (o->netkey_path) {
		if (keyfile_read(o->netkey_path, t->netkey, err, sizeof(err)) != 0) {
			fprintf(stderr, "meshctl: network key: %s\n", err);
			return -1;
		}
		if (o->prefix && wire_prefix_parse(&t->prefix, o->prefix) != 0) {
			fprintf(stderr, "meshctl: --prefix '%s': not an address/prefix\n", o->prefix);
			return -1;
		}
		t->has_prefix = o->prefix != NULL;
		/* Offline, the mesh's other authorities come from the command line. */
		for (size_t i = 0; i < o->n_extra; i++)
			if (memcmp(o->extra[i], pk, WIRE_ID_LEN) != 0)
				memcpy(t->auth[t->n_auth++], o->extra[i], WIRE_ID_LEN);
		return 0;
	}
	if (o->n_extra) {
		fprintf(stderr, "meshctl: --authority goes with --network-key (else the agent's "
			"authorities are used)\n");
		return -1;
	}
	if (mctl_fetch_info(c, &in) != 0) {
		fprintf(stderr, "meshctl: (to invite without a local agent, give --network-key FILE "
			"and --seed IP:PORT)\n");
		return -1;
	}
	if (mctl_check_authority(&in, pk, o->auth_path) != 0) {
		mctl_info_free(&in);
		return -1;
	}
	memcpy(t->netkey, in.netkey, WIRE_KEY_LEN);
	for (size_t i = 0; i < in.n_auth && t->n_auth < TOKEN_MAX_AUTHORITIES; i++)
		if (memcmp(in.auth[i], pk, WIRE_ID_LEN) != 0)
			memcpy(t->auth[t->n_auth++], in.auth[i], WIRE_ID_LEN);
	if (!o->n_seeds) {
		for (size_t i = 0; i < in.n_seeds; i++)
			t->seed[t->n_seeds++] = in.seed[i];
		if (!t->n_seeds)
			fprintf(stderr, "meshctl: warning: the agent knows no member with an "
				"underlay endpoint; the token has no seeds (give --seed IP:PORT)\n");
	}
	t->has_prefix = wire_prefix_parse(&t->prefix, o->prefix ? o->prefix : in.prefix) == 0;
	mctl_info_free(&in);
	return 0;
}

/* A new file, 0600 whatever the umask, never replacing one. */
static int write_secret(const char *path, const char *text)
{
	size_t len = strlen(text), off = 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0) {
		fprintf(stderr, "meshctl: cannot create %s: %s%s\n", path, strerror(errno),
			errno == EEXIST ? " (not overwritten)" : "");
		return -1;
	}
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		off += (size_t)n;
	}
	if (off < len || write(fd, "\n", 1) != 1 || fchmod(fd, 0600) != 0 || fsync(fd) != 0) {
		fprintf(stderr, "meshctl: cannot write %s: %s\n", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	return 0;
}

static int cmd_invite(struct meshctl *c, int argc, char **argv)
{
	uint8_t sk[TRUST_SECRET_KEY_LEN], pk[WIRE_ID_LEN], inv_sk[TRUST_SECRET_KEY_LEN];
	struct invite_opts o;
	struct token *t = calloc(1, sizeof(*t));
	char *text = malloc(TOKEN_MAX_TEXT), when[64], id[KEY_B64_LEN];
	uint64_t now = (uint64_t)time(NULL);
	int r, rc = 1;

	if (!t || !text || sodium_init() < 0)
		goto out;
	if ((r = parse_invite_opts(argc, argv, &o)) != 0) {
		rc = r > 0 ? 0 : 2;
		goto out;
	}
	if (mctl_load_authority(o.auth_path, sk, pk) != 0 || invite_mesh(c, &o, pk, t) != 0)
		goto out;
	for (size_t i = 0; i < o.n_seeds; i++)
		t->seed[t->n_seeds++] = o.seed[i];
	if (o.name)
		snprintf(t->name, sizeof(t->name), "%s", o.name);
	if (o.address) {
		if (wire_prefix_parse(&t->address, o.address) != 0) {
			fprintf(stderr, "meshctl: --address '%s': not an address/prefix "
				"(like 10.42.0.7/16)\n", o.address);
			goto out;
		}
		t->has_address = true;
	}
	t->n_tags = (uint8_t)o.n_tags;
	memcpy(t->tag, o.tag, sizeof(o.tag));

	/* The invite: a fresh key pair; its secret half travels in the token. */
	randombytes_buf(t->invite_secret, sizeof(t->invite_secret));
	if (trust_key_from_seed(inv_sk, t->invite.invite_pub, t->invite_secret) != 0)
		goto out;
	sodium_memzero(inv_sk, sizeof(inv_sk));
	t->invite.not_after = now + o.expires;
	t->invite.uses = (uint16_t)o.uses;
	t->invite.admit_ttl = o.admit_ttl;
	t->invite.constrain = (uint8_t)((o.name ? TRUST_CONSTRAIN_NAME : 0) |
					(o.address ? TRUST_CONSTRAIN_ADDRESS : 0) |
					(o.n_tags ? TRUST_CONSTRAIN_TAGS : 0));
	if (t->invite.constrain &&
	    trust_constraint_hash_fields(t->invite.constraint, t->invite.constrain, t->name,
					 &t->address, t->has_address ? 1 : 0, t->tag,
					 t->n_tags) != 0)
		goto out;
	if ((r = trust_invite_sign(&t->invite, sk)) != 0) {
		fprintf(stderr, "meshctl: cannot sign the invite: %s\n", wire_strerror(r));
		goto out;
	}
	if ((r = token_encode(t, text, TOKEN_MAX_TEXT)) < 0) {
		fprintf(stderr, "meshctl: cannot encode the token: %s\n",
			r <= -1200 ? token_strerror(r) : wire_strerror(r));
		goto out;
	}
	if (o.out) {
		if (write_secret(o.out, text) != 0)
			goto out;
	} else {
		printf("%s\n", text);
		fflush(stdout);
	}
	invite_format_time(when, sizeof(when), t->invite.not_after);
	key_to_base64(id, t->invite.invite_pub);
	fprintf(stderr, "invite %s: %u use(s), until %s%s%s\n", id, (unsigned)o.uses, when,
		o.name ? ", for " : "", o.name ? o.name : "");
	rc = 0;
out:
	sodium_memzero(sk, sizeof(sk));
	if (t)
		token_wipe(t);
	free(t);
	if (text)
		sodium_memzero(text, TOKEN_MAX_TEXT);
	free(text);
	return rc;
}

/* ---- revocations ---- */

static int cmd_revocations(struct meshctl *c, int argc, char **argv)
{
	struct ctl_reply r;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") != 0) {
			fprintf(stderr, "usage: meshctl revocations [--json]\n");
			return 2;
		}
		c->out = &meshctl_json;
	}
	if (meshctl_request(c, "revocations", &r) != 0)
		return 1;
	c->out->revocations(stdout, &r);
	meshctl_reply_free(&r);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct meshctl *c, int argc, char **argv);
} trust_commands[] = {
	{ "authority", cmd_authority },
	{ "invite", cmd_invite },
	{ "revoke", meshctl_revoke },
	{ "rotate-network-key", meshctl_rotate },
	{ "join", meshctl_join },
	{ "revocations", cmd_revocations },
};

bool meshctl_is_trust_command(const char *cmd)
{
	for (size_t i = 0; i < sizeof(trust_commands) / sizeof(trust_commands[0]); i++)
		if (strcmp(cmd, trust_commands[i].name) == 0)
			return true;
	return false;
}

int meshctl_trust_main(struct meshctl *c, int argc, char **argv)
{
	for (size_t i = 0; i < sizeof(trust_commands) / sizeof(trust_commands[0]); i++)
		if (strcmp(argv[0], trust_commands[i].name) == 0)
			return trust_commands[i].fn(c, argc, argv);
	return 2;
}
