/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "line_read.h"
#include "trust_files.h"

#define ADMISSION_MAGIC "meshd-admission 1"
#define AUTHORITIES_MAGIC "meshd-authorities 1"
#define TRUST_MAGIC "meshd-trust 1"

enum {
	B64_MAX = (TRUST_OBJECT_MAX_ENCODED + 2) / 3 * 4 + 1,
	TLINE_MAX = 16 + B64_MAX,
};

static int path_of(char *out, size_t cap, const char *dir, const char *name)
{
	return snprintf(out, cap, "%s/%s", dir, name) >= (int)cap ? -ENAMETOOLONG : 0;
}

/* Open a state file for reading; -ENOENT is not an error for the callers. */
static FILE *open_state(const char *path, int *r, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");

	*r = 0;
	if (!f) {
		*r = -errno;
		if (*r != -ENOENT)
			snprintf(err, errlen, "cannot read %s: %s", path, strerror(-*r));
	}
	return f;
}

static int decode_b64(uint8_t *bin, size_t cap, const char *b64, size_t len, size_t *out_len)
{
	const char *end;

	if (sodium_base642bin(bin, cap, b64, len, NULL, out_len, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 || end != b64 + len)
		return -EINVAL;
	return 0;
}

static size_t put_b64(char *out, size_t cap, const uint8_t *bin, size_t len)
{
	sodium_bin2base64(out, cap, bin, len, sodium_base64_VARIANT_ORIGINAL);
	return strlen(out);
}

/* Read "MAGIC\n" then exactly one line; NUL-terminated into line. */
static int read_two_lines(const char *path, const char *magic, char *line, size_t cap,
			  bool *found, char *err, size_t errlen)
{
	size_t len;
	unsigned flags;
	FILE *f;
	int r;

	*found = false;
	if (!(f = open_state(path, &r, err, errlen)))
		return r == -ENOENT ? 0 : r;
	r = -EINVAL;
	if (!line_read(f, line, cap, &len, &flags) || flags || strcmp(line, magic) != 0 ||
	    !line_read(f, line, cap, &len, &flags) || flags) {
		snprintf(err, errlen, "%s: malformed (not written by meshd, or damaged)", path);
		goto out;
	}
	*found = true;
	r = 0;
out:
	fclose(f);
	return r;
}

int tfile_read_admission(const char *dir, struct trust_admission *adm, bool *found, char *err,
			 size_t errlen)
{
	char path[4096], line[B64_MAX + 8];
	uint8_t bin[TRUST_ADMISSION_MAX_ENCODED];
	size_t n;
	int r;

	if ((r = path_of(path, sizeof(path), dir, "admission")) != 0 ||
	    (r = read_two_lines(path, ADMISSION_MAGIC, line, sizeof(line), found, err, errlen)) != 0 ||
	    !*found)
		return r;
	if (decode_b64(bin, sizeof(bin), line, strlen(line), &n) != 0 ||
	    (r = trust_admission_decode(adm, bin, n)) != 0) {
		*found = false;
		snprintf(err, errlen, "%s: malformed admission; remove the file and join again "
			 "with a new invite", path);
		return -EINVAL;
	}
	return 0;
}

int tfile_write_admission(const char *dir, const struct trust_admission *adm, char *err,
			  size_t errlen)
{
	char path[4096], text[sizeof(ADMISSION_MAGIC) + B64_MAX + 2];
	uint8_t bin[TRUST_ADMISSION_MAX_ENCODED];
	size_t len;
	int k, r;

	if ((r = path_of(path, sizeof(path), dir, "admission")) != 0)
		return r;
	if ((k = trust_admission_encode(adm, bin, sizeof(bin))) <= 0) {
		snprintf(err, errlen, "admission does not encode: %s", wire_strerror(k));
		return k ? k : -EINVAL;
	}
	len = (size_t)snprintf(text, sizeof(text), ADMISSION_MAGIC "\n");
	len += put_b64(text + len, sizeof(text) - len, bin, (size_t)k);
	text[len++] = '\n';
	if ((r = atomic_write_file(path, text, len, 0600)) != 0)
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(-r));
	return r;
}

