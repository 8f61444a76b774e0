/* SPDX-License-Identifier: MIT */
/*
 * Prints decode/encode/seal figures (not a test: wall-clock numbers are
 * never asserted). The simulator decodes millions of messages, so
 * msg_decode's cost per message matters.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fixture.h"
#include "proto/envelope.h"

static struct wire_msg m, out;
static uint8_t buf[WIRE_MAX_PLAINTEXT], sealed[WIRE_MAX_DATAGRAM];

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void bench(const char *what, int n_records, int n_rumors, uint8_t type)
{
	struct identity idn;
	struct wire_record r;
	const uint8_t key[WIRE_KEY_LEN] = { 1 }, nonce[WIRE_NONCE_LEN] = { 2 };
	const int iters = 200000;
	double t0, t_dec, t_enc, t_open;
	int len, s = 0;

	fx_identity(&idn, 3);
	fx_record_typical(&r, &idn);
	fx_msg_max_body(&m, type);
	m.seq = 1000;
	for (int i = 0; i < n_records; i++)
		m.record[m.n_records++] = r;
	m.n_rumors = (uint8_t)n_rumors;
	len = fx_encode_msg(&m, buf, sizeof(buf));
	s = envelope_seal(sealed, sizeof(sealed), buf, (size_t)len, key, nonce);

	t0 = now_ns();
	for (int i = 0; i < iters; i++)
		if (msg_decode(&out, buf, (size_t)len) != 0)
			fail();
	t_dec = (now_ns() - t0) / iters;
	t0 = now_ns();
	for (int i = 0; i < iters; i++)
		if (msg_encode(&m, buf, sizeof(buf)) != len)
			fail();
	t_enc = (now_ns() - t0) / iters;
	t0 = now_ns();
	for (int i = 0; i < iters; i++)
		if (envelope_open(buf, sizeof(buf), sealed, (size_t)s, key) != len)
			fail();
	t_open = (now_ns() - t0) / iters;
	printf("%-34s %5d B  decode %6.0f ns  encode %6.0f ns  open %6.0f ns\n", what, len, t_dec,
	       t_enc, t_open);
	identity_wipe(&idn);
}

int main(void)
{
	bench("PING", 0, 0, WIRE_PING);
	bench("PING + 4 rumours + 2 records", 2, 4, WIRE_PING);
	bench("RECORDS x 7", 7, 0, WIRE_RECORDS);
	bench("SYNC_DIGEST (16 buckets)", 0, 0, WIRE_SYNC_DIGEST);
	bench("SYNC_ENTRIES (56 entries)", 0, 0, WIRE_SYNC_ENTRIES);
	return 0;
}
