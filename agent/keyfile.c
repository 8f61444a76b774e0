/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"
#include "keyfile.h"

/* Longest acceptable file: 44 base64 chars, CRLF, some slack for spaces. */
enum { KEYFILE_MAX = 128 };

void keyfile_encode(char out[static 45], const uint8_t key[static KEYFILE_KEY_LEN])
{
	sodium_bin2base64(out, 45, key, KEYFILE_KEY_LEN, sodium_base64_VARIANT_ORIGINAL);
}

static int read_small(int fd, char *buf, size_t cap, size_t *len)
{
	size_t have = 0;

	for (;;) {
		ssize_t n = read(fd, buf + have, cap - have);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		have += (size_t)n;
		if (have == cap)
			return -EFBIG;
	}
	*len = have;
	return 0;
}

int keyfile_read(const char *path, uint8_t key[static KEYFILE_KEY_LEN], char *err, size_t errlen)
{
	char buf[KEYFILE_MAX];
	size_t len = 0, bin_len = 0;
	const char *end;
	struct stat st;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "key file %s: %s", path, strerror(-r));
		return r;
	}
	if (fstat(fd, &st) != 0) {
		r = -errno;
		snprintf(err, errlen, "key file %s: %s", path, strerror(-r));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
		snprintf(err, errlen, "key file %s: not a regular file", path);
		goto out;
	}
	/* Like ssh with private keys: a secret others could read is not a secret. */
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		r = -EPERM;
		snprintf(err, errlen, "key file %s: mode %04o is accessible to group or others; "
			 "run `chmod 600 %s`", path, (unsigned)(st.st_mode & 07777), path);
		goto out;
	}
	r = read_small(fd, buf, sizeof(buf), &len);
	if (r == -EFBIG) {
		r = -EINVAL;
		snprintf(err, errlen, "key file %s: too long for one base64 key", path);
		goto out;
	}
	if (r != 0) {
		snprintf(err, errlen, "key file %s: %s", path, strerror(-r));
		goto out;
	}
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' '))
		len--;
	r = -EINVAL;
	if (len != 44 || memchr(buf, '\n', len) ||
	    sodium_base642bin(key, KEYFILE_KEY_LEN, buf, len, NULL, &bin_len, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    bin_len != KEYFILE_KEY_LEN || end != buf + len) {
		sodium_memzero(key, KEYFILE_KEY_LEN);
		snprintf(err, errlen, "key file %s: malformed: expected one line of base64 "
			 "encoding 32 bytes (as `meshctl network-key` prints)", path);
		goto out;
	}
	r = 0;
out:
	sodium_memzero(buf, sizeof(buf));
	close(fd);
	return r;
}

int keyfile_write(const char *path, const uint8_t key[static KEYFILE_KEY_LEN], char *err,
		  size_t errlen)
{
	char line[46];
	int r;

	keyfile_encode(line, key);
	line[44] = '\n';
	line[45] = '\0';
	r = atomic_write_file(path, line, 45, 0600);
	sodium_memzero(line, sizeof(line));
	if (r != 0)
		snprintf(err, errlen, "cannot write key file %s: %s", path, strerror(-r));
	return r;
}

int keyfile_create(const char *path, const uint8_t key[static KEYFILE_KEY_LEN], char *err,
		   size_t errlen)
{
	char line[46];
	size_t off = 0;
	int fd, r = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		r = -errno;
		if (r == -EEXIST)
			snprintf(err, errlen, "%s already exists: not overwritten (a key file is "
				 "never replaced; choose another path)", path);
		else
			snprintf(err, errlen, "cannot create %s: %s", path, strerror(-r));
		return r;
	}
	keyfile_encode(line, key);
	line[44] = '\n';
	line[45] = '\0';
	while (off < 45) {
		ssize_t n = write(fd, line + off, 45 - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		off += (size_t)n;
	}
	sodium_memzero(line, sizeof(line));
	/* 0600 whatever the umask said; then durable before we say it exists. */
	if (r == 0 && (fchmod(fd, 0600) != 0 || fsync(fd) != 0))
		r = -errno;
	close(fd);
	if (r != 0) {
		unlink(path);
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(-r));
	}
	return r;
}
