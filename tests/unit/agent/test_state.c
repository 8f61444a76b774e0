/* SPDX-License-Identifier: MIT */
/*
 * State directory: the identity key is created once and reloaded the same;
 * the members file round-trips signed records byte for byte, is written
 * 0600 by atomic rename, and a damaged file never yields a forged member.
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
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../../proto/record.h"
#include "state.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/meshd-state.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	return identity_init_crypto();
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void make_record(struct wire_record *r, struct identity *idn, int i)
{
	assert_int_equal(identity_generate(idn), 0);
	memset(r, 0, sizeof(*r));
	memcpy(r->id, idn->id, WIRE_ID_LEN);
	r->version = 1000 + (uint64_t)i;
	snprintf(r->name, sizeof(r->name), "node%d", i);
	assert_int_equal(wire_prefix_parse(&r->overlay[0], i == 1 ? "fd00::7/64" : "10.42.0.7/16"), 0);
	r->overlay[0].ip[r->overlay[0].family == WIRE_AF_INET ? 3 : 15] = (uint8_t)i;
	r->n_overlay = 1;
	assert_int_equal(wire_addr_parse(&r->endpoint[0], "192.0.2.1:51820"), 0);
	r->endpoint[0].ip[3] = (uint8_t)i;
	r->n_endpoints = 1;
	r->gossip_port = 51821;
	if (i == 2) {
		strcpy(r->tag[0].key, "role");
		strcpy(r->tag[0].val, "db");
		r->n_tags = 1;
	}
	assert_int_equal(record_sign(r, idn), 0);
}

static void identity_created_once(void **state)
{
	struct identity a, b;
	bool created;
	char err[256], path[128];
	struct stat st;

	(void)state;
	assert_int_equal(state_identity(dir, &a, &created, err, sizeof(err)), 0);
	assert_true(created);
	snprintf(path, sizeof(path), "%s/identity.key", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(state_identity(dir, &b, &created, err, sizeof(err)), 0);
	assert_false(created);
	assert_memory_equal(a.id, b.id, WIRE_ID_LEN);
	assert_memory_equal(a.wg_public, b.wg_public, WIRE_KEY_LEN);

	/* Made world-readable: refused, never silently replaced by a new key. */
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(state_identity(dir, &b, &created, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, path));
	assert_int_equal(chmod(path, 0600), 0);
	identity_wipe(&a);
	identity_wipe(&b);
}

