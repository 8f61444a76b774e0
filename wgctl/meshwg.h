/* SPDX-License-Identifier: MIT */
/* meshwg, the developer tool over wgctl: pieces shared by its files. */
#ifndef MESHD_MESHWG_H
#define MESHD_MESHWG_H

#include <stdio.h>

#include "wgctl/wgctl.h"

enum { MESHWG_OK = 0, MESHWG_FAIL = 1, MESHWG_USAGE = 2 };

/*
 * Parse a peer file: lines "PUBKEY_B64 ENDPOINT|- ALLOWED[,ALLOWED...]|-
 * [KEEPALIVE]", '#' starts a comment. On error returns -EINVAL (or
 * -ENOMEM) with "LINE: reason" in err. *peers is malloc'd.
 */
int meshwg_parse_peers(FILE *f, struct wgctl_peer **peers, size_t *n, char *err, size_t errlen);

/* A base64 WireGuard key (44 chars, 32 bytes). 0 or -EINVAL. */
int meshwg_key_from_base64(uint8_t key[static WGCTL_KEY_LEN], const char *s);
void meshwg_key_to_base64(char out[static 45], const uint8_t key[static WGCTL_KEY_LEN]);
/* First line of a key file such as `wg genkey` writes. */
int meshwg_read_key_file(const char *path, uint8_t key[static WGCTL_KEY_LEN], char *err,
			 size_t errlen);

/* `meshwg genpeers ...` (argv after the subcommand). */
int meshwg_genpeers(int argc, char **argv);

#endif
