/* SPDX-License-Identifier: MIT */
/*
 * Token buckets and the replay cache (ingress.h). Tables are arrays with
 * 1-based indices (0 = none), so calloc'd memory is only touched as it is
 * used; both hash indexes are keyed with a random SipHash key, so no
 * sender can choose addresses or nonces that pile into one chain.
 */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "ingress.h"

enum {
	MTOK = 1000,             /* tokens in thousandths: a rate r refills r per ms */
	SIZE_MAX_ENTRIES = 1 << 24,
	BURST_MAX = 1 << 22,     /* burst * MTOK fits in 32 bits */
};

struct bucket {
	uint64_t mtok;
	uint64_t last_ms;
};

struct source {
	uint8_t ip[16];
	uint8_t family;
	uint32_t hash;
	uint32_t hnext;          /* hash chain */
	uint32_t newer, older;   /* recency list */
	struct bucket b;
};

struct ingress {
	struct ingress_limits lim;
	struct ingress_stats st;
	uint8_t key[crypto_shorthash_KEYBYTES];
	struct bucket global, engine;

	struct source *src;      /* [max_sources] */
	uint32_t *src_head;      /* [src_mask + 1] */
	uint32_t src_mask, newest, oldest;

	uint64_t *tag;           /* [replay_slots]: a ring, oldest at tag_pos once full */
	uint32_t *tag_next;
	uint32_t *tag_head;      /* [tag_mask + 1] */
	uint32_t tag_mask, tag_pos, n_tags;
};

void ingress_limits_default(struct ingress_limits *l)
{
	/*
	 * Per source IP. A member sends one peer a few datagrams a second:
	 * gossip every 200 ms to 3 peers (all of them in a mesh of four), a
	 * probe round a second with its acks and relayed probes, a sync every
	 * 2 s: under 20/s. The burst is for state transfer: a joiner pulls the
	 * 16 top buckets from 4 partners, and each partner answers with about
	 * N/4 records, 7 to a datagram, plus listings: ~250 datagrams at
	 * N = 4096 (the default --max-members). Joiners behind one NAT share
	 * an IP; each sends its seed ~50 datagrams while joining. So 200/s is
	 * 10x a member's steady rate, and 1000 is 4x one partner's answer, or
	 * 20 NATed joiners through one seed at the same moment.
	 */
	l->source_rate = 200;
	l->source_burst = 1000;
	/*
	 * All sources before the AEAD. Opening a datagram costs ~3 us, so
	 * 20,000/s holds junk from spoofed or rotating sources to ~6 % of a
	 * core; a node's legitimate traffic is ~30/s, a few thousand in the
	 * second a join lands. (It is high so that an outsider needs 20,000
	 * junk datagrams a second before a member's datagram is at risk.)
	 */
	l->global_rate = 20000;
	l->global_burst = 20000;
	/*
	 * Opened, fresh datagrams handed to the engine. With plan D9's caps a
	 * datagram costs at most a few Ed25519 checks (~40 us each, at worst
	 * ~300 us): 1000/s bounds what key holders with many addresses take
	 * together to ~30 % of a core (one address alone: 200/s). Only key
	 * holders reach this bucket: junk and replays stop before it.
	 * Legitimate: ~30/s steady; a joiner gets ~1000 datagrams from its
	 * partners at once, a seed ~50 per simultaneous joiner: burst 4000.
	 */
	l->engine_rate = 1000;
	l->engine_burst = 4000;
	/* One entry per member of a full table, so steady state evicts no
	 * member; 60 bytes each. Eviction only forgets a bucket: a source
	 * that comes back starts full, and the global buckets still hold. */
	l->max_sources = 4096;
	/* At ~30 datagrams/s this remembers ~9 minutes of nonces; 16 bytes each. */
	l->replay_slots = 16384;
}

