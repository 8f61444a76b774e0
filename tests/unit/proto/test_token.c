/* SPDX-License-Identifier: MIT */
/* Invite tokens (issue 10, T5): round trips, and every malformed token refused. */
#include <stdio.h>
#include <string.h>
#include <sodium.h>

#include "fixture.h"
#include "proto/mp_writer.h"
#include "proto/token.h"

static struct fx_authority auth, auth2;
static char text[TOKEN_MAX_TEXT + 64];

/* A token whose invite pins name, address and tags, and matches them. */
static void make_token(struct token *t)
{
	memset(t, 0, sizeof(*t));
	memset(t->netkey, 0x5e, WIRE_KEY_LEN);
	t->n_auth = 2;
	memcpy(t->auth[0], auth2.pk, WIRE_ID_LEN);
	memcpy(t->auth[1], auth.pk, WIRE_ID_LEN);
	t->n_seeds = 2;
	assert_int_equal(wire_addr_parse(&t->seed[0], "192.0.2.1:51821"), 0);
	assert_int_equal(wire_addr_parse(&t->seed[1], "[2001:db8::1]:51821"), 0);
	fx_invite(&t->invite, t->invite_secret, &auth, 9);
	t->has_prefix = true;
	assert_int_equal(wire_prefix_parse(&t->prefix, "10.42.0.0/16"), 0);
	strcpy(t->name, "web-7");
	t->has_address = true;
	assert_int_equal(wire_prefix_parse(&t->address, "10.42.0.7/16"), 0);
	t->n_tags = 1;
	strcpy(t->tag[0].key, "role");
	strcpy(t->tag[0].val, "web");
	t->invite.constrain = TRUST_CONSTRAIN_KNOWN;
	assert_int_equal(trust_constraint_hash_fields(t->invite.constraint, t->invite.constrain,
						      t->name, &t->address, 1, t->tag, 1), 0);
	assert_int_equal(trust_invite_sign(&t->invite, auth.sk), 0);
}

static void expect_same(const struct token *a, const struct token *b)
{
	char again[TOKEN_MAX_TEXT];

	assert_true(token_encode(a, text, sizeof(text)) > 0);
	assert_true(token_encode(b, again, sizeof(again)) > 0);
	assert_string_equal(text, again);
	assert_memory_equal(a->netkey, b->netkey, WIRE_KEY_LEN);
	assert_memory_equal(a->invite_secret, b->invite_secret, TRUST_SEED_LEN);
	assert_memory_equal(&a->invite, &b->invite, sizeof(a->invite));
	assert_int_equal(a->n_seeds, b->n_seeds);
	for (int i = 0; i < a->n_seeds; i++)
		assert_true(wire_addr_equal(&a->seed[i], &b->seed[i]));
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->has_address, b->has_address);
	assert_int_equal(a->has_prefix, b->has_prefix);
}

static void test_round_trip(void **state)
{
	struct token t, back;
	int n;

	(void)state;
	make_token(&t);
	n = token_encode(&t, text, sizeof(text));
	assert_true(n > 0 && (size_t)n == strlen(text));
	printf("# typical token: %d characters\n", n);
	assert_memory_equal(text, "meshd1:", 7);
	for (int i = 7; i < n; i++)  /* base64url alphabet, no padding */
		assert_true(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
				   text[i]) != NULL);
	assert_int_equal(token_decode(&back, text), 0);
	expect_same(&t, &back);
	assert_int_equal(back.address.len, 16);
	assert_string_equal(back.tag[0].val, "web");
	/* an admission made with the decoded token passes the constraint */
	struct identity idn;
	struct wire_record r;
	fx_identity(&idn, 3);
	fx_record_typical(&r, &idn);
	strcpy(r.name, back.name);
	r.n_overlay = 1;
	r.overlay[0] = back.address;
	r.n_tags = back.n_tags;
	memcpy(r.tag, back.tag, sizeof(r.tag));
	fx_admit(&r, &idn, &back.invite, back.invite_secret, FX_NOW);
	uint8_t list[2][WIRE_ID_LEN];
	memcpy(list, back.auth, sizeof(list));
	assert_int_equal(trust_admission_check(&r, (const uint8_t (*)[WIRE_ID_LEN])list, back.n_auth,
					       FX_NOW), 0);
	identity_wipe(&idn);

	/* the minimum: one authority, nothing optional */
	make_token(&t);
	t.n_auth = 1;
	memcpy(t.auth[0], auth.pk, WIRE_ID_LEN);
	t.n_seeds = 0;
	t.has_prefix = t.has_address = false;
	t.name[0] = '\0';
	t.n_tags = 0;
	fx_invite(&t.invite, t.invite_secret, &auth, 10);
	assert_true(token_encode(&t, text, sizeof(text)) > 0);
	assert_int_equal(token_decode(&back, text), 0);
	expect_same(&t, &back);
	token_wipe(&back);
	assert_true(sodium_is_zero((const uint8_t *)&back, sizeof(back)));
}

