/* SPDX-License-Identifier: MIT */
/*
 * Bounded msgpack reader for untrusted input. A cursor over (buf, len)
 * that reads only the types a decoder asks for, fails closed with a
 * sticky error, and never allocates:
 *  - every length or count is checked against the caller's cap and
 *    against the bytes left before anything is read or copied;
 *  - arrays nest at most WIRE_MAX_DEPTH deep, and must be consumed
 *    element for element (mp_leave checks the count was exact);
 *  - only canonical (smallest) encodings are accepted, so every value
 *    has exactly one byte form and decode/re-encode is the identity.
 */
#ifndef MESHD_PROTO_MP_READER_H
#define MESHD_PROTO_MP_READER_H

#include <stddef.h>
#include <stdint.h>
#include "wire.h"

struct mp_reader {
	const uint8_t *p;    /* next byte */
	const uint8_t *end;  /* one past the last byte */
	int err;             /* 0 or the first error; sticky */
	uint8_t depth;       /* open arrays */
	uint32_t left[WIRE_MAX_DEPTH]; /* elements still to read per open array */
};

void mp_reader_init(struct mp_reader *rd, const uint8_t *buf, size_t len);

/* Unsigned integer <= max. */
int mp_read_uint(struct mp_reader *rd, uint64_t max, uint64_t *out);
int mp_read_u8(struct mp_reader *rd, uint8_t max, uint8_t *out);
int mp_read_u16(struct mp_reader *rd, uint16_t max, uint16_t *out);
int mp_read_u32(struct mp_reader *rd, uint32_t max, uint32_t *out);

/* bin of exactly n bytes, copied to out. */
int mp_read_bin_exact(struct mp_reader *rd, uint8_t *out, size_t n);
/* bin of at most max bytes; *data points into the input (no copy). */
int mp_read_bin_ref(struct mp_reader *rd, size_t max, const uint8_t **data, size_t *n);
/* str of at most max bytes without NUL, copied and NUL-terminated (out has max + 1). */
int mp_read_str(struct mp_reader *rd, char *out, size_t max, size_t *n);

/* Enter an array of min..max elements; *n gets the count. */
int mp_enter_array(struct mp_reader *rd, uint32_t min, uint32_t max, uint32_t *n);
/* Enter an array of exactly n elements. */
int mp_enter_exact(struct mp_reader *rd, uint32_t n);
/* Leave the innermost array; every element must have been read. */
int mp_leave(struct mp_reader *rd);

/* Fail with err unless already failed; returns the sticky error. */
int mp_fail(struct mp_reader *rd, int err);
/* 0 if all arrays were left and no byte is left over, else an error. */
int mp_reader_finish(struct mp_reader *rd);
/* Bytes not yet read. */
size_t mp_reader_left(const struct mp_reader *rd);

#endif
