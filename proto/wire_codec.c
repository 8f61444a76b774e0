/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "mp_reader.h"
#include "mp_writer.h"
#include "wire_codec.h"

static int write_triple(struct mp_writer *w, uint8_t family, const uint8_t *ip, uint64_t last)
{
	size_t n = wire_family_len(family);

	/* Refuse what the reader would refuse: one form, both directions. */
	if (!n && (family != WIRE_AF_NONE || last != 0))
		return w->err ? w->err : (w->err = -WIRE_EVALUE);
	mp_write_array(w, 3);
	mp_write_uint(w, family);
	mp_write_bin(w, ip, n);
	return mp_write_uint(w, last);
}

/* Ports may be any 16-bit value, prefix lengths fit the family; absent: 0. */
static int read_triple(struct mp_reader *rd, bool is_port, uint8_t *family,
		       uint8_t ip[static 16], uint64_t *last)
{
	size_t n;

	mp_enter_exact(rd, 3);
	if (mp_read_u8(rd, WIRE_AF_INET6, family))
		return rd->err;
	n = wire_family_len(*family);
	if (!n && *family != WIRE_AF_NONE)
		return mp_fail(rd, -WIRE_EVALUE);
	memset(ip, 0, 16);
	mp_read_bin_exact(rd, ip, n);
	mp_read_uint(rd, !n ? 0 : is_port ? UINT16_MAX : n * 8, last);
	return mp_leave(rd);
}

int wire_addr_write(struct mp_writer *w, const struct wire_addr *a)
{
	return write_triple(w, a->family, a->ip, a->port);
}

int wire_prefix_write(struct mp_writer *w, const struct wire_prefix *p)
{
	if (p->len > wire_family_len(p->family) * 8)
		return w->err ? w->err : (w->err = -WIRE_EVALUE);
	return write_triple(w, p->family, p->ip, p->len);
}

int wire_addr_read(struct mp_reader *rd, struct wire_addr *a)
{
	uint64_t port = 0;

	if (read_triple(rd, true, &a->family, a->ip, &port))
		return rd->err;
	a->port = (uint16_t)port;
	return 0;
}

int wire_prefix_read(struct mp_reader *rd, struct wire_prefix *p)
{
	uint64_t len = 0;

	if (read_triple(rd, false, &p->family, p->ip, &len))
		return rd->err;
	p->len = (uint8_t)len;
	return 0;
}
