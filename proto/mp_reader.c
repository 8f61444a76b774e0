/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "mp_reader.h"

void mp_reader_init(struct mp_reader *rd, const uint8_t *buf, size_t len)
{
	rd->p = buf;
	rd->end = len ? buf + len : buf;  /* NULL + 0 is undefined */
	rd->err = 0;
	rd->depth = 0;
}

int mp_fail(struct mp_reader *rd, int err)
{
	if (!rd->err)
		rd->err = err;
	return rd->err;
}

size_t mp_reader_left(const struct mp_reader *rd)
{
	return (size_t)(rd->end - rd->p);
}

/* Every value takes one slot of the array it is in. */
static int take_slot(struct mp_reader *rd)
{
	if (rd->err)
		return rd->err;
	if (rd->depth) {
		if (rd->left[rd->depth - 1] == 0)
			return mp_fail(rd, -WIRE_ETYPE);
		rd->left[rd->depth - 1]--;
	}
	if (rd->p == rd->end)
		return mp_fail(rd, -WIRE_ETRUNC);
	return 0;
}

/* Big-endian integer of `width` bytes after the type byte. */
static int read_be(struct mp_reader *rd, size_t width, uint64_t *out)
{
	uint64_t v = 0;

	if (mp_reader_left(rd) < width)
		return mp_fail(rd, -WIRE_ETRUNC);
	for (size_t i = 0; i < width; i++)
		v = (v << 8) | rd->p[i];
	rd->p += width;
	*out = v;
	return 0;
}

int mp_read_uint(struct mp_reader *rd, uint64_t max, uint64_t *out)
{
	uint64_t v, floor;
	uint8_t t;

	if (take_slot(rd))
		return rd->err;
	t = *rd->p++;
	if (t <= 0x7f) {
		v = t;
		floor = 0;
	} else {
		switch (t) {
		case 0xcc: floor = 0x80;         read_be(rd, 1, &v); break;
		case 0xcd: floor = 0x100;        read_be(rd, 2, &v); break;
		case 0xce: floor = 0x10000;      read_be(rd, 4, &v); break;
		case 0xcf: floor = 0x100000000u; read_be(rd, 8, &v); break;
		default: return mp_fail(rd, -WIRE_ETYPE);
		}
		if (rd->err)
			return rd->err;
	}
	/* A smaller encoding would have held it: not canonical. */
	if (v < floor)
		return mp_fail(rd, -WIRE_ECANON);
	if (v > max)
		return mp_fail(rd, -WIRE_EVALUE);
	*out = v;
	return 0;
}

int mp_read_u8(struct mp_reader *rd, uint8_t max, uint8_t *out)
{
	uint64_t v;

	if (mp_read_uint(rd, max, &v))
		return rd->err;
	*out = (uint8_t)v;
	return 0;
}

int mp_read_u16(struct mp_reader *rd, uint16_t max, uint16_t *out)
{
	uint64_t v;

	if (mp_read_uint(rd, max, &v))
		return rd->err;
	*out = (uint16_t)v;
	return 0;
}

int mp_read_u32(struct mp_reader *rd, uint32_t max, uint32_t *out)
{
	uint64_t v;

	if (mp_read_uint(rd, max, &v))
		return rd->err;
	*out = (uint32_t)v;
	return 0;
}

/*
 * Read the header of a str (is_str) or bin and check its length against
 * the cap and the bytes left; the cursor is left on the payload.
 */
