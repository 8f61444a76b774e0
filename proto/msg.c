/* SPDX-License-Identifier: MIT */
#include <limits.h>
#include <string.h>

#include "mp_writer.h"
#include "msg_rules.h"
#include "record.h"
#include "trust.h"

void msg_init(struct wire_msg *m, uint8_t type, const uint8_t sender_id[static WIRE_ID_LEN])
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	memcpy(m->sender, sender_id, WIRE_SHORT_ID_LEN);
}

int msg_body_fields(uint8_t type)
{
	static const int8_t fields[WIRE_TYPE_MAX + 1] = {
		[WIRE_JOIN] = 0, [WIRE_JOIN_ACK] = 2, [WIRE_PING] = 1, [WIRE_PING_REQ] = 2,
		[WIRE_ACK] = 1, [WIRE_NACK] = 1, [WIRE_SYNC_DIGEST] = 6,
		[WIRE_SYNC_ENTRIES] = 4, [WIRE_RECORDS] = 0, [WIRE_LEAVE] = 0,
		[WIRE_TRUST] = 6, [WIRE_RELAY] = 3, [WIRE_PUNCH] = 5,
	};

	if (type == 0 || type > WIRE_TYPE_MAX || fields[type] < 0)
		return -WIRE_EVERSION;
	return fields[type];
}

int msg_fields_of(const struct wire_msg *m)
{
	int n = msg_body_fields(m->type);

	if (n >= 0 && m->type == WIRE_ACK && m->seen.family)
		n++;
	return n;
}

static int check_sync(const struct wire_msg *m)
{
	if (m->sync_flags & ~(uint32_t)WIRE_SYNC_REPLY || m->prefix_len > WIRE_SYNC_MAX_DEPTH)
		return -WIRE_EVALUE;
	/* An odd nibble count leaves the low nibble of the last byte unused. */
	if ((m->prefix_len & 1) && (m->prefix[m->prefix_len / 2] & 0x0f))
		return -WIRE_ECANON;
	/* 16 buckets, or one summing the whole span (the cheap periodic check). */
	if (m->type == WIRE_SYNC_DIGEST && m->n_buckets != 0 && m->n_buckets != 1 &&
	    m->n_buckets != WIRE_SYNC_FANOUT)
		return -WIRE_EVALUE;
	if (m->type == WIRE_SYNC_ENTRIES && m->n_entries > WIRE_MAX_ENTRIES)
		return -WIRE_ELIMIT;
	return 0;
}

/* Hashes sorted and unique: one byte form per page, and a cheap lookup for the receiver. */
static int check_trust(const struct wire_msg *m)
{
	if (m->trust_flags & ~(uint32_t)WIRE_TRUST_FLAGS_KNOWN)
		return -WIRE_EVALUE;
	if (m->n_hashes > WIRE_MAX_TRUST_HASHES || m->n_spends > WIRE_MAX_TRUST_SPENDS ||
	    m->n_revocations > WIRE_MAX_TRUST_REVOCATIONS || m->n_grants > WIRE_MAX_TRUST_GRANTS)
		return -WIRE_ELIMIT;
	if (!(m->trust_flags & WIRE_TRUST_PAGE) &&
	    (m->trust_flags & WIRE_TRUST_MORE || m->n_hashes || m->trust_from))
		return -WIRE_EVALUE;
	for (int i = 0; i < m->n_hashes; i++)
		if (m->hash[i] < m->trust_from || (i && m->hash[i] <= m->hash[i - 1]))
			return -WIRE_ECANON;
	for (int i = 0; i < m->n_spends; i++)
		if (trust_admission_validate(&m->spend[i].adm))
			return -WIRE_EVALUE;
	for (int i = 0; i < m->n_revocations; i++)
		if (trust_revocation_validate(&m->revocation[i]))
			return -WIRE_EVALUE;
	for (int i = 0; i < m->n_grants; i++)
		if (trust_grant_validate(&m->grant[i]))
			return -WIRE_EVALUE;
	return 0;
}

/* A punch names two distinct members and a datagram destination. */
static int check_punch(const struct wire_msg *m)
{
	if (m->punch_flags & ~(uint32_t)WIRE_PUNCH_FLAGS_KNOWN || m->punch_at > WIRE_PUNCH_AT_MAX)
		return -WIRE_EVALUE;
	if (!wire_family_len(m->punch_ep.family) || m->punch_ep.port == 0)
		return -WIRE_EVALUE;
	if (memcmp(m->punch_from, m->punch_to, WIRE_SHORT_ID_LEN) == 0)
		return -WIRE_EVALUE;
	return 0;
}

