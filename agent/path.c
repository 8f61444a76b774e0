/* SPDX-License-Identifier: MIT */
/* Per-peer paths and candidate trial: see path.h. */
#include "path.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/*
 * WireGuard's REJECT_AFTER_TIME: a session older than this carries
 * nothing, so a handshake this old (or none) means no working tunnel.
 * While traffic flows WireGuard handshakes again every 120 s.
 */
enum { PATH_SESSION_S = 180 };

bool path_addr_private(const struct wire_addr *a)
{
	const uint8_t *ip = a->ip;

	if (a->family == WIRE_AF_INET)
		return ip[0] == 10 || (ip[0] == 172 && (ip[1] & 0xf0) == 16) ||
		       (ip[0] == 192 && ip[1] == 168) || (ip[0] == 100 && (ip[1] & 0xc0) == 64);
	if (a->family == WIRE_AF_INET6)
		return (ip[0] & 0xfe) == 0xfc;
	return false;
}

static bool same_ip(const struct wire_addr *a, const struct wire_addr *b)
{
	size_t n = wire_family_len(a->family);

	return n && a->family == b->family && memcmp(a->ip, b->ip, n) == 0;
}

size_t path_candidates(const struct wire_addr *ep, size_t n_ep,
		       const struct wire_addr *our_public,
		       struct wire_addr *out, size_t room)
{
	bool lan_first = false, lan_skip = false, any_public = false;
	size_t n = 0;

	/*
	 * Same public IP as ours: behind the same NAT, where hairpinning
	 * through the router often does not work but the LAN does. Another
	 * public IP: another site, whose LAN addresses we cannot reach (and
	 * 5 s on each would only delay the public candidate).
	 */
	if (our_public && our_public->family)
		for (size_t i = 0; i < n_ep; i++)
			if (ep[i].family && !path_addr_private(&ep[i])) {
				any_public = true;
				lan_first |= same_ip(&ep[i], our_public);
			}
	lan_skip = any_public && !lan_first && !path_addr_private(our_public);
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n_ep && n < room; i++) {
			bool priv = path_addr_private(&ep[i]);
			bool first = lan_first ? priv : true;

			if (!ep[i].family || (pass == 0) != first || (priv && lan_skip))
				continue;
			out[n++] = ep[i];
		}
	return n;
}

void path_prefer_v6(struct wire_addr *cand, size_t n)
{
	struct wire_addr tmp[PATH_MAX_CANDIDATES];
	size_t k = 0;

	if (n > PATH_MAX_CANDIDATES)
		return;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < n; i++) {
			bool v6 = cand[i].family == WIRE_AF_INET6 && !path_addr_private(&cand[i]);

			if (v6 == (pass == 0))
				tmp[k++] = cand[i];
		}
	memcpy(cand, tmp, n * sizeof(*cand));
}

size_t path_only_v6(struct wire_addr *cand, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (cand[i].family == WIRE_AF_INET6 && !path_addr_private(&cand[i]))
			cand[k++] = cand[i];
	return k;
}

bool path_v6_pending(const struct path *p, uint64_t now_ms)
{
	return p->v6_since_ms && !p->relayed && p->kind != PATH_DIRECT &&
	       now_ms - p->v6_since_ms < PATH_V6_WAIT_MS;
}

void path_init(struct path *p, const uint8_t id[WIRE_ID_LEN], uint64_t now_ms)
{
	memset(p, 0, sizeof(*p));
	memcpy(p->id, id, WIRE_ID_LEN);
	p->appeared_ms = now_ms;
	p->none_since_ms = now_ms;
	p->since_ms = now_ms;
}

static void switch_to(struct path *p, uint8_t cur, uint64_t now_ms, int64_t now_wall_s)
{
	p->cur = cur;
	p->switched_ms = now_ms;
	p->switched_wall_s = now_wall_s;
	p->settled = false;
}

