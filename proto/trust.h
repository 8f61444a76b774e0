/* SPDX-License-Identifier: MIT */
/*
 * Trust objects of authority mode (issue 10, PLAN10 T2-T9): invite
 * certificates, admissions, spends, revocations and key grants. The
 * structs are in wire.h (a record carries an admission); this header has
 * their canonical msgpack forms, signatures, hashes and the pure
 * admission rules. No clocks: `now` is unix seconds passed in.
 *
 * Wire forms (canonical msgpack; decoders refuse any other byte form,
 * check every count against its cap and the bytes left):
 *   invite     [auth bin8, invite_pub bin32, not_after uint, uses uint,
 *               admit_ttl uint, constrain uint, constraint bin16, sig bin64]
 *   admission  [invite, admitted_at uint, bind bin64]
 *   spend      [member bin32, admission]
 *   revocation [auth bin8, kind uint, target bin32, revoked_at uint,
 *               overlay array (0..2) of prefix, sig bin64]
 *   grant      [auth bin8, epoch uint, activate_at uint, member bin32,
 *               sealed bin80, key_hash bin16, sig bin64]
 *
 * Signatures (Ed25519, detached). Each signs its context string WITH its
 * NUL, then the body (all fields but sig) as its own fixarray, the same
 * shape as record signatures (record.h), so no signature is ever valid
 * for another kind of object:
 *   invite      authority key, TRUST_INVITE_CONTEXT || fixarray 7
 *   revocation  authority key, TRUST_REVOKE_CONTEXT || fixarray 5
 *   grant       authority key, TRUST_GRANT_CONTEXT  || fixarray 6
 *   bind        invite key,    TRUST_ADMIT_CONTEXT || member id (32) ||
 *                              admitted_at (8 bytes, big-endian)
 *
 * Secret keys are libsodium's 64-byte Ed25519 form (seed || public key);
 * trust_key_from_seed() builds one from a 32-byte seed (authority key
 * file, invite secret). Callers wipe them with sodium_memzero.
 */
#ifndef MESHD_PROTO_TRUST_H
#define MESHD_PROTO_TRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "wire.h"
#include "identity.h"

#define TRUST_INVITE_CONTEXT "meshd invite v1"  /* signed with its NUL: 16 bytes */
#define TRUST_ADMIT_CONTEXT "meshd admit v1"    /* 15 bytes */
#define TRUST_REVOKE_CONTEXT "meshd revoke v1"  /* 16 bytes */
#define TRUST_GRANT_CONTEXT "meshd grant v1"    /* 15 bytes */

/* Far beyond any real date (year ~36800), far below 2^64: no sum of two wraps. */
#define TRUST_TIME_MAX (UINT64_C(1) << 40)

enum {
	TRUST_SKEW_S = 300,          /* clock-skew tolerance, both directions */
	TRUST_MAX_USES = 1000,       /* invite.uses is 1..this */
	TRUST_SECRET_KEY_LEN = 64,   /* Ed25519 secret key: seed || public */
	TRUST_SEED_LEN = 32,

	/* Exact sizes of the largest valid encodings. */
	TRUST_INVITE_MAX_ENCODED = 151,
	TRUST_ADMISSION_MAX_ENCODED = 227,
	TRUST_SPEND_MAX_ENCODED = 262,
	TRUST_REVOCATION_MAX_ENCODED = 153,
	TRUST_GRANT_MAX_ENCODED = 225,
	TRUST_OBJECT_MAX_ENCODED = TRUST_SPEND_MAX_ENCODED,
};

/* invite.constrain bits: which of the record's fields the constraint pins. */
#define TRUST_CONSTRAIN_NAME (1U << 0)
#define TRUST_CONSTRAIN_ADDRESS (1U << 1)  /* the record's whole overlay list */
#define TRUST_CONSTRAIN_TAGS (1U << 2)     /* the record's whole tag list, in order */
#define TRUST_CONSTRAIN_KNOWN (TRUST_CONSTRAIN_NAME | TRUST_CONSTRAIN_ADDRESS | TRUST_CONSTRAIN_TAGS)