static void members_round_trip(void **state)
{
	struct wire_record recs[3];
	const struct wire_record *ptrs[3];
	struct identity idn;
	struct state_members sm;
	char path[128], err[256];
	struct stat st;

	(void)state;
	for (int i = 0; i < 3; i++) {
		make_record(&recs[i], &idn, i);
		ptrs[i] = &recs[i];
	}
	identity_wipe(&idn);
	snprintf(path, sizeof(path), "%s/members", dir);
	assert_int_equal(state_save(path, 123456789012ULL, ptrs, 3, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(state_load(path, &sm, err, sizeof(err)), 0);
	assert_int_equal(sm.self_version, 123456789012ULL);
	assert_true(sm.saved_s > 0 && sm.saved_s <= (int64_t)time(NULL) &&
		    sm.saved_s + 60 > (int64_t)time(NULL));
	assert_int_equal(sm.n, 3);
	assert_int_equal(sm.n_bad, 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(record_same(&sm.rec[i], &recs[i]), 1);
		assert_int_equal(record_verify(&sm.rec[i]), 0);
	}
	state_members_free(&sm);
}

static void missing_is_empty_and_bad_magic_refused(void **state)
{
	struct state_members sm;
	char path[128], err[256];
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/absent", dir);
	assert_int_equal(state_load(path, &sm, err, sizeof(err)), 0);
	assert_int_equal(sm.n, 0);
	assert_int_equal(sm.self_version, 0);
	snprintf(path, sizeof(path), "%s/notstate", dir);
	f = fopen(path, "w");
	fputs("hello\nrecord AAAA\n", f);
	fclose(f);
	assert_int_equal(state_load(path, &sm, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, path));
}

static void damaged_lines_skipped(void **state)
{
	struct wire_record rec;
	const struct wire_record *p = &rec;
	struct identity idn;
	struct state_members sm;
	char path[128], err[256], *text;
	long n;
	FILE *f;

	(void)state;
	make_record(&rec, &idn, 5);
	identity_wipe(&idn);
	snprintf(path, sizeof(path), "%s/damaged", dir);
	assert_int_equal(state_save(path, 7, &p, 1, err, sizeof(err)), 0);
	/* Append junk, a truncated record and a record with one flipped character. */
	f = fopen(path, "r");
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)n + 1);
	assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	f = fopen(path, "a");
	fputs("garbage line\nrecord !!!notbase64\nrecord AAAA\n", f);
	{
		char *rl = strstr(text, "record ");
		char *nl = strchr(rl, '\n');

		*nl = '\0';
		rl[20] = rl[20] == 'A' ? 'B' : 'A';
		fprintf(f, "%s\n", rl);
	}
	fclose(f);
	free(text);
	assert_int_equal(state_load(path, &sm, err, sizeof(err)), 0);
	assert_int_equal(sm.self_version, 7);
	assert_int_equal(sm.n_bad >= 3, 1);
	/* The flipped record may still decode; it must then fail its signature. */
	for (size_t i = 0; i < sm.n; i++) {
		if (record_same(&sm.rec[i], &rec) == 1)
			continue;
		assert_int_not_equal(record_verify(&sm.rec[i]), 0);
	}
	state_members_free(&sm);
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/*
 * Regression (fuzz_state-nul-desync): an overlong line whose pieces start
 * with a NUL was read as several lines, and a `self-version` from its
 * middle was loaded. The whole line is one bad line.
 */
static void nul_in_long_line_is_one_bad_line(void **state)
{
	static const char magic[] = "meshd-state 1\n", tail[] = "self-version 42\n";
	char path[128], err[256], buf[2048];
	struct state_members sm;
	size_t n = 0;

	(void)state;
	memcpy(buf, magic, sizeof(magic) - 1);
	n += sizeof(magic) - 1;
	for (int i = 0; i < 3; i++) {
		buf[n] = 'x';
		buf[n + 1] = '\0';
		memset(buf + n + 2, 'A', 627);
		n += 629;
	}
	memcpy(buf + n, tail, sizeof(tail) - 1);
	n += sizeof(tail) - 1;
	snprintf(path, sizeof(path), "%s/nul-desync", dir);
	write_file(path, buf, n);
	assert_int_equal(state_load(path, &sm, err, sizeof(err)), 0);
	assert_int_equal(sm.self_version, 0);
	assert_int_equal(sm.n_bad, 1);
	assert_int_equal(sm.n, 0);
	state_members_free(&sm);

	/* A short line with a NUL is bad too, and the next line still loads. */
	{
		static const char text[] = "meshd-state 1\nself-version 7\0x\nself-version 9\n";

		write_file(path, text, sizeof(text) - 1);
	}
	assert_int_equal(state_load(path, &sm, err, sizeof(err)), 0);
	assert_int_equal(sm.self_version, 9);
	assert_int_equal(sm.n_bad, 1);
	state_members_free(&sm);
}

/* Regression (fuzz_state-no-magic): a first line that is too long, holds
 * a NUL or is cut short skipped the magic check; the magic is required. */
static void magic_required(void **state)
{
#define TEXT(s) { s, sizeof(s) - 1 }
	static const struct { const char *s; size_t len; } bad[] = {
		TEXT("\0\nself-version 5\n"), TEXT(""), TEXT("meshd-state 1"),
		TEXT("meshd-state 1\0\nself-version 5\n"), TEXT("meshd-state 1 \nself-version 5\n"),
	};
#undef TEXT
	char path[128], err[256], big[1024];
	struct state_members sm;

	(void)state;
	snprintf(path, sizeof(path), "%s/no-magic", dir);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file(path, bad[i].s, bad[i].len);
		err[0] = '\0';
		assert_int_equal(state_load(path, &sm, err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, "not a meshd state file"));
		assert_int_equal(sm.n, 0);
		assert_int_equal(sm.self_version, 0);
	}
	/* Overlong first line, then a valid-looking one. */
	memset(big, 'm', sizeof(big));
	memcpy(big + sizeof(big) - 17, "\nself-version 5\n", 17);
	write_file(path, big, sizeof(big));
	assert_int_equal(state_load(path, &sm, err, sizeof(err)), -EINVAL);
}

/* Regression: `self-version -1` was read as UINT64_MAX (strtoull), and
 * the agent's floor of stored + 1 then wrapped to 0. Only plain digits
 * in range load; the floor saturates. */
