/* SPDX-License-Identifier: MIT */
/*
 * Joining by invite and the state files of authority mode: a token read
 * from a file (mode checked), decoded with a sentence for each refusal,
 * spent (expired refused, bind verifies), saved 0600 and read back; the
 * admission, authorities, network keys and trust files refuse damage.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <sodium.h>

#include "invite.h"
#include "trust_files.h"

enum { NOW = 1800000000 };

static char dir[64];
static uint8_t auth_sk[TRUST_SECRET_KEY_LEN], auth_pk[WIRE_ID_LEN];

static int setup(void **state)
{
	uint8_t seed[TRUST_SEED_LEN];

	(void)state;
	if (sodium_init() < 0)
		return -1;
	memset(seed, 0x42, sizeof(seed));
	if (trust_key_from_seed(auth_sk, auth_pk, seed) != 0)
		return -1;
	strcpy(dir, "/tmp/meshd-invite.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A token as `meshctl invite` makes it: fresh invite key, signed, its secret inside. */
static void make_token(struct token *t, uint64_t not_after, uint64_t ttl)
{
	uint8_t sk[TRUST_SECRET_KEY_LEN];

	memset(t, 0, sizeof(*t));
	memset(t->netkey, 0x33, sizeof(t->netkey));
	t->n_auth = 1;
	memcpy(t->auth[0], auth_pk, WIRE_ID_LEN);
	t->n_seeds = 1;
	assert_int_equal(wire_addr_parse(&t->seed[0], "192.0.2.1:51821"), 0);
	randombytes_buf(t->invite_secret, sizeof(t->invite_secret));
	assert_int_equal(trust_key_from_seed(sk, t->invite.invite_pub, t->invite_secret), 0);
	t->invite.not_after = not_after;
	t->invite.uses = 1;
	t->invite.admit_ttl = ttl;
	assert_int_equal(trust_invite_sign(&t->invite, auth_sk), 0);
}