enum trust_revoke_kind { TRUST_REVOKE_MEMBER = 1, TRUST_REVOKE_INVITE = 2 };

/*
 * Why a trust check failed. Returned negated (-TRUST_E*), like the
 * -WIRE_E* codes; wire_strerror() and trust_strerror() give the text,
 * trust_reason_name() a short metric label (reason="...").
 */
enum trust_reason {
	TRUST_ENOADMISSION = 1100,   /* authority mode, record has no admission */
	TRUST_EUNKNOWN_AUTH,         /* signed by no configured authority */
	TRUST_EINVITE_SIG,           /* invite certificate signature bad */
	TRUST_EINVITE_EXPIRED,       /* admitted after the invite's not_after */
	TRUST_EADMISSION_EXPIRED,    /* admitted_at + admit_ttl (+ skew) has passed */
	TRUST_EFUTURE,               /* admitted_at (or revoked_at...) beyond now + skew */
	TRUST_EBIND,                 /* bind does not verify for this member */
	TRUST_ECONSTRAINT,           /* record's name/overlay/tags differ from the invite's */
	TRUST_ESIG,                  /* revocation or grant signature bad */
	TRUST_EREVOKED,              /* member or invite revoked (gossip/ decides) */
	TRUST_EOVERSPENT,            /* spend lost to `uses` earlier spends (gossip/ decides) */
	TRUST_EGRANT,                /* grant not for us, or does not open, or key_hash differs */
	TRUST_REASON_END,
};
const char *trust_strerror(int err);     /* any -TRUST_E*; others via wire_strerror */
const char *trust_reason_name(int err);  /* "unknown_authority", ...; "other" otherwise */

/* ---- keys ---- */

/* Ed25519 key pair from a 32-byte seed; 0 or -EINVAL. */
int trust_key_from_seed(uint8_t sk[static TRUST_SECRET_KEY_LEN], uint8_t pk[static WIRE_ID_LEN],
			const uint8_t seed[static TRUST_SEED_LEN]);
/* Short id (first 8 bytes) of an authority public key. */
void trust_auth_id(uint8_t out[static WIRE_AUTH_ID_LEN], const uint8_t auth_pub[static WIRE_ID_LEN]);
/*
 * Index of the first configured authority whose short id is `auth`, or
 * -TRUST_EUNKNOWN_AUTH: the free check before any signature. (The
 * verifiers try every authority with that short id.)
 */
int trust_find_authority(const uint8_t auth[static WIRE_AUTH_ID_LEN],
			 const uint8_t (*authorities)[WIRE_ID_LEN], size_t n_auth);

/* ---- value rules (what the encoding cannot say); 0 or -WIRE_EVALUE ---- */
int trust_invite_validate(const struct trust_invite *inv);
int trust_admission_validate(const struct trust_admission *adm);
int trust_revocation_validate(const struct trust_revocation *rev);
int trust_grant_validate(const struct trust_grant *g);

/* ---- canonical encodings ----
 * *_encode: bytes written or a negative error (-WIRE_ESPACE, -WIRE_EVALUE).
 * *_decode: exactly one object, no trailing bytes; refuses non-canonical
 *           input and invalid values; does NOT verify signatures.
 * *_write / *_read: the streaming forms used inside records and messages.
 */
struct mp_reader;
struct mp_writer;
int trust_invite_write(struct mp_writer *w, const struct trust_invite *inv);
int trust_invite_read(struct mp_reader *rd, struct trust_invite *inv);
int trust_invite_encode(const struct trust_invite *inv, uint8_t *buf, size_t len);
int trust_invite_decode(struct trust_invite *inv, const uint8_t *buf, size_t len);

int trust_admission_write(struct mp_writer *w, const struct trust_admission *adm);
int trust_admission_read(struct mp_reader *rd, struct trust_admission *adm);
int trust_admission_encode(const struct trust_admission *adm, uint8_t *buf, size_t len);
int trust_admission_decode(struct trust_admission *adm, const uint8_t *buf, size_t len);

