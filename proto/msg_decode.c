/* SPDX-License-Identifier: MIT */
/* Fast path: no allocation, one pass, every cap checked before use. */
#include <stdbool.h>
#include <string.h>

#include "mp_reader.h"
#include "msg_rules.h"
#include "record.h"
#include "trust.h"
#include "wire_codec.h"

static int read_sync_prefix(struct mp_reader *rd, struct wire_msg *m)
{
	mp_read_u8(rd, UINT8_MAX, &m->sync_flags);
	if (mp_read_u8(rd, WIRE_SYNC_MAX_DEPTH, &m->prefix_len))
		return rd->err;
	return mp_read_bin_exact(rd, m->prefix, (m->prefix_len + 1u) / 2);
}

static int read_buckets(struct mp_reader *rd, struct wire_msg *m)
{
	uint32_t n;

	if (mp_enter_array(rd, 0, WIRE_SYNC_FANOUT, &n))
		return rd->err;
	for (uint32_t i = 0; i < n; i++) {
		mp_enter_exact(rd, 2);
		mp_read_uint(rd, UINT64_MAX, &m->bucket[i].hash);
		mp_read_u32(rd, UINT32_MAX, &m->bucket[i].count);
		if (mp_leave(rd))
			return rd->err;
	}
	m->n_buckets = (uint8_t)n;
	return mp_leave(rd);
}

static int read_entries(struct mp_reader *rd, struct wire_msg *m)
{
	uint32_t n;

	if (mp_enter_array(rd, 0, WIRE_MAX_ENTRIES, &n))
		return rd->err;
	for (uint32_t i = 0; i < n; i++) {
		mp_enter_exact(rd, 2);
		mp_read_bin_exact(rd, m->entry[i].id, WIRE_SHORT_ID_LEN);
		mp_read_uint(rd, UINT64_MAX, &m->entry[i].version);
		if (mp_leave(rd))
			return rd->err;
	}
	m->n_entries = (uint8_t)n;
	return mp_leave(rd);
}

static int read_hashes(struct mp_reader *rd, struct wire_msg *m)
{
	uint32_t n;

	if (mp_enter_array(rd, 0, WIRE_MAX_TRUST_HASHES, &n))
		return rd->err;
	for (uint32_t i = 0; i < n; i++)
		mp_read_uint(rd, UINT64_MAX, &m->hash[i]);
	m->n_hashes = (uint8_t)n;
	return mp_leave(rd);
}

static int read_trust(struct mp_reader *rd, struct wire_msg *m)
{
	uint32_t n;

	mp_read_u8(rd, UINT8_MAX, &m->trust_flags);
	mp_read_uint(rd, UINT64_MAX, &m->trust_from);
	if (read_hashes(rd, m) || mp_enter_array(rd, 0, WIRE_MAX_TRUST_SPENDS, &n))
		return rd->err;
	for (uint32_t i = 0; i < n; i++)
		if (trust_spend_read(rd, &m->spend[i]))
			return rd->err;
	m->n_spends = (uint8_t)n;
	if (mp_leave(rd) || mp_enter_array(rd, 0, WIRE_MAX_TRUST_REVOCATIONS, &n))
		return rd->err;
	for (uint32_t i = 0; i < n; i++)
		if (trust_revocation_read(rd, &m->revocation[i]))
			return rd->err;
	m->n_revocations = (uint8_t)n;
	if (mp_leave(rd) || mp_enter_array(rd, 0, WIRE_MAX_TRUST_GRANTS, &n))
		return rd->err;
	for (uint32_t i = 0; i < n; i++)
		if (trust_grant_read(rd, &m->grant[i]))
			return rd->err;
	m->n_grants = (uint8_t)n;
	return mp_leave(rd);
}

