/* SPDX-License-Identifier: MIT */
#include "mp_writer.h"
#include "msg_rules.h"
#include "record.h"
#include "trust.h"
#include "wire_codec.h"

static void write_sync_prefix(struct mp_writer *w, const struct wire_msg *m)
{
	mp_write_uint(w, m->sync_flags);
	mp_write_uint(w, m->prefix_len);
	mp_write_bin(w, m->prefix, (m->prefix_len + 1u) / 2);
}

static void write_trust(struct mp_writer *w, const struct wire_msg *m)
{
	mp_write_uint(w, m->trust_flags);
	mp_write_uint(w, m->trust_from);
	mp_write_array(w, m->n_hashes);
	for (int i = 0; i < m->n_hashes; i++)
		mp_write_uint(w, m->hash[i]);
	mp_write_array(w, m->n_spends);
	for (int i = 0; i < m->n_spends; i++)
		trust_spend_write(w, &m->spend[i]);
	mp_write_array(w, m->n_revocations);
	for (int i = 0; i < m->n_revocations; i++)
		trust_revocation_write(w, &m->revocation[i]);
	mp_write_array(w, m->n_grants);
	for (int i = 0; i < m->n_grants; i++)
		trust_grant_write(w, &m->grant[i]);
}

static void write_body(struct mp_writer *w, const struct wire_msg *m)
{
	switch (m->type) {
	case WIRE_JOIN_ACK:
		wire_addr_write(w, &m->observed);
		wire_prefix_write(w, &m->overlay_prefix);
		break;
	case WIRE_PING:
	case WIRE_NACK:
		mp_write_bin(w, m->target, WIRE_SHORT_ID_LEN);
		break;
	case WIRE_ACK:
		mp_write_bin(w, m->target, WIRE_SHORT_ID_LEN);
		if (m->seen.family)
			wire_addr_write(w, &m->seen);
		break;
	case WIRE_PING_REQ:
		mp_write_bin(w, m->target, WIRE_SHORT_ID_LEN);
		wire_addr_write(w, &m->target_addr);
		break;
	case WIRE_SYNC_DIGEST:
		write_sync_prefix(w, m);
		mp_write_array(w, m->n_buckets);
		for (int i = 0; i < m->n_buckets; i++) {
			mp_write_array(w, 2);
			mp_write_uint(w, m->bucket[i].hash);
			mp_write_uint(w, m->bucket[i].count);
		}
		mp_write_uint(w, m->trust_count);
		mp_write_uint(w, m->trust_digest);
		break;
	case WIRE_SYNC_ENTRIES:
		write_sync_prefix(w, m);
		mp_write_array(w, m->n_entries);
		for (int i = 0; i < m->n_entries; i++) {
			mp_write_array(w, 2);
			mp_write_bin(w, m->entry[i].id, WIRE_SHORT_ID_LEN);
			mp_write_uint(w, m->entry[i].version);
		}
		break;
	case WIRE_TRUST:
		write_trust(w, m);
		break;
	case WIRE_RELAY:
		mp_write_uint(w, m->relay_op);
		mp_write_bin(w, m->relay_peer, WIRE_ID_LEN);
		mp_write_uint(w, m->relay_port);
		break;
	case WIRE_PUNCH:
		mp_write_uint(w, m->punch_flags);
		mp_write_bin(w, m->punch_from, WIRE_SHORT_ID_LEN);
		mp_write_bin(w, m->punch_to, WIRE_SHORT_ID_LEN);
		wire_addr_write(w, &m->punch_ep);
		mp_write_uint(w, m->punch_at);
		break;
	}
}

static void write_rumor(struct mp_writer *w, const struct wire_rumor *r)
{
	mp_write_array(w, 4);
	mp_write_bin(w, r->subject, WIRE_ID_LEN);
	mp_write_uint(w, r->version);
	mp_write_uint(w, r->state);
	mp_write_bin(w, r->origin, WIRE_SHORT_ID_LEN);
}

int msg_write(struct mp_writer *w, const struct wire_msg *m)
{
	int ret = msg_check(m);

	if (ret < 0)
		return w->err ? w->err : (w->err = ret);
	mp_write_array(w, MSG_COMMON_FIELDS + (uint32_t)msg_fields_of(m));
	mp_write_uint(w, m->type);
	mp_write_bin(w, m->sender, WIRE_SHORT_ID_LEN);
	mp_write_uint(w, m->seq);
	write_body(w, m);
	mp_write_array(w, m->n_records);
	for (int i = 0; i < m->n_records; i++)
		record_write(w, &m->record[i]);
	mp_write_array(w, m->n_rumors);
	for (int i = 0; i < m->n_rumors; i++)
		write_rumor(w, &m->rumor[i]);
	return mp_write_zero_bin(w, m->pad);
}

int msg_encode(const struct wire_msg *m, uint8_t *buf, size_t len)
{
	struct mp_writer w;

	mp_writer_init(&w, buf, len < WIRE_MAX_PLAINTEXT ? len : WIRE_MAX_PLAINTEXT);
	msg_write(&w, m);
	return mp_writer_result(&w);
}