int trust_spend_write(struct mp_writer *w, const struct trust_spend *sp);
int trust_spend_read(struct mp_reader *rd, struct trust_spend *sp);
int trust_spend_encode(const struct trust_spend *sp, uint8_t *buf, size_t len);
int trust_spend_decode(struct trust_spend *sp, const uint8_t *buf, size_t len);

int trust_revocation_write(struct mp_writer *w, const struct trust_revocation *rev);
int trust_revocation_read(struct mp_reader *rd, struct trust_revocation *rev);
int trust_revocation_encode(const struct trust_revocation *rev, uint8_t *buf, size_t len);
int trust_revocation_decode(struct trust_revocation *rev, const uint8_t *buf, size_t len);

int trust_grant_write(struct mp_writer *w, const struct trust_grant *g);
int trust_grant_read(struct mp_reader *rd, struct trust_grant *g);
int trust_grant_encode(const struct trust_grant *g, uint8_t *buf, size_t len);
int trust_grant_decode(struct trust_grant *g, const uint8_t *buf, size_t len);

/* 1 if a and b encode to the same bytes, else 0. */
int trust_admission_same(const struct trust_admission *a, const struct trust_admission *b);

/*
 * Anti-entropy hash of a trust object (T8): the first 8 bytes of
 * BLAKE2b-128 over its canonical encoding, read little-endian (libsodium
 * has no 64-bit BLAKE2b output). The three kinds' encodings are arrays
 * of different lengths, so their hashes never collide by construction.
 * The trust digest of a set = its count and the xor of these hashes.
 * An object that does not encode (invalid) hashes to 0.
 */
uint64_t trust_spend_hash(const struct trust_spend *sp);
uint64_t trust_revocation_hash(const struct trust_revocation *rev);
uint64_t trust_grant_hash(const struct trust_grant *g);
/* Cache key of a verified invite certificate: BLAKE2b-128 of its encoding (sig included). */
int trust_invite_digest(uint8_t out[static 16], const struct trust_invite *inv);

/* ---- signing (authority / invite holder side) ----
 * Each fills the signer's short id (auth) from the key, then sig;
 * 0 or -WIRE_EVALUE for an invalid object. */
int trust_invite_sign(struct trust_invite *inv, const uint8_t authority_sk[static TRUST_SECRET_KEY_LEN]);
int trust_revocation_sign(struct trust_revocation *rev,
			  const uint8_t authority_sk[static TRUST_SECRET_KEY_LEN]);
/*
 * Admission of `member` at admitted_at through `inv`, with the invite
 * secret (its 32-byte seed; must match inv->invite_pub, else -WIRE_EVALUE).
 */
int trust_admission_make(struct trust_admission *adm, const struct trust_invite *inv,
			 const uint8_t invite_seed[static TRUST_SEED_LEN],
			 const uint8_t member[static WIRE_ID_LEN], uint64_t admitted_at);

/* ---- verification (one Ed25519 check each) ---- */
/* Invite signature by this authority public key: 0 or -TRUST_EINVITE_SIG. */
int trust_invite_verify(const struct trust_invite *inv, const uint8_t auth_pub[static WIRE_ID_LEN]);
/* Bind over member id: 0 or -TRUST_EBIND. */
int trust_bind_verify(const struct trust_admission *adm, const uint8_t member[static WIRE_ID_LEN]);
/* Against the configured authorities: 0, -TRUST_EUNKNOWN_AUTH or -TRUST_ESIG. */
int trust_revocation_verify(const struct trust_revocation *rev,
			    const uint8_t (*authorities)[WIRE_ID_LEN], size_t n_auth);
int trust_grant_verify(const struct trust_grant *g,
		       const uint8_t (*authorities)[WIRE_ID_LEN], size_t n_auth);