static int check_body(const struct wire_msg *m)
{
	switch (m->type) {
	case WIRE_JOIN:
	case WIRE_JOIN_ACK:
		if (m->n_records < 1)
			return -WIRE_EVALUE;
		if (m->type == WIRE_JOIN_ACK && !wire_family_len(m->observed.family))
			return -WIRE_EVALUE;
		return 0;
	case WIRE_LEAVE:
		if (m->n_records < 1 || !(m->record[0].flags & WIRE_REC_LEAVING))
			return -WIRE_EVALUE;
		return 0;
	case WIRE_PING_REQ:
		if (!wire_family_len(m->target_addr.family) || m->target_addr.port == 0)
			return -WIRE_EVALUE;
		return 0;
	case WIRE_ACK:
		/* absent, or a usable endpoint: no second form of "absent" */
		if (m->seen.family && (!wire_family_len(m->seen.family) || m->seen.port == 0))
			return -WIRE_EVALUE;
		return 0;
	case WIRE_SYNC_DIGEST:
	case WIRE_SYNC_ENTRIES:
		return check_sync(m);
	case WIRE_TRUST:
		return check_trust(m);
	case WIRE_RELAY:
		if (m->relay_op < WIRE_RELAY_REQ || m->relay_op > WIRE_RELAY_OP_MAX ||
		    (m->relay_op == WIRE_RELAY_OK) != (m->relay_port != 0))
			return -WIRE_EVALUE;
		return 0;
	case WIRE_PUNCH:
		return check_punch(m);
	}
	return 0;
}

int msg_check(const struct wire_msg *m)
{
	int ret = msg_body_fields(m->type);

	if (ret < 0)
		return ret;
	if (m->n_records > WIRE_MAX_RECORDS || m->n_rumors > WIRE_MAX_RUMORS ||
	    m->pad > WIRE_MAX_PLAINTEXT)
		return -WIRE_ELIMIT;
	for (int i = 0; i < m->n_rumors; i++)
		if (m->rumor[i].state > WIRE_LIVE_FAILED)
			return -WIRE_EVALUE;
	return check_body(m);
}

int msg_encoded_size(const struct wire_msg *m)
{
	struct mp_writer w;

	mp_writer_init_count(&w, INT_MAX);
	msg_write(&w, m);
	return mp_writer_result(&w);
}

int msg_record_cost(const struct wire_record *r)
{
	struct mp_writer w;

	/* The records array stays a fixarray up to WIRE_MAX_RECORDS: no header growth. */
	mp_writer_init_count(&w, INT_MAX);
	record_write(&w, r);
	return mp_writer_result(&w);
}

/* The trust object arrays stay fixarrays up to their caps (8): no header growth. */
#define OBJECT_COST(name, type, writer)                                                  \
	int name(const type *o)                                                          \
	{                                                                                \
		struct mp_writer w;                                                      \
		mp_writer_init_count(&w, INT_MAX);                                       \
		writer(&w, o);                                                           \
		return mp_writer_result(&w);                                             \
	}
OBJECT_COST(msg_spend_cost, struct trust_spend, trust_spend_write)
OBJECT_COST(msg_revocation_cost, struct trust_revocation, trust_revocation_write)
OBJECT_COST(msg_grant_cost, struct trust_grant, trust_grant_write)

int msg_pad_to(struct wire_msg *m, size_t size)
{
	size_t d;
	int base;

	if (size > WIRE_MAX_PLAINTEXT)
		return -WIRE_ESPACE;
	m->pad = 0;
	base = msg_encoded_size(m);
	if (base < 0 || (size_t)base >= size)
		return base;
	/*
	 * The empty pad is c4 00; from 256 bytes on its header is c5 xx xx,
	 * one byte longer. So d extra bytes need d zeros below 256 and d - 1
	 * above; exactly 256 extra cannot be hit and becomes 257.
	 */
	d = size - (size_t)base;
	m->pad = (uint16_t)(d < 256 ? d : d == 256 ? 256 : d - 1);
	base = msg_encoded_size(m);
	return base > WIRE_MAX_PLAINTEXT ? -WIRE_ESPACE : base;
}
