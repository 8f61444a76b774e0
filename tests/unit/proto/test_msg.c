/* SPDX-License-Identifier: MIT */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"
#include "proto/envelope.h"

/*
 * Linked with --wrap=malloc/calloc/realloc: counts allocations made by
 * proto code (static library), to prove the codec never allocates.
 */
void *__real_malloc(size_t n);
void *__real_calloc(size_t k, size_t n);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t k, size_t n);
void *__wrap_realloc(void *p, size_t n);
static unsigned allocations;
void *__wrap_malloc(size_t n) { allocations++; return __real_malloc(n); }
void *__wrap_calloc(size_t k, size_t n) { allocations++; return __real_calloc(k, n); }
void *__wrap_realloc(void *p, size_t n) { allocations++; return __real_realloc(p, n); }

static struct identity idn;
static struct wire_msg m, back;  /* big: keep off the stack */
static uint8_t buf[WIRE_MAX_PLAINTEXT + 64], again[WIRE_MAX_PLAINTEXT + 64];

static const uint8_t all_types[] = {
	WIRE_JOIN, WIRE_JOIN_ACK, WIRE_PING, WIRE_PING_REQ, WIRE_ACK, WIRE_NACK,
	WIRE_SYNC_DIGEST, WIRE_SYNC_ENTRIES, WIRE_RECORDS, WIRE_LEAVE, WIRE_TRUST,
	WIRE_RELAY, WIRE_PUNCH,
};
enum { N_TYPES = sizeof(all_types) };

/* Add max-size rumours, then as many records as still fit. */
static void fill_piggyback(struct wire_msg *msg, int max_records)
{
	struct wire_record r;

	msg->n_rumors = WIRE_MAX_RUMORS;
	for (int i = 0; i < WIRE_MAX_RUMORS; i++) {
		memset(msg->rumor[i].subject, 0x11 + i, WIRE_ID_LEN);
		msg->rumor[i].version = UINT64_MAX;
		msg->rumor[i].state = WIRE_LIVE_FAILED;
		memset(msg->rumor[i].origin, 0x22, WIRE_SHORT_ID_LEN);
	}
	fx_record_typical(&r, &idn);
	if (msg->type == WIRE_LEAVE) {
		r.flags |= WIRE_REC_LEAVING;
		assert_int_equal(record_sign(&r, &idn), 0);
	}
	bool needs = msg->type == WIRE_JOIN || msg->type == WIRE_JOIN_ACK || msg->type == WIRE_LEAVE;
	while (msg->n_records < max_records) {
		msg->record[msg->n_records++] = r;
		int size = msg_encoded_size(msg);

		assert_true(size > 0);
		if (size > WIRE_MAX_PLAINTEXT && !(needs && msg->n_records == 1)) {
			msg->n_records--;
			break;
		}
	}
	/* Rumours go first when records are needed. */
	while (msg_encoded_size(msg) > WIRE_MAX_PLAINTEXT)
		msg->n_rumors--;
	assert_true(!needs || msg->n_records >= 1);
}

static size_t round_trip(const struct wire_msg *msg)
{
	size_t n = fx_encode_msg(msg, buf, sizeof(buf));

	assert_int_equal(msg_encoded_size(msg), (int)n);
	assert_true(n <= WIRE_MAX_PLAINTEXT);
	assert_int_equal(msg_decode(&back, buf, n), 0);
	assert_int_equal(back.type, msg->type);
	assert_int_equal(back.n_records, msg->n_records);
	for (int i = 0; i < back.n_records; i++) {
		assert_true(record_same(&back.record[i], &msg->record[i]));
		assert_int_equal(record_verify(&back.record[i]), 0);
	}
	assert_int_equal(fx_encode_msg(&back, again, sizeof(again)), n);
	assert_memory_equal(buf, again, n);
	return n;
}

