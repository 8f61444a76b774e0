/* SPDX-License-Identifier: MIT */
/*
 * The committed fuzz seeds stay meaningful: the valid ones still decode
 * (regenerate with gen_corpus after a format change), the hostile ones
 * are still refused.
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>

#include "fixture.h"
#include "proto/envelope.h"
#include "proto/token.h"
#include "tests/fuzz/fuzz_key.h"

static struct wire_msg m;

static size_t slurp(const char *dir, const char *name, uint8_t *buf, size_t len)
{
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	assert_non_null(f);
	n = fread(buf, 1, len, f);
	assert_int_equal(fclose(f), 0);
	assert_true(n < len);
	return n;
}

static int seeds(const char *target, void (*check)(const char *dir, const char *name))
{
	char dir[512];
	struct dirent *e;
	DIR *d;
	int count = 0;

	snprintf(dir, sizeof(dir), "%s/%s", MESHD_CORPUS_DIR, target);
	d = opendir(dir);
	assert_non_null(d);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		check(dir, e->d_name);
		count++;
	}
	closedir(d);
	return count;
}

static void check_msg_seed(const char *dir, const char *name)
{
	uint8_t buf[WIRE_MAX_DATAGRAM + 1], plain[WIRE_MAX_PLAINTEXT];
	size_t n = slurp(dir, name, buf, sizeof(buf));
	int k;

	if (strncmp(name, "hostile-", 8) == 0) {
		assert_true(msg_decode(&m, buf, n) < 0);
		assert_true(envelope_open(plain, sizeof(plain), buf, n, fuzz_key) < 0);
		return;
	}
	if (strstr(name, "-sealed")) {
		k = envelope_open(plain, sizeof(plain), buf, n, fuzz_key);
		assert_true(k > 0);
		assert_int_equal(msg_decode(&m, plain, (size_t)k), 0);
	} else {
		assert_int_equal(msg_decode(&m, buf, n), 0);
	}
	for (int i = 0; i < m.n_records; i++)
		assert_int_equal(record_verify(&m.record[i]), 0);
}

static void check_record_seed(const char *dir, const char *name)
{
	uint8_t buf[RECORD_MAX_ENCODED + 1];
	size_t n = slurp(dir, name, buf, sizeof(buf));
	struct wire_record r;

	if (strncmp(name, "hostile-", 8) == 0) {
		assert_true(record_decode(&r, buf, n) < 0);
		return;
	}
	assert_int_equal(record_decode(&r, buf, n), 0);
	assert_int_equal(record_verify(&r), 0);
	/* one byte form: the seeds made before admissions existed still encode the same */
	uint8_t again[RECORD_MAX_ENCODED];
	assert_int_equal(record_encode(&r, again, sizeof(again)), (int)n);
	assert_memory_equal(again, buf, n);
}

static void check_trust_seed(const char *dir, const char *name)
{
	uint8_t buf[TRUST_OBJECT_MAX_ENCODED + 2];
	size_t n = slurp(dir, name, buf, sizeof(buf));
	union {
		struct trust_invite i;
		struct trust_admission a;
		struct trust_spend s;
		struct trust_revocation r;
		struct trust_grant g;
	} o;
	int ret = -1;

	assert_true(n >= 1);
	switch (buf[0] % 5) {
	case 0: ret = trust_invite_decode(&o.i, buf + 1, n - 1); break;
	case 1: ret = trust_admission_decode(&o.a, buf + 1, n - 1); break;
	case 2: ret = trust_spend_decode(&o.s, buf + 1, n - 1); break;
	case 3: ret = trust_revocation_decode(&o.r, buf + 1, n - 1); break;
	case 4: ret = trust_grant_decode(&o.g, buf + 1, n - 1); break;
	}
	if (strncmp(name, "hostile-", 8) == 0)
		assert_true(ret < 0);
	else
		assert_int_equal(ret, 0);
}

static void check_token_seed(const char *dir, const char *name)
{
	char text[TOKEN_MAX_TEXT + 1];
	size_t n = slurp(dir, name, (uint8_t *)text, sizeof(text));
	struct token t;

	text[n] = '\0';
	if (strncmp(name, "hostile-", 8) == 0)
		assert_true(token_decode(&t, text) < 0);
	else
		assert_int_equal(token_decode(&t, text), 0);
	token_wipe(&t);
}

static void test_msg_seeds(void **state)
{
	(void)state;
	/* one raw and one sealed seed per type, plus the hostile ones */
	assert_true(seeds("fuzz_envelope_msg", check_msg_seed) >= 2 * WIRE_TYPE_MAX + 4);
}

static void test_record_seeds(void **state)
{
	(void)state;
	assert_true(seeds("fuzz_record", check_record_seed) >= 8);
}

static void test_trust_seeds(void **state)
{
	(void)state;
	assert_true(seeds("fuzz_trust", check_trust_seed) >= 9);
	assert_true(seeds("fuzz_token", check_token_seed) >= 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_msg_seeds),
		cmocka_unit_test(test_record_seeds),
		cmocka_unit_test(test_trust_seeds),
	};

	assert_int_equal(identity_init_crypto(), 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
