/* SPDX-License-Identifier: MIT */
/*
 * The network-key schedule's state file (agent/keysched.h): whatever
 * keysched_parse accepts has one or two keys, newest first with a higher
 * epoch, formats within KEYSCHED_TEXT_MAX and parses back to the same
 * keys (the file survives every rewrite).
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "keysched.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct keysched ks, again;
	char text[KEYSCHED_TEXT_MAX];
	int n;

	if (sodium_init() < 0)
		abort();
	if (keysched_parse(&ks, (const char *)data, size, 600) != 0)
		return 0;
	FUZZ_CHECK(ks.cur.set);
	FUZZ_CHECK(!ks.prev.set || ks.prev.epoch < ks.cur.epoch);
	n = keysched_format(&ks, text, sizeof(text));
	FUZZ_CHECK(n > 0);
	FUZZ_CHECK(keysched_parse(&again, text, (size_t)n, 600) == 0);
	FUZZ_CHECK(again.cur.epoch == ks.cur.epoch && again.cur.activate_at == ks.cur.activate_at &&
		   memcmp(again.cur.key, ks.cur.key, WIRE_KEY_LEN) == 0);
	FUZZ_CHECK(again.prev.set == ks.prev.set);
	if (ks.prev.set)
		FUZZ_CHECK(again.prev.epoch == ks.prev.epoch &&
			   memcmp(again.prev.key, ks.prev.key, WIRE_KEY_LEN) == 0);
	return 0;
}