static void test_round_trip_every_type_max(void **state)
{
	(void)state;
	for (int t = 0; t < N_TYPES; t++) {
		fx_msg_max_body(&m, all_types[t]);
		fill_piggyback(&m, WIRE_MAX_RECORDS);
		size_t n = round_trip(&m);

		/* fields survive: spot-check the type-specific ones */
		assert_int_equal(back.seq, UINT32_MAX);
		assert_memory_equal(back.sender, m.sender, WIRE_SHORT_ID_LEN);
		assert_int_equal(back.n_rumors, m.n_rumors);
		if (m.n_rumors)
			assert_memory_equal(&back.rumor[m.n_rumors - 1], &m.rumor[m.n_rumors - 1],
					    sizeof(m.rumor[0]));
		if (all_types[t] == WIRE_PING_REQ)
			assert_true(wire_addr_equal(&back.target_addr, &m.target_addr));
		if (all_types[t] == WIRE_JOIN_ACK) {
			assert_true(wire_addr_equal(&back.observed, &m.observed));
			assert_int_equal(back.overlay_prefix.len, 64);
		}
		if (all_types[t] == WIRE_SYNC_ENTRIES)
			assert_memory_equal(back.entry, m.entry, sizeof(m.entry));
		if (all_types[t] == WIRE_SYNC_DIGEST)
			assert_memory_equal(back.bucket, m.bucket, sizeof(m.bucket));
		printf("# type %2u max: %zu bytes, %u records, %u rumours\n", all_types[t], n,
		       m.n_records, m.n_rumors);
	}
}

/* Bare messages (no piggyback) of each type at max body also round-trip. */
static void test_round_trip_bare(void **state)
{
	struct wire_record r;

	(void)state;
	fx_record_typical(&r, &idn);
	r.flags = WIRE_REC_LEAVING;
	assert_int_equal(record_sign(&r, &idn), 0);
	for (int t = 0; t < N_TYPES; t++) {
		fx_msg_max_body(&m, all_types[t]);
		if (all_types[t] == WIRE_JOIN || all_types[t] == WIRE_JOIN_ACK ||
		    all_types[t] == WIRE_LEAVE)
			m.record[m.n_records++] = r;
		round_trip(&m);
	}
}

static void test_sizes(void **state)
{
	struct wire_record r;
	uint8_t sealed[WIRE_MAX_DATAGRAM + 64], key[WIRE_KEY_LEN] = { 1 }, nonce[WIRE_NONCE_LEN] = { 2 };
	const uint8_t types[] = { WIRE_PING, WIRE_ACK, WIRE_SYNC_DIGEST, WIRE_SYNC_ENTRIES };

	(void)state;
	for (size_t i = 0; i < sizeof(types); i++) {
		fx_msg_max_body(&m, types[i]);
		m.seq = 123456;
		printf("# type %u, no piggyback, seq 123456: %d bytes\n", types[i], msg_encoded_size(&m));
	}
	fx_record_typical(&r, &idn);
	printf("# typical record cost %d, rumour %d (MSG_RUMOR_COST %d)\n", msg_record_cost(&r),
	       0, MSG_RUMOR_COST);
	/* One rumour adds at most MSG_RUMOR_COST. */
	fx_msg_max_body(&m, WIRE_PING);
	int before = msg_encoded_size(&m);
	m.n_rumors = 1;
	m.rumor[0].version = UINT64_MAX;
	m.rumor[0].state = WIRE_LIVE_FAILED;
	assert_true(msg_encoded_size(&m) - before <= MSG_RUMOR_COST);
	/* ... and a record exactly msg_record_cost. */
	before = msg_encoded_size(&m);
	m.record[m.n_records++] = r;
	assert_int_equal(msg_encoded_size(&m) - before, msg_record_cost(&r));

	/* The fullest SYNC_ENTRIES (every cap) fits, and seals under 1200. */
	fx_msg_max_body(&m, WIRE_SYNC_ENTRIES);
	size_t n = fx_encode_msg(&m, buf, sizeof(buf));
	assert_true(n <= WIRE_MAX_PLAINTEXT);
	int s = envelope_seal(sealed, sizeof(sealed), buf, n, key, nonce);
	assert_true(s > 0 && s <= WIRE_MAX_DATAGRAM);
	printf("# biggest SYNC_ENTRIES: %zu bytes, sealed %d\n", n, s);

	/* Padded to the limit: exactly WIRE_MAX_PLAINTEXT, sealed exactly 1200. */
	fx_msg_max_body(&m, WIRE_PING);
	assert_int_equal(msg_pad_to(&m, WIRE_MAX_PLAINTEXT), WIRE_MAX_PLAINTEXT);
	n = fx_encode_msg(&m, buf, sizeof(buf));
	assert_int_equal(n, WIRE_MAX_PLAINTEXT);
	assert_int_equal(envelope_seal(sealed, sizeof(sealed), buf, n, key, nonce), WIRE_MAX_DATAGRAM);
	m.pad++;
	assert_int_equal(msg_encode(&m, buf, sizeof(buf)), -WIRE_ESPACE);
	assert_int_equal(msg_encoded_size(&m), WIRE_MAX_PLAINTEXT + 1);
}

