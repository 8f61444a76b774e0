/* SPDX-License-Identifier: MIT */
/* Key files: written 0600 atomically, read back, refused when too open or malformed. */
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

#include "keyfile.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/meshd-keyfile.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
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

static void round_trip_0600(void **state)
{
	uint8_t key[32], back[32];
	char path[128], err[256];
	struct stat st;

	(void)state;
	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)(i * 7 + 1);
	snprintf(path, sizeof(path), "%s/k", dir);
	umask(0);   /* the file must be 0600 whatever the umask */
	assert_int_equal(keyfile_write(path, key, err, sizeof(err)), 0);
	umask(022);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, 45);
	memset(back, 0, sizeof(back));
	assert_int_equal(keyfile_read(path, back, err, sizeof(err)), 0);
	assert_memory_equal(key, back, 32);

	/* Overwrite in place: atomic rename leaves no temp file behind. */
	key[0] ^= 0xff;
	assert_int_equal(keyfile_write(path, key, err, sizeof(err)), 0);
	assert_int_equal(keyfile_read(path, back, err, sizeof(err)), 0);
	assert_memory_equal(key, back, 32);
	{
		char tmp[160];

		snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
		assert_int_equal(access(tmp, F_OK), -1);
	}
}

static void refuses_group_or_world_access(void **state)
{
	const char *good = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n";
	mode_t modes[] = { 0644, 0640, 0604, 0660, 0601 };
	char path[128], err[256];
	uint8_t key[32];

	(void)state;
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		put("open", good, modes[i], path, sizeof(path));
		assert_int_equal(keyfile_read(path, key, err, sizeof(err)), -EPERM);
		assert_non_null(strstr(err, path));
		assert_non_null(strstr(err, "chmod 600"));
	}
	put("ok", good, 0400, path, sizeof(path));
	assert_int_equal(keyfile_read(path, key, err, sizeof(err)), 0);
	assert_int_equal(key[31], 0x1f);
}

static void refuses_malformed(void **state)
{
	const char *bad[] = {
		"",
		"\n",
		"not base64 at all!!\n",
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n",       /* 43 chars */
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=X\n",     /* trailing junk */
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\nAAAA\n", /* two lines */
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8AAAAA\n",   /* 36 bytes */
		"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd\n",           /* 30 bytes */
	};
	char path[128], err[256];
	uint8_t key[32];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put("bad", bad[i], 0600, path, sizeof(path));
		assert_int_equal(keyfile_read(path, key, err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, path));
	}
	/* CRLF and no final newline are fine. */
	put("crlf", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\r\n", 0600, path, sizeof(path));
	assert_int_equal(keyfile_read(path, key, err, sizeof(err)), 0);
	put("nonl", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", 0600, path, sizeof(path));
	assert_int_equal(keyfile_read(path, key, err, sizeof(err)), 0);
}

static void missing_and_directory(void **state)
{
	char path[128], err[256];
	uint8_t key[32];

	(void)state;
	snprintf(path, sizeof(path), "%s/absent", dir);
	assert_int_equal(keyfile_read(path, key, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, path));
	assert_int_equal(keyfile_read(dir, key, err, sizeof(err)), -EINVAL);
}

/* The authority key: created 0600 whatever the umask, never replaced. */
static void create_never_overwrites(void **state)
{
	uint8_t key[32], other[32], back[32];
	char path[128], err[256];
	struct stat st;

	(void)state;
	memset(key, 0x5a, sizeof(key));
	memset(other, 0xa5, sizeof(other));
	snprintf(path, sizeof(path), "%s/authority.key", dir);
	umask(0);
	assert_int_equal(keyfile_create(path, key, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(keyfile_create(path, other, err, sizeof(err)), -EEXIST);
	assert_non_null(strstr(err, "not overwritten"));
	assert_int_equal(keyfile_read(path, back, err, sizeof(err)), 0);
	assert_memory_equal(back, key, 32);   /* the first key survived */
	umask(022);

	/* A dangling symlink is not followed to create a file elsewhere. */
	{
		char link[128], target[128];

		snprintf(link, sizeof(link), "%s/dangling", dir);
		snprintf(target, sizeof(target), "%s/elsewhere", dir);
		assert_int_equal(symlink(target, link), 0);
		assert_int_not_equal(keyfile_create(link, key, err, sizeof(err)), 0);
		assert_int_equal(access(target, F_OK), -1);
	}
	snprintf(path, sizeof(path), "%s/no-such-dir/authority.key", dir);
	assert_int_equal(keyfile_create(path, key, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "cannot create"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip_0600),
		cmocka_unit_test(refuses_group_or_world_access),
		cmocka_unit_test(refuses_malformed),
		cmocka_unit_test(missing_and_directory),
		cmocka_unit_test(create_never_overwrites),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
