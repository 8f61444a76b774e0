/* SPDX-License-Identifier: MIT */
/*
 * The datagram path: envelope_open with the fixed key, then msg_decode
 * on what opened; and msg_decode straight on the raw input, since the
 * fuzzer cannot forge a Poly1305 tag to reach the decoder through the
 * envelope. A message that decodes must re-encode to the same bytes
 * (one byte form per message) and report the same size.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_key.h"
#include "proto/envelope.h"
#include "proto/identity.h"
#include "proto/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct wire_msg msg;
static uint8_t plain[WIRE_MAX_PLAINTEXT], again[WIRE_MAX_PLAINTEXT];

static void check_msg(const uint8_t *buf, size_t len)
{
	int n;

	if (msg_decode(&msg, buf, len) != 0)
		return;
	n = msg_encode(&msg, again, sizeof(again));
	if (n != (int)len || memcmp(again, buf, len) != 0 || msg_encoded_size(&msg) != n)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int n;

	if (identity_init_crypto() != 0)
		abort();
	n = envelope_open(plain, sizeof(plain), data, size, fuzz_key);
	if (n >= 0)
		check_msg(plain, (size_t)n);
	check_msg(data, size);
	return 0;
}