/* The fullest token fits TOKEN_MAX_BINARY, and buffers too small are refused. */
static void test_max_token(void **state)
{
	struct token t, back;
	int n;

	(void)state;
	make_token(&t);
	t.n_auth = TOKEN_MAX_AUTHORITIES;
	for (int i = 0; i < TOKEN_MAX_AUTHORITIES; i++)
		memcpy(t.auth[i], auth.pk, WIRE_ID_LEN);
	t.n_seeds = TOKEN_MAX_SEEDS;
	for (int i = 0; i < TOKEN_MAX_SEEDS; i++)
		assert_int_equal(wire_addr_parse(&t.seed[i], "[::ffff:255.255.255.255]:65535"), 0);
	assert_int_equal(wire_prefix_parse(&t.prefix, "::ffff:255.255.255.255/128"), 0);
	memset(t.name, 'n', WIRE_NAME_MAX);
	t.name[WIRE_NAME_MAX] = '\0';
	assert_int_equal(wire_prefix_parse(&t.address, "::ffff:255.255.255.254/128"), 0);
	t.n_tags = WIRE_MAX_TAGS;
	for (int i = 0; i < WIRE_MAX_TAGS; i++) {
		memset(t.tag[i].key, 'k', WIRE_TAG_KEY_MAX);
		t.tag[i].key[0] = (char)('a' + i);
		memset(t.tag[i].val, 'v', WIRE_TAG_VAL_MAX);
	}
	t.invite.not_after = t.invite.admit_ttl = TRUST_TIME_MAX;
	t.invite.uses = TRUST_MAX_USES;
	assert_int_equal(trust_constraint_hash_fields(t.invite.constraint, t.invite.constrain, t.name,
						      &t.address, 1, t.tag, t.n_tags), 0);
	assert_int_equal(trust_invite_sign(&t.invite, auth.sk), 0);
	n = token_encode(&t, text, sizeof(text));
	printf("# fullest token: %d characters (TOKEN_MAX_TEXT %d)\n", n, TOKEN_MAX_TEXT);
	assert_true(n > 0 && n < TOKEN_MAX_TEXT);
	assert_int_equal(token_decode(&back, text), 0);
	expect_same(&t, &back);
	assert_int_equal(token_encode(&t, text, (size_t)n), -WIRE_ESPACE);
	assert_int_equal(token_encode(&t, text, (size_t)n + 1), n);
}

/* Tokens the encoder refuses to write because the decoder would refuse them. */
static void test_inconsistent_tokens(void **state)
{
	struct token t, back;

	(void)state;
	make_token(&t);
	t.invite_secret[0] ^= 1;
	assert_int_equal(token_encode(&t, text, sizeof(text)), -TOKEN_ESECRET);
	make_token(&t);
	memcpy(t.auth[1], auth2.pk, WIRE_ID_LEN);   /* the signer is not in the token */
	assert_int_equal(token_encode(&t, text, sizeof(text)), -TOKEN_EINVITE);
	make_token(&t);
	strcpy(t.name, "web-8");                    /* not what the invite pins */
	assert_int_equal(token_encode(&t, text, sizeof(text)), -TOKEN_ECONSTRAINT);
	make_token(&t);
	t.has_address = false;                      /* pinned address missing */
	assert_int_equal(token_encode(&t, text, sizeof(text)), -TOKEN_ECONSTRAINT);
	make_token(&t);
	t.n_auth = 0;
	assert_int_equal(token_encode(&t, text, sizeof(text)), -TOKEN_EFIELD);
	make_token(&t);
	t.seed[1].port = 0;
	assert_int_equal(token_encode(&t, text, sizeof(text)), -TOKEN_EFIELD);
	make_token(&t);
	t.name[1] = '\n';
	assert_int_equal(token_encode(&t, text, sizeof(text)), -TOKEN_EFIELD);
	make_token(&t);
	strcpy(t.tag[0].key, "has space");
	assert_int_equal(token_encode(&t, text, sizeof(text)), -TOKEN_EFIELD);
	make_token(&t);
	t.invite.uses = 0;
	assert_int_equal(token_encode(&t, text, sizeof(text)), -TOKEN_EFIELD);
	/* decoding a refused token leaves nothing behind */
	memset(&back, 0x33, sizeof(back));
	assert_int_equal(token_decode(&back, "meshd1:AAAA"), -TOKEN_EFORMAT);
	assert_true(sodium_is_zero((const uint8_t *)&back, sizeof(back)));
}

