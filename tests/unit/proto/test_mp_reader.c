/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "fixture.h"
#include "proto/mp_reader.h"
#include "proto/mp_writer.h"

#define READER(rd, ...)                                                   \
	static const uint8_t in_[] = { __VA_ARGS__ };                     \
	mp_reader_init(&rd, in_, sizeof(in_))

static int read_uint(const uint8_t *p, size_t n, uint64_t max, uint64_t *v)
{
	struct mp_reader rd;

	mp_reader_init(&rd, p, n);
	if (mp_read_uint(&rd, max, v))
		return rd.err;
	return mp_reader_finish(&rd);
}

/* Every uint has one form: the one msgpack-c's packer picks. */
static void test_uint_canonical(void **state)
{
	const uint64_t values[] = { 0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000,
				    0xffffffff, 0x100000000ULL, UINT64_MAX };
	uint8_t buf[16], wide[16];
	uint64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		struct mp_writer w;

		mp_writer_init(&w, buf, sizeof(buf));
		assert_int_equal(mp_write_uint(&w, values[i]), 0);
		assert_int_equal(read_uint(buf, w.pos, UINT64_MAX, &v), 0);
		assert_true(v == values[i]);
		for (size_t len = 0; len < w.pos; len++)
			assert_int_equal(read_uint(buf, len, UINT64_MAX, &v), -WIRE_ETRUNC);
		/* Each wider encoding of the same value is refused. */
		const uint8_t tags[] = { 0xcc, 0xcd, 0xce, 0xcf };
		for (size_t t = 0; t < 4; t++) {
			size_t width = (size_t)1 << t, cur = w.pos - 1;

			if (width <= cur || (width < 8 && values[i] >> (8 * width)))
				continue;
			wide[0] = tags[t];
			for (size_t b = 0; b < width; b++)
				wide[1 + b] = (uint8_t)(values[i] >> (8 * (width - 1 - b)));
			assert_int_equal(read_uint(wide, 1 + width, UINT64_MAX, &v), -WIRE_ECANON);
		}
	}
	/* Signed encodings of non-negative numbers, and negatives: wrong type. */
	const uint8_t int8_5[] = { 0xd0, 0x05 }, neg[] = { 0xff }, nil[] = { 0xc0 };
	assert_int_equal(read_uint(int8_5, 2, UINT64_MAX, &v), -WIRE_ETYPE);
	assert_int_equal(read_uint(neg, 1, UINT64_MAX, &v), -WIRE_ETYPE);
	assert_int_equal(read_uint(nil, 1, UINT64_MAX, &v), -WIRE_ETYPE);
	const uint8_t u16_300[] = { 0xcd, 0x01, 0x2c };
	assert_int_equal(read_uint(u16_300, 3, 299, &v), -WIRE_EVALUE);
	assert_int_equal(read_uint(u16_300, 3, 300, &v), 0);
}

static void test_hostile_headers(void **state)
{
	struct mp_reader rd;
	uint32_t n;

	(void)state;
	{
		READER(rd, 0xdd, 0xff, 0xff, 0xff, 0xff);
		assert_int_equal(mp_enter_array(&rd, 0, UINT32_MAX, &n), -WIRE_ETRUNC);
	}
	{
		READER(rd, 0xdd, 0xff, 0xff, 0xff, 0xff);
		assert_int_equal(mp_enter_array(&rd, 0, 8, &n), -WIRE_ELIMIT);
	}
	{
		READER(rd, 0xdf, 0xff, 0xff, 0xff, 0xff);
		assert_int_equal(mp_enter_array(&rd, 0, 8, &n), -WIRE_ETYPE);
	}
	{	/* array16 of 3: non-canonical (fixarray holds it) */
		READER(rd, 0xdc, 0x00, 0x03, 1, 2, 3);
		assert_int_equal(mp_enter_array(&rd, 0, 8, &n), -WIRE_ECANON);
	}
	{	/* count within cap but beyond the bytes left */
		READER(rd, 0x95, 1, 2, 3);
		assert_int_equal(mp_enter_array(&rd, 0, 8, &n), -WIRE_ETRUNC);
	}
	{	/* sticky: after an error nothing else reads */
		READER(rd, 0x95, 1, 2, 3);
		uint64_t v = 77;
		mp_enter_array(&rd, 0, 8, &n);
		assert_int_equal(mp_read_uint(&rd, UINT64_MAX, &v), -WIRE_ETRUNC);
		assert_true(v == 77);
		assert_int_equal(mp_reader_finish(&rd), -WIRE_ETRUNC);
	}
}

