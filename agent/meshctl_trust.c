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
 *   revoke --authority-key FILE [--no-rotate] [--activate-in DURATION] NAME|ID
 *   revoke --authority-key FILE --invite INVITE-ID [--no-rotate]
 *   rotate-network-key --authority-key FILE [--activate-in DURATION]
 *   join TOKEN|@FILE [--config FILE] [--state-dir DIR] [--force]
 *   revocations
 */
#include <errno.h>
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
#include "atomic_file.h"
#include "invite.h"
#include "keyfile.h"
#include "meshctl.h"
#include "state.h"
#include "trust_files.h"

enum {
	ROTATE_ACTIVATE_DEFAULT_S = 60,
	INFO_MEMBERS_MAX = 1000000,
};

struct info_member {
	uint8_t id[WIRE_ID_LEN];
	char name[WIRE_NAME_MAX + 1];
	char overlay[WIRE_MAX_OVERLAY * (WIRE_ADDR_STRLEN + 1)];
	bool self, has_invite;
	uint8_t invite[WIRE_ID_LEN];
};

struct info {
	bool authority_mode;
	uint64_t epoch, granted_epoch;
	uint8_t netkey[WIRE_KEY_LEN];
	char prefix[WIRE_ADDR_STRLEN];
	size_t n_auth;
	uint8_t auth[TOKEN_MAX_AUTHORITIES][WIRE_ID_LEN];
	size_t n_seeds;
	struct wire_addr seed[TOKEN_MAX_SEEDS];
	size_t n_members;
	struct info_member *m;
};

static void info_free(struct info *in)
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

static int fetch_info(struct meshctl *c, struct info *in)
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

/* "90", "90s", "15m", "12h", "7d", "2w" -> seconds; 0 or -EINVAL. */
static int parse_duration(const char *s, uint64_t *out)
{
	static const struct { char unit; uint64_t mult; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 7 * 86400 },
	};
	uint64_t v = 0, mult = 1;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > 100000000000ULL)
			return -EINVAL;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (*p) {
		size_t i;

		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (*p == units[i].unit)
				break;
		if (i == sizeof(units) / sizeof(units[0]) || p[1])
			return -EINVAL;
		mult = units[i].mult;
	}
	if (v * mult >= TRUST_TIME_MAX / 2)
		return -EINVAL;
	*out = v * mult;
	return 0;
}

static int duration_arg(const char *opt, const char *s, uint64_t *out)
{
	if (parse_duration(s, out) == 0)
		return 0;
	fprintf(stderr, "meshctl: %s '%s': not a duration (like 90s, 15m, 12h, 7d, 2w)\n", opt, s);
	return -1;
}