static int read_raw_header(struct mp_reader *rd, int is_str, size_t max, size_t *n)
{
	uint64_t len, floor;
	uint8_t t;

	if (take_slot(rd))
		return rd->err;
	t = *rd->p++;
	if (is_str && (t & 0xe0) == 0xa0) {
		len = t & 0x1f;
		floor = 0;
	} else {
		switch (t) {
		case 0xd9: if (!is_str) goto bad; floor = 32;      read_be(rd, 1, &len); break;
		case 0xda: if (!is_str) goto bad; floor = 0x100;   read_be(rd, 2, &len); break;
		case 0xdb: if (!is_str) goto bad; floor = 0x10000; read_be(rd, 4, &len); break;
		case 0xc4: if (is_str) goto bad;  floor = 0;       read_be(rd, 1, &len); break;
		case 0xc5: if (is_str) goto bad;  floor = 0x100;   read_be(rd, 2, &len); break;
		case 0xc6: if (is_str) goto bad;  floor = 0x10000; read_be(rd, 4, &len); break;
		default: goto bad;
		}
		if (rd->err)
			return rd->err;
	}
	if (len > max)
		return mp_fail(rd, -WIRE_ELIMIT);
	if (len > mp_reader_left(rd))
		return mp_fail(rd, -WIRE_ETRUNC);
	if (len < floor)
		return mp_fail(rd, -WIRE_ECANON);
	*n = (size_t)len;
	return 0;
bad:
	return mp_fail(rd, -WIRE_ETYPE);
}

int mp_read_bin_ref(struct mp_reader *rd, size_t max, const uint8_t **data, size_t *n)
{
	if (read_raw_header(rd, 0, max, n))
		return rd->err;
	*data = rd->p;
	rd->p += *n;
	return 0;
}

int mp_read_bin_exact(struct mp_reader *rd, uint8_t *out, size_t n)
{
	const uint8_t *data = NULL;
	size_t got = 0;

	if (mp_read_bin_ref(rd, n, &data, &got))
		return rd->err;
	if (got != n)
		return mp_fail(rd, -WIRE_EVALUE);
	if (n)
		memcpy(out, data, n);
	return 0;
}

int mp_read_str(struct mp_reader *rd, char *out, size_t max, size_t *n)
{
	if (read_raw_header(rd, 1, max, n))
		return rd->err;
	/* A NUL inside would make the C string shorter than the wire form. */
	if (memchr(rd->p, 0, *n))
		return mp_fail(rd, -WIRE_EVALUE);
	if (*n)
		memcpy(out, rd->p, *n);
	out[*n] = '\0';
	rd->p += *n;
	return 0;
}

int mp_enter_array(struct mp_reader *rd, uint32_t min, uint32_t max, uint32_t *n)
{
	uint64_t count, floor;
	uint8_t t;

	if (take_slot(rd))
		return rd->err;
	if (rd->depth >= WIRE_MAX_DEPTH)
		return mp_fail(rd, -WIRE_ELIMIT);
	t = *rd->p++;
	if ((t & 0xf0) == 0x90) {
		count = t & 0x0f;
		floor = 0;
	} else if (t == 0xdc) {
		floor = 16;
		read_be(rd, 2, &count);
	} else if (t == 0xdd) {
		floor = 0x10000;
		read_be(rd, 4, &count);
	} else {
		return mp_fail(rd, -WIRE_ETYPE);
	}
	if (rd->err)
		return rd->err;
	/* Each element takes at least one byte: a count beyond the input is a lie. */
	if (count > max || count > mp_reader_left(rd))
		return mp_fail(rd, count > max ? -WIRE_ELIMIT : -WIRE_ETRUNC);
	if (count < floor)
		return mp_fail(rd, -WIRE_ECANON);
	if (count < min)
		return mp_fail(rd, -WIRE_EVALUE);
	rd->left[rd->depth++] = (uint32_t)count;
	*n = (uint32_t)count;
	return 0;
}

int mp_enter_exact(struct mp_reader *rd, uint32_t n)
{
	uint32_t got;

	return mp_enter_array(rd, n, n, &got);
}

int mp_leave(struct mp_reader *rd)
{
	if (rd->err)
		return rd->err;
	if (rd->depth == 0 || rd->left[rd->depth - 1] != 0)
		return mp_fail(rd, -WIRE_ETYPE);
	rd->depth--;
	return 0;
}

int mp_reader_finish(struct mp_reader *rd)
{
	if (rd->err)
		return rd->err;
	if (rd->depth)
		return mp_fail(rd, -WIRE_ETRUNC);
	if (rd->p != rd->end)
		return mp_fail(rd, -WIRE_ETRAILING);
	return 0;
}
