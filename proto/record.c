/* SPDX-License-Identifier: MIT */
#include <string.h>
#include <sodium.h>

#include "mp_reader.h"
#include "mp_writer.h"
#include "record.h"
#include "trust.h"
#include "wire_codec.h"

enum { BODY_FIELDS = RECORD_FIELDS - 1, CONTEXT_LEN = sizeof(RECORD_SIG_CONTEXT) };
_Static_assert(RECORD_MAX_ENCODED == RECORD_MAX_OPEN_ENCODED + TRUST_ADMISSION_MAX_ENCODED,
	       "the largest record carries the largest admission");

/* The nine signed fields, in wire order (no array header). */
static int write_body_fields(struct mp_writer *w, const struct wire_record *r)
{
	mp_write_bin(w, r->id, WIRE_ID_LEN);
	mp_write_uint(w, r->version);
	mp_write_str(w, r->name, strlen(r->name));
	mp_write_array(w, r->n_overlay);
	for (int i = 0; i < r->n_overlay; i++)
		wire_prefix_write(w, &r->overlay[i]);
	mp_write_uint(w, r->addr_gen);
	mp_write_array(w, r->n_endpoints);
	for (int i = 0; i < r->n_endpoints; i++)
		wire_addr_write(w, &r->endpoint[i]);
	mp_write_uint(w, r->gossip_port);
	mp_write_uint(w, r->flags);
	mp_write_array(w, r->n_tags);
	for (int i = 0; i < r->n_tags; i++) {
		mp_write_array(w, 2);
		mp_write_str(w, r->tag[i].key, strlen(r->tag[i].key));
		mp_write_str(w, r->tag[i].val, strlen(r->tag[i].val));
	}
	return w->err;
}

int record_write(struct mp_writer *w, const struct wire_record *r)
{
	if (record_validate(r))
		return w->err ? w->err : (w->err = -WIRE_EVALUE);
	mp_write_array(w, RECORD_FIELDS + (r->has_admission ? 1u : 0u));
	write_body_fields(w, r);
	mp_write_bin(w, r->sig, WIRE_SIG_LEN);
	/* Last, so an open-mode record is a prefix-identical 10-array. */
	if (r->has_admission)
		trust_admission_write(w, &r->adm);
	return w->err;
}

/* What the signature covers: context || fixarray 9 body (10 with the admission last). */
static int signed_bytes(const struct wire_record *r, uint8_t buf[static RECORD_MAX_ENCODED])
{
	struct mp_writer w;

	if (record_validate(r))
		return -WIRE_EVALUE;
	mp_writer_init(&w, buf, RECORD_MAX_ENCODED);
	memcpy(buf, RECORD_SIG_CONTEXT, CONTEXT_LEN);
	w.pos = CONTEXT_LEN;
	mp_write_array(&w, BODY_FIELDS + (r->has_admission ? 1u : 0u));
	write_body_fields(&w, r);
	if (r->has_admission)
		trust_admission_write(&w, &r->adm);
	return mp_writer_result(&w);
}

int record_sign(struct wire_record *r, const struct identity *idn)
{
	uint8_t buf[RECORD_MAX_ENCODED];
	int n;

	if (sodium_memcmp(r->id, idn->id, WIRE_ID_LEN) != 0)
		return -WIRE_EVALUE;
	n = signed_bytes(r, buf);
	if (n < 0)
		return n;
	crypto_sign_detached(r->sig, NULL, buf, (unsigned long long)n, idn->sk);
	return 0;
}

int record_verify(const struct wire_record *r)
{
	uint8_t buf[RECORD_MAX_ENCODED];
	int n = signed_bytes(r, buf);

	if (n < 0)
		return -WIRE_EAUTH;
	if (crypto_sign_verify_detached(r->sig, buf, (unsigned long long)n, r->id) != 0)
		return -WIRE_EAUTH;
	return 0;
}

int record_encode(const struct wire_record *r, uint8_t *buf, size_t len)
{
	struct mp_writer w;

	mp_writer_init(&w, buf, len);
	record_write(&w, r);
	return mp_writer_result(&w);
}

static int read_tags(struct mp_reader *rd, struct wire_record *r)
{
	uint32_t n;
	size_t len;

	if (mp_enter_array(rd, 0, WIRE_MAX_TAGS, &n))
		return rd->err;
	for (uint32_t i = 0; i < n; i++) {
		mp_enter_exact(rd, 2);
		mp_read_str(rd, r->tag[i].key, WIRE_TAG_KEY_MAX, &len);
		mp_read_str(rd, r->tag[i].val, WIRE_TAG_VAL_MAX, &len);
		if (mp_leave(rd))
			return rd->err;
	}
	r->n_tags = (uint8_t)n;
	return mp_leave(rd);
}

