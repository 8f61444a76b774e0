/* SPDX-License-Identifier: MIT */
/*
 * record_decode on raw input; when it succeeds, verify (almost always
 * fails: exercises the signed-bytes path) and re-encode, which must give
 * back the input exactly: a record has one byte form.
 */
#include <stdlib.h>
#include <string.h>

#include "proto/identity.h"
#include "proto/msg.h"
#include "proto/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_record r;
	uint8_t again[RECORD_MAX_ENCODED];
	int n;

	if (identity_init_crypto() != 0)
		abort();
	if (record_decode(&r, data, size) != 0)
		return 0;
	(void)record_verify(&r);
	n = record_encode(&r, again, sizeof(again));
	if (n != (int)size || memcmp(again, data, size) != 0 || !record_same(&r, &r))
		abort();
	if (msg_record_cost(&r) != n)
		abort();
	return 0;
}