void path_set_candidates(struct path *p, const struct wire_addr *cand, size_t n,
			 uint64_t now_ms, int64_t now_wall_s)
{
	struct wire_addr in_use = p->n_cand ? p->cand[p->cur] : (struct wire_addr){0};
	bool same = n == p->n_cand;

	if (n > PATH_MAX_CANDIDATES)
		n = PATH_MAX_CANDIDATES;
	for (size_t i = 0; same && i < n; i++)
		same = wire_addr_equal(&cand[i], &p->cand[i]);
	if (same)
		return;
	memcpy(p->cand, cand, n * sizeof(*cand));
	p->n_cand = (uint8_t)n;
	for (size_t i = 0; i < n; i++)
		if (in_use.family && wire_addr_equal(&cand[i], &in_use)) {
			p->cur = (uint8_t)i;   /* keep it and its trial state */
			return;
		}
	p->roamed = false;
	switch_to(p, 0, now_ms, now_wall_s);
}

static bool session_live(const struct path *p, int64_t now_wall_s)
{
	return p->last_handshake > 0 && now_wall_s - p->last_handshake <= PATH_SESSION_S;
}

static void set_kind(struct path *p, enum path_kind k, uint64_t now_ms)
{
	if (p->kind != k) {
		p->since_ms = now_ms;
		if (k == PATH_NONE)
			p->none_since_ms = now_ms;
	}
	p->kind = k;
}

/* The trial: next candidate when this one had PATH_TRY_MS without a
 * handshake newer than the switch. */
static void trial(struct path *p, uint64_t now_ms, int64_t now_wall_s)
{
	if (!p->n_cand)
		return;
	if (p->cur >= p->n_cand)
		switch_to(p, 0, now_ms, now_wall_s);
	if (!p->settled && p->last_handshake >= p->switched_wall_s && p->last_handshake > 0)
		p->settled = true;
	if (p->settled && !session_live(p, now_wall_s))
		p->settled = false, p->switched_ms = now_ms, p->switched_wall_s = now_wall_s;
	if (!p->settled && now_ms - p->switched_ms >= PATH_TRY_MS && p->n_cand > 1)
		switch_to(p, (uint8_t)((p->cur + 1) % p->n_cand), now_ms, now_wall_s);
}

void path_update(struct path *p, const struct path_obs *obs, uint64_t now_ms,
		 int64_t now_wall_s, struct wire_addr *want)
{
	bool live;

	memset(want, 0, sizeof(*want));
	p->last_handshake = obs->last_handshake;
	live = session_live(p, now_wall_s);
	if (!wire_addr_equal(&p->endpoint, &obs->device_ep))
		p->since_ms = now_ms;
	p->endpoint = obs->device_ep;

	if (p->relayed) {
		*want = p->relay_ep;
	} else {
		/*
		 * Roaming: the device took an endpoint we did not ask for from
		 * an authenticated packet (a fresh handshake). It knows better
		 * than our candidates; leave it until the session dies.
		 */
		if (obs->device_ep.family && p->asked.family &&
		    !wire_addr_equal(&obs->device_ep, &p->asked) && live &&
		    p->last_handshake >= p->switched_wall_s)
			p->roamed = true;
		if (p->roamed && !live)
			p->roamed = false;
		if (!p->roamed) {
			trial(p, now_ms, now_wall_s);
			if (p->n_cand)
				*want = p->cand[p->cur];
		}
	}
	if (want->family)
		p->asked = *want;
	set_kind(p, !live ? PATH_NONE : p->relayed ? PATH_RELAY : PATH_DIRECT, now_ms);
}

void path_set_relay(struct path *p, const uint8_t relay_id[WIRE_ID_LEN],
		    const struct wire_addr *relay_ep, uint64_t now_ms, int64_t now_wall_s)
{
	memcpy(p->relay_id, relay_id, WIRE_ID_LEN);
	p->relay_ep = *relay_ep;
	p->relayed = true;
	p->roamed = false;
	p->switched_ms = now_ms;
	p->switched_wall_s = now_wall_s;
}