static void test_depth(void **state)
{
	uint8_t deep[100];
	struct mp_reader rd;
	uint32_t n;
	int ret = 0, d = 0;

	(void)state;
	memset(deep, 0x91, sizeof(deep));
	mp_reader_init(&rd, deep, sizeof(deep));
	while ((ret = mp_enter_array(&rd, 0, 16, &n)) == 0)
		d++;
	assert_int_equal(d, WIRE_MAX_DEPTH);
	assert_int_equal(ret, -WIRE_ELIMIT);
}

static void test_array_accounting(void **state)
{
	struct mp_reader rd;
	uint64_t v;
	uint32_t n;

	(void)state;
	{	/* leaving with an element unread */
		READER(rd, 0x92, 1, 2);
		mp_enter_array(&rd, 0, 8, &n);
		mp_read_uint(&rd, 9, &v);
		assert_int_equal(mp_leave(&rd), -WIRE_ETYPE);
	}
	{	/* reading past the declared count */
		READER(rd, 0x91, 1, 2);
		mp_enter_array(&rd, 0, 8, &n);
		mp_read_uint(&rd, 9, &v);
		assert_int_equal(mp_read_uint(&rd, 9, &v), -WIRE_ETYPE);
	}
	{	/* an unclosed array at the end */
		READER(rd, 0x91, 1);
		mp_enter_array(&rd, 0, 8, &n);
		mp_read_uint(&rd, 9, &v);
		assert_int_equal(mp_reader_finish(&rd), -WIRE_ETRUNC);
	}
	{	/* below the minimum count */
		READER(rd, 0x91, 1);
		assert_int_equal(mp_enter_array(&rd, 2, 8, &n), -WIRE_EVALUE);
	}
	{	/* trailing byte */
		READER(rd, 0x90, 0xc0);
		mp_enter_exact(&rd, 0);
		mp_leave(&rd);
		assert_int_equal(mp_reader_finish(&rd), -WIRE_ETRAILING);
	}
	{
		READER(rd, 0x92, 0x01, 0x91, 0x02);
		assert_int_equal(mp_enter_exact(&rd, 2), 0);
		assert_int_equal(mp_read_uint(&rd, 9, &v), 0);
		assert_int_equal(mp_enter_exact(&rd, 1), 0);
		assert_int_equal(mp_read_uint(&rd, 9, &v), 0);
		assert_int_equal(mp_leave(&rd), 0);
		assert_int_equal(mp_leave(&rd), 0);
		assert_int_equal(mp_reader_finish(&rd), 0);
		assert_int_equal(mp_leave(&rd), -WIRE_ETYPE);  /* nothing left open */
	}
}

