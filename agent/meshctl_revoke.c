/* SPDX-License-Identifier: MIT */
/*
 * `meshctl revoke` and `meshctl rotate-network-key`: a signed revocation
 * of a member or an invite, and one signed grant of a new network key per
 * member (sealed to that member's WireGuard key), handed to the local
 * agent, which gossips them. A revocation is followed by a rotation, so
 * the revoked node ends up holding no key anyone opens.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "invite.h"
#include "meshctl_trust.h"

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
		    mctl_submit(c, "grant", bin, (size_t)k) != 0) {
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

int meshctl_rotate(struct meshctl *c, int argc, char **argv)
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
			if (mctl_duration_arg("--activate-in", optarg, &activate_in) != 0)
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
	if (optind != argc || sodium_init() < 0 || mctl_load_authority(auth_path, sk, pk) != 0)
		return optind != argc ? 2 : 1;
	if (mctl_fetch_info(c, &in) == 0) {
		if (mctl_check_authority(&in, pk, auth_path) == 0 &&
		    rotate(c, sk, &in, NULL, activate_in) >= 0)
			rc = 0;
		mctl_info_free(&in);
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
		"Revokes a member (by name, or its id: `meshctl members --json`) or an\n"
		"invite, for good: every agent drops it at once and never gives its\n"
		"overlay address to anyone else. Then gives every other member a new\n"
		"network key (as rotate-network-key) unless --no-rotate.\n");
}

int meshctl_revoke(struct meshctl *c, int argc, char **argv)
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
			if (mctl_duration_arg("--activate-in", optarg, &activate_in) != 0)
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
	if (sodium_init() < 0 || mctl_load_authority(auth_path, sk, pk) != 0)
		return 1;
	if (mctl_fetch_info(c, &in) != 0) {
		sodium_memzero(sk, sizeof(sk));
		return 1;
	}
	if (mctl_check_authority(&in, pk, auth_path) != 0)
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
	if (mctl_submit(c, "revocation", bin, (size_t)k) != 0)
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
		if (mctl_fetch_info(c, &fresh) != 0 ||
		    rotate(c, sk, &fresh, invite ? NULL : rv.target, activate_in) < 0) {
			fprintf(stderr, "meshctl: the revocation stands, but the key rotation failed: "
				"run `meshctl rotate-network-key --authority-key %s`\n", auth_path);
			rc = 1;
		}
		mctl_info_free(&fresh);
	}
out:
	sodium_memzero(sk, sizeof(sk));
	mctl_info_free(&in);
	return rc;
}
