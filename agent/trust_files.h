/* SPDX-License-Identifier: MIT */
/*
 * Authority mode's files in the state directory, each replaced
 * atomically, 0600 (the directory is 0700):
 *
 *   admission     meshd-admission 1 / base64 of our admission (trust.h)
 *                 Written once, on the first start by invite; later
 *                 starts reuse it, so an invite is spent once per node.
 *   authorities   meshd-authorities 1 / one base64 public key a line
 *                 The authorities an invite brought (the config may add more).
 *   netkeys       the network key schedule (keysched.h): the invite's
 *                 key at first, then every key a grant gave us.
 *   trust         meshd-trust 1 / "spend|revocation|grant BASE64" lines
 *                 Every trust object the engine holds, re-verified by the
 *                 engine on load (gossip_trust_import), so a tampered
 *                 file cannot inject a revocation or a spend.
 *
 * Every function fills err with a sentence naming the file.
 */
#ifndef MESHD_AGENT_TRUST_FILES_H
#define MESHD_AGENT_TRUST_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../gossip/gossip.h"
#include "../proto/trust.h"
#include "config.h"
#include "keysched.h"

enum { TRUST_FILE_MAX_OBJECTS = 1 << 20 };   /* lines read from the trust file at most */

/* 0 with *found false when the file does not exist (first start). */
int tfile_read_admission(const char *dir, struct trust_admission *adm, bool *found, char *err,
			 size_t errlen);
int tfile_write_admission(const char *dir, const struct trust_admission *adm, char *err,
			  size_t errlen);

/* Adds the file's keys to auth (no duplicates, at most `cap`); *n in/out. */
int tfile_read_authorities(const char *dir, uint8_t (*auth)[WIRE_ID_LEN], size_t *n, size_t cap,
			   char *err, size_t errlen);
int tfile_write_authorities(const char *dir, const uint8_t (*auth)[WIRE_ID_LEN], size_t n,
			    char *err, size_t errlen);

int tfile_read_netkeys(const char *dir, struct keysched *ks, uint32_t transition_s, bool *found,
		       char *err, size_t errlen);
int tfile_write_netkeys(const char *dir, const struct keysched *ks, char *err, size_t errlen);

/*
 * The trust file: each object decoded (not verified: the engine does)
 * and handed to fn; lines that do not decode are counted in *n_bad.
 * A missing file is 0 objects.
 */
int tfile_read_trust(const char *dir, void (*fn)(void *arg, const struct gossip_trust_obj *o),
		     void *arg, size_t *n_bad, char *err, size_t errlen);
/* Write every object gossip_trust_foreach gives. */
int tfile_write_trust(const char *dir, const struct gossip *g, char *err, size_t errlen);

#endif