/* A JOIN padded to its JOIN_ACK's size: the seed's answer never amplifies. */
static void test_join_padding(void **state)
{
	struct wire_record r;
	int ack_size;

	(void)state;
	fx_record_typical(&r, &idn);
	fx_msg_max_body(&m, WIRE_JOIN_ACK);
	fill_piggyback(&m, WIRE_MAX_RECORDS);
	ack_size = msg_encoded_size(&m);
	fx_msg_max_body(&m, WIRE_JOIN);
	m.record[m.n_records++] = r;
	for (int target = msg_encoded_size(&m); target <= ack_size; target++) {
		int got = msg_pad_to(&m, (size_t)target);

		assert_true(got == target || got == target + 1);
		assert_int_equal(msg_encoded_size(&m), got);
	}
	size_t n = round_trip(&m);
	assert_true((int)n >= ack_size);
	assert_int_equal(back.pad, m.pad);
	/* Pad bytes other than zero are a second form of the message. */
	buf[n - 1] = 1;
	assert_int_equal(msg_decode(&back, buf, n), -WIRE_ECANON);
	assert_int_equal(msg_pad_to(&m, WIRE_MAX_PLAINTEXT + 1), -WIRE_ESPACE);
}

static void test_truncated_every_length(void **state)
{
	(void)state;
	for (int t = 0; t < N_TYPES; t++) {
		fx_msg_max_body(&m, all_types[t]);
		fill_piggyback(&m, 2);
		size_t n = fx_encode_msg(&m, buf, sizeof(buf));

		for (size_t len = 0; len < n; len++) {
			int ret = msg_decode(&back, buf, len);

			if (ret != -WIRE_ETRUNC)
				fail_msg("type %u len %zu/%zu: %s", all_types[t], len, n,
					 wire_strerror(ret));
		}
	}
}

static void test_trailing_and_oversized(void **state)
{
	(void)state;
	fx_msg_max_body(&m, WIRE_PING);
	size_t n = fx_encode_msg(&m, buf, sizeof(buf));

	buf[n] = 0xc0;
	assert_int_equal(msg_decode(&back, buf, n + 1), -WIRE_ETRAILING);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(msg_decode(&back, buf, WIRE_MAX_PLAINTEXT + 1), -WIRE_ELIMIT);
	/* The encoder never writes past the cap, even with a bigger buffer. */
	fx_msg_max_body(&m, WIRE_SYNC_ENTRIES);
	fill_piggyback(&m, WIRE_MAX_RECORDS);
	m.n_rumors = WIRE_MAX_RUMORS;
	assert_int_equal(msg_encode(&m, buf, sizeof(buf)), -WIRE_ESPACE);
	/* Or past the buffer it was given. */
	fx_msg_max_body(&m, WIRE_PING);
	n = fx_encode_msg(&m, buf, sizeof(buf));
	memset(again, 0x5a, sizeof(again));
	assert_int_equal(msg_encode(&m, again, n - 1), -WIRE_ESPACE);
	for (size_t i = n - 1; i < sizeof(again); i++)
		assert_int_equal(again[i], 0x5a);
}