int tfile_read_authorities(const char *dir, uint8_t (*auth)[WIRE_ID_LEN], size_t *n, size_t cap,
			   char *err, size_t errlen)
{
	char path[4096], line[128];
	unsigned flags, lineno = 0;
	size_t len;
	FILE *f;
	int r;

	if ((r = path_of(path, sizeof(path), dir, "authorities")) != 0)
		return r;
	if (!(f = open_state(path, &r, err, errlen)))
		return r == -ENOENT ? 0 : r;
	while (line_read(f, line, sizeof(line), &len, &flags)) {
		uint8_t key[WIRE_ID_LEN];
		size_t klen;
		bool dup = false;

		if (++lineno == 1) {
			if (flags || strcmp(line, AUTHORITIES_MAGIC) != 0)
				break;
			continue;
		}
		if (flags || decode_b64(key, sizeof(key), line, len, &klen) != 0 || klen != WIRE_ID_LEN) {
			snprintf(err, errlen, "%s:%u: not a public key", path, lineno);
			fclose(f);
			return -EINVAL;
		}
		for (size_t i = 0; i < *n; i++)
			dup |= memcmp(auth[i], key, WIRE_ID_LEN) == 0;
		if (!dup && *n < cap)
			memcpy(auth[(*n)++], key, WIRE_ID_LEN);
	}
	fclose(f);
	if (lineno == 0 || (lineno == 1 && strcmp(line, AUTHORITIES_MAGIC) != 0)) {
		snprintf(err, errlen, "%s: malformed (first line is not '%s')", path,
			 AUTHORITIES_MAGIC);
		return -EINVAL;
	}
	return 0;
}

int tfile_write_authorities(const char *dir, const uint8_t (*auth)[WIRE_ID_LEN], size_t n,
			    char *err, size_t errlen)
{
	char path[4096], text[64 + GOSSIP_MAX_AUTHORITIES * 48];
	size_t len;
	int r;

	if ((r = path_of(path, sizeof(path), dir, "authorities")) != 0)
		return r;
	len = (size_t)snprintf(text, sizeof(text), AUTHORITIES_MAGIC "\n");
	for (size_t i = 0; i < n && i < GOSSIP_MAX_AUTHORITIES; i++) {
		len += put_b64(text + len, sizeof(text) - len, auth[i], WIRE_ID_LEN);
		text[len++] = '\n';
	}
	if ((r = atomic_write_file(path, text, len, 0600)) != 0)
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(-r));
	return r;
}

int tfile_read_netkeys(const char *dir, struct keysched *ks, uint32_t transition_s, bool *found,
		       char *err, size_t errlen)
{
	char path[4096], text[KEYSCHED_TEXT_MAX + 1];
	size_t len;
	FILE *f;
	int r;

	*found = false;
	if ((r = path_of(path, sizeof(path), dir, CONFIG_STATE_NETKEYS_NAME)) != 0)
		return r;
	if (!(f = open_state(path, &r, err, errlen)))
		return r == -ENOENT ? 0 : r;
	len = fread(text, 1, sizeof(text), f);
	r = ferror(f) ? -EIO : 0;
	fclose(f);
	if (r == 0 && (len == sizeof(text) || keysched_parse(ks, text, len, transition_s) != 0))
		r = -EINVAL;
	sodium_memzero(text, sizeof(text));
	if (r != 0) {
		snprintf(err, errlen, "%s: malformed network keys; restore it from a backup, or "
			 "remove it and give --network-key with the mesh's current key", path);
		return r;
	}
	*found = true;
	return 0;
}

int tfile_write_netkeys(const char *dir, const struct keysched *ks, char *err, size_t errlen)
{
	char path[4096], text[KEYSCHED_TEXT_MAX];
	int k, r;

	if ((r = path_of(path, sizeof(path), dir, CONFIG_STATE_NETKEYS_NAME)) != 0)
		return r;
	if ((k = keysched_format(ks, text, sizeof(text))) < 0)
		return k;
	r = atomic_write_file(path, text, (size_t)k, 0600);
	sodium_memzero(text, sizeof(text));
	if (r != 0)
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(-r));
	return r;
}

static const char *const kind_names[] = { NULL, "spend", "revocation", "grant" };

