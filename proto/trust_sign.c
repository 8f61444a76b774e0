/* SPDX-License-Identifier: MIT */
/* Signing, verification and hashes of the trust objects. */
#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "mp_writer.h"
#include "trust.h"
#include "trust_internal.h"

enum {
	INVITE_CTX_LEN = sizeof(TRUST_INVITE_CONTEXT),
	ADMIT_CTX_LEN = sizeof(TRUST_ADMIT_CONTEXT),
	REVOKE_CTX_LEN = sizeof(TRUST_REVOKE_CONTEXT),
	/* The longest signed form: context + an object's body is below its encoding + 16. */
	SIGNED_MAX = TRUST_OBJECT_MAX_ENCODED + 16,
	BIND_LEN = ADMIT_CTX_LEN + WIRE_ID_LEN + 8,
};

int trust_key_from_seed(uint8_t sk[static TRUST_SECRET_KEY_LEN], uint8_t pk[static WIRE_ID_LEN],
			const uint8_t seed[static TRUST_SEED_LEN])
{
	return crypto_sign_seed_keypair(pk, sk, seed) == 0 ? 0 : -EINVAL;
}

void trust_auth_id(uint8_t out[static WIRE_AUTH_ID_LEN], const uint8_t auth_pub[static WIRE_ID_LEN])
{
	memcpy(out, auth_pub, WIRE_AUTH_ID_LEN);
}

int trust_find_authority(const uint8_t auth[static WIRE_AUTH_ID_LEN],
			 const uint8_t (*authorities)[WIRE_ID_LEN], size_t n_auth)
{
	for (size_t i = 0; i < n_auth; i++)
		if (memcmp(authorities[i], auth, WIRE_AUTH_ID_LEN) == 0)
			return (int)i;
	return -TRUST_EUNKNOWN_AUTH;
}

int trust_signed_bytes(uint8_t *buf, size_t len, const char *context, size_t context_len,
		       uint32_t n_body, void (*write_body)(struct mp_writer *, const void *),
		       const void *obj)
{
	struct mp_writer w;

	if (len < context_len)
		return -WIRE_ESPACE;
	mp_writer_init(&w, buf, len);
	memcpy(buf, context, context_len);
	w.pos = context_len;
	mp_write_array(&w, n_body);
	write_body(&w, obj);
	return mp_writer_result(&w);
}

/* Adapters: the body writers take their own struct type. */
static void invite_body(struct mp_writer *w, const void *o)
{
	trust_invite_write_body(w, o);
}

static void revocation_body(struct mp_writer *w, const void *o)
{
	trust_revocation_write_body(w, o);
}

static int invite_signed(const struct trust_invite *inv, uint8_t buf[static SIGNED_MAX])
{
	if (trust_invite_validate(inv))
		return -WIRE_EVALUE;
	return trust_signed_bytes(buf, SIGNED_MAX, TRUST_INVITE_CONTEXT, INVITE_CTX_LEN,
				  TRUST_INVITE_FIELDS - 1, invite_body, inv);
}

static int revocation_signed(const struct trust_revocation *rev, uint8_t buf[static SIGNED_MAX])
{
	if (trust_revocation_validate(rev))
		return -WIRE_EVALUE;
	return trust_signed_bytes(buf, SIGNED_MAX, TRUST_REVOKE_CONTEXT, REVOKE_CTX_LEN,
				  TRUST_REVOCATION_FIELDS - 1, revocation_body, rev);
}

int trust_auth_verify(const uint8_t auth[static WIRE_AUTH_ID_LEN], const uint8_t sig[static WIRE_SIG_LEN],
		      const uint8_t *msg, size_t len, const uint8_t (*authorities)[WIRE_ID_LEN],
		      size_t n_auth, int bad_sig)
{
	bool known = false;

	/* Two authorities could share a short id: try each that matches. */
	for (size_t i = 0; i < n_auth; i++) {
		if (memcmp(authorities[i], auth, WIRE_AUTH_ID_LEN) != 0)
			continue;
		known = true;
		if (crypto_sign_verify_detached(sig, msg, len, authorities[i]) == 0)
			return 0;
	}
	return known ? bad_sig : -TRUST_EUNKNOWN_AUTH;
}

/* ---- invite ---- */

