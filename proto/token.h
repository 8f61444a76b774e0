/* SPDX-License-Identifier: MIT */
/*
 * Invite tokens (issue 10, T5): everything a new node needs to join an
 * authority-mode mesh, as one line of text:
 *
 *   "meshd1:" + base64url (RFC 4648 §5, no padding) of the msgpack array
 *     [netkey bin32, authorities array (1..4) of bin32, seeds array (0..8)
 *      of str "ip:port", invite (trust.h), invite_secret bin32 (Ed25519
 *      seed of invite.invite_pub), prefix str ("" = none), name str,
 *      address str (CIDR, "" = derived), tags array (0..4) of [k str, v str]]
 *
 * A token is a bearer secret (network key + invite secret): print it to
 * stdout only, never log it; token_wipe() when done.
 *
 * token_decode refuses anything malformed, each with its own error
 * (token_strerror): a missing prefix, bad base64url (padding, stray or
 * non-zero trailing bits, whitespace — strip a file's newline first),
 * non-canonical msgpack, an address or prefix not in its canonical text
 * form, a name or tags a record could not carry, an invite secret that is
 * not the invite's key, an invite not signed by one of the token's
 * authorities, or constraints that do not match the token's own
 * name/address/tags (so the invited agent can always satisfy them: it
 * must use exactly name, overlay [address] and tags in this order for
 * the constrained fields).
 */
#ifndef MESHD_PROTO_TOKEN_H
#define MESHD_PROTO_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "trust.h"
#include "wire.h"

#define TOKEN_PREFIX "meshd1:"

enum {
	TOKEN_MAX_AUTHORITIES = 4,
	TOKEN_MAX_SEEDS = 8,
	TOKEN_FIELD_TEXT_MAX = 55,   /* an "ip:port" or CIDR string, bytes */
	TOKEN_MAX_BINARY = 1280,     /* msgpack bytes (the fullest token is below 1200) */
	/* "meshd1:" + base64url of TOKEN_MAX_BINARY + NUL */
	TOKEN_MAX_TEXT = 7 + (TOKEN_MAX_BINARY * 4 + 2) / 3 + 1,
};

enum token_err {
	TOKEN_EPREFIX = 1200,  /* does not start with "meshd1:" */
	TOKEN_EBASE64,         /* not canonical unpadded base64url */
	TOKEN_ELENGTH,         /* longer than any token */
	TOKEN_EFORMAT,         /* msgpack layout wrong or not canonical */
	TOKEN_EFIELD,          /* seed, prefix, address, name or tags invalid */
	TOKEN_ESECRET,         /* invite secret is not the invite's key */
	TOKEN_EINVITE,         /* invite not signed by one of the token's authorities */
	TOKEN_ECONSTRAINT,     /* constraints do not match the token's name/address/tags */
};

struct token {
	uint8_t netkey[WIRE_KEY_LEN];
	uint8_t n_auth;                                 /* 1..TOKEN_MAX_AUTHORITIES */
	uint8_t auth[TOKEN_MAX_AUTHORITIES][WIRE_ID_LEN];
	uint8_t n_seeds;
	struct wire_addr seed[TOKEN_MAX_SEEDS];         /* family 4/6, port != 0 */
	struct trust_invite invite;
	uint8_t invite_secret[TRUST_SEED_LEN];
	bool has_prefix;
	struct wire_prefix prefix;                      /* overlay prefix of the mesh */
	char name[WIRE_NAME_MAX + 1];                   /* "" = the agent's choice */
	bool has_address;
	struct wire_prefix address;                     /* the member's overlay address */
	uint8_t n_tags;
	struct wire_tag tag[WIRE_MAX_TAGS];
};

/*
 * Write the token text (NUL-terminated) into out; returns its length
 * (without the NUL) or -WIRE_ESPACE / -TOKEN_E* for a token that
 * token_decode would refuse. TOKEN_MAX_TEXT bytes always suffice.
 */
int token_encode(const struct token *t, char *out, size_t len);
/* Parse and check `text` (NUL-terminated); 0 or -TOKEN_E*. *t wiped on error. */
int token_decode(struct token *t, const char *text);
/* Static text for -TOKEN_E* (others via wire_strerror). */
const char *token_strerror(int err);
/* Zero the secrets (and everything else). */
void token_wipe(struct token *t);

#endif