static int read_body(struct mp_reader *rd, struct wire_msg *m, bool optional)
{
	switch (m->type) {
	case WIRE_JOIN_ACK:
		wire_addr_read(rd, &m->observed);
		return wire_prefix_read(rd, &m->overlay_prefix);
	case WIRE_PING:
	case WIRE_NACK:
		return mp_read_bin_exact(rd, m->target, WIRE_SHORT_ID_LEN);
	case WIRE_ACK:
		mp_read_bin_exact(rd, m->target, WIRE_SHORT_ID_LEN);
		if (!optional || wire_addr_read(rd, &m->seen))
			return rd->err;
		/* present but empty would be a second form of "absent" */
		return m->seen.family ? 0 : mp_fail(rd, -WIRE_ECANON);
	case WIRE_PING_REQ:
		mp_read_bin_exact(rd, m->target, WIRE_SHORT_ID_LEN);
		return wire_addr_read(rd, &m->target_addr);
	case WIRE_SYNC_DIGEST:
		read_sync_prefix(rd, m);
		read_buckets(rd, m);
		mp_read_u32(rd, UINT32_MAX, &m->trust_count);
		return mp_read_uint(rd, UINT64_MAX, &m->trust_digest);
	case WIRE_SYNC_ENTRIES:
		read_sync_prefix(rd, m);
		return read_entries(rd, m);
	case WIRE_TRUST:
		return read_trust(rd, m);
	case WIRE_RELAY: {
		uint64_t op, port;

		mp_read_uint(rd, WIRE_RELAY_OP_MAX, &op);
		mp_read_bin_exact(rd, m->relay_peer, WIRE_ID_LEN);
		mp_read_uint(rd, UINT16_MAX, &port);
		m->relay_op = (uint8_t)op;
		m->relay_port = (uint16_t)port;
		return rd->err;
	}
	case WIRE_PUNCH:
		mp_read_u8(rd, UINT8_MAX, &m->punch_flags);
		mp_read_bin_exact(rd, m->punch_from, WIRE_SHORT_ID_LEN);
		mp_read_bin_exact(rd, m->punch_to, WIRE_SHORT_ID_LEN);
		wire_addr_read(rd, &m->punch_ep);
		return mp_read_u32(rd, WIRE_PUNCH_AT_MAX, &m->punch_at);
	}
	return rd->err;
}

static int read_rumors(struct mp_reader *rd, struct wire_msg *m)
{
	uint32_t n;

	if (mp_enter_array(rd, 0, WIRE_MAX_RUMORS, &n))
		return rd->err;
	for (uint32_t i = 0; i < n; i++) {
		struct wire_rumor *r = &m->rumor[i];

		mp_enter_exact(rd, 4);
		mp_read_bin_exact(rd, r->subject, WIRE_ID_LEN);
		mp_read_uint(rd, UINT64_MAX, &r->version);
		mp_read_u8(rd, WIRE_LIVE_FAILED, &r->state);
		mp_read_bin_exact(rd, r->origin, WIRE_SHORT_ID_LEN);
		if (mp_leave(rd))
			return rd->err;
	}
	m->n_rumors = (uint8_t)n;
	return mp_leave(rd);
}

static int read_records(struct mp_reader *rd, struct wire_msg *m)
{
	uint32_t n;

	if (mp_enter_array(rd, 0, WIRE_MAX_RECORDS, &n))
		return rd->err;
	for (uint32_t i = 0; i < n; i++)
		if (record_read(rd, &m->record[i]))
			return rd->err;
	m->n_records = (uint8_t)n;
	return mp_leave(rd);
}

/* Zero bytes only: any other content would be a second form of the message. */
static int read_pad(struct mp_reader *rd, struct wire_msg *m)
{
	const uint8_t *pad;
	size_t n;

	if (mp_read_bin_ref(rd, WIRE_MAX_PLAINTEXT, &pad, &n))
		return rd->err;
	for (size_t i = 0; i < n; i++)
		if (pad[i])
			return mp_fail(rd, -WIRE_ECANON);
	m->pad = (uint16_t)n;
	return 0;
}

/*
 * The type comes first and decides the field count, so any fixarray is
 * read far enough to tell an unknown type (-WIRE_EVERSION: perhaps a
 * newer peer) from a malformed known one.
 */
static int read_header(struct mp_reader *rd, struct wire_msg *m, bool *optional)
{
	uint32_t n;
	int body;

	if (mp_enter_array(rd, 1, 15, &n))
		return rd->err;
	if (mp_read_u8(rd, UINT8_MAX, &m->type))
		return rd->err;
	body = msg_body_fields(m->type);
	if (body < 0)
		return mp_fail(rd, body);
	/* An ACK may carry one optional field (seen) at the end of its body. */
	*optional = m->type == WIRE_ACK && n == MSG_COMMON_FIELDS + (uint32_t)body + 1;
	if (n != MSG_COMMON_FIELDS + (uint32_t)body && !*optional)
		return mp_fail(rd, -WIRE_ETYPE);
	mp_read_bin_exact(rd, m->sender, WIRE_SHORT_ID_LEN);
	return mp_read_u32(rd, UINT32_MAX, &m->seq);
}

int msg_decode(struct wire_msg *m, const uint8_t *buf, size_t len)
{
	struct mp_reader rd;
	bool optional = false;
	int ret;

	if (len > WIRE_MAX_PLAINTEXT)
		return -WIRE_ELIMIT;
	memset(m, 0, sizeof(*m));
	mp_reader_init(&rd, buf, len);
	read_header(&rd, m, &optional);
	read_body(&rd, m, optional);
	read_records(&rd, m);
	read_rumors(&rd, m);
	read_pad(&rd, m);
	mp_leave(&rd);
	ret = mp_reader_finish(&rd);
	return ret ? ret : msg_check(m);
}