/* The authority's secret key from its file; wiped by the caller. */
static int load_authority(const char *path, uint8_t sk[static TRUST_SECRET_KEY_LEN],
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
static int check_authority(const struct info *in, const uint8_t pk[static WIRE_ID_LEN],
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

static int submit(struct meshctl *c, const char *kind, const uint8_t *bin, size_t len)
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
	const char *auth_path, *netkey_path, *name, *address, *prefix;
	uint64_t expires, admit_ttl;
	uint32_t uses;
	size_t n_tags, n_seeds;
	struct wire_tag tag[WIRE_MAX_TAGS];
	struct wire_addr seed[TOKEN_MAX_SEEDS];
};

static void invite_usage(FILE *f)
{
	fprintf(f,
		"usage: meshctl invite --authority-key FILE --expires DURATION [--uses N]\n"
		"         [--name NAME] [--address CIDR] [--tag K=V]... [--admission-ttl DURATION]\n"
		"         [--seed IP:PORT]... [--network-key FILE [--prefix CIDR]]\n"
		"Prints an invite token (a secret: it holds the network key) for\n"
		"`meshd --invite-file FILE` or `meshctl join`. --name, --address and --tag\n"
		"pin those fields of the member it admits. The network key, seeds and\n"
		"prefix come from the local agent unless --network-key is given (then\n"
		"no agent is asked: how the first member of a mesh is invited).\n"
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
		case 'e':
			if (duration_arg("--expires", optarg, &o->expires) != 0)
				return -1;
			have_expires = true;
			break;
		case 'T':
			if (duration_arg("--admission-ttl", optarg, &o->admit_ttl) != 0)
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
		return 0;
	}
	if (fetch_info(c, &in) != 0) {
		fprintf(stderr, "meshctl: (to invite without a local agent, give --network-key FILE "
			"and --seed IP:PORT)\n");
		return -1;
	}
	if (check_authority(&in, pk, o->auth_path) != 0) {
		info_free(&in);
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
	info_free(&in);
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
	if (load_authority(o.auth_path, sk, pk) != 0 || invite_mesh(c, &o, pk, t) != 0)
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
	printf("%s\n", text);
	fflush(stdout);
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

/* ---- rotate-network-key ---- */

/*
 * A grant per member (self included; `skip` excluded: a member revoked
 * a moment ago may still be in the reply). Returns members granted, -1.
 */
static int rotate(struct meshctl *c, const uint8_t sk[static TRUST_SECRET_KEY_LEN],
		  const struct info *in, const uint8_t *skip, uint64_t activate_in)
{
	uint8_t key[WIRE_KEY_LEN];
	uint64_t epoch = (in->epoch > in->granted_epoch ? in->epoch : in->granted_epoch) + 1;
	uint64_t activate_at = (uint64_t)time(NULL) + activate_in;
	size_t granted = 0, failed = 0;
	char when[64];

	if (epoch > UINT32_MAX) {
		fprintf(stderr, "meshctl: key epochs exhausted\n");
		return -1;
	}
	randombytes_buf(key, sizeof(key));
	for (size_t i = 0; i < in->n_members; i++) {
		const struct info_member *m = &in->m[i];
		struct trust_grant g;
		uint8_t bin[TRUST_GRANT_MAX_ENCODED];
		int k;

		if (skip && memcmp(skip, m->id, WIRE_ID_LEN) == 0)
			continue;
		if (trust_grant_seal(&g, key, m->id, (uint32_t)epoch, activate_at, sk) != 0 ||
		    (k = trust_grant_encode(&g, bin, sizeof(bin))) <= 0 ||
		    submit(c, "grant", bin, (size_t)k) != 0) {
			fprintf(stderr, "meshctl: no grant for %s\n", m->name);
			failed++;
			continue;
		}
		granted++;
	}
	sodium_memzero(key, sizeof(key));
	invite_format_time(when, sizeof(when), activate_at);
	printf("network key epoch %" PRIu64 ": granted to %zu member(s)%s; sealing with it from "
	       "%s\n", epoch, granted, failed ? " (some failed, see above)" : "", when);
	return failed ? -1 : (int)granted;
}

static int cmd_rotate(struct meshctl *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "authority-key", required_argument, NULL, 'a' },
		{ "activate-in", required_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint8_t sk[TRUST_SECRET_KEY_LEN], pk[WIRE_ID_LEN];
	uint64_t activate_in = ROTATE_ACTIVATE_DEFAULT_S;
	const char *auth_path = NULL;
	struct info in;
	int opt, rc = 1;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		if (opt == 'a') {
			auth_path = optarg;
		} else if (opt == 'A') {
			if (duration_arg("--activate-in", optarg, &activate_in) != 0)
				return 2;
		} else {
			fprintf(opt == 'h' ? stdout : stderr,
				"usage: meshctl rotate-network-key --authority-key FILE "
				"[--activate-in DURATION]\n"
				"Gives every member a new network key, sealed to each alone; agents seal\n"
				"with it from now + DURATION (default 60s) and open the old one until\n"
				"--key-transition later (default 600 s).\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	if (optind != argc || sodium_init() < 0 || load_authority(auth_path, sk, pk) != 0)
		return optind != argc ? 2 : 1;
	if (fetch_info(c, &in) == 0) {
		if (check_authority(&in, pk, auth_path) == 0 &&
		    rotate(c, sk, &in, NULL, activate_in) >= 0)
			rc = 0;
		info_free(&in);
	}
	sodium_memzero(sk, sizeof(sk));
	return rc;
}

/* ---- revoke ---- */

static int find_member(const struct info *in, const char *what, const struct info_member **out)
{
	uint8_t id[WIRE_ID_LEN];
	bool is_id = key_from_base64(id, what) == 0;
	size_t hits = 0;

	*out = NULL;
	for (size_t i = 0; i < in->n_members; i++) {
		const struct info_member *m = &in->m[i];

		if ((is_id && memcmp(m->id, id, WIRE_ID_LEN) == 0) || strcmp(m->name, what) == 0) {
			*out = m;
			hits++;
		}
	}
	if (hits > 1) {
		char key[KEY_B64_LEN];

		fprintf(stderr, "meshctl: %zu members are named '%s'; give the id of one:\n", hits,
			what);
		for (size_t i = 0; i < in->n_members; i++) {
			if (strcmp(in->m[i].name, what) != 0)
				continue;
			key_to_base64(key, in->m[i].id);
			fprintf(stderr, "  %s  %s\n", key, in->m[i].overlay);
		}
		return -1;
	}
	return 0;
}

/* "10.42.0.7/16,fd00::7/64" -> prefixes. */
static void parse_overlay(const char *list, struct trust_revocation *rv)
{
	char buf[WIRE_MAX_OVERLAY * (WIRE_ADDR_STRLEN + 1)], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", list);
	for (char *p = strtok_r(buf, ",", &save); p && rv->n_overlay < WIRE_MAX_OVERLAY;
	     p = strtok_r(NULL, ",", &save))
		if (wire_prefix_parse(&rv->overlay[rv->n_overlay], p) == 0)
			rv->n_overlay++;
}

static void revoke_usage(FILE *f)
{
	fprintf(f,
		"usage: meshctl revoke --authority-key FILE [--no-rotate] [--activate-in DURATION]\n"
		"         NAME|ID\n"
		"       meshctl revoke --authority-key FILE --invite INVITE-ID [--no-rotate]\n"
		"Revokes a member (by name or id; `meshctl members` shows both) or an\n"
		"invite, for good: every agent drops it at once and never gives its\n"
		"overlay address to anyone else. Then gives every other member a new\n"
		"network key (as rotate-network-key) unless --no-rotate.\n");
}

static int cmd_revoke(struct meshctl *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "authority-key", required_argument, NULL, 'a' },
		{ "invite", no_argument, NULL, 'I' },
		{ "no-rotate", no_argument, NULL, 'n' },
		{ "activate-in", required_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint8_t sk[TRUST_SECRET_KEY_LEN], pk[WIRE_ID_LEN], bin[TRUST_REVOCATION_MAX_ENCODED];
	uint64_t activate_in = ROTATE_ACTIVATE_DEFAULT_S;
	const char *auth_path = NULL, *what;
	const struct info_member *m = NULL;
	bool invite = false, no_rotate = false;
	struct trust_revocation rv;
	char key[KEY_B64_LEN];
	struct info in;
	int opt, k, rc = 1;

	optind = 0;
	while ((opt = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (opt) {
		case 'a': auth_path = optarg; break;
		case 'I': invite = true; break;
		case 'n': no_rotate = true; break;
		case 'A':
			if (duration_arg("--activate-in", optarg, &activate_in) != 0)
				return 2;
			break;
		case 'h': revoke_usage(stdout); return 0;
		default: revoke_usage(stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		revoke_usage(stderr);
		return 2;
	}
	what = argv[optind];
	if (sodium_init() < 0 || load_authority(auth_path, sk, pk) != 0)
		return 1;
	if (fetch_info(c, &in) != 0) {
		sodium_memzero(sk, sizeof(sk));
		return 1;
	}
	if (check_authority(&in, pk, auth_path) != 0)
		goto out;
	memset(&rv, 0, sizeof(rv));
	rv.revoked_at = (uint64_t)time(NULL);
	if (invite) {
		rv.kind = TRUST_REVOKE_INVITE;
		if (key_from_base64(rv.target, what) != 0) {
			fprintf(stderr, "meshctl: --invite: '%s' is not an invite id (the base64 key "
				"`meshctl invite` printed)\n", what);
			goto out;
		}
	} else {
		rv.kind = TRUST_REVOKE_MEMBER;
		if (find_member(&in, what, &m) != 0)
			goto out;
		if (m) {
			if (m->self) {
				fprintf(stderr, "meshctl: '%s' is this node: revoke it from another "
					"member's host\n", what);
				goto out;
			}
			memcpy(rv.target, m->id, WIRE_ID_LEN);
			parse_overlay(m->overlay, &rv);
		} else if (key_from_base64(rv.target, what) == 0) {
			fprintf(stderr, "meshctl: warning: %s is not in this agent's member table: "
				"revoked without its overlay addresses (they are not reserved)\n", what);
		} else {
			fprintf(stderr, "meshctl: no member named '%s' (`meshctl members` lists them; "
				"an id is the base64 `id` of `meshctl members --json`)\n", what);
			goto out;
		}
	}
	if (trust_revocation_sign(&rv, sk) != 0 ||
	    (k = trust_revocation_encode(&rv, bin, sizeof(bin))) <= 0) {
		fprintf(stderr, "meshctl: cannot sign the revocation\n");
		goto out;
	}
	if (submit(c, "revocation", bin, (size_t)k) != 0)
		goto out;
	key_to_base64(key, rv.target);
	if (invite) {
		size_t n = 0;

		printf("revoked invite %s\n", key);
		for (size_t i = 0; i < in.n_members; i++) {
			if (!in.m[i].has_invite || memcmp(in.m[i].invite, rv.target, WIRE_ID_LEN) != 0)
				continue;
			if (!n++)
				printf("members admitted by it, now removed (invite them again to keep "
				       "them):\n");
			printf("  %s\n", in.m[i].name);
		}
		if (!n)
			printf("no member known here was admitted by it\n");
	} else {
		printf("revoked member %s (%s)\n", m ? m->name : "?", key);
	}
	rc = 0;
	if (!no_rotate) {
		struct info fresh;

		/* Members as they are now: those the revocation removed get no key. */
		if (fetch_info(c, &fresh) != 0 ||
		    rotate(c, sk, &fresh, invite ? NULL : rv.target, activate_in) < 0) {
			fprintf(stderr, "meshctl: the revocation stands, but the key rotation failed: "
				"run `meshctl rotate-network-key --authority-key %s`\n", auth_path);
			rc = 1;
		}
		info_free(&fresh);
	}
out:
	sodium_memzero(sk, sizeof(sk));
	info_free(&in);
	return rc;
}

/* ---- join ---- */

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

static int cmd_join(struct meshctl *c, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "state-dir", required_argument, NULL, 'd' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char conf_buf[256], dir_buf[256], err[512], id[KEY_B64_LEN];
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

/* ---- revocations ---- */

static int cmd_revocations(struct meshctl *c, int argc, char **argv)
{
	struct ctl_reply r;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: meshctl revocations [--json]\n");
		return 2;
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
	{ "revoke", cmd_revoke },
	{ "rotate-network-key", cmd_rotate },
	{ "join", cmd_join },
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
