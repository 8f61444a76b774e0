/* SPDX-License-Identifier: MIT */
/*
 * Crash-safe file replacement: write a temp file in the same directory,
 * fsync it, rename it over the target, fsync the directory. A reader sees
 * the old file or the new one, never a torn one.
 */
#ifndef MESHD_AGENT_ATOMIC_FILE_H
#define MESHD_AGENT_ATOMIC_FILE_H

#include <stddef.h>
#include <sys/types.h>

/* 0 or -errno; the temp file is removed on failure. */
int atomic_write_file(const char *path, const void *buf, size_t len, mode_t mode);

#endif
