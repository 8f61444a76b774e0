/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keysched.h"

#define KEYSCHED_MAGIC "meshd-netkeys 1"

void keysched_init(struct keysched *ks, const uint8_t key[static WIRE_KEY_LEN], uint64_t epoch,
		   uint32_t transition_s)
{
	sodium_memzero(ks, sizeof(*ks));
	memcpy(ks->cur.key, key, WIRE_KEY_LEN);
	ks->cur.epoch = epoch;
	ks->cur.set = true;
	ks->transition_s = transition_s;
	randombytes_buf(ks->hkey, sizeof(ks->hkey));
}

void keysched_wipe(struct keysched *ks)
{
	sodium_memzero(ks, sizeof(*ks));
}

int keysched_install(struct keysched *ks, const uint8_t key[static WIRE_KEY_LEN], uint64_t epoch,
		     int64_t activate_at, int64_t now)
{
	if (ks->cur.set && epoch == ks->cur.epoch)
		return sodium_memcmp(key, ks->cur.key, WIRE_KEY_LEN) == 0 ? -EALREADY : -EEXIST;
	if (ks->cur.set && epoch < ks->cur.epoch)
		return -EALREADY;
	/*
	 * A rotation on top of one not active yet replaces the pending key:
	 * the key everyone still seals with (prev) must keep opening. Else
	 * the newest becomes prev, pushing out the oldest even inside its
	 * window: two keys at most.
	 */
	if (ks->prev.set && now < ks->cur.activate_at) {
		sodium_memzero(&ks->cur, sizeof(ks->cur));
	} else {
		sodium_memzero(&ks->prev, sizeof(ks->prev));
		ks->prev = ks->cur;
	}
	memcpy(ks->cur.key, key, WIRE_KEY_LEN);
	ks->cur.epoch = epoch;
	ks->cur.activate_at = activate_at;
	ks->cur.set = true;
	return 0;
}

static bool in_window(const struct keysched *ks, int64_t now)
{
	return ks->prev.set && now < ks->cur.activate_at + (int64_t)ks->transition_s;
}

bool keysched_expire(struct keysched *ks, int64_t now)
{
	if (!ks->prev.set || in_window(ks, now))
		return false;
	sodium_memzero(&ks->prev, sizeof(ks->prev));
	/* Nobody can be answered in the old key any more. */
	memset(ks->peer, 0, sizeof(ks->peer));
	return true;
}

size_t keysched_open_keys(const struct keysched *ks, int64_t now,
			  const struct keysched_key *out[static 2])
{
	if (!in_window(ks, now)) {
		out[0] = &ks->cur;
		return 1;
	}
	/* Before activation most traffic still comes in the old key. */
	if (now < ks->cur.activate_at) {
		out[0] = &ks->prev;
		out[1] = &ks->cur;
	} else {
		out[0] = &ks->cur;
		out[1] = &ks->prev;
	}
	return 2;
}

static size_t peer_slot(const struct keysched *ks, const struct wire_addr *a)
{
	uint8_t buf[1 + 16 + 2], h[crypto_shorthash_BYTES];
	uint64_t v;

	buf[0] = a->family;
	memcpy(buf + 1, a->ip, 16);
	buf[17] = (uint8_t)(a->port >> 8);
	buf[18] = (uint8_t)a->port;
	crypto_shorthash(h, buf, sizeof(buf), ks->hkey);
	memcpy(&v, h, sizeof(v));
	return (size_t)(v % KEYSCHED_PEERS);
}

static bool same_addr(const struct wire_addr *a, const struct wire_addr *b)
{
	return a->family == b->family && a->port == b->port && memcmp(a->ip, b->ip, 16) == 0;
}

void keysched_note_peer(struct keysched *ks, const struct wire_addr *from, uint64_t epoch)
{
	struct keysched_peer *p;

	if (!ks->prev.set)
		return;   /* one key: nothing to remember */
	p = &ks->peer[peer_slot(ks, from)];
	p->addr = *from;
	p->epoch = epoch;
	p->used = true;
}