/* ---- constraints (T3) ----
 * BLAKE2b-128 over the canonical msgpack array
 *   [constrain uint, name str, overlay array of prefix, tags array of [k, v]]
 * where each field whose bit is not in `constrain` is written empty
 * ("" / []). All zero when constrain == 0. An invited agent must use
 * exactly the token's name, overlay list [address] and tag list (in
 * order) for the constrained fields. 0 or -WIRE_EVALUE (unknown bits).
 */
int trust_constraint_hash(uint8_t out[static WIRE_CONSTRAINT_LEN], const struct wire_record *r,
			  uint8_t constrain);
/* The same from loose fields (meshctl invite builds it before any record exists). */
int trust_constraint_hash_fields(uint8_t out[static WIRE_CONSTRAINT_LEN], uint8_t constrain,
				 const char *name, const struct wire_prefix *overlay,
				 uint8_t n_overlay, const struct wire_tag *tags, uint8_t n_tags);
/* 0 if r matches inv's constraint, else -TRUST_ECONSTRAINT. */
int trust_constraint_check(const struct trust_invite *inv, const struct wire_record *r);

/* ---- admission rules (T4, pure parts) ----
 * The cheap checks, no signature: admitted_at <= invite.not_after
 * (-TRUST_EINVITE_EXPIRED); admitted_at <= now + TRUST_SKEW_S
 * (-TRUST_EFUTURE); admit_ttl == 0 or now <= admitted_at + admit_ttl +
 * TRUST_SKEW_S (-TRUST_EADMISSION_EXPIRED).
 */
int trust_admission_check_times(const struct trust_admission *adm, uint64_t now);
/*
 * Every rule of T4 that needs nothing but the record, the configured
 * authorities and the time, cheapest first: no admission
 * (-TRUST_ENOADMISSION), unknown authority, times, constraint, invite
 * signature, bind (two Ed25519 checks at most). Revocation and spend
 * winners are the trust store's (gossip/). A gossip layer that caches
 * verified invites and binds calls the parts itself instead.
 */
int trust_admission_check(const struct wire_record *r, const uint8_t (*authorities)[WIRE_ID_LEN],
			  size_t n_auth, uint64_t now);
/*
 * A spend learned on its own (T6, anti-entropy: no record, so no
 * constraint): unknown authority, invite expired at admission, future-
 * dated, invite signature, bind over sp->member. An expired admission
 * is still a spend: it used up one of the invite's uses for good.
 */
int trust_spend_check(const struct trust_spend *sp, const uint8_t (*authorities)[WIRE_ID_LEN],
		      size_t n_auth, uint64_t now);
/* The spend a record's admission makes (member = r->id); -WIRE_EVALUE without one. */
int trust_spend_from_record(struct trust_spend *sp, const struct wire_record *r);
/* Unix second the admission stops being valid (admitted_at + admit_ttl), or 0 = never. */
uint64_t trust_admission_expiry(const struct trust_admission *adm);

/* ---- key grants (T9) ----
 * trust_grant_seal: seals `key` to identity_wg_public(member) with
 * crypto_box_seal, sets key_hash = BLAKE2b-128(key), epoch, activate_at,
 * member, and signs with the authority key. 0 or -EINVAL (member id not
 * a valid point).
 * trust_grant_open: for `idn` only (member must be idn->id, else
 * -TRUST_EGRANT); opens with idn's WireGuard key pair and checks
 * key_hash (-TRUST_EGRANT). Does not check the authority signature:
 * trust_grant_verify first. `key` is wiped on failure.
 */
int trust_grant_seal(struct trust_grant *g, const uint8_t key[static WIRE_KEY_LEN],
		     const uint8_t member[static WIRE_ID_LEN], uint32_t epoch, uint64_t activate_at,
		     const uint8_t authority_sk[static TRUST_SECRET_KEY_LEN]);
int trust_grant_open(const struct identity *idn, const struct trust_grant *g,
		     uint8_t key[static WIRE_KEY_LEN]);
/* BLAKE2b-128 of a network key (grant.key_hash). */
void trust_key_hash(uint8_t out[static WIRE_KEY_HASH_LEN], const uint8_t key[static WIRE_KEY_LEN]);

#endif
