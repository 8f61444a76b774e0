/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stddef.h>

#include "duration.h"

/* Half of proto's TRUST_TIME_MAX (2^40): now + a duration never passes it. */
#define DURATION_MAX (UINT64_C(1) << 39)

int duration_parse(const char *s, uint64_t *out)
{
	static const struct { char unit; uint64_t mult; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 7 * 86400 },
	};
	uint64_t v = 0, mult = 1;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > 100000000000ULL)
			return -EINVAL;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (*p) {
		size_t i;

		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (*p == units[i].unit)
				break;
		if (i == sizeof(units) / sizeof(units[0]) || p[1])
			return -EINVAL;
		mult = units[i].mult;
	}
	if (v * mult >= DURATION_MAX)
		return -EINVAL;
	*out = v * mult;
	return 0;
}