/* ---- hand-made tokens: any msgpack, any text ---- */

struct raw {
	const char *seed;     /* one seed string, or NULL for none */
	const char *prefix;
	const char *address;
	int n_auth;
	int extra_field;      /* append one more field: wrong layout */
	int trailing;         /* a byte after the array */
};

static void raw_text(const struct raw *o, const struct token *t)
{
	uint8_t bin[TOKEN_MAX_BINARY + 16];
	struct mp_writer w;
	int n;

	mp_writer_init(&w, bin, sizeof(bin));
	mp_write_array(&w, 9 + (o->extra_field ? 1u : 0u));
	mp_write_bin(&w, t->netkey, WIRE_KEY_LEN);
	mp_write_array(&w, (uint32_t)o->n_auth);
	for (int i = 0; i < o->n_auth; i++)
		mp_write_bin(&w, t->auth[i % 2], WIRE_ID_LEN);
	mp_write_array(&w, o->seed ? 1 : 0);
	if (o->seed)
		mp_write_str(&w, o->seed, strlen(o->seed));
	trust_invite_write(&w, &t->invite);
	mp_write_bin(&w, t->invite_secret, TRUST_SEED_LEN);
	mp_write_str(&w, o->prefix, strlen(o->prefix));
	mp_write_str(&w, t->name, strlen(t->name));
	mp_write_str(&w, o->address, strlen(o->address));
	mp_write_array(&w, 1);
	mp_write_array(&w, 2);
	mp_write_str(&w, "role", 4);
	mp_write_str(&w, "web", 3);
	if (o->extra_field)
		mp_write_uint(&w, 0);
	if (o->trailing)
		mp_write_uint(&w, 0);
	n = mp_writer_result(&w);
	assert_true(n > 0);
	memcpy(text, "meshd1:", 7);
	sodium_bin2base64(text + 7, sizeof(text) - 7, bin, (size_t)n,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

static int decode_raw(struct raw o)
{
	struct token t, back;

	make_token(&t);
	if (!o.prefix)
		o.prefix = "10.42.0.0/16";
	if (!o.address)
		o.address = "10.42.0.7/16";
	if (!o.n_auth)
		o.n_auth = 2;
	raw_text(&o, &t);
	return token_decode(&back, text);
}

static void test_malformed_contents(void **state)
{
	(void)state;
	/* the hand-made writer itself makes a good token */
	assert_int_equal(decode_raw((struct raw){ .seed = "192.0.2.1:51821" }), 0);
	assert_int_equal(decode_raw((struct raw){ .seed = "[2001:db8::1]:51821" }), 0);

	/* text forms that parse but are not canonical */
	assert_int_equal(decode_raw((struct raw){ .seed = "[2001:DB8::1]:51821" }), -TOKEN_EFIELD);
	assert_int_equal(decode_raw((struct raw){ .seed = "[2001:db8:0::1]:51821" }), -TOKEN_EFIELD);
	assert_int_equal(decode_raw((struct raw){ .seed = "192.0.2.1:051821" }), -TOKEN_EFIELD);
	assert_int_equal(decode_raw((struct raw){ .seed = "192.0.2.1:0" }), -TOKEN_EFIELD);
	assert_int_equal(decode_raw((struct raw){ .seed = "192.0.2.1" }), -TOKEN_EFIELD);
	assert_int_equal(decode_raw((struct raw){ .seed = "seed.example:1" }), -TOKEN_EFIELD);
	assert_int_equal(decode_raw((struct raw){ .seed = "" }), -TOKEN_EFIELD);
	assert_int_equal(decode_raw((struct raw){ .prefix = "10.42.0.0/33" }), -TOKEN_EFIELD);
	assert_int_equal(decode_raw((struct raw){ .prefix = "10.42.0.0" }), -TOKEN_EFIELD);
	assert_int_equal(decode_raw((struct raw){ .prefix = " 10.42.0.0/16" }), -TOKEN_EFIELD);
	/* the pinned address must be exactly the invite's */
	assert_int_equal(decode_raw((struct raw){ .address = "10.42.0.8/16" }), -TOKEN_ECONSTRAINT);
	assert_int_equal(decode_raw((struct raw){ .address = "" }), -TOKEN_ECONSTRAINT);
	/* authorities: 1..4 */
	assert_int_equal(decode_raw((struct raw){ .n_auth = 4 }), 0);
	assert_int_equal(decode_raw((struct raw){ .n_auth = 5 }), -TOKEN_EFORMAT);
	/* layout */
	assert_int_equal(decode_raw((struct raw){ .extra_field = 1 }), -TOKEN_EFORMAT);
	assert_int_equal(decode_raw((struct raw){ .trailing = 1 }), -TOKEN_EFORMAT);
}

static void test_malformed_text(void **state)
{
	struct token t, back;
	char bad[sizeof(text) + 8];
	size_t n;

	(void)state;
	make_token(&t);
	assert_true(token_encode(&t, text, sizeof(text)) > 0);
	n = strlen(text);

	assert_int_equal(token_decode(&back, ""), -TOKEN_EPREFIX);
	assert_int_equal(token_decode(&back, "meshd1"), -TOKEN_EPREFIX);
	assert_int_equal(token_decode(&back, text + 7), -TOKEN_EPREFIX);
	snprintf(bad, sizeof(bad), "MESHD1:%s", text + 7);
	assert_int_equal(token_decode(&back, bad), -TOKEN_EPREFIX);
	snprintf(bad, sizeof(bad), "meshd2:%s", text + 7);
	assert_int_equal(token_decode(&back, bad), -TOKEN_EPREFIX);
	snprintf(bad, sizeof(bad), " %s", text);
	assert_int_equal(token_decode(&back, bad), -TOKEN_EPREFIX);
	assert_int_equal(token_decode(&back, "meshd1:"), -TOKEN_EFORMAT);

	/* whitespace, a newline (strip it first), padding, the other alphabet */
	snprintf(bad, sizeof(bad), "%s\n", text);
	assert_int_equal(token_decode(&back, bad), -TOKEN_EBASE64);
	snprintf(bad, sizeof(bad), "%s=", text);
	assert_int_equal(token_decode(&back, bad), -TOKEN_EBASE64);
	memcpy(bad, text, n + 1);
	bad[20] = ' ';
	assert_int_equal(token_decode(&back, bad), -TOKEN_EBASE64);
	for (size_t i = 7; i < n; i++) {
		if (text[i] == '-' || text[i] == '_') {
			memcpy(bad, text, n + 1);
			bad[i] = text[i] == '-' ? '+' : '/';
			assert_int_equal(token_decode(&back, bad), -TOKEN_EBASE64);
		}
	}
	/* bytes outside the alphabet, which libsodium alone would decode (fuzz_token) */
	for (int c = 1; c < 256; c++) {
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", c))
			continue;
		memcpy(bad, text, n + 1);
		bad[21] = (char)c;
		assert_int_equal(token_decode(&back, bad), -TOKEN_EBASE64);
	}
	/* non-zero unused bits in the last character: a second spelling */
	memcpy(bad, text, n + 1);
	if ((n - 7) % 4) {
		const char *alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
		int v = (int)(strchr(alpha, bad[n - 1]) - alpha);

		bad[n - 1] = alpha[v ^ 1];
		assert_int_equal(token_decode(&back, bad), -TOKEN_EBASE64);
	}
	/* every truncation is refused */
	for (size_t len = 7; len < n; len++) {
		memcpy(bad, text, len);
		bad[len] = '\0';
		int ret = token_decode(&back, bad);

		if (ret != -TOKEN_EBASE64 && ret != -TOKEN_EFORMAT)
			fail_msg("truncated to %zu: %s", len, token_strerror(ret));
	}
	/* far too long */
	memcpy(bad, "meshd1:", 7);
	memset(bad + 7, 'A', sizeof(bad) - 8);
	bad[sizeof(bad) - 1] = '\0';
	assert_int_equal(token_decode(&back, bad), -TOKEN_ELENGTH);
	/* every changed character: refused, or a token that still checks out */
	for (size_t i = 7; i < n; i++) {
		memcpy(bad, text, n + 1);
		bad[i] = bad[i] == 'A' ? 'B' : 'A';
		if (token_decode(&back, bad) == 0) {
			/* only bytes nothing verifies may change: the network key, seeds' text, prefix */
			assert_memory_equal(&back.invite, &t.invite, sizeof(t.invite));
			assert_memory_equal(back.invite_secret, t.invite_secret, TRUST_SEED_LEN);
		}
	}
	/* each error has its own text */
	for (int e = TOKEN_EPREFIX; e <= TOKEN_ECONSTRAINT; e++) {
		assert_string_not_equal(token_strerror(-e), "unknown error");
		for (int f = TOKEN_EPREFIX; f < e; f++)
			assert_string_not_equal(token_strerror(-e), token_strerror(-f));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_max_token),
		cmocka_unit_test(test_inconsistent_tokens),
		cmocka_unit_test(test_malformed_contents),
		cmocka_unit_test(test_malformed_text),
	};

	fx_authority(&auth, 1);
	fx_authority(&auth2, 2);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
