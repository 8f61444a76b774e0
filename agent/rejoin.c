/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "rejoin.h"

bool rejoin_add(struct rejoin *r, const struct wire_addr *a, enum rejoin_source src)
{
	if (!wire_family_len(a->family) || !a->port || r->n == REJOIN_MAX_CANDIDATES)
		return false;
	for (size_t i = 0; i < r->n; i++)
		if (wire_addr_equal(&r->cand[i], a))
			return false;
	r->cand[r->n++] = *a;
	r->by_source[src]++;
	return true;
}

bool rejoin_needed(const struct rejoin *r, size_t others_alive, size_t others_known)
{
	if (!r->n)
		return false;
	/* Nobody answered yet, or we are alone, or we hold fewer than we remembered. */
	return !r->answered || others_alive == 0 || others_known < r->remembered;
}

size_t rejoin_batch(struct rejoin *r, struct wire_addr *out, size_t room)
{
	size_t k = 0;

	if (room > r->n)
		room = r->n;
	while (k < room) {
		out[k++] = r->cand[r->pos % r->n];
		r->pos = (r->pos + 1) % r->n;
	}
	return k;
}

void rejoin_sent(struct rejoin *r, uint64_t now_ms, uint64_t rand)
{
	uint64_t b = r->backoff_ms ? r->backoff_ms : REJOIN_FIRST_MS;

	/* Jitter: 75..125 % of the backoff, so restarted nodes do not march in step. */
	uint64_t d = b * 3 / 4 + rand % (b / 2 + 1);

	r->next_ms = now_ms + (d < REJOIN_MAX_MS ? d : REJOIN_MAX_MS);
	r->backoff_ms = b * 2 < REJOIN_MAX_MS ? b * 2 : REJOIN_MAX_MS;
	r->started = true;
	r->rounds++;
}

void rejoin_settled(struct rejoin *r)
{
	r->backoff_ms = 0;
	r->next_ms = 0;
}

bool rejoin_due(const struct rejoin *r, uint64_t now_ms)
{
	return now_ms >= r->next_ms;
}