static int decode_obj(struct gossip_trust_obj *o, const char *kind, const uint8_t *bin, size_t n)
{
	memset(o, 0, sizeof(*o));
	for (uint8_t k = GOSSIP_TRUST_SPEND; k <= GOSSIP_TRUST_GRANT; k++) {
		if (strcmp(kind, kind_names[k]) != 0)
			continue;
		o->kind = k;
		switch (k) {
		case GOSSIP_TRUST_SPEND:
			return trust_spend_decode(&o->u.spend, bin, n);
		case GOSSIP_TRUST_REVOCATION:
			return trust_revocation_decode(&o->u.rev, bin, n);
		default:
			return trust_grant_decode(&o->u.grant, bin, n);
		}
	}
	return -EINVAL;
}

int tfile_read_trust(const char *dir, void (*fn)(void *arg, const struct gossip_trust_obj *o),
		     void *arg, size_t *n_bad, char *err, size_t errlen)
{
	char path[4096], line[TLINE_MAX + 1];
	unsigned flags, lineno = 0;
	size_t len;
	FILE *f;
	int r;

	*n_bad = 0;
	if ((r = path_of(path, sizeof(path), dir, "trust")) != 0)
		return r;
	if (!(f = open_state(path, &r, err, errlen)))
		return r == -ENOENT ? 0 : r;
	while (line_read(f, line, sizeof(line), &len, &flags) && lineno < TRUST_FILE_MAX_OBJECTS) {
		struct gossip_trust_obj o;
		uint8_t bin[TRUST_OBJECT_MAX_ENCODED];
		char *sp;
		size_t n;

		if (++lineno == 1) {
			if (flags || strcmp(line, TRUST_MAGIC) != 0) {
				snprintf(err, errlen, "%s: not a meshd trust file (first line is "
					 "not '%s')", path, TRUST_MAGIC);
				fclose(f);
				return -EINVAL;
			}
			continue;
		}
		if (flags || !(sp = strchr(line, ' '))) {
			(*n_bad)++;
			continue;
		}
		*sp = '\0';
		if (decode_b64(bin, sizeof(bin), sp + 1, strlen(sp + 1), &n) != 0 ||
		    decode_obj(&o, line, bin, n) != 0) {
			(*n_bad)++;
			continue;
		}
		fn(arg, &o);
	}
	r = ferror(f) ? -EIO : 0;
	fclose(f);
	if (r)
		snprintf(err, errlen, "%s: read error", path);
	return r;
}

struct write_ctx {
	char *buf;
	size_t len, cap;
	int r;
};

static void write_obj(void *arg, const struct gossip_trust_obj *o)
{
	struct write_ctx *w = arg;
	uint8_t bin[TRUST_OBJECT_MAX_ENCODED];
	int k;

	if (w->r)
		return;
	if (w->cap - w->len < TLINE_MAX + 2) {
		size_t ncap = w->cap * 2;
		char *n = realloc(w->buf, ncap);

		if (!n) {
			w->r = -ENOMEM;
			return;
		}
		w->buf = n;
		w->cap = ncap;
	}
	switch (o->kind) {
	case GOSSIP_TRUST_SPEND:
		k = trust_spend_encode(&o->u.spend, bin, sizeof(bin));
		break;
	case GOSSIP_TRUST_REVOCATION:
		k = trust_revocation_encode(&o->u.rev, bin, sizeof(bin));
		break;
	case GOSSIP_TRUST_GRANT:
		k = trust_grant_encode(&o->u.grant, bin, sizeof(bin));
		break;
	default:
		return;
	}
	if (k <= 0)
		return;
	w->len += (size_t)snprintf(w->buf + w->len, w->cap - w->len, "%s ", kind_names[o->kind]);
	w->len += put_b64(w->buf + w->len, w->cap - w->len, bin, (size_t)k);
	w->buf[w->len++] = '\n';
}

int tfile_write_trust(const char *dir, const struct gossip *g, char *err, size_t errlen)
{
	struct write_ctx w = { .cap = 64 * 1024 };
	char path[4096];
	int r;

	if ((r = path_of(path, sizeof(path), dir, "trust")) != 0)
		return r;
	if (!(w.buf = malloc(w.cap)))
		return -ENOMEM;
	w.len = (size_t)snprintf(w.buf, w.cap, TRUST_MAGIC "\n");
	gossip_trust_foreach(g, write_obj, &w);
	r = w.r ? w.r : atomic_write_file(path, w.buf, w.len, 0600);
	free(w.buf);
	if (r != 0)
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(-r));
	return r;
}