int trust_invite_sign(struct trust_invite *inv, const uint8_t authority_sk[static TRUST_SECRET_KEY_LEN])
{
	uint8_t buf[SIGNED_MAX];
	int n;

	trust_auth_id(inv->auth, authority_sk + 32);
	n = invite_signed(inv, buf);
	if (n < 0)
		return n;
	crypto_sign_detached(inv->sig, NULL, buf, (unsigned long long)n, authority_sk);
	return 0;
}

int trust_invite_verify(const struct trust_invite *inv, const uint8_t auth_pub[static WIRE_ID_LEN])
{
	uint8_t buf[SIGNED_MAX];
	int n = invite_signed(inv, buf);

	if (n < 0 || memcmp(inv->auth, auth_pub, WIRE_AUTH_ID_LEN) != 0 ||
	    crypto_sign_verify_detached(inv->sig, buf, (unsigned long long)n, auth_pub) != 0)
		return -TRUST_EINVITE_SIG;
	return 0;
}

int trust_invite_digest(uint8_t out[static 16], const struct trust_invite *inv)
{
	uint8_t buf[TRUST_INVITE_MAX_ENCODED];
	int n = trust_invite_encode(inv, buf, sizeof(buf));

	if (n < 0)
		return n;
	crypto_generichash(out, 16, buf, (size_t)n, NULL, 0);
	return 0;
}

/* ---- admission ---- */

static void bind_bytes(uint8_t out[static BIND_LEN], const uint8_t member[static WIRE_ID_LEN],
		       uint64_t admitted_at)
{
	memcpy(out, TRUST_ADMIT_CONTEXT, ADMIT_CTX_LEN);
	memcpy(out + ADMIT_CTX_LEN, member, WIRE_ID_LEN);
	for (int i = 0; i < 8; i++)
		out[ADMIT_CTX_LEN + WIRE_ID_LEN + i] = (uint8_t)(admitted_at >> (56 - 8 * i));
}

int trust_admission_make(struct trust_admission *adm, const struct trust_invite *inv,
			 const uint8_t invite_seed[static TRUST_SEED_LEN],
			 const uint8_t member[static WIRE_ID_LEN], uint64_t admitted_at)
{
	uint8_t sk[TRUST_SECRET_KEY_LEN], pk[WIRE_ID_LEN], msg[BIND_LEN];
	int ret = -WIRE_EVALUE;

	if (trust_invite_validate(inv) || admitted_at > TRUST_TIME_MAX)
		return -WIRE_EVALUE;
	if (trust_key_from_seed(sk, pk, invite_seed))
		goto out;
	if (memcmp(pk, inv->invite_pub, WIRE_ID_LEN) != 0)
		goto out;
	memset(adm, 0, sizeof(*adm));
	adm->invite = *inv;
	adm->admitted_at = admitted_at;
	bind_bytes(msg, member, admitted_at);
	crypto_sign_detached(adm->bind, NULL, msg, sizeof(msg), sk);
	ret = 0;
out:
	sodium_memzero(sk, sizeof(sk));
	return ret;
}

int trust_bind_verify(const struct trust_admission *adm, const uint8_t member[static WIRE_ID_LEN])
{
	uint8_t msg[BIND_LEN];

	bind_bytes(msg, member, adm->admitted_at);
	if (crypto_sign_verify_detached(adm->bind, msg, sizeof(msg), adm->invite.invite_pub) != 0)
		return -TRUST_EBIND;
	return 0;
}

uint64_t trust_admission_expiry(const struct trust_admission *adm)
{
	if (adm->invite.admit_ttl == 0)
		return 0;
	return adm->admitted_at + adm->invite.admit_ttl;  /* both <= 2^40: no wrap */
}

int trust_admission_check_times(const struct trust_admission *adm, uint64_t now)
{
	const struct trust_invite *inv = &adm->invite;

	if (trust_admission_validate(adm))
		return -WIRE_EVALUE;
	if (adm->admitted_at > inv->not_after)
		return -TRUST_EINVITE_EXPIRED;
	if (now <= UINT64_MAX - TRUST_SKEW_S && adm->admitted_at > now + TRUST_SKEW_S)
		return -TRUST_EFUTURE;
	if (inv->admit_ttl && now > adm->admitted_at + inv->admit_ttl + TRUST_SKEW_S)
		return -TRUST_EADMISSION_EXPIRED;
	return 0;
}

