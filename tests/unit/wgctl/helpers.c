// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "helpers.h"

void th_key(uint8_t key[static WGCTL_KEY_LEN], uint32_t id)
{
	uint32_t x = id * 2654435761U + 12345U;

	for (int i = 0; i < WGCTL_KEY_LEN; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		key[i] = (uint8_t)x;
	}
	/* Put the id itself in front so keys never collide. */
	key[0] = (uint8_t)(id >> 24);
	key[1] = (uint8_t)(id >> 16);
	key[2] = (uint8_t)(id >> 8);
	key[3] = (uint8_t)id;
}

void th_peer(struct wgctl_peer *p, uint32_t id)
{
	memset(p, 0, sizeof(*p));
	th_key(p->public_key, id);
}

void th_add_ip(struct wgctl_peer *p, const char *cidr)
{
	assert_true(p->n_allowed < WGCTL_MAX_ALLOWED);
	assert_int_equal(wgctl_allowed_parse(cidr, &p->allowed[p->n_allowed]), 0);
	p->n_allowed++;
}

void th_endpoint(struct wgctl_peer *p, const char *ep)
{
	assert_int_equal(wgctl_endpoint_parse(ep, &p->endpoint), 0);
}

void th_peer_n(struct wgctl_peer *p, uint32_t id, size_t n)
{
	char buf[64];

	th_peer(p, id);
	snprintf(buf, sizeof(buf), "127.0.%u.%u:%u", (id >> 8) & 255, id & 255, 1000 + id % 60000);
	th_endpoint(p, buf);
	for (size_t j = 0; j < n; j++) {
		uint32_t k = id * 64 + (uint32_t)j;

		if (j % 2 == 0)
			snprintf(buf, sizeof(buf), "10.%u.%u.%u/32", (k >> 16) & 255, (k >> 8) & 255,
				 k & 255);
		else
			snprintf(buf, sizeof(buf), "fd00::%x:%x/128", k >> 16, k & 0xffff);
		th_add_ip(p, buf);
	}
}
