/* SPDX-License-Identifier: MIT */
/*
 * Network-key grants (T9): the new key sealed to one member's WireGuard
 * (X25519) key, which is derived from its id, so only that member's
 * identity opens it; signed by an authority so nobody else can hand out
 * keys.
 */
#include <errno.h>
#include <sodium.h>
#include <string.h>

#include "mp_writer.h"
#include "trust.h"
#include "trust_internal.h"

_Static_assert(WIRE_SEALED_KEY_LEN == WIRE_KEY_LEN + crypto_box_SEALBYTES, "sealed key size");

enum { GRANT_CTX_LEN = sizeof(TRUST_GRANT_CONTEXT), GRANT_SIGNED_MAX = TRUST_GRANT_MAX_ENCODED + 16 };

static void grant_body(struct mp_writer *w, const void *o)
{
	trust_grant_write_body(w, o);
}

static int grant_signed(const struct trust_grant *g, uint8_t buf[static GRANT_SIGNED_MAX])
{
	if (trust_grant_validate(g))
		return -WIRE_EVALUE;
	return trust_signed_bytes(buf, GRANT_SIGNED_MAX, TRUST_GRANT_CONTEXT, GRANT_CTX_LEN,
				  TRUST_GRANT_FIELDS - 1, grant_body, g);
}

void trust_key_hash(uint8_t out[static WIRE_KEY_HASH_LEN], const uint8_t key[static WIRE_KEY_LEN])
{
	crypto_generichash(out, WIRE_KEY_HASH_LEN, key, WIRE_KEY_LEN, NULL, 0);
}

int trust_grant_seal(struct trust_grant *g, const uint8_t key[static WIRE_KEY_LEN],
		     const uint8_t member[static WIRE_ID_LEN], uint32_t epoch, uint64_t activate_at,
		     const uint8_t authority_sk[static TRUST_SECRET_KEY_LEN])
{
	uint8_t wg_pub[WIRE_KEY_LEN], buf[GRANT_SIGNED_MAX];
	int n;

	memset(g, 0, sizeof(*g));
	if (identity_wg_public(wg_pub, member) != 0)
		return -EINVAL;
	trust_auth_id(g->auth, authority_sk + 32);
	g->epoch = epoch;
	g->activate_at = activate_at;
	memcpy(g->member, member, WIRE_ID_LEN);
	if (crypto_box_seal(g->sealed, key, WIRE_KEY_LEN, wg_pub) != 0)
		return -EINVAL;
	trust_key_hash(g->key_hash, key);
	n = grant_signed(g, buf);
	if (n < 0)
		return n;
	crypto_sign_detached(g->sig, NULL, buf, (unsigned long long)n, authority_sk);
	return 0;
}

int trust_grant_verify(const struct trust_grant *g, const uint8_t (*authorities)[WIRE_ID_LEN],
		       size_t n_auth)
{
	uint8_t buf[GRANT_SIGNED_MAX];
	int n = grant_signed(g, buf);

	if (n < 0)
		return -TRUST_ESIG;
	return trust_auth_verify(g->auth, g->sig, buf, (size_t)n, authorities, n_auth, -TRUST_ESIG);
}

int trust_grant_open(const struct identity *idn, const struct trust_grant *g,
		     uint8_t key[static WIRE_KEY_LEN])
{
	uint8_t h[WIRE_KEY_HASH_LEN];

	if (sodium_memcmp(g->member, idn->id, WIRE_ID_LEN) != 0)
		goto fail;
	if (crypto_box_seal_open(key, g->sealed, WIRE_SEALED_KEY_LEN, idn->wg_public,
				 idn->wg_private) != 0)
		goto fail;
	trust_key_hash(h, key);
	if (sodium_memcmp(h, g->key_hash, sizeof(h)) != 0)
		goto fail;
	return 0;
fail:
	sodium_memzero(key, WIRE_KEY_LEN);
	return -TRUST_EGRANT;
}
