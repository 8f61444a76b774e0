/* SPDX-License-Identifier: MIT */
/*
 * Canonical msgpack forms of the trust objects (layouts in trust.h).
 * Writers refuse what readers refuse (trust_*_validate), so every valid
 * object has exactly one byte form and decode/encode are inverses.
 */
#include <string.h>

#include "mp_reader.h"
#include "mp_writer.h"
#include "trust.h"
#include "trust_internal.h"
#include "wire_codec.h"

static int fail_w(struct mp_writer *w, int err)
{
	return w->err ? w->err : (w->err = err);
}

/* ---- invite ---- */

void trust_invite_write_body(struct mp_writer *w, const struct trust_invite *inv)
{
	mp_write_bin(w, inv->auth, WIRE_AUTH_ID_LEN);
	mp_write_bin(w, inv->invite_pub, WIRE_ID_LEN);
	mp_write_uint(w, inv->not_after);
	mp_write_uint(w, inv->uses);
	mp_write_uint(w, inv->admit_ttl);
	mp_write_uint(w, inv->constrain);
	mp_write_bin(w, inv->constraint, WIRE_CONSTRAINT_LEN);
}

int trust_invite_write(struct mp_writer *w, const struct trust_invite *inv)
{
	if (trust_invite_validate(inv))
		return fail_w(w, -WIRE_EVALUE);
	mp_write_array(w, TRUST_INVITE_FIELDS);
	trust_invite_write_body(w, inv);
	return mp_write_bin(w, inv->sig, WIRE_SIG_LEN);
}

int trust_invite_read(struct mp_reader *rd, struct trust_invite *inv)
{
	memset(inv, 0, sizeof(*inv));
	mp_enter_exact(rd, TRUST_INVITE_FIELDS);
	mp_read_bin_exact(rd, inv->auth, WIRE_AUTH_ID_LEN);
	mp_read_bin_exact(rd, inv->invite_pub, WIRE_ID_LEN);
	mp_read_uint(rd, TRUST_TIME_MAX, &inv->not_after);
	mp_read_u16(rd, TRUST_MAX_USES, &inv->uses);
	mp_read_uint(rd, TRUST_TIME_MAX, &inv->admit_ttl);
	mp_read_u8(rd, TRUST_CONSTRAIN_KNOWN, &inv->constrain);
	mp_read_bin_exact(rd, inv->constraint, WIRE_CONSTRAINT_LEN);
	mp_read_bin_exact(rd, inv->sig, WIRE_SIG_LEN);
	if (mp_leave(rd))
		return rd->err;
	if (trust_invite_validate(inv))
		return mp_fail(rd, -WIRE_EVALUE);
	return 0;
}

/* ---- admission, spend ---- */

int trust_admission_write(struct mp_writer *w, const struct trust_admission *adm)
{
	if (trust_admission_validate(adm))
		return fail_w(w, -WIRE_EVALUE);
	mp_write_array(w, 3);
	trust_invite_write(w, &adm->invite);
	mp_write_uint(w, adm->admitted_at);
	return mp_write_bin(w, adm->bind, WIRE_SIG_LEN);
}

int trust_admission_read(struct mp_reader *rd, struct trust_admission *adm)
{
	memset(adm, 0, sizeof(*adm));
	mp_enter_exact(rd, 3);
	trust_invite_read(rd, &adm->invite);
	mp_read_uint(rd, TRUST_TIME_MAX, &adm->admitted_at);
	mp_read_bin_exact(rd, adm->bind, WIRE_SIG_LEN);
	if (mp_leave(rd))
		return rd->err;
	if (trust_admission_validate(adm))
		return mp_fail(rd, -WIRE_EVALUE);
	return 0;
}

int trust_spend_write(struct mp_writer *w, const struct trust_spend *sp)
{
	mp_write_array(w, 2);
	mp_write_bin(w, sp->member, WIRE_ID_LEN);
	return trust_admission_write(w, &sp->adm);
}

int trust_spend_read(struct mp_reader *rd, struct trust_spend *sp)
{
	memset(sp, 0, sizeof(*sp));
	mp_enter_exact(rd, 2);
	mp_read_bin_exact(rd, sp->member, WIRE_ID_LEN);
	trust_admission_read(rd, &sp->adm);
	return mp_leave(rd);
}

/* ---- revocation ---- */

void trust_revocation_write_body(struct mp_writer *w, const struct trust_revocation *rev)
{
	mp_write_bin(w, rev->auth, WIRE_AUTH_ID_LEN);
	mp_write_uint(w, rev->kind);
	mp_write_bin(w, rev->target, WIRE_ID_LEN);
	mp_write_uint(w, rev->revoked_at);
	mp_write_array(w, rev->n_overlay);
	for (int i = 0; i < rev->n_overlay && i < WIRE_MAX_OVERLAY; i++)
		wire_prefix_write(w, &rev->overlay[i]);
}

int trust_revocation_write(struct mp_writer *w, const struct trust_revocation *rev)
{
	if (trust_revocation_validate(rev))
		return fail_w(w, -WIRE_EVALUE);
	mp_write_array(w, TRUST_REVOCATION_FIELDS);
	trust_revocation_write_body(w, rev);
	return mp_write_bin(w, rev->sig, WIRE_SIG_LEN);
}