static void test_bad_values(void **state)
{
	struct wire_record r;

	(void)state;
	fx_record_typical(&r, &idn);
	fx_msg_max_body(&m, 0);
	assert_int_equal(msg_encode(&m, buf, sizeof(buf)), -WIRE_EVERSION);
	fx_msg_max_body(&m, WIRE_TYPE_MAX + 1);
	assert_int_equal(msg_encode(&m, buf, sizeof(buf)), -WIRE_EVERSION);
	fx_msg_max_body(&m, WIRE_JOIN);  /* needs the joiner's record */
	assert_int_equal(msg_encode(&m, buf, sizeof(buf)), -WIRE_EVALUE);
	fx_msg_max_body(&m, WIRE_LEAVE);
	m.record[m.n_records++] = r;     /* not marked leaving */
	assert_int_equal(msg_encode(&m, buf, sizeof(buf)), -WIRE_EVALUE);
	fx_msg_max_body(&m, WIRE_PING_REQ);
	m.target_addr.port = 0;
	assert_int_equal(msg_encode(&m, buf, sizeof(buf)), -WIRE_EVALUE);
	fx_msg_max_body(&m, WIRE_SYNC_DIGEST);
	m.n_buckets = 3;
	assert_int_equal(msg_encode(&m, buf, sizeof(buf)), -WIRE_EVALUE);
	m.n_buckets = 1;                 /* a summary of the whole span is fine */
	assert_int_equal(msg_decode(&back, buf, fx_encode_msg(&m, buf, sizeof(buf))), 0);
	assert_int_equal(back.n_buckets, 1);
	assert_int_equal(back.bucket[0].hash, m.bucket[0].hash);
	fx_msg_max_body(&m, WIRE_SYNC_DIGEST);
	m.prefix_len = 7;                /* low nibble of byte 3 must be zero */
	assert_int_equal(msg_encode(&m, buf, sizeof(buf)), -WIRE_ECANON);
	m.prefix[3] = 0xe0;
	assert_int_equal(msg_decode(&back, buf, fx_encode_msg(&m, buf, sizeof(buf))), 0);
	m.prefix_len = WIRE_SYNC_MAX_DEPTH + 1;
	assert_int_equal(msg_encode(&m, buf, sizeof(buf)), -WIRE_EVALUE);
	fx_msg_max_body(&m, WIRE_SYNC_ENTRIES);
	m.n_entries = WIRE_MAX_ENTRIES + 1;
	assert_int_equal(msg_encode(&m, buf, sizeof(buf)), -WIRE_ELIMIT);
	fx_msg_max_body(&m, WIRE_ACK);
	m.n_rumors = 1;
	m.rumor[0].state = 3;
	assert_int_equal(msg_encode(&m, buf, sizeof(buf)), -WIRE_EVALUE);
	fx_msg_max_body(&m, WIRE_ACK);
	m.record[m.n_records++] = r;
	m.record[0].gossip_port = 0;     /* invalid record inside */
	assert_int_equal(msg_encode(&m, buf, sizeof(buf)), -WIRE_EVALUE);
	/* RELAY: a known op; a port in OK and nowhere else. */
	fx_msg_max_body(&m, WIRE_RELAY);
	m.relay_op = 0;
	assert_int_equal(msg_encode(&m, buf, sizeof(buf)), -WIRE_EVALUE);
	m.relay_op = WIRE_RELAY_OP_MAX + 1;
	assert_int_equal(msg_encode(&m, buf, sizeof(buf)), -WIRE_EVALUE);
	m.relay_op = WIRE_RELAY_OK;
	m.relay_port = 0;
	assert_int_equal(msg_encode(&m, buf, sizeof(buf)), -WIRE_EVALUE);
	m.relay_op = WIRE_RELAY_REQ;
	m.relay_port = 7;
	assert_int_equal(msg_encode(&m, buf, sizeof(buf)), -WIRE_EVALUE);
	m.relay_port = 0;
	assert_int_equal(msg_decode(&back, buf, fx_encode_msg(&m, buf, sizeof(buf))), 0);
	assert_int_equal(back.relay_op, WIRE_RELAY_REQ);
	assert_memory_equal(back.relay_peer, m.relay_peer, WIRE_ID_LEN);
}

