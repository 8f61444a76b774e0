/* SPDX-License-Identifier: MIT */
#include <string.h>
#include <msgpack.h>

#include "mp_writer.h"
#include "wire.h"

void mp_writer_init(struct mp_writer *w, uint8_t *buf, size_t len)
{
	w->buf = buf;
	w->len = len;
	w->pos = 0;
	w->err = 0;
}

void mp_writer_init_count(struct mp_writer *w, size_t limit)
{
	mp_writer_init(w, NULL, limit);
}

static int reserve(struct mp_writer *w, size_t n)
{
	if (w->err)
		return w->err;
	if (n > w->len - w->pos) {
		w->err = -WIRE_ESPACE;
		return w->err;
	}
	return 0;
}

static int put(struct mp_writer *w, const void *p, size_t n)
{
	if (reserve(w, n))
		return w->err;
	if (w->buf && n)
		memcpy(w->buf + w->pos, p, n);
	w->pos += n;
	return 0;
}

/* msgpack-c's write callback: all packer output funnels through here. */
static int packer_cb(void *data, const char *buf, size_t len)
{
	return put(data, buf, len) ? -1 : 0;
}

static void packer_init(msgpack_packer *pk, struct mp_writer *w)
{
	msgpack_packer_init(pk, w, packer_cb);
}

int mp_write_uint(struct mp_writer *w, uint64_t v)
{
	msgpack_packer pk;

	packer_init(&pk, w);
	msgpack_pack_uint64(&pk, v);
	return w->err;
}

int mp_write_array(struct mp_writer *w, uint32_t n)
{
	msgpack_packer pk;

	packer_init(&pk, w);
	msgpack_pack_array(&pk, n);
	return w->err;
}

int mp_write_bin(struct mp_writer *w, const uint8_t *p, size_t n)
{
	msgpack_packer pk;

	packer_init(&pk, w);
	msgpack_pack_bin(&pk, n);
	return put(w, p, n);
}

int mp_write_zero_bin(struct mp_writer *w, size_t n)
{
	msgpack_packer pk;

	packer_init(&pk, w);
	msgpack_pack_bin(&pk, n);
	if (reserve(w, n))
		return w->err;
	if (w->buf && n)
		memset(w->buf + w->pos, 0, n);
	w->pos += n;
	return 0;
}

int mp_write_str(struct mp_writer *w, const char *s, size_t n)
{
	msgpack_packer pk;

	packer_init(&pk, w);
	msgpack_pack_str(&pk, n);
	return put(w, s, n);
}

int mp_writer_result(const struct mp_writer *w)
{
	if (w->err)
		return w->err;
	if (w->pos > INT32_MAX)
		return -WIRE_ESPACE;
	return (int)w->pos;
}