void path_clear_relay(struct path *p, uint64_t now_ms, int64_t now_wall_s)
{
	if (!p->relayed)
		return;
	p->relayed = false;
	memset(p->relay_id, 0, sizeof(p->relay_id));
	memset(&p->relay_ep, 0, sizeof(p->relay_ep));
	switch_to(p, p->cur, now_ms, now_wall_s);
}

void path_set_direct(struct path *p, const struct wire_addr *ep, uint64_t now_ms,
		     int64_t now_wall_s)
{
	size_t i;

	path_clear_relay(p, now_ms, now_wall_s);
	for (i = 0; i < p->n_cand; i++)
		if (wire_addr_equal(&p->cand[i], ep))
			break;
	if (i == p->n_cand) {
		if (p->n_cand == PATH_MAX_CANDIDATES)
			i = PATH_MAX_CANDIDATES - 1;   /* replaces the last one */
		else
			p->n_cand++;
		p->cand[i] = *ep;
	}
	p->roamed = false;
	switch_to(p, (uint8_t)i, now_ms, now_wall_s);
}

bool path_candidates_exhausted(const struct path *p, uint64_t now_ms)
{
	(void)now_ms;
	if (p->settled || p->roamed || p->relayed)
		return false;
	/* every candidate had its PATH_TRY_MS since the peer appeared */
	return now_ms - p->appeared_ms >= (uint64_t)PATH_TRY_MS * (p->n_cand ? p->n_cand : 1);
}

bool path_unreachable(const struct path *p, uint64_t now_ms)
{
	return p->kind == PATH_NONE && now_ms - p->none_since_ms >= PATH_UNREACHABLE_MS;
}

const char *path_kind_name(enum path_kind k)
{
	switch (k) {
	case PATH_DIRECT: return "direct";
	case PATH_RELAY: return "relay";
	default: return "none";
	}
}

/* Table: pointers sorted by id (paths stay put; bsearch lookups). */
struct path_table {
	struct path **v;
	size_t n, cap;
};

int path_table_new(struct path_table **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void path_table_free(struct path_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i]);
	free(t->v);
	free(t);
}

/* Index of id, or of where it would go (*found false). */
static size_t find(const struct path_table *t, const uint8_t id[WIRE_ID_LEN], bool *found)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = memcmp(t->v[mid]->id, id, WIRE_ID_LEN);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

struct path *path_table_get(struct path_table *t, const uint8_t id[WIRE_ID_LEN])
{
	bool found;
	size_t i = find(t, id, &found);

	return found ? t->v[i] : NULL;
}

struct path *path_table_add(struct path_table *t, const uint8_t id[WIRE_ID_LEN], uint64_t now_ms)
{
	bool found;
	size_t i = find(t, id, &found);
	struct path *p;

	if (found)
		return t->v[i];
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		struct path **v = realloc(t->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		t->v = v;
		t->cap = cap;
	}
	p = malloc(sizeof(*p));
	if (!p)
		return NULL;
	path_init(p, id, now_ms);
	memmove(&t->v[i + 1], &t->v[i], (t->n - i) * sizeof(*t->v));
	t->v[i] = p;
	t->n++;
	return p;
}

void path_table_del(struct path_table *t, const uint8_t id[WIRE_ID_LEN])
{
	bool found;
	size_t i = find(t, id, &found);

	if (!found)
		return;
	free(t->v[i]);
	memmove(&t->v[i], &t->v[i + 1], (t->n - i - 1) * sizeof(*t->v));
	t->n--;
}

void path_table_prune(struct path_table *t, uint32_t mark)
{
	size_t k = 0;

	for (size_t i = 0; i < t->n; i++) {
		if (t->v[i]->mark == mark)
			t->v[k++] = t->v[i];
		else
			free(t->v[i]);
	}
	t->n = k;
}

size_t path_table_count(const struct path_table *t)
{
	return t->n;
}

void path_table_foreach(struct path_table *t, void (*fn)(void *arg, struct path *p), void *arg)
{
	for (size_t i = 0; i < t->n; i++)
		fn(arg, t->v[i]);
}
