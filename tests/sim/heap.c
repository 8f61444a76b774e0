/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>

#include "heap.h"

static bool before(const struct ev *a, const struct ev *b)
{
	return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

int heap_push(struct heap *h, struct ev e)
{
	uint32_t i;

	if (h->n == h->cap) {
		uint32_t ncap = h->cap ? h->cap * 2 : 1024;
		struct ev *n = realloc(h->v, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		h->v = n;
		h->cap = ncap;
	}
	e.seq = h->seq++;
	for (i = h->n++; i && before(&e, &h->v[(i - 1) / 2]); i = (i - 1) / 2)
		h->v[i] = h->v[(i - 1) / 2];
	h->v[i] = e;
	return 0;
}

bool heap_pop(struct heap *h, struct ev *out)
{
	struct ev last;
	uint32_t i = 0;

	if (!h->n)
		return false;
	*out = h->v[0];
	last = h->v[--h->n];
	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && before(&h->v[c + 1], &h->v[c]))
			c++;
		if (!before(&h->v[c], &last))
			break;
		h->v[i] = h->v[c];
		i = c;
	}
	if (h->n)
		h->v[i] = last;
	return true;
}

void heap_free(struct heap *h)
{
	free(h->v);
	h->v = NULL;
	h->n = h->cap = 0;
}