int trust_revocation_read(struct mp_reader *rd, struct trust_revocation *rev)
{
	uint32_t n;

	memset(rev, 0, sizeof(*rev));
	mp_enter_exact(rd, TRUST_REVOCATION_FIELDS);
	mp_read_bin_exact(rd, rev->auth, WIRE_AUTH_ID_LEN);
	mp_read_u8(rd, TRUST_REVOKE_INVITE, &rev->kind);
	mp_read_bin_exact(rd, rev->target, WIRE_ID_LEN);
	mp_read_uint(rd, TRUST_TIME_MAX, &rev->revoked_at);
	if (mp_enter_array(rd, 0, WIRE_MAX_OVERLAY, &n))
		return rd->err;
	for (uint32_t i = 0; i < n; i++)
		wire_prefix_read(rd, &rev->overlay[i]);
	rev->n_overlay = (uint8_t)n;
	mp_leave(rd);
	mp_read_bin_exact(rd, rev->sig, WIRE_SIG_LEN);
	if (mp_leave(rd))
		return rd->err;
	if (trust_revocation_validate(rev))
		return mp_fail(rd, -WIRE_EVALUE);
	return 0;
}

/* ---- grant ---- */

void trust_grant_write_body(struct mp_writer *w, const struct trust_grant *g)
{
	mp_write_bin(w, g->auth, WIRE_AUTH_ID_LEN);
	mp_write_uint(w, g->epoch);
	mp_write_uint(w, g->activate_at);
	mp_write_bin(w, g->member, WIRE_ID_LEN);
	mp_write_bin(w, g->sealed, WIRE_SEALED_KEY_LEN);
	mp_write_bin(w, g->key_hash, WIRE_KEY_HASH_LEN);
}

int trust_grant_write(struct mp_writer *w, const struct trust_grant *g)
{
	if (trust_grant_validate(g))
		return fail_w(w, -WIRE_EVALUE);
	mp_write_array(w, TRUST_GRANT_FIELDS);
	trust_grant_write_body(w, g);
	return mp_write_bin(w, g->sig, WIRE_SIG_LEN);
}

int trust_grant_read(struct mp_reader *rd, struct trust_grant *g)
{
	memset(g, 0, sizeof(*g));
	mp_enter_exact(rd, TRUST_GRANT_FIELDS);
	mp_read_bin_exact(rd, g->auth, WIRE_AUTH_ID_LEN);
	mp_read_u32(rd, UINT32_MAX, &g->epoch);
	mp_read_uint(rd, TRUST_TIME_MAX, &g->activate_at);
	mp_read_bin_exact(rd, g->member, WIRE_ID_LEN);
	mp_read_bin_exact(rd, g->sealed, WIRE_SEALED_KEY_LEN);
	mp_read_bin_exact(rd, g->key_hash, WIRE_KEY_HASH_LEN);
	mp_read_bin_exact(rd, g->sig, WIRE_SIG_LEN);
	if (mp_leave(rd))
		return rd->err;
	if (trust_grant_validate(g))
		return mp_fail(rd, -WIRE_EVALUE);
	return 0;
}

/* ---- whole-buffer forms ---- */

#define ENCODE_DECODE(kind, type, max)                                                   \
	int trust_##kind##_encode(const type *o, uint8_t *buf, size_t len)               \
	{                                                                                \
		struct mp_writer w;                                                      \
		mp_writer_init(&w, buf, len);                                            \
		trust_##kind##_write(&w, o);                                             \
		return mp_writer_result(&w);                                             \
	}                                                                                \
	int trust_##kind##_decode(type *o, const uint8_t *buf, size_t len)               \
	{                                                                                \
		struct mp_reader rd;                                                     \
		if (len > (max))                                                         \
			return -WIRE_ELIMIT;                                             \
		mp_reader_init(&rd, buf, len);                                           \
		trust_##kind##_read(&rd, o);                                             \
		return mp_reader_finish(&rd);                                            \
	}

ENCODE_DECODE(invite, struct trust_invite, TRUST_INVITE_MAX_ENCODED)
ENCODE_DECODE(admission, struct trust_admission, TRUST_ADMISSION_MAX_ENCODED)
ENCODE_DECODE(spend, struct trust_spend, TRUST_SPEND_MAX_ENCODED)
ENCODE_DECODE(revocation, struct trust_revocation, TRUST_REVOCATION_MAX_ENCODED)
ENCODE_DECODE(grant, struct trust_grant, TRUST_GRANT_MAX_ENCODED)

int trust_admission_same(const struct trust_admission *a, const struct trust_admission *b)
{
	uint8_t ba[TRUST_ADMISSION_MAX_ENCODED], bb[TRUST_ADMISSION_MAX_ENCODED];
	int na = trust_admission_encode(a, ba, sizeof(ba));
	int nb = trust_admission_encode(b, bb, sizeof(bb));

	return na > 0 && na == nb && memcmp(ba, bb, (size_t)na) == 0;
}