static void self_version_plain_u64(void **state)
{
	static const char *const bad[] = {
		"-1", "+5", " 5", "5 ", "", "18446744073709551616", "99999999999999999999", "0x10",
		/* in u64 range but above WIRE_VERSION_MAX (2^62): refused */
		"18446744073709551615", "4611686018427387905",
	};
	char path[128], err[256], text[128];
	struct state_members sm;
	int n;

	(void)state;
	snprintf(path, sizeof(path), "%s/version", dir);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = snprintf(text, sizeof(text), "meshd-state 1\nself-version %s\n", bad[i]);
		write_file(path, text, (size_t)n);
		assert_int_equal(state_load(path, &sm, err, sizeof(err)), 0);
		if (sm.self_version != 0 || sm.n_bad != 1)
			fail_msg("self-version '%s' loaded as %llu", bad[i],
				 (unsigned long long)sm.self_version);
		state_members_free(&sm);
	}
	n = snprintf(text, sizeof(text), "meshd-state 1\nself-version 4611686018427387904\n");
	write_file(path, text, (size_t)n);
	assert_int_equal(state_load(path, &sm, err, sizeof(err)), 0);
	assert_true(sm.self_version == WIRE_VERSION_MAX);
	assert_int_equal(sm.n_bad, 0);
	/* The next version: never below the stored one, never past the bound. */
	assert_true(state_next_version(&sm, 1000) == WIRE_VERSION_MAX);
	assert_true(state_next_version(&sm, UINT64_MAX) == WIRE_VERSION_MAX);
	sm.self_version = WIRE_VERSION_MAX - 1;
	assert_true(state_next_version(&sm, 1000) == WIRE_VERSION_MAX);
	sm.self_version = 5000;
	assert_true(state_next_version(&sm, 1000) == 5001);
	assert_true(state_next_version(&sm, 9000) == 9000);
	sm.self_version = 0;
	assert_true(state_next_version(&sm, 1000) == 1000);
	state_members_free(&sm);
}

/* Our own saved record: did we hold this start's address before? */
static void claim_established(void **state)
{
	const uint64_t day_ms = 24ULL * 3600 * 1000;
	const int64_t now = 2000000000;
	struct wire_record own, other, tmpl, pinned;
	struct wire_prefix net;
	struct state_members sm = { .n = 1, .rec = &own, .saved_s = now - 10 };
	struct identity idn, idn2;

	(void)state;
	make_record(&own, &idn, 0);
	assert_int_equal(wire_prefix_parse(&own.overlay[0], "10.42.3.4/16"), 0);
	own.addr_gen = 2;
	assert_int_equal(record_sign(&own, &idn), 0);
	assert_int_equal(wire_prefix_parse(&net, "10.42.0.0/16"), 0);
	memset(&tmpl, 0, sizeof(tmpl));

	/* Derived, same prefix: established, and derived again from generation 2. */
	assert_true(state_claim_established(&sm, idn.id, &tmpl, &net, day_ms, now));
	assert_int_equal(tmpl.addr_gen, 2);
	/* Not ours, another prefix, a file older than the mesh's memory: no. */
	make_record(&other, &idn2, 3);
	assert_false(state_claim_established(&sm, idn2.id, &tmpl, &net, day_ms, now));
	assert_int_equal(wire_prefix_parse(&net, "10.43.0.0/16"), 0);
	assert_false(state_claim_established(&sm, idn.id, &tmpl, &net, day_ms, now));
	assert_int_equal(wire_prefix_parse(&net, "10.42.0.0/24"), 0);
	assert_false(state_claim_established(&sm, idn.id, &tmpl, &net, day_ms, now));
	assert_int_equal(wire_prefix_parse(&net, "10.42.0.0/16"), 0);
	sm.saved_s = now - 86400;
	assert_false(state_claim_established(&sm, idn.id, &tmpl, &net, day_ms, now));
	sm.saved_s = now + 3600;
	assert_false(state_claim_established(&sm, idn.id, &tmpl, &net, day_ms, now));
	sm.saved_s = now - 10;
	/* A damaged signature or a leave: no. */
	own.sig[5] ^= 1;
	assert_false(state_claim_established(&sm, idn.id, &tmpl, &net, day_ms, now));
	own.flags |= WIRE_REC_LEAVING;
	assert_int_equal(record_sign(&own, &idn), 0);
	assert_false(state_claim_established(&sm, idn.id, &tmpl, &net, day_ms, now));
	own.flags &= ~(uint32_t)WIRE_REC_LEAVING;
	assert_int_equal(record_sign(&own, &idn), 0);
	/* Pinned now: only the same address counts. */
	memset(&pinned, 0, sizeof(pinned));
	pinned.flags = WIRE_REC_ADDR_PINNED;
	pinned.n_overlay = 1;
	assert_int_equal(wire_prefix_parse(&pinned.overlay[0], "10.42.3.4/16"), 0);
	assert_true(state_claim_established(&sm, idn.id, &pinned, &net, day_ms, now));
	assert_int_equal(wire_prefix_parse(&pinned.overlay[0], "10.42.3.5/16"), 0);
	assert_false(state_claim_established(&sm, idn.id, &pinned, &net, day_ms, now));
	/* Pinned before, derived now: a new claim. */
	own.flags |= WIRE_REC_ADDR_PINNED;
	assert_int_equal(record_sign(&own, &idn), 0);
	assert_false(state_claim_established(&sm, idn.id, &tmpl, &net, day_ms, now));
	identity_wipe(&idn);
	identity_wipe(&idn2);
}