static uint32_t pow2_at_least(uint32_t n)
{
	uint32_t p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

static bool limits_ok(const struct ingress_limits *l)
{
	return l->source_rate && l->source_burst && l->source_burst <= BURST_MAX &&
	       l->global_rate && l->global_burst && l->global_burst <= BURST_MAX &&
	       l->engine_rate && l->engine_burst && l->engine_burst <= BURST_MAX &&
	       l->max_sources && l->max_sources <= SIZE_MAX_ENTRIES &&
	       l->replay_slots && l->replay_slots <= SIZE_MAX_ENTRIES;
}

static void bucket_fill(struct bucket *b, uint32_t burst, uint64_t now)
{
	b->mtok = (uint64_t)burst * MTOK;
	b->last_ms = now;
}

/* Refill for the time since the last call, then take one token if there is one. */
static bool bucket_take(struct bucket *b, uint32_t rate, uint32_t burst, uint64_t now)
{
	uint64_t cap = (uint64_t)burst * MTOK;

	if (now > b->last_ms) {
		uint64_t elapsed = now - b->last_ms;

		/* Compare before multiplying: a long idle source must not overflow. */
		if (elapsed >= cap / rate + 1)
			b->mtok = cap;
		else if ((b->mtok += elapsed * rate) > cap)
			b->mtok = cap;
		b->last_ms = now;
	}
	if (b->mtok < MTOK)
		return false;
	b->mtok -= MTOK;
	return true;
}

int ingress_new(struct ingress **out, const struct ingress_limits *l, uint64_t now_ms)
{
	struct ingress *in;

	*out = NULL;
	if (!limits_ok(l))
		return -EINVAL;
	if (!(in = calloc(1, sizeof(*in))))
		return -ENOMEM;
	in->lim = *l;
	randombytes_buf(in->key, sizeof(in->key));
	bucket_fill(&in->global, l->global_burst, now_ms);
	bucket_fill(&in->engine, l->engine_burst, now_ms);
	in->src_mask = pow2_at_least(l->max_sources) - 1;
	in->tag_mask = pow2_at_least(l->replay_slots) - 1;
	in->src = calloc(l->max_sources, sizeof(*in->src));
	in->src_head = calloc((size_t)in->src_mask + 1, sizeof(*in->src_head));
	in->tag = calloc(l->replay_slots, sizeof(*in->tag));
	in->tag_next = calloc(l->replay_slots, sizeof(*in->tag_next));
	in->tag_head = calloc((size_t)in->tag_mask + 1, sizeof(*in->tag_head));
	if (!in->src || !in->src_head || !in->tag || !in->tag_next || !in->tag_head) {
		ingress_free(in);
		return -ENOMEM;
	}
	*out = in;
	return 0;
}

void ingress_free(struct ingress *in)
{
	if (!in)
		return;
	sodium_memzero(in->key, sizeof(in->key));
	free(in->src);
	free(in->src_head);
	free(in->tag);
	free(in->tag_next);
	free(in->tag_head);
	free(in);
}

static uint64_t keyed_hash(const struct ingress *in, const uint8_t *data, size_t len)
{
	uint8_t h[crypto_shorthash_BYTES];
	uint64_t v;

	crypto_shorthash(h, data, len, in->key);
	memcpy(&v, h, sizeof(v));
	return v;
}

/* --- sources: hash chains plus a recency list, both of 1-based indices --- */

static struct source *S(struct ingress *in, uint32_t i)
{
	return &in->src[i - 1];
}

static void recency_unlink(struct ingress *in, uint32_t i)
{
	struct source *s = S(in, i);

	if (s->newer)
		S(in, s->newer)->older = s->older;
	else
		in->newest = s->older;
	if (s->older)
		S(in, s->older)->newer = s->newer;
	else
		in->oldest = s->newer;
	s->newer = s->older = 0;
}

static void recency_push(struct ingress *in, uint32_t i)
{
	struct source *s = S(in, i);

	s->newer = 0;
	s->older = in->newest;
	if (in->newest)
		S(in, in->newest)->newer = i;
	in->newest = i;
	if (!in->oldest)
		in->oldest = i;
}

static void chain_unlink(struct ingress *in, uint32_t i)
{
	uint32_t *p = &in->src_head[S(in, i)->hash & in->src_mask];

	while (*p && *p != i)
		p = &S(in, *p)->hnext;
	if (*p)
		*p = S(in, i)->hnext;
}

/* A free entry, or the least recently seen source's, forgotten. */
static uint32_t source_slot(struct ingress *in)
{
	uint32_t i;

	if (in->st.sources < in->lim.max_sources)
		return ++in->st.sources;
	i = in->oldest;
	recency_unlink(in, i);
	chain_unlink(in, i);
	in->st.sources_evicted++;
	return i;
}

static uint32_t source_get(struct ingress *in, const struct wire_addr *from, uint64_t now)
{
	uint8_t key[17] = { 0 };
	size_t iplen = from->family == WIRE_AF_INET ? 4 : 16;
	uint32_t h, i;
	struct source *s;

	/* The port is not part of the key: one host is one source however many sockets it opens. */
	key[0] = from->family;
	memcpy(key + 1, from->ip, iplen);
	h = (uint32_t)keyed_hash(in, key, sizeof(key));
	for (i = in->src_head[h & in->src_mask]; i; i = s->hnext) {
		s = S(in, i);
		if (s->hash == h && s->family == key[0] && memcmp(s->ip, key + 1, 16) == 0) {
			recency_unlink(in, i);
			recency_push(in, i);
			return i;
		}
	}
	i = source_slot(in);
	s = S(in, i);
	memset(s, 0, sizeof(*s));
	s->family = key[0];
	memcpy(s->ip, key + 1, 16);
	s->hash = h;
	s->hnext = in->src_head[h & in->src_mask];
	in->src_head[h & in->src_mask] = i;
	recency_push(in, i);
	/* A new source starts with a full burst: a joiner's first exchange is its busiest. */
	bucket_fill(&s->b, in->lim.source_burst, now);
	return i;
}

enum ingress_verdict ingress_admit(struct ingress *in, const struct wire_addr *from,
				   uint64_t now_ms)
{
	struct source *s = S(in, source_get(in, from, now_ms));

	/* Per source first: one noisy sender spends its own budget, not the global one. */
	if (!bucket_take(&s->b, in->lim.source_rate, in->lim.source_burst, now_ms))
		return INGRESS_RATE_SOURCE;
	if (!bucket_take(&in->global, in->lim.global_rate, in->lim.global_burst, now_ms))
		return INGRESS_RATE_GLOBAL;
	return INGRESS_PASS;
}

/* --- replay cache: a ring of nonce tags with a hash index over it --- */

static void tag_unlink(struct ingress *in, uint32_t pos)
{
	uint32_t *p = &in->tag_head[in->tag[pos] & in->tag_mask];

	while (*p && *p != pos + 1)
		p = &in->tag_next[*p - 1];
	if (*p)
		*p = in->tag_next[pos];
}

bool ingress_replayed(struct ingress *in, const uint8_t nonce[static WIRE_NONCE_LEN])
{
	/* A 64-bit keyed tag: two different nonces collide with odds 2^-64 per pair. */
	uint64_t t = keyed_hash(in, nonce, WIRE_NONCE_LEN);
	uint32_t *head = &in->tag_head[t & in->tag_mask];
	uint32_t pos;

	for (uint32_t i = *head; i; i = in->tag_next[i - 1])
		if (in->tag[i - 1] == t)
			return true;
	pos = in->tag_pos;
	if (in->n_tags == in->lim.replay_slots)
		tag_unlink(in, pos);    /* the oldest nonce makes room */
	else
		in->n_tags++;
	in->tag[pos] = t;
	in->tag_next[pos] = *head;
	*head = pos + 1;
	in->tag_pos = pos + 1 == in->lim.replay_slots ? 0 : pos + 1;
	return false;
}

bool ingress_engine_ok(struct ingress *in, uint64_t now_ms)
{
	return bucket_take(&in->engine, in->lim.engine_rate, in->lim.engine_burst, now_ms);
}

const struct ingress_stats *ingress_stats(const struct ingress *in)
{
	return &in->st;
}
