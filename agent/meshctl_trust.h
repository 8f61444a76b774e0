/* SPDX-License-Identifier: MIT */
/*
 * Internals shared by meshctl's authority-mode commands
 * (meshctl_trust.c, meshctl_revoke.c): what the local agent says about
 * the mesh (trust-info), the authority key, handing objects in.
 */
#ifndef MESHD_AGENT_MESHCTL_TRUST_H
#define MESHD_AGENT_MESHCTL_TRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../proto/token.h"
#include "../proto/trust.h"
#include "meshctl.h"

enum { ROTATE_ACTIVATE_DEFAULT_S = 60 };   /* --activate-in: grants spread well before */

struct info_member {
	uint8_t id[WIRE_ID_LEN];
	char name[WIRE_NAME_MAX + 1];
	char overlay[WIRE_MAX_OVERLAY * (WIRE_ADDR_STRLEN + 1)];
	bool self, has_invite;
	uint8_t invite[WIRE_ID_LEN];
};

struct info {
	bool authority_mode;
	uint64_t epoch, granted_epoch;
	uint8_t netkey[WIRE_KEY_LEN];
	char prefix[WIRE_ADDR_STRLEN];
	size_t n_auth;
	uint8_t auth[TOKEN_MAX_AUTHORITIES][WIRE_ID_LEN];
	size_t n_seeds;
	struct wire_addr seed[TOKEN_MAX_SEEDS];
	size_t n_members;
	struct info_member *m;
};

/* trust-info from the agent; 0 or -1 (printed). mctl_info_free wipes it. */
int mctl_fetch_info(struct meshctl *c, struct info *in);
void mctl_info_free(struct info *in);
/* A duration option; 0 or -1 (printed). */
int mctl_duration_arg(const char *opt, const char *s, uint64_t *out);
/* The authority's key pair from its file; 0 or -1 (printed). Wipe sk after use. */
int mctl_load_authority(const char *path, uint8_t sk[static TRUST_SECRET_KEY_LEN],
			uint8_t pk[static WIRE_ID_LEN]);
/* 0 if the mesh trusts pk, else -1 with the mesh's authorities printed. */
int mctl_check_authority(const struct info *in, const uint8_t pk[static WIRE_ID_LEN],
			 const char *path);
/* trust-submit KIND BASE64(bin); 0 or -1 (the agent's reason printed). */
int mctl_submit(struct meshctl *c, const char *kind, const uint8_t *bin, size_t len);

/* meshctl_revoke.c */
int meshctl_revoke(struct meshctl *c, int argc, char **argv);
int meshctl_rotate(struct meshctl *c, int argc, char **argv);

#endif
