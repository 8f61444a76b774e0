/* SPDX-License-Identifier: MIT */
/*
 * Bounded msgpack writer: msgpack-c's packer (which always picks the
 * smallest encoding, i.e. our canonical form) writing into a caller's
 * fixed buffer. No allocation; overflow sets a sticky -WIRE_ESPACE.
 * With buf == NULL it only counts bytes (for size calculations).
 */
#ifndef MESHD_PROTO_MP_WRITER_H
#define MESHD_PROTO_MP_WRITER_H

#include <stddef.h>
#include <stdint.h>

struct mp_writer {
	uint8_t *buf;   /* NULL: count only */
	size_t len;     /* capacity */
	size_t pos;     /* bytes written (or counted) so far */
	int err;        /* 0 or the first error; later writes are no-ops */
};

void mp_writer_init(struct mp_writer *w, uint8_t *buf, size_t len);
/* A writer that only counts, up to `limit` bytes. */
void mp_writer_init_count(struct mp_writer *w, size_t limit);

/* Each returns 0 or the writer's sticky negative error. */
int mp_write_uint(struct mp_writer *w, uint64_t v);
int mp_write_array(struct mp_writer *w, uint32_t n);
int mp_write_bin(struct mp_writer *w, const uint8_t *p, size_t n);
int mp_write_zero_bin(struct mp_writer *w, size_t n);   /* bin of n zero bytes */
int mp_write_str(struct mp_writer *w, const char *s, size_t n);

/* Bytes written so far, or the sticky error. */
int mp_writer_result(const struct mp_writer *w);

#endif
