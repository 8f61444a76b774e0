/* SPDX-License-Identifier: MIT */
/* Invite tokens: text form, canonical msgpack, and the checks that make a
 * decoded token one the agent can act on without further surprises. */
#include <sodium.h>
#include <string.h>

#include "mp_reader.h"
#include "mp_writer.h"
#include "record.h"
#include "token.h"

enum { TOKEN_FIELDS = 9, PREFIX_LEN = sizeof(TOKEN_PREFIX) - 1 };

const char *token_strerror(int err)
{
	switch (-err) {
	case TOKEN_EPREFIX:     return "not a meshd invite token (must start with \"meshd1:\")";
	case TOKEN_EBASE64:     return "invite token is not valid base64url (unpadded, no spaces)";
	case TOKEN_ELENGTH:     return "invite token is too long";
	case TOKEN_EFORMAT:     return "invite token is malformed (not the meshd1 layout)";
	case TOKEN_EFIELD:      return "invite token has an invalid seed, prefix, address, name or tag";
	case TOKEN_ESECRET:     return "invite token's secret does not match its invite";
	case TOKEN_EINVITE:     return "invite token's invite is not signed by its authorities";
	case TOKEN_ECONSTRAINT: return "invite token's name/address/tags do not match its invite's constraints";
	}
	return wire_strerror(err);
}

void token_wipe(struct token *t)
{
	sodium_memzero(t, sizeof(*t));
}

/* ---- the checks both directions share ---- */

/* Name, address and tags as a record would carry them. */
static int check_record_fields(const struct token *t)
{
	struct wire_record r;

	memset(&r, 0, sizeof(r));
	memcpy(r.name, t->name, sizeof(r.name));
	r.n_overlay = t->has_address ? 1 : 0;
	r.overlay[0] = t->address;
	r.n_tags = t->n_tags;
	if (t->n_tags > WIRE_MAX_TAGS)
		return -TOKEN_EFIELD;
	memcpy(r.tag, t->tag, sizeof(r.tag));
	r.gossip_port = 1;
	return record_validate(&r) ? -TOKEN_EFIELD : 0;
}

static int check_fields(const struct token *t)
{
	if (t->n_auth < 1 || t->n_auth > TOKEN_MAX_AUTHORITIES || t->n_seeds > TOKEN_MAX_SEEDS)
		return -TOKEN_EFIELD;
	for (int i = 0; i < t->n_seeds; i++)
		if (!wire_family_len(t->seed[i].family) || t->seed[i].port == 0)
			return -TOKEN_EFIELD;
	if (t->has_prefix && (!wire_family_len(t->prefix.family) ||
			      t->prefix.len > wire_family_len(t->prefix.family) * 8))
		return -TOKEN_EFIELD;
	if (trust_invite_validate(&t->invite))
		return -TOKEN_EFIELD;
	return check_record_fields(t);
}

static int check_invite(const struct token *t)
{
	uint8_t sk[TRUST_SECRET_KEY_LEN], pk[WIRE_ID_LEN], h[WIRE_CONSTRAINT_LEN];
	int ok = -TOKEN_EINVITE;

	if (trust_key_from_seed(sk, pk, t->invite_secret) ||
	    sodium_memcmp(pk, t->invite.invite_pub, WIRE_ID_LEN) != 0) {
		sodium_memzero(sk, sizeof(sk));
		return -TOKEN_ESECRET;
	}
	sodium_memzero(sk, sizeof(sk));
	for (int i = 0; i < t->n_auth && ok; i++)
		if (trust_invite_verify(&t->invite, t->auth[i]) == 0)
			ok = 0;
	if (ok)
		return ok;
	if ((t->invite.constrain & TRUST_CONSTRAIN_ADDRESS) && !t->has_address)
		return -TOKEN_ECONSTRAINT;
	if (trust_constraint_hash_fields(h, t->invite.constrain, t->name, &t->address,
					 t->has_address ? 1 : 0, t->tag, t->n_tags) ||
	    memcmp(h, t->invite.constraint, sizeof(h)) != 0)
		return -TOKEN_ECONSTRAINT;
	return 0;
}