static void put(const char *name, const char *text, mode_t mode, char *path, size_t len)
{
	int fd;

	snprintf(path, len, "%s/%s", dir, name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void token_file(void **state)
{
	static struct token t, back;
	char text[TOKEN_MAX_TEXT], line[TOKEN_MAX_TEXT + 2], path[128], err[512];
	int n;

	(void)state;
	make_token(&t, NOW + 3600, 0);
	n = token_encode(&t, text, sizeof(text));
	assert_true(n > 0);
	snprintf(line, sizeof(line), "%s\n", text);

	put("tok", line, 0600, path, sizeof(path));
	assert_int_equal(invite_read_file(path, text, sizeof(text), err, sizeof(err)), 0);
	assert_int_equal(strlen(text), (size_t)n);   /* the newline is gone */
	assert_int_equal(invite_decode(&back, text, err, sizeof(err)), 0);
	assert_memory_equal(back.invite.invite_pub, t.invite.invite_pub, WIRE_ID_LEN);

	/* The token holds the network key: a file others can read is refused. */
	put("tok", line, 0644, path, sizeof(path));
	assert_int_equal(invite_read_file(path, text, sizeof(text), err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "chmod 600"));
	put("empty", "\n", 0600, path, sizeof(path));
	assert_int_equal(invite_read_file(path, text, sizeof(text), err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "empty"));
	snprintf(path, sizeof(path), "%s/missing", dir);
	assert_int_equal(invite_read_file(path, text, sizeof(text), err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "missing"));
}

static void expect_decode_error(const char *text, const char *want)
{
	static struct token t;
	char err[512] = "";

	assert_int_equal(invite_decode(&t, text, err, sizeof(err)), -EINVAL);
	if (!strstr(err, want))
		fail_msg("'%s' does not say '%s'", err, want);
}

static void token_malformed(void **state)
{
	static struct token t;
	char text[TOKEN_MAX_TEXT];
	int n;

	(void)state;
	make_token(&t, NOW + 3600, 0);
	n = token_encode(&t, text, sizeof(text));
	assert_true(n > 20);
	expect_decode_error("hello", "meshd1:");
	expect_decode_error("meshd1:", "invite token refused");
	/* Cut short when pasted. */
	text[n - 9] = '\0';
	expect_decode_error(text, "invite token refused");
	/* One character of the invite secret changed: no longer the invite's key. */
	token_encode(&t, text, sizeof(text));
	text[n - 12] = text[n - 12] == 'A' ? 'B' : 'A';
	expect_decode_error(text, "invite token refused");
	/* Another authority's invite in a token naming ours: its signature fails. */
	{
		uint8_t seed[TRUST_SEED_LEN], sk[TRUST_SECRET_KEY_LEN], pk[WIRE_ID_LEN];

		memset(seed, 0x43, sizeof(seed));
		assert_int_equal(trust_key_from_seed(sk, pk, seed), 0);
		assert_int_equal(trust_invite_sign(&t.invite, sk), 0);
		memcpy(t.invite.auth, t.auth[0], WIRE_AUTH_ID_LEN);
		/* token_encode refuses to write what token_decode would refuse. */
		assert_true(token_encode(&t, text, sizeof(text)) < 0);
	}
}

static void spend_and_save(void **state)
{
	static struct token t;
	static struct keysched ks;
	struct trust_admission adm, back;
	struct identity idn;
	uint8_t auth[GOSSIP_MAX_AUTHORITIES][WIRE_ID_LEN];
	char err[512], path[128];
	struct stat st;
	size_t n = 0;
	bool found;

	(void)state;
	assert_int_equal(identity_generate(&idn), 0);

	/* Expired: refused with the date, nothing saved. */
	make_token(&t, NOW - 1, 0);
	assert_int_equal(invite_admit(&t, &idn, NOW, &adm, err, sizeof(err)), -ETIME);
	assert_non_null(strstr(err, "expired at"));
	assert_non_null(strstr(err, "new one"));

	make_token(&t, NOW + 60, 86400);
	assert_int_equal(invite_admit(&t, &idn, NOW, &adm, err, sizeof(err)), 0);
	assert_int_equal(adm.admitted_at, NOW);
	assert_int_equal(trust_bind_verify(&adm, idn.id), 0);
	assert_int_equal(trust_admission_expiry(&adm), NOW + 86400);

	assert_int_equal(tfile_read_admission(dir, &back, &found, err, sizeof(err)), 0);
	assert_false(found);   /* first start */
	assert_int_equal(invite_save(dir, &t, &adm, 600, err, sizeof(err)), 0);
	assert_int_equal(tfile_read_admission(dir, &back, &found, err, sizeof(err)), 0);
	assert_true(found);
	assert_int_equal(trust_admission_same(&adm, &back), 1);
	assert_int_equal(tfile_read_authorities(dir, auth, &n, GOSSIP_MAX_AUTHORITIES, err,
						sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_memory_equal(auth[0], auth_pk, WIRE_ID_LEN);
	assert_int_equal(tfile_read_netkeys(dir, &ks, 600, &found, err, sizeof(err)), 0);
	assert_true(found);
	assert_memory_equal(ks.cur.key, t.netkey, WIRE_KEY_LEN);
	for (const char *const *f = (const char *const[]){ "admission", "authorities", "netkeys",
							  NULL }; *f; f++) {
		snprintf(path, sizeof(path), "%s/%s", dir, *f);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 07777, 0600);
	}

	/* A rotated key saved since is not replaced by the token's older one. */
	{
		uint8_t k2[WIRE_KEY_LEN];

		memset(k2, 0x77, sizeof(k2));
		assert_int_equal(keysched_install(&ks, k2, 1, NOW, NOW), 0);
		assert_int_equal(tfile_write_netkeys(dir, &ks, err, sizeof(err)), 0);
		assert_int_equal(invite_save(dir, &t, &adm, 600, err, sizeof(err)), 0);
		assert_int_equal(tfile_read_netkeys(dir, &ks, 600, &found, err, sizeof(err)), 0);
		assert_int_equal(ks.cur.epoch, 1);
		assert_memory_equal(ks.cur.key, k2, WIRE_KEY_LEN);
	}
	identity_wipe(&idn);
}

static void damaged_files(void **state)
{
	static struct keysched ks;
	struct trust_admission adm;
	uint8_t auth[GOSSIP_MAX_AUTHORITIES][WIRE_ID_LEN];
	char err[512], path[128];
	size_t n = 0;
	bool found;

	(void)state;
	put("admission", "meshd-admission 1\nAAAA\n", 0600, path, sizeof(path));
	assert_int_equal(tfile_read_admission(dir, &adm, &found, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "malformed admission"));
	put("admission", "something else\n", 0600, path, sizeof(path));
	assert_int_equal(tfile_read_admission(dir, &adm, &found, err, sizeof(err)), -EINVAL);
	put("authorities", "meshd-authorities 1\nnot a key\n", 0600, path, sizeof(path));
	assert_int_equal(tfile_read_authorities(dir, auth, &n, GOSSIP_MAX_AUTHORITIES, err,
						sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ":2: not a public key"));
	put("authorities", "", 0600, path, sizeof(path));
	assert_int_equal(tfile_read_authorities(dir, auth, &n, GOSSIP_MAX_AUTHORITIES, err,
						sizeof(err)), -EINVAL);
	put("netkeys", "meshd-netkeys 1\nkey 0 0 short\n", 0600, path, sizeof(path));
	assert_int_equal(tfile_read_netkeys(dir, &ks, 600, &found, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "malformed network keys"));
	assert_false(found);
}

struct seen {
	size_t n;
	struct gossip_trust_obj last;
};

static void count(void *arg, const struct gossip_trust_obj *o)
{
	struct seen *s = arg;

	s->n++;
	s->last = *o;
}

static void trust_file(void **state)
{
	struct trust_revocation rv;
	uint8_t bin[TRUST_REVOCATION_MAX_ENCODED];
	char b64[400], text[2048], err[512], path[128];
	struct seen seen = { 0 };
	size_t bad;
	int k;

	(void)state;
	/* Missing: nothing, no error (a first start). */
	snprintf(path, sizeof(path), "%s/trust", dir);
	unlink(path);
	assert_int_equal(tfile_read_trust(dir, count, &seen, &bad, err, sizeof(err)), 0);
	assert_int_equal(seen.n, 0);

	memset(&rv, 0, sizeof(rv));
	rv.kind = TRUST_REVOKE_MEMBER;
	memset(rv.target, 9, sizeof(rv.target));
	rv.revoked_at = NOW;
	assert_int_equal(trust_revocation_sign(&rv, auth_sk), 0);
	k = trust_revocation_encode(&rv, bin, sizeof(bin));
	assert_true(k > 0);
	sodium_bin2base64(b64, sizeof(b64), bin, (size_t)k, sodium_base64_VARIANT_ORIGINAL);
	/* One good line among a wrong kind, bad base64, a grant that is a revocation. */
	snprintf(text, sizeof(text), "meshd-trust 1\nrevocation %s\nbogus %s\nrevocation !!\n"
		 "grant %s\nnoseparator\n", b64, b64, b64);
	put("trust", text, 0600, path, sizeof(path));
	assert_int_equal(tfile_read_trust(dir, count, &seen, &bad, err, sizeof(err)), 0);
	assert_int_equal(seen.n, 1);
	assert_int_equal(bad, 4);
	assert_int_equal(seen.last.kind, GOSSIP_TRUST_REVOCATION);
	assert_memory_equal(seen.last.u.rev.target, rv.target, WIRE_ID_LEN);

	put("trust", "meshd-state 1\n", 0600, path, sizeof(path));
	assert_int_equal(tfile_read_trust(dir, count, &seen, &bad, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a meshd trust file"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(token_file),
		cmocka_unit_test(token_malformed),
		cmocka_unit_test(spend_and_save),
		cmocka_unit_test(damaged_files),
		cmocka_unit_test(trust_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