/*
 * ACK's optional `seen` (issue 11): absent, the ACK is byte for byte the
 * one from before the field (a 7-element array); present, one element
 * more; present but empty, or on another type, refused.
 */
static void test_ack_seen(void **state)
{
	static const uint8_t old_ack[] = {
		0x97, 0x05, 0xc4, 0x08, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0x07,
		0xc4, 0x08, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0xcd, 0x90, 0x90, 0xc4, 0x00,
	};
	uint8_t sender[WIRE_ID_LEN];
	size_t n, with;

	(void)state;
	memset(sender, 0xab, sizeof(sender));
	msg_init(&m, WIRE_ACK, sender);
	m.seq = 7;
	memset(m.target, 0xcd, sizeof(m.target));
	n = fx_encode_msg(&m, buf, sizeof(buf));
	assert_int_equal(n, sizeof(old_ack));
	assert_memory_equal(buf, old_ack, n);
	assert_int_equal(msg_decode(&back, buf, n), 0);
	assert_int_equal(back.seen.family, 0);

	assert_int_equal(wire_addr_parse(&m.seen, "198.51.100.7:51820"), 0);
	with = fx_encode_msg(&m, buf, sizeof(buf));
	assert_int_equal(buf[0], 0x98);
	assert_int_equal(msg_decode(&back, buf, with), 0);
	assert_true(wire_addr_equal(&back.seen, &m.seen));
	assert_int_equal(msg_encoded_size(&m), (int)with);

	m.seen.port = 0;                      /* no usable endpoint */
	assert_int_equal(msg_encode(&m, buf, sizeof(buf)), -WIRE_EVALUE);

	/* present but empty: [0, bin "", 0] spliced in after the target */
	memcpy(buf, old_ack, 23);
	buf[0] = 0x98;
	memcpy(buf + 23, (const uint8_t[]){ 0x93, 0x00, 0xc4, 0x00, 0x00 }, 5);
	memcpy(buf + 28, old_ack + 23, sizeof(old_ack) - 23);
	assert_int_equal(msg_decode(&back, buf, sizeof(old_ack) + 5), -WIRE_ECANON);

	/* a PING (or NACK) with the extra field is no PING */
	assert_int_equal(wire_addr_parse(&m.seen, "198.51.100.7:51820"), 0);
	with = fx_encode_msg(&m, buf, sizeof(buf));
	buf[1] = WIRE_PING;
	assert_int_equal(msg_decode(&back, buf, with), -WIRE_ETYPE);
	buf[1] = WIRE_NACK;
	assert_int_equal(msg_decode(&back, buf, with), -WIRE_ETYPE);
	/* two optional fields: no */
	buf[1] = WIRE_ACK;
	buf[0] = 0x99;
	assert_true(msg_decode(&back, buf, with) < 0);
}

