/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "punch_sched.h"

bool punch_due(const struct punch_sched *s, const struct punch_view *v, uint64_t now_ms)
{
	return v->able && v->peer_natted && v->initiator && !v->direct && v->stuck && !s->active &&
	       s->attempts < PUNCH_MAX_ATTEMPTS && now_ms >= s->next_ms;
}

void punch_plan(struct punch_sched *s, const struct wire_addr *target, uint64_t now_ms,
		uint32_t at_ms)
{
	s->active = true;
	s->fired = s->switched = s->succeeded = false;
	s->fire_ms = now_ms + at_ms;
	s->fire_wall_s = 0;
	s->target = *target;
	if (s->attempts < UINT8_MAX)
		s->attempts++;
}

enum punch_step punch_step_due(const struct punch_sched *s, uint64_t now_ms)
{
	if (!s->active || now_ms < s->fire_ms)
		return PUNCH_STEP_NONE;
	if (!s->fired)
		return PUNCH_STEP_FIRE;
	if (!s->switched)
		return now_ms >= s->fire_ms + PUNCH_SETTLE_MS ? PUNCH_STEP_SWITCH : PUNCH_STEP_NONE;
	return now_ms >= s->fire_ms + PUNCH_JUDGE_MS ? PUNCH_STEP_JUDGE : PUNCH_STEP_NONE;
}

uint64_t punch_next_step(const struct punch_sched *s)
{
	if (!s->active)
		return UINT64_MAX;
	if (!s->fired)
		return s->fire_ms;
	return s->fire_ms + (s->switched ? PUNCH_JUDGE_MS : PUNCH_SETTLE_MS);
}

void punch_done_step(struct punch_sched *s, enum punch_step st, int64_t now_wall_s)
{
	if (st == PUNCH_STEP_FIRE) {
		s->fired = true;
		s->fire_wall_s = now_wall_s;
	} else if (st == PUNCH_STEP_SWITCH) {
		s->switched = true;
	}
}

bool punch_judge(struct punch_sched *s, int64_t last_handshake, const struct wire_addr *device_ep,
		 uint64_t now_ms)
{
	uint64_t wait = PUNCH_RETRY_MS;

	s->active = false;
	s->succeeded = last_handshake > 0 && last_handshake >= s->fire_wall_s &&
		       wire_addr_equal(device_ep, &s->target);
	if (s->succeeded)
		return true;
	for (uint8_t i = 1; i < s->attempts && wait < PUNCH_RETRY_MAX_MS; i++)
		wait *= 2;
	s->next_ms = now_ms + (wait < PUNCH_RETRY_MAX_MS ? wait : PUNCH_RETRY_MAX_MS);
	return false;
}

void punch_reset(struct punch_sched *s)
{
	if (!s->active)
		memset(s, 0, sizeof(*s));
}