/* ---- msgpack ---- */

static void write_text(struct mp_writer *w, const char *s)
{
	mp_write_str(w, s, strlen(s));
}

static int write_token(struct mp_writer *w, const struct token *t)
{
	char text[TOKEN_FIELD_TEXT_MAX + 1];

	mp_write_array(w, TOKEN_FIELDS);
	mp_write_bin(w, t->netkey, WIRE_KEY_LEN);
	mp_write_array(w, t->n_auth);
	for (int i = 0; i < t->n_auth; i++)
		mp_write_bin(w, t->auth[i], WIRE_ID_LEN);
	mp_write_array(w, t->n_seeds);
	for (int i = 0; i < t->n_seeds; i++) {
		if (wire_addr_format(&t->seed[i], text, sizeof(text)) < 0)
			return w->err ? w->err : (w->err = -TOKEN_EFIELD);
		write_text(w, text);
	}
	trust_invite_write(w, &t->invite);
	mp_write_bin(w, t->invite_secret, TRUST_SEED_LEN);
	text[0] = '\0';
	if (t->has_prefix && wire_prefix_format(&t->prefix, text, sizeof(text)) < 0)
		return w->err ? w->err : (w->err = -TOKEN_EFIELD);
	write_text(w, text);
	write_text(w, t->name);
	text[0] = '\0';
	if (t->has_address && wire_prefix_format(&t->address, text, sizeof(text)) < 0)
		return w->err ? w->err : (w->err = -TOKEN_EFIELD);
	write_text(w, text);
	mp_write_array(w, t->n_tags);
	for (int i = 0; i < t->n_tags; i++) {
		mp_write_array(w, 2);
		write_text(w, t->tag[i].key);
		write_text(w, t->tag[i].val);
	}
	return w->err;
}

/* A string field must be the canonical text of what it parses to. */
static int read_addr_text(struct mp_reader *rd, struct wire_addr *a)
{
	char text[TOKEN_FIELD_TEXT_MAX + 1], again[TOKEN_FIELD_TEXT_MAX + 1];
	size_t n;

	if (mp_read_str(rd, text, TOKEN_FIELD_TEXT_MAX, &n))
		return rd->err;
	if (wire_addr_parse(a, text) || wire_addr_format(a, again, sizeof(again)) < 0 ||
	    strcmp(text, again) != 0)
		return mp_fail(rd, -TOKEN_EFIELD);
	return 0;
}

/* "" = absent; else a canonical CIDR. */
static int read_prefix_text(struct mp_reader *rd, bool *has, struct wire_prefix *p)
{
	char text[TOKEN_FIELD_TEXT_MAX + 1], again[TOKEN_FIELD_TEXT_MAX + 1];
	size_t n;

	if (mp_read_str(rd, text, TOKEN_FIELD_TEXT_MAX, &n))
		return rd->err;
	*has = n > 0;
	if (!n)
		return 0;
	if (wire_prefix_parse(p, text) || wire_prefix_format(p, again, sizeof(again)) < 0 ||
	    strcmp(text, again) != 0)
		return mp_fail(rd, -TOKEN_EFIELD);
	return 0;
}