static int read_addrs(struct mp_reader *rd, struct wire_record *r)
{
	uint32_t n;

	if (mp_enter_array(rd, 0, WIRE_MAX_OVERLAY, &n))
		return rd->err;
	for (uint32_t i = 0; i < n; i++)
		wire_prefix_read(rd, &r->overlay[i]);
	r->n_overlay = (uint8_t)n;
	mp_leave(rd);
	mp_read_u8(rd, UINT8_MAX, &r->addr_gen);
	if (mp_enter_array(rd, 0, WIRE_MAX_ENDPOINTS, &n))
		return rd->err;
	for (uint32_t i = 0; i < n; i++)
		wire_addr_read(rd, &r->endpoint[i]);
	r->n_endpoints = (uint8_t)n;
	return mp_leave(rd);
}

int record_read(struct mp_reader *rd, struct wire_record *r)
{
	uint32_t fields = 0;
	size_t len;

	memset(r, 0, sizeof(*r));
	mp_enter_array(rd, RECORD_FIELDS, RECORD_FIELDS + 1, &fields);
	mp_read_bin_exact(rd, r->id, WIRE_ID_LEN);
	mp_read_uint(rd, UINT64_MAX, &r->version);
	mp_read_str(rd, r->name, WIRE_NAME_MAX, &len);
	read_addrs(rd, r);
	mp_read_u16(rd, UINT16_MAX, &r->gossip_port);
	mp_read_u32(rd, UINT32_MAX, &r->flags);
	read_tags(rd, r);
	mp_read_bin_exact(rd, r->sig, WIRE_SIG_LEN);
	if (fields == RECORD_FIELDS + 1) {
		r->has_admission = true;
		trust_admission_read(rd, &r->adm);
	}
	if (mp_leave(rd))
		return rd->err;
	if (record_validate(r))
		return mp_fail(rd, -WIRE_EVALUE);
	return 0;
}

int record_decode(struct wire_record *r, const uint8_t *buf, size_t len)
{
	struct mp_reader rd;

	if (len > RECORD_MAX_ENCODED)
		return -WIRE_ELIMIT;
	mp_reader_init(&rd, buf, len);
	record_read(&rd, r);
	return mp_reader_finish(&rd);
}

static bool tags_same(const struct wire_record *a, const struct wire_record *b)
{
	if (a->n_tags != b->n_tags || a->n_tags > WIRE_MAX_TAGS)
		return false;
	for (int i = 0; i < a->n_tags; i++)
		if (strncmp(a->tag[i].key, b->tag[i].key, sizeof(a->tag[i].key)) ||
		    strncmp(a->tag[i].val, b->tag[i].val, sizeof(a->tag[i].val)))
			return false;
	return true;
}

static bool addrs_same(const struct wire_record *a, const struct wire_record *b)
{
	if (a->n_overlay != b->n_overlay || a->n_overlay > WIRE_MAX_OVERLAY ||
	    a->n_endpoints != b->n_endpoints || a->n_endpoints > WIRE_MAX_ENDPOINTS)
		return false;
	for (int i = 0; i < a->n_overlay; i++)
		if (!wire_prefix_same_ip(&a->overlay[i], &b->overlay[i]) ||
		    a->overlay[i].len != b->overlay[i].len)
			return false;
	for (int i = 0; i < a->n_endpoints; i++)
		if (!wire_addr_equal(&a->endpoint[i], &b->endpoint[i]))
			return false;
	return true;
}

/* Field by field, so unused slots and bytes after a NUL do not count. */
int record_same(const struct wire_record *a, const struct wire_record *b)
{
	return memcmp(a->id, b->id, WIRE_ID_LEN) == 0 && a->version == b->version &&
	       strncmp(a->name, b->name, sizeof(a->name)) == 0 && addrs_same(a, b) &&
	       a->addr_gen == b->addr_gen && a->gossip_port == b->gossip_port &&
	       a->flags == b->flags && tags_same(a, b) &&
	       memcmp(a->sig, b->sig, WIRE_SIG_LEN) == 0 && a->has_admission == b->has_admission &&
	       (!a->has_admission || trust_admission_same(&a->adm, &b->adm));
}