/* Invite signature by any configured authority with its short id, then the bind. */
static int check_signatures(const struct trust_admission *adm, const uint8_t member[static WIRE_ID_LEN],
			    const uint8_t (*authorities)[WIRE_ID_LEN], size_t n_auth)
{
	bool signed_ok = false;

	for (size_t i = 0; i < n_auth && !signed_ok; i++)
		if (memcmp(authorities[i], adm->invite.auth, WIRE_AUTH_ID_LEN) == 0)
			signed_ok = trust_invite_verify(&adm->invite, authorities[i]) == 0;
	if (!signed_ok)
		return -TRUST_EINVITE_SIG;
	return trust_bind_verify(adm, member);
}

int trust_admission_check(const struct wire_record *r, const uint8_t (*authorities)[WIRE_ID_LEN],
			  size_t n_auth, uint64_t now)
{
	const struct trust_admission *adm = &r->adm;
	int ret;

	if (!r->has_admission)
		return -TRUST_ENOADMISSION;
	if (trust_find_authority(adm->invite.auth, authorities, n_auth) < 0)
		return -TRUST_EUNKNOWN_AUTH;
	ret = trust_admission_check_times(adm, now);
	if (!ret)
		ret = trust_constraint_check(&adm->invite, r);
	if (ret)
		return ret;
	return check_signatures(adm, r->id, authorities, n_auth);
}

int trust_spend_check(const struct trust_spend *sp, const uint8_t (*authorities)[WIRE_ID_LEN],
		      size_t n_auth, uint64_t now)
{
	const struct trust_admission *adm = &sp->adm;

	if (trust_admission_validate(adm))
		return -WIRE_EVALUE;
	if (trust_find_authority(adm->invite.auth, authorities, n_auth) < 0)
		return -TRUST_EUNKNOWN_AUTH;
	if (adm->admitted_at > adm->invite.not_after)
		return -TRUST_EINVITE_EXPIRED;
	if (now <= UINT64_MAX - TRUST_SKEW_S && adm->admitted_at > now + TRUST_SKEW_S)
		return -TRUST_EFUTURE;
	return check_signatures(adm, sp->member, authorities, n_auth);
}

int trust_spend_from_record(struct trust_spend *sp, const struct wire_record *r)
{
	if (!r->has_admission)
		return -WIRE_EVALUE;
	memset(sp, 0, sizeof(*sp));
	memcpy(sp->member, r->id, WIRE_ID_LEN);
	sp->adm = r->adm;
	return 0;
}

/* ---- revocation ---- */

int trust_revocation_sign(struct trust_revocation *rev,
			  const uint8_t authority_sk[static TRUST_SECRET_KEY_LEN])
{
	uint8_t buf[SIGNED_MAX];
	int n;

	trust_auth_id(rev->auth, authority_sk + 32);
	n = revocation_signed(rev, buf);
	if (n < 0)
		return n;
	crypto_sign_detached(rev->sig, NULL, buf, (unsigned long long)n, authority_sk);
	return 0;
}

int trust_revocation_verify(const struct trust_revocation *rev,
			    const uint8_t (*authorities)[WIRE_ID_LEN], size_t n_auth)
{
	uint8_t buf[SIGNED_MAX];
	int n = revocation_signed(rev, buf);

	if (n < 0)
		return -TRUST_ESIG;
	return trust_auth_verify(rev->auth, rev->sig, buf, (size_t)n, authorities, n_auth,
				 -TRUST_ESIG);
}

/* ---- anti-entropy hashes ---- */

static uint64_t hash64(const uint8_t *buf, int n)
{
	uint8_t h[16];
	uint64_t v = 0;

	if (n <= 0)
		return 0;
	crypto_generichash(h, sizeof(h), buf, (size_t)n, NULL, 0);
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | h[i];
	return v;
}

uint64_t trust_spend_hash(const struct trust_spend *sp)
{
	uint8_t buf[TRUST_SPEND_MAX_ENCODED];

	return hash64(buf, trust_spend_encode(sp, buf, sizeof(buf)));
}

uint64_t trust_revocation_hash(const struct trust_revocation *rev)
{
	uint8_t buf[TRUST_REVOCATION_MAX_ENCODED];

	return hash64(buf, trust_revocation_encode(rev, buf, sizeof(buf)));
}

uint64_t trust_grant_hash(const struct trust_grant *g)
{
	uint8_t buf[TRUST_GRANT_MAX_ENCODED];

	return hash64(buf, trust_grant_encode(g, buf, sizeof(buf)));
}
