/* SPDX-License-Identifier: MIT */
/* A binary min-heap of events ordered by (time, insertion order): deterministic ties. */
#ifndef MESHSIM_HEAP_H
#define MESHSIM_HEAP_H

#include <stdbool.h>
#include <stdint.h>

struct ev {
	uint64_t t;
	uint64_t seq;
	uint32_t node;
	uint32_t gen;     /* timer generation; unused for deliveries */
	void *msg;        /* NULL: timer */
};

struct heap {
	struct ev *v;
	uint32_t n, cap;
	uint64_t seq;
};

int heap_push(struct heap *h, struct ev e);
bool heap_pop(struct heap *h, struct ev *out);
static inline const struct ev *heap_top(const struct heap *h)
{
	return h->n ? &h->v[0] : 0;
}
void heap_free(struct heap *h);

#endif
