/* SPDX-License-Identifier: MIT */
/*
 * Joining by invite (plan T5), shared by meshd's first start and
 * `meshctl join`: read the token (a file or the flag), decode it, and
 * spend it for this node: sign the admission of our member id with the
 * invite secret at `now`, and save what a later start needs in the
 * state directory (trust_files.h): admission, network key, authorities.
 * A state dir that already holds an admission is never given a second
 * one: a restart does not spend the invite again.
 */
#ifndef MESHD_AGENT_INVITE_H
#define MESHD_AGENT_INVITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../proto/identity.h"
#include "../proto/token.h"

/*
 * The token text of a file (one line; a trailing newline is fine). The
 * file must not be readable by group or others (it holds the network key
 * and the invite secret). text: TOKEN_MAX_TEXT bytes. 0 or -errno.
 */
int invite_read_file(const char *path, char *text, size_t cap, char *err, size_t errlen);
/* token_decode with a sentence for every refusal. 0 or -EINVAL. */
int invite_decode(struct token *t, const char *text, char *err, size_t errlen);
/*
 * Spend the invite for `idn` at `now`: -ETIME when the invite expired
 * (err gives the date), else 0 with *adm filled and checked (the bind
 * verifies; the times are inside the invite's limits).
 */
int invite_admit(const struct token *t, const struct identity *idn, uint64_t now,
		 struct trust_admission *adm, char *err, size_t errlen);
/*
 * Save admission, network key (epoch 0, unless a netkeys file exists)
 * and the token's authorities in dir. 0 or -errno.
 */
int invite_save(const char *dir, const struct token *t, const struct trust_admission *adm,
		uint32_t transition_s, char *err, size_t errlen);
/* "2026-11-29 21:04:05 UTC" */
void invite_format_time(char *out, size_t cap, uint64_t unix_s);

#endif