static void test_str_bin(void **state)
{
	struct mp_reader rd;
	char s[40];
	uint8_t b[8];
	const uint8_t *ref;
	size_t n;

	(void)state;
	{
		READER(rd, 0xa3, 'a', 'b', 'c');
		assert_int_equal(mp_read_str(&rd, s, 3, &n), 0);
		assert_string_equal(s, "abc");
	}
	{
		READER(rd, 0xa3, 'a', 'b', 'c');
		assert_int_equal(mp_read_str(&rd, s, 2, &n), -WIRE_ELIMIT);
	}
	{	/* str8 for a length fixstr holds */
		READER(rd, 0xd9, 0x03, 'a', 'b', 'c');
		assert_int_equal(mp_read_str(&rd, s, 39, &n), -WIRE_ECANON);
	}
	{	/* length beyond the buffer */
		READER(rd, 0xd9, 0x26, 'a');
		assert_int_equal(mp_read_str(&rd, s, 39, &n), -WIRE_ETRUNC);
	}
	{
		READER(rd, 0xdb, 0xff, 0xff, 0xff, 0xff, 'a');
		assert_int_equal(mp_read_str(&rd, s, 39, &n), -WIRE_ELIMIT);
	}
	{	/* bin where a str is wanted and the reverse */
		READER(rd, 0xc4, 0x01, 'a');
		assert_int_equal(mp_read_str(&rd, s, 39, &n), -WIRE_ETYPE);
	}
	{
		READER(rd, 0xa1, 'a');
		assert_int_equal(mp_read_bin_exact(&rd, b, 1), -WIRE_ETYPE);
	}
	{
		READER(rd, 0xa2, 'a', 0);
		assert_int_equal(mp_read_str(&rd, s, 39, &n), -WIRE_EVALUE);
	}
	{	/* bin16 for a length bin8 holds */
		READER(rd, 0xc5, 0x00, 0x01, 0xaa);
		assert_int_equal(mp_read_bin_ref(&rd, 8, &ref, &n), -WIRE_ECANON);
	}
	{
		READER(rd, 0xc6, 0xff, 0xff, 0xff, 0xff, 0xaa);
		assert_int_equal(mp_read_bin_ref(&rd, 1000, &ref, &n), -WIRE_ELIMIT);
	}
	{
		READER(rd, 0xc4, 0x07, 1, 2, 3, 4, 5, 6, 7);
		assert_int_equal(mp_read_bin_exact(&rd, b, 8), -WIRE_EVALUE);
	}
	{
		READER(rd, 0xc4, 0x09, 1, 2, 3, 4, 5, 6, 7, 8, 9);
		assert_int_equal(mp_read_bin_exact(&rd, b, 8), -WIRE_ELIMIT);
	}
	{
		READER(rd, 0xc4, 0x02, 7, 8);
		assert_int_equal(mp_read_bin_exact(&rd, b, 2), 0);
		assert_memory_equal(b, "\x07\x08", 2);
		assert_int_equal(mp_reader_finish(&rd), 0);
	}
}

/* The writer stops at its capacity and never writes past it. */
static void test_writer_bounds(void **state)
{
	uint8_t buf[16];
	struct mp_writer w;
	const uint8_t payload[20] = { 0 };

	(void)state;
	for (size_t cap = 0; cap < 8; cap++) {
		memset(buf, 0x5a, sizeof(buf));
		mp_writer_init(&w, buf, cap);
		mp_write_uint(&w, UINT64_MAX);   /* 9 bytes: never fits */
		assert_int_equal(mp_writer_result(&w), -WIRE_ESPACE);
		for (size_t i = cap; i < sizeof(buf); i++)
			assert_int_equal(buf[i], 0x5a);
	}
	mp_writer_init(&w, buf, 10);
	assert_int_equal(mp_write_bin(&w, payload, 8), 0);
	assert_int_equal(mp_write_bin(&w, payload, 1), -WIRE_ESPACE);
	assert_int_equal(mp_write_uint(&w, 1), -WIRE_ESPACE);  /* sticky */
	mp_writer_init_count(&w, 1000);
	mp_write_str(&w, "abc", 3);
	mp_write_zero_bin(&w, 300);
	assert_int_equal(mp_writer_result(&w), 4 + 3 + 300);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uint_canonical),
		cmocka_unit_test(test_hostile_headers),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_array_accounting),
		cmocka_unit_test(test_str_bin),
		cmocka_unit_test(test_writer_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