static void atomic_write_leaves_old_file_on_failure(void **state)
{
	struct state_members sm;
	char path[160], tmp[200], err[256];

	(void)state;
	snprintf(path, sizeof(path), "%.60s/kept", dir);
	assert_int_equal(state_save(path, 1, NULL, 0, err, sizeof(err)), 0);
	/* Block the temp file's name (works even as root): the write fails, the old file stays. */
	snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	assert_int_equal(mkdir(tmp, 0700), 0);
	assert_int_not_equal(state_save(path, 2, NULL, 0, err, sizeof(err)), 0);
	assert_non_null(strstr(err, path));
	assert_int_equal(rmdir(tmp), 0);
	assert_int_equal(state_load(path, &sm, err, sizeof(err)), 0);
	assert_int_equal(sm.self_version, 1);
	state_members_free(&sm);
}

/*
 * Issue 12: a change is written at the first chance (the gap since the last
 * write, 1 s); a failed write stays pending, is retried with doubling
 * backoff up to a cap, is reported once per streak, and its recovery too.
 */
static void saver_prompt_backoff_and_recovery(void **state)
{
	struct state_saver sv = { 0 };
	uint32_t streak = 99;
	uint64_t t = 10000, waits[8];

	(void)state;
	assert_false(state_saver_due(&sv, t));
	state_saver_mark(&sv);
	assert_true(state_saver_due(&sv, t));          /* first change: at once */
	assert_int_equal(state_saver_done(&sv, true, t, &streak), 0);
	assert_false(state_saver_due(&sv, t + 5000));  /* nothing pending */
	state_saver_mark(&sv);
	assert_false(state_saver_due(&sv, t + 999));    /* at most once a second */
	assert_true(state_saver_due(&sv, t + 1000));
	t += 1000;
	/* Disk full: reported on the first failure only, kept pending, backoff doubles. */
	assert_int_equal(state_saver_done(&sv, false, t, &streak), 1);
	assert_int_equal(streak, 1);
	for (int i = 0; i < 8; i++) {
		uint64_t w = 0;

		assert_true(sv.dirty);
		while (!state_saver_due(&sv, t + w))
			w += 100;
		waits[i] = w;
		t += w;
		assert_int_equal(state_saver_done(&sv, false, t, &streak), 0);
	}
	assert_int_equal(waits[0], STATE_RETRY_FIRST_MS);
	assert_int_equal(waits[1], 2 * STATE_RETRY_FIRST_MS);
	assert_int_equal(waits[2], 4 * STATE_RETRY_FIRST_MS);
	assert_int_equal(waits[7], STATE_RETRY_MAX_MS);    /* capped */
	assert_int_equal(sv.errors, 9);
	assert_int_equal(streak, 9);
	/* Space again: written, recovery reported with the streak, backoff reset. */
	t += STATE_RETRY_MAX_MS;
	assert_true(state_saver_due(&sv, t));
	assert_int_equal(state_saver_done(&sv, true, t, &streak), 2);
	assert_int_equal(streak, 9);
	assert_false(sv.dirty);
	state_saver_mark(&sv);
	assert_true(state_saver_due(&sv, t + STATE_SAVE_GAP_MS));
	assert_int_equal(state_saver_done(&sv, false, t + STATE_SAVE_GAP_MS, &streak), 1);
	assert_int_equal(sv.retry_at_ms, t + STATE_SAVE_GAP_MS + STATE_RETRY_FIRST_MS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(identity_created_once),
		cmocka_unit_test(members_round_trip),
		cmocka_unit_test(missing_is_empty_and_bad_magic_refused),
		cmocka_unit_test(damaged_lines_skipped),
		cmocka_unit_test(atomic_write_leaves_old_file_on_failure),
		cmocka_unit_test(nul_in_long_line_is_one_bad_line),
		cmocka_unit_test(magic_required),
		cmocka_unit_test(self_version_plain_u64),
		cmocka_unit_test(claim_established),
		cmocka_unit_test(saver_prompt_backoff_and_recovery),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
