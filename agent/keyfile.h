/* SPDX-License-Identifier: MIT */
/*
 * Key files: one line of standard base64 encoding exactly 32 bytes (the
 * format of `wg genkey`). Read only when the file is not accessible to
 * group or others; written 0600 atomically. Errors fill `err` with a
 * sentence naming the file and never include key material.
 */
#ifndef MESHD_AGENT_KEYFILE_H
#define MESHD_AGENT_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

enum { KEYFILE_KEY_LEN = 32 };

/* 0, -ENOENT (missing), -EPERM (mode too open), -EINVAL (malformed) or -errno. */
int keyfile_read(const char *path, uint8_t key[static KEYFILE_KEY_LEN], char *err, size_t errlen);
int keyfile_write(const char *path, const uint8_t key[static KEYFILE_KEY_LEN], char *err,
		  size_t errlen);
/*
 * A new secret file that must never replace another (the authority key:
 * losing it loses the mesh): created with O_EXCL, 0600, fsynced. -EEXIST
 * when the path exists (err says so), else 0 or -errno.
 */
int keyfile_create(const char *path, const uint8_t key[static KEYFILE_KEY_LEN], char *err,
		   size_t errlen);
/* 44 chars + NUL */
void keyfile_encode(char out[static 45], const uint8_t key[static KEYFILE_KEY_LEN]);

#endif
