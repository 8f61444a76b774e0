/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../proto/record.h"
#include "atomic_file.h"
#include "keyfile.h"
#include "line_read.h"
#include "state.h"

#define STATE_MAGIC "meshd-state 1"
/* base64 of the largest record, with the line's prefix and newline. */
enum { STATE_LINE_MAX = 16 + (RECORD_MAX_ENCODED + 2) / 3 * 4 };

int state_dir_prepare(const char *dir, char *err, size_t errlen)
{
	char path[4096];
	struct stat st;
	size_t len = strlen(dir);

	if (len == 0 || len >= sizeof(path)) {
		snprintf(err, errlen, "state directory path is empty or too long");
		return -EINVAL;
	}
	memcpy(path, dir, len + 1);
	for (char *p = path + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char saved = *p;

			*p = '\0';
			if (mkdir(path, 0700) != 0 && errno != EEXIST) {
				int r = -errno;

				snprintf(err, errlen, "cannot create state directory %s: %s", path,
					 strerror(-r));
				return r;
			}
			*p = saved;
			if (saved == '\0')
				break;
		}
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "state directory %s is not a directory", dir);
		return -ENOTDIR;
	}
	return 0;
}

int state_identity(const char *dir, struct identity *idn, bool *created, char *err, size_t errlen)
{
	char path[4096];
	uint8_t seed[32];
	int r;

	*created = false;
	if (snprintf(path, sizeof(path), "%s/identity.key", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	r = keyfile_read(path, seed, err, errlen);
	if (r == -ENOENT) {
		/* First start: a fresh Ed25519 seed, written before it is ever used. */
		randombytes_buf(seed, sizeof(seed));
		if ((r = keyfile_write(path, seed, err, errlen)) != 0)
			goto out;
		*created = true;
	} else if (r != 0) {
		goto out;
	}
	if ((r = identity_from_seed(idn, seed)) != 0)
		snprintf(err, errlen, "identity key %s: cannot derive keys: %s", path,
			 wire_strerror(r));
out:
	sodium_memzero(seed, sizeof(seed));
	return r;
}

void state_members_free(struct state_members *m)
{
	free(m->rec);
	memset(m, 0, sizeof(*m));
}

static int parse_record_line(const char *b64, size_t len, struct wire_record *rec)
{
	uint8_t bin[RECORD_MAX_ENCODED];
	size_t bin_len;
	const char *end;

	if (sodium_base642bin(bin, sizeof(bin), b64, len, NULL, &bin_len, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 || end != b64 + len)
		return -EINVAL;
	return record_decode(rec, bin, bin_len) == 0 ? 0 : -EINVAL;
}

/* A decimal u64: digits only (no sign, space or '+'), in range. */
static int parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

uint64_t state_next_version(const struct state_members *sm, uint64_t now)
{
	/* Saturate at the bound: the engine signs nothing above it, and no sum wraps. */
	uint64_t floor = sm->self_version < WIRE_VERSION_MAX ? sm->self_version + 1 : WIRE_VERSION_MAX;

	floor = floor > now ? floor : now;
	return floor < WIRE_VERSION_MAX ? floor : WIRE_VERSION_MAX;
}

static bool in_prefix(const struct wire_prefix *a, const struct wire_prefix *net)
{
	size_t n = wire_family_len(net->family);
	unsigned bytes = net->len / 8, rem = net->len % 8;

	if (!n || a->family != net->family || a->len != net->len || net->len > n * 8)
		return false;
	if (memcmp(a->ip, net->ip, bytes) != 0)
		return false;
	return !rem || ((a->ip[bytes] ^ net->ip[bytes]) & (uint8_t)(0xff << (8 - rem))) == 0;
}

bool state_claim_established(const struct state_members *sm, const uint8_t id[static WIRE_ID_LEN],
			     struct wire_record *tmpl, const struct wire_prefix *prefix,
			     uint64_t keep_ms, int64_t now_s)
{
	const struct wire_record *old = NULL;
	int64_t age = now_s - sm->saved_s;

	for (size_t i = 0; i < sm->n && !old; i++)
		if (memcmp(sm->rec[i].id, id, WIRE_ID_LEN) == 0 && record_verify(&sm->rec[i]) == 0)
			old = &sm->rec[i];
	if (!old || (old->flags & WIRE_REC_LEAVING) || !sm->saved_s || age < 0 ||
	    (uint64_t)age >= keep_ms / 1000)
		return false;
	for (int i = 0; i < old->n_overlay; i++) {
		const struct wire_prefix *p = &old->overlay[i];

		if (tmpl->flags & WIRE_REC_ADDR_PINNED) {
			if (tmpl->n_overlay && wire_prefix_same_ip(p, &tmpl->overlay[0]))
				return true;
		} else if (!tmpl->n_overlay && !(old->flags & WIRE_REC_ADDR_PINNED) &&
			   in_prefix(p, prefix)) {
			tmpl->addr_gen = old->addr_gen;
			return true;
		}
	}
	return false;
}

int state_load(const char *path, struct state_members *out, char *err, size_t errlen)
{
	char line[STATE_LINE_MAX + 1];
	unsigned lineno = 0, flags;
	size_t cap = 0, len;
	bool magic = false;
	FILE *f;
	int r = 0;

	memset(out, 0, sizeof(*out));
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		r = -errno;
		snprintf(err, errlen, "cannot read state file %s: %s", path, strerror(-r));
		return r;
	}
	{
		struct stat st;

		if (fstat(fileno(f), &st) == 0)
			out->saved_s = (int64_t)st.st_mtime;
	}
	while (line_read(f, line, sizeof(line), &len, &flags)) {
		lineno++;
		/* The magic is required: a first line that is anything else
		 * (too long, NUL, cut short) means this is no state file. */
		if (lineno == 1) {
			if (flags || strcmp(line, STATE_MAGIC) != 0)
				break;
			magic = true;
			continue;
		}
		if (flags) {
			out->n_bad++;   /* too long, or cut short by a crash of an old writer */
		} else if (strncmp(line, "self-version ", 13) == 0) {
			/* Above the bound no record of ours can exist: refused, not clamped. */
			if (parse_u64(line + 13, &out->self_version) != 0 ||
			    out->self_version > WIRE_VERSION_MAX)
				out->self_version = 0, out->n_bad++;
		} else if (strncmp(line, "record ", 7) == 0) {
			if (out->n == STATE_MAX_RECORDS) {
				out->n_bad++;
				continue;
			}
			if (out->n == cap) {
				size_t ncap = cap ? cap * 2 : 16;
				struct wire_record *n = realloc(out->rec, ncap * sizeof(*n));

				if (!n) {
					r = -ENOMEM;
					goto out;
				}
				out->rec = n;
				cap = ncap;
			}
			if (parse_record_line(line + 7, len - 7, &out->rec[out->n]) == 0)
				out->n++;
			else
				out->n_bad++;
		} else {
			out->n_bad++;
		}
	}
	if (ferror(f)) {
		r = -EIO;
		snprintf(err, errlen, "state file %s: read error", path);
	} else if (!magic) {
		snprintf(err, errlen, "state file %s: not a meshd state file "
			 "(first line is not '%s')", path, STATE_MAGIC);
		r = -EINVAL;
	}
out:
	fclose(f);
	if (r != 0)
		state_members_free(out);
	return r;
}

int state_save(const char *path, uint64_t self_version, const struct wire_record *const *recs,
	       size_t n, char *err, size_t errlen)
{
	size_t cap = 64 + n * (STATE_LINE_MAX + 1), len;
	char *buf = malloc(cap);
	int r;

	if (!buf)
		return -ENOMEM;
	len = (size_t)snprintf(buf, cap, STATE_MAGIC "\nself-version %" PRIu64 "\n", self_version);
	for (size_t i = 0; i < n; i++) {
		uint8_t bin[RECORD_MAX_ENCODED];
		int k = record_encode(recs[i], bin, sizeof(bin));

		if (k <= 0)
			continue;
		memcpy(buf + len, "record ", 7);
		len += 7;
		sodium_bin2base64(buf + len, cap - len, bin, (size_t)k,
				  sodium_base64_VARIANT_ORIGINAL);
		len += strlen(buf + len);
		buf[len++] = '\n';
	}
	r = atomic_write_file(path, buf, len, 0600);
	free(buf);
	if (r != 0)
		snprintf(err, errlen, "cannot write state file %s: %s", path, strerror(-r));
	return r;
}

void state_saver_mark(struct state_saver *s)
{
	s->dirty = true;
}

bool state_saver_due(const struct state_saver *s, uint64_t now_ms)
{
	if (!s->dirty)
		return false;
	if (s->failing)
		return now_ms >= s->retry_at_ms;
	return !s->last_write_ms || now_ms >= s->last_write_ms + STATE_SAVE_GAP_MS;
}

int state_saver_done(struct state_saver *s, bool ok, uint64_t now_ms, uint32_t *streak)
{
	s->last_write_ms = now_ms ? now_ms : 1;
	if (ok) {
		uint32_t was = s->failing;

		s->dirty = false;
		s->failing = 0;
		s->backoff_ms = 0;
		if (streak)
			*streak = was;
		return was ? 2 : 0;
	}
	s->errors++;
	s->dirty = true;
	if (!s->backoff_ms)
		s->backoff_ms = STATE_RETRY_FIRST_MS;
	s->retry_at_ms = now_ms + s->backoff_ms;
	s->backoff_ms = s->backoff_ms * 2 < STATE_RETRY_MAX_MS ? s->backoff_ms * 2 : STATE_RETRY_MAX_MS;
	s->failing++;
	if (streak)
		*streak = s->failing;
	return s->failing == 1 ? 1 : 0;
}
