/* SPDX-License-Identifier: MIT */
#include "conn_cap.h"

void conn_cap_init(struct conn_cap *c, uint32_t max, uint32_t backoff_ms, bool queue_when_full)
{
	*c = (struct conn_cap){ .max = max, .backoff_ms = backoff_ms ? backoff_ms : 1,
				.queue_when_full = queue_when_full };
}

bool conn_cap_accepted(struct conn_cap *c)
{
	if (c->open >= c->max) {
		c->refused++;
		return false;
	}
	c->open++;
	c->accepted++;
	if (c->open == c->max)
		c->full++;
	return true;
}

void conn_cap_closed(struct conn_cap *c)
{
	if (c->open > 0)
		c->open--;
}

void conn_cap_accept_failed(struct conn_cap *c, uint64_t now_ms)
{
	c->accept_errors++;
	c->retry_at_ms = now_ms + c->backoff_ms;
}

uint32_t conn_cap_fit(uint32_t want, uint64_t fd_limit)
{
	uint64_t share = fd_limit / 8;

	if (share < 1)
		share = 1;
	return share < want ? (uint32_t)share : want;
}

bool conn_cap_listening(const struct conn_cap *c, uint64_t now_ms, uint64_t *wait_ms)
{
	*wait_ms = 0;
	if (now_ms < c->retry_at_ms) {
		*wait_ms = c->retry_at_ms - now_ms;
		return false;
	}
	if (c->queue_when_full && c->open >= c->max)
		return false;
	return true;
}
