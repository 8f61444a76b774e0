/* SPDX-License-Identifier: MIT */
/*
 * Internal to proto/: the trust objects' field counts and body writers,
 * shared by the codec (trust_codec.c) and the signers (trust_sign.c,
 * trust_grant.c) so that what is signed is exactly what is sent.
 */
#ifndef MESHD_PROTO_TRUST_INTERNAL_H
#define MESHD_PROTO_TRUST_INTERNAL_H

#include "trust.h"

enum {
	TRUST_INVITE_FIELDS = 8,      /* 7 signed + sig */
	TRUST_REVOCATION_FIELDS = 6,  /* 5 signed + sig */
	TRUST_GRANT_FIELDS = 7,       /* 6 signed + sig */
};

struct mp_writer;
/* The signed fields in wire order, without an array header. */
void trust_invite_write_body(struct mp_writer *w, const struct trust_invite *inv);
void trust_revocation_write_body(struct mp_writer *w, const struct trust_revocation *rev);
void trust_grant_write_body(struct mp_writer *w, const struct trust_grant *g);

/*
 * Context || fixarray(n_fields - 1) || body into buf (at most len);
 * bytes written or a negative error. `write_body` is one of the above.
 */
int trust_signed_bytes(uint8_t *buf, size_t len, const char *context, size_t context_len,
		       uint32_t n_body, void (*write_body)(struct mp_writer *, const void *),
		       const void *obj);

/* Authority signature over an object's signed bytes: 0 or -TRUST_ESIG / -TRUST_EUNKNOWN_AUTH. */
int trust_auth_verify(const uint8_t auth[static WIRE_AUTH_ID_LEN], const uint8_t sig[static WIRE_SIG_LEN],
		      const uint8_t *msg, size_t len, const uint8_t (*authorities)[WIRE_ID_LEN],
		      size_t n_auth, int bad_sig);

#endif