const struct keysched_key *keysched_seal_key(const struct keysched *ks,
					     const struct wire_addr *to, int64_t now)
{
	const struct keysched_peer *p;

	if (!in_window(ks, now))
		return &ks->cur;
	if (now < ks->cur.activate_at)
		return &ks->prev;
	p = &ks->peer[peer_slot(ks, to)];
	if (p->used && same_addr(&p->addr, to) && p->epoch == ks->prev.epoch)
		return &ks->prev;
	return &ks->cur;
}

uint64_t keysched_epoch(const struct keysched *ks, int64_t now)
{
	return ks->prev.set && now < ks->cur.activate_at ? ks->prev.epoch : ks->cur.epoch;
}

static int format_key(char *buf, size_t cap, const struct keysched_key *k)
{
	char b64[sodium_base64_ENCODED_LEN(WIRE_KEY_LEN, sodium_base64_VARIANT_ORIGINAL)];
	int n;

	sodium_bin2base64(b64, sizeof(b64), k->key, WIRE_KEY_LEN, sodium_base64_VARIANT_ORIGINAL);
	n = snprintf(buf, cap, "key %" PRIu64 " %" PRId64 " %s\n", k->epoch, k->activate_at, b64);
	sodium_memzero(b64, sizeof(b64));
	return n;
}

int keysched_format(const struct keysched *ks, char *buf, size_t cap)
{
	size_t len;
	int n;

	n = snprintf(buf, cap, KEYSCHED_MAGIC "\n");
	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	len = (size_t)n;
	n = format_key(buf + len, cap - len, &ks->cur);
	if (n < 0 || (size_t)n >= cap - len)
		return -ENOSPC;
	len += (size_t)n;
	if (ks->prev.set) {
		n = format_key(buf + len, cap - len, &ks->prev);
		if (n < 0 || (size_t)n >= cap - len)
			return -ENOSPC;
		len += (size_t)n;
	}
	return (int)len;
}

/* "key EPOCH ACTIVATE_AT BASE64" exactly; numbers are plain decimals. */
static int parse_key(const char *line, size_t len, struct keysched_key *k)
{
	char buf[160], *p, *end;
	const char *b64_end;
	size_t bin_len;
	int r = -EINVAL;

	if (len >= sizeof(buf) || len < 4 || memcmp(line, "key ", 4) != 0)
		return -EINVAL;
	memcpy(buf, line, len);
	buf[len] = '\0';
	p = buf + 4;
	if (*p < '0' || *p > '9')
		goto out;
	errno = 0;
	k->epoch = strtoull(p, &end, 10);
	if (errno || *end != ' ')
		goto out;
	p = end + 1;
	if ((*p < '0' || *p > '9') && *p != '-')
		goto out;
	k->activate_at = strtoll(p, &end, 10);
	if (errno || *end != ' ')
		goto out;
	p = end + 1;
	if (strlen(p) != 44 ||
	    sodium_base642bin(k->key, WIRE_KEY_LEN, p, 44, NULL, &bin_len, &b64_end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    bin_len != WIRE_KEY_LEN || *b64_end != '\0')
		goto out;
	k->set = true;
	r = 0;
out:
	sodium_memzero(buf, sizeof(buf));
	return r;
}

int keysched_parse(struct keysched *ks, const char *text, size_t len, uint32_t transition_s)
{
	const char *line = text, *end = text + len;
	struct keysched_key k[2];
	size_t n = 0;
	bool magic = false;
	int r = -EINVAL;

	memset(k, 0, sizeof(k));
	while (line < end) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));

		if (!nl)
			goto out;   /* a torn last line: refuse the file, not guess */
		if (!magic) {
			if ((size_t)(nl - line) != strlen(KEYSCHED_MAGIC) ||
			    memcmp(line, KEYSCHED_MAGIC, strlen(KEYSCHED_MAGIC)) != 0)
				goto out;
			magic = true;
		} else if (n == 2 || parse_key(line, (size_t)(nl - line), &k[n++]) != 0) {
			goto out;
		}
		line = nl + 1;
	}
	/* Newest first, and strictly newer than the previous one. */
	if (n == 0 || (n == 2 && k[1].epoch >= k[0].epoch))
		goto out;
	keysched_init(ks, k[0].key, k[0].epoch, transition_s);
	ks->cur.activate_at = k[0].activate_at;
	if (n == 2)
		ks->prev = k[1];
	r = 0;
out:
	sodium_memzero(k, sizeof(k));
	return r;
}