/* WIRE_PUNCH: two distinct members, a real endpoint, a bounded moment. */
static void test_punch_values(void **state)
{
	size_t n;

	(void)state;
	fx_msg_max_body(&m, WIRE_PUNCH);
	n = fx_encode_msg(&m, buf, sizeof(buf));
	printf("# WIRE_PUNCH, largest: %zu bytes plaintext\n", n);
	assert_true(n + WIRE_ENVELOPE_OVERHEAD <= 112);  /* sealed: 109 */
	assert_int_equal(msg_decode(&back, buf, n), 0);
	assert_int_equal(back.punch_flags, WIRE_PUNCH_FWD);
	assert_memory_equal(back.punch_from, m.punch_from, WIRE_SHORT_ID_LEN);
	assert_memory_equal(back.punch_to, m.punch_to, WIRE_SHORT_ID_LEN);
	assert_true(wire_addr_equal(&back.punch_ep, &m.punch_ep));
	assert_int_equal(back.punch_at, WIRE_PUNCH_AT_MAX);
	m.punch_at = WIRE_PUNCH_AT_MAX + 1;
	assert_int_equal(msg_encode(&m, buf, sizeof(buf)), -WIRE_EVALUE);
	fx_msg_max_body(&m, WIRE_PUNCH);
	m.punch_flags = 2;               /* unknown flag */
	assert_int_equal(msg_encode(&m, buf, sizeof(buf)), -WIRE_EVALUE);
	fx_msg_max_body(&m, WIRE_PUNCH);
	memcpy(m.punch_to, m.punch_from, WIRE_SHORT_ID_LEN);
	assert_int_equal(msg_encode(&m, buf, sizeof(buf)), -WIRE_EVALUE);
	fx_msg_max_body(&m, WIRE_PUNCH);
	m.punch_ep.port = 0;
	assert_int_equal(msg_encode(&m, buf, sizeof(buf)), -WIRE_EVALUE);
	fx_msg_max_body(&m, WIRE_PUNCH);
	memset(&m.punch_ep, 0, sizeof(m.punch_ep));
	assert_int_equal(msg_encode(&m, buf, sizeof(buf)), -WIRE_EVALUE);
	/* The decoder refuses what the encoder refuses: at over the cap on the wire. */
	fx_msg_max_body(&m, WIRE_PUNCH);
	n = fx_encode_msg(&m, buf, sizeof(buf));
	for (size_t i = 0; i + 3 <= n; i++)
		if (buf[i] == 0xcd && buf[i + 1] == 0x27 && buf[i + 2] == 0x10) {
			buf[i + 2] = 0x11;
			break;
		}
	assert_true(msg_decode(&back, buf, n) < 0);
}