static int read_token(struct mp_reader *rd, struct token *t)
{
	uint32_t n;
	size_t len;

	mp_enter_exact(rd, TOKEN_FIELDS);
	mp_read_bin_exact(rd, t->netkey, WIRE_KEY_LEN);
	if (mp_enter_array(rd, 1, TOKEN_MAX_AUTHORITIES, &n))
		return rd->err;
	for (uint32_t i = 0; i < n; i++)
		mp_read_bin_exact(rd, t->auth[i], WIRE_ID_LEN);
	t->n_auth = (uint8_t)n;
	if (mp_leave(rd) || mp_enter_array(rd, 0, TOKEN_MAX_SEEDS, &n))
		return rd->err;
	for (uint32_t i = 0; i < n; i++)
		read_addr_text(rd, &t->seed[i]);
	t->n_seeds = (uint8_t)n;
	mp_leave(rd);
	trust_invite_read(rd, &t->invite);
	mp_read_bin_exact(rd, t->invite_secret, TRUST_SEED_LEN);
	read_prefix_text(rd, &t->has_prefix, &t->prefix);
	mp_read_str(rd, t->name, WIRE_NAME_MAX, &len);
	read_prefix_text(rd, &t->has_address, &t->address);
	if (mp_enter_array(rd, 0, WIRE_MAX_TAGS, &n))
		return rd->err;
	for (uint32_t i = 0; i < n; i++) {
		mp_enter_exact(rd, 2);
		mp_read_str(rd, t->tag[i].key, WIRE_TAG_KEY_MAX, &len);
		mp_read_str(rd, t->tag[i].val, WIRE_TAG_VAL_MAX, &len);
		if (mp_leave(rd))
			return rd->err;
	}
	t->n_tags = (uint8_t)n;
	mp_leave(rd);
	return mp_leave(rd);
}

/* ---- text ---- */

int token_encode(const struct token *t, char *out, size_t len)
{
	uint8_t bin[TOKEN_MAX_BINARY];
	struct mp_writer w;
	size_t text_len;
	int ret, n;

	ret = check_fields(t);
	if (!ret)
		ret = check_invite(t);
	if (ret)
		return ret;
	mp_writer_init(&w, bin, sizeof(bin));
	write_token(&w, t);
	n = mp_writer_result(&w);
	if (n < 0) {
		ret = n;
		goto out;
	}
	text_len = PREFIX_LEN + sodium_base64_ENCODED_LEN((size_t)n,
			sodium_base64_VARIANT_URLSAFE_NO_PADDING) - 1;
	if (text_len + 1 > len) {
		ret = -WIRE_ESPACE;
		goto out;
	}
	memcpy(out, TOKEN_PREFIX, PREFIX_LEN);
	sodium_bin2base64(out + PREFIX_LEN, len - PREFIX_LEN, bin, (size_t)n,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	ret = (int)text_len;
out:
	sodium_memzero(bin, sizeof(bin));
	return ret;
}

/*
 * Only the base64url alphabet. libsodium's decoder cannot be trusted with
 * bytes >= 0x80: it decodes some of them as if they were letters (found
 * by fuzz_token), which would give one token a second spelling.
 */
static bool base64url_only(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return false;
	}
	return true;
}

/* Canonical msgpack errors all say "layout"; a field's own rule says which. */
static int format_error(int err)
{
	return err == -TOKEN_EFIELD ? err : -TOKEN_EFORMAT;
}

int token_decode(struct token *t, const char *text)
{
	uint8_t bin[TOKEN_MAX_BINARY];
	size_t text_len, n = 0;
	const char *end = NULL;
	struct mp_reader rd;
	int ret;

	memset(t, 0, sizeof(*t));
	text_len = strnlen(text, TOKEN_MAX_TEXT);
	if (strncmp(text, TOKEN_PREFIX, PREFIX_LEN) != 0)
		return -TOKEN_EPREFIX;
	if (text_len >= TOKEN_MAX_TEXT)
		return -TOKEN_ELENGTH;
	/* libsodium refuses padding and non-zero trailing bits. */
	if (!base64url_only(text + PREFIX_LEN, text_len - PREFIX_LEN) ||
	    sodium_base642bin(bin, sizeof(bin), text + PREFIX_LEN, text_len - PREFIX_LEN, NULL,
			      &n, &end, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    end != text + text_len) {
		ret = -TOKEN_EBASE64;
		goto out;
	}
	mp_reader_init(&rd, bin, n);
	read_token(&rd, t);
	ret = mp_reader_finish(&rd);
	if (ret)
		ret = format_error(ret);
	if (!ret)
		ret = check_fields(t);
	if (!ret)
		ret = check_invite(t);
out:
	sodium_memzero(bin, sizeof(bin));
	if (ret)
		token_wipe(t);
	return ret;
}
