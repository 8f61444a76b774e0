/* SPDX-License-Identifier: MIT */
/*
 * Node identity: one Ed25519 key pair; the WireGuard X25519 pair is derived
 * from it, so the WireGuard key is a function of the identity.
 */
#ifndef MESHD_PROTO_IDENTITY_H
#define MESHD_PROTO_IDENTITY_H

#include <stddef.h>
#include <stdint.h>
#include "wire.h"

struct identity {
	uint8_t id[WIRE_ID_LEN];     /* Ed25519 public key */
	uint8_t sk[64];              /* Ed25519 secret key (seed || pk) */
	uint8_t wg_public[WIRE_KEY_LEN];
	uint8_t wg_private[WIRE_KEY_LEN];
};

/* libsodium must be initialised; returns 0 or -errno. Idempotent. */
int identity_init_crypto(void);
int identity_generate(struct identity *idn);
/* Rebuild everything from the 32-byte Ed25519 seed. */
int identity_from_seed(struct identity *idn, const uint8_t seed[static 32]);
/* Zero every secret byte. */
void identity_wipe(struct identity *idn);

/* WireGuard public key of any member id; -EINVAL for a bad point. */
int identity_wg_public(uint8_t out[static WIRE_KEY_LEN], const uint8_t id[static WIRE_ID_LEN]);

/* WireGuard text forms. base64: 44 chars + NUL; hex: 64 chars + NUL. */
enum { KEY_B64_LEN = 45, KEY_HEX_LEN = 65 };
void key_to_base64(char out[static KEY_B64_LEN], const uint8_t key[static 32]);
int key_from_base64(uint8_t key[static 32], const char *b64);  /* exactly 32 bytes or -EINVAL */
void key_to_hex(char out[static KEY_HEX_LEN], const uint8_t key[static 32]);
int key_from_hex(uint8_t key[static 32], const char *hex);

#endif