/* Byte-level attacks on an otherwise valid encoding. */
static void test_hostile(void **state)
{
	static const uint8_t huge_array[] = { 0xdd, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t huge_map[] = { 0xdf, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t huge_str[] = { 0x96, 0x03, 0xdb, 0xff, 0xff, 0xff, 0xff };
	uint8_t deep[100];

	(void)state;
	assert_int_equal(msg_decode(&back, huge_array, sizeof(huge_array)), -WIRE_ELIMIT);
	assert_int_equal(msg_decode(&back, huge_map, sizeof(huge_map)), -WIRE_ETYPE);
	assert_int_equal(msg_decode(&back, huge_str, sizeof(huge_str)), -WIRE_ETYPE);
	memset(deep, 0x91, sizeof(deep));
	assert_true(msg_decode(&back, deep, sizeof(deep)) < 0);
	assert_int_equal(msg_decode(&back, NULL, 0), -WIRE_ETRUNC);

	/* Unknown type, with an otherwise well-formed message. */
	fx_msg_max_body(&m, WIRE_RECORDS);
	size_t n = fx_encode_msg(&m, buf, sizeof(buf));
	assert_int_equal(buf[0], 0x96);
	assert_int_equal(buf[1], WIRE_RECORDS);
	buf[1] = WIRE_TYPE_MAX + 1;
	assert_int_equal(msg_decode(&back, buf, n), -WIRE_EVERSION);
	buf[1] = 0;
	assert_int_equal(msg_decode(&back, buf, n), -WIRE_EVERSION);
	/* A newer peer's type is told apart whatever its field count. */
	static const uint8_t future2[] = { 0x92, WIRE_TYPE_MAX + 1, 0xc0 };
	static const uint8_t future15[] = { 0x9f, 0x7f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	assert_int_equal(msg_decode(&back, future2, sizeof(future2)), -WIRE_EVERSION);
	assert_int_equal(msg_decode(&back, future15, sizeof(future15)), -WIRE_EVERSION);
	/* Field count that does not match the type. */
	buf[1] = WIRE_PING;
	assert_int_equal(msg_decode(&back, buf, n), -WIRE_ETYPE);
	/* Non-canonical type (uint8 0x09). */
	memmove(buf + 3, buf + 2, n - 2);
	buf[1] = 0xcc, buf[2] = WIRE_RECORDS;
	assert_int_equal(msg_decode(&back, buf, n + 1), -WIRE_ECANON);

	/* Record count beyond the cap (fixarray 9 where records go). */
	fx_msg_max_body(&m, WIRE_RECORDS);
	n = fx_encode_msg(&m, buf, sizeof(buf));
	/* [0x96, type, c4 08 <8>, seq(ce ....), records 0x90, rumours 0x90, pad c4 00] */
	assert_int_equal(buf[n - 4], 0x90);
	buf[n - 4] = 0x90 | (WIRE_MAX_RECORDS + 1);
	assert_int_equal(msg_decode(&back, buf, n), -WIRE_ELIMIT);
	buf[n - 4] = 0x90;
	buf[n - 3] = 0x90 | 15;          /* rumours: 15 claimed, 2 bytes left */
	assert_int_equal(msg_decode(&back, buf, n), -WIRE_ETRUNC);
	buf[n - 3] = 0xdc, buf[n - 2] = 0, buf[n - 1] = 17;  /* array16 17 > cap */
	assert_int_equal(msg_decode(&back, buf, n), -WIRE_ELIMIT);
	buf[n - 3] = 0x90;
	buf[n - 2] = 0xc4, buf[n - 1] = 0;
	buf[n - 1] = 5;                  /* pad claims 5 bytes, none left */
	assert_int_equal(msg_decode(&back, buf, n), -WIRE_ETRUNC);
	buf[n - 2] = 0xc5, buf[n - 1] = 0;  /* bin16 header, cut */
	assert_int_equal(msg_decode(&back, buf, n), -WIRE_ETRUNC);
}

/* Every single-bit change of a full message decodes to something else or fails. */
static void test_every_bit_flip(void **state)
{
	(void)state;
	fx_msg_max_body(&m, WIRE_JOIN_ACK);
	fill_piggyback(&m, 3);
	size_t n = fx_encode_msg(&m, buf, sizeof(buf));

	for (size_t bit = 0; bit < n * 8; bit++) {
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		if (msg_decode(&back, buf, n) == 0) {
			/* then it is canonical: re-encoding gives the flipped bytes */
			assert_int_equal(fx_encode_msg(&back, again, sizeof(again)), n);
			assert_memory_equal(again, buf, n);
			for (int i = 0; i < back.n_records; i++)
				if (!record_same(&back.record[i], &m.record[i]))
					assert_int_not_equal(record_verify(&back.record[i]), 0);
		}
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
}

static void test_no_allocation(void **state)
{
	static const uint8_t hostile[] = { 0xdd, 0xff, 0xff, 0xff, 0xff };
	struct wire_record r;

	(void)state;
	fx_record_typical(&r, &idn);
	fx_msg_max_body(&m, WIRE_JOIN_ACK);
	fill_piggyback(&m, WIRE_MAX_RECORDS);
	allocations = 0;
	size_t n = fx_encode_msg(&m, buf, sizeof(buf));
	assert_int_equal(msg_decode(&back, buf, n), 0);
	assert_int_equal(record_verify(&back.record[0]), 0);
	assert_true(msg_decode(&back, hostile, sizeof(hostile)) < 0);
	assert_true(msg_encoded_size(&m) > 0 && msg_record_cost(&r) > 0);
	assert_int_equal(allocations, 0);
	/* the counter works (volatile: the compiler may drop a malloc/free pair) */
	void *volatile p = malloc(1);
	free(p);
	assert_int_equal(allocations, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_every_type_max),
		cmocka_unit_test(test_round_trip_bare),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_join_padding),
		cmocka_unit_test(test_truncated_every_length),
		cmocka_unit_test(test_trailing_and_oversized),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_ack_seen),
		cmocka_unit_test(test_punch_values),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_every_bit_flip),
		cmocka_unit_test(test_no_allocation),
	};

	fx_identity(&idn, 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
