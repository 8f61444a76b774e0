/* SPDX-License-Identifier: MIT */
/*
 * Shared records and who holds them. merge_check finds a datagram's
 * records in the pool (already verified) and merge_apply uses them later;
 * in between, applying an earlier record of the same datagram can push
 * an entry out of a full piggyback queue. When that entry was the pool's
 * only other holder, the record would be freed mid-message (the heap
 * use-after-free fixed in 26673f8, found by ASan under a Sybil flood):
 * merge_check must hold references of its own. Run it in the ASan build.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tnet.h"

/* gossip/internal.h GOSSIP_QUEUE_MAX: the tests see only the public API. */
enum { QUEUE_MAX = 1024, OUT = 100 };

static void ident(struct identity *x, uint32_t n)
{
	uint8_t seed[32];

	memset(seed, 0x3c, sizeof(seed));
	seed[0] = (uint8_t)n;
	seed[1] = (uint8_t)(n >> 8);
	seed[2] = (uint8_t)(n >> 16);
	assert_int_equal(identity_from_seed(x, seed), 0);
}

static int offer(struct tnet *net, const struct wire_record *r, int n)
{
	struct wire_msg m;

	msg_init(&m, WIRE_RECORDS, r[0].id);
	for (int i = 0; i < n; i++)
		m.record[m.n_records++] = r[i];
	return tn_input(net, 0, OUT, &m);
}

static void test_full_queue_cannot_free_a_record_mid_message(void **state)
{
	struct gossip_config c;
	struct identity x[3], t;
	struct wire_record r[3], gone;
	const struct gossip_member *back;
	struct tnet net;
	int hi = 0;

	(void)state;
	gossip_config_defaults(&c);
	c.tombstone_ms = 2000;
	c.admit_rate = 0;            /* no admission bucket: fillers come from one source */
	tn_init(&net, 1, 70, &c);

	/* Three new ids; the highest one leaves, the other two come last. */
	for (uint32_t i = 0; i < 3; i++) {
		ident(&x[i], 900000 + i);
		if (memcmp(x[i].id, x[hi].id, WIRE_ID_LEN) > 0)
			hi = (int)i;
	}
	t = x[hi];
	x[hi] = x[2];
	x[2] = t;
	tn_record(&gone, &x[2], OUT, 5);
	gone.flags |= WIRE_REC_LEAVING;
	assert_int_equal(record_sign(&gone, &x[2]), 0);

	/*
	 * Its LEAVING record is queued for gossip (nobody to gossip to: it
	 * stays there) and the member becomes a tombstone, forgotten after
	 * tombstone_ms: the queue is the pool's only holder of that record.
	 */
	assert_int_equal(offer(&net, &gone, 1), 0);
	assert_non_null(gossip_find(net.node[0].g, x[2].id));
	tn_run(&net, 3000);
	assert_null(gossip_find(net.node[0].g, x[2].id));

	/* Fill the queue behind it with new members' records (2 per datagram). */
	for (uint32_t i = 0; i < QUEUE_MAX - 2; i += 2) {
		struct identity f[2];
		struct wire_record fr[2];

		for (int k = 0; k < 2; k++) {
			ident(&f[k], i + (uint32_t)k);
			tn_record(&fr[k], &f[k], OUT, 1);
		}
		assert_int_equal(offer(&net, fr, 2), 0);
	}

	/*
	 * Two new records, then the forgotten one again, byte for byte (the
	 * pool has it). Taken lower id first: the two new ones each push the
	 * oldest entry out of the full queue, the second one its copy of the
	 * forgotten record.
	 */
	tn_record(&r[0], &x[0], OUT, 1);
	tn_record(&r[1], &x[1], OUT, 1);
	r[2] = gone;
	assert_int_equal(offer(&net, r, 3), 0);
	back = gossip_find(net.node[0].g, x[2].id);
	assert_non_null(back);
	assert_int_equal(back->state, GOSSIP_LEFT);
	assert_int_equal(back->rec->version, 5);
	assert_true(record_verify(back->rec) == 0);
	assert_non_null(gossip_find(net.node[0].g, x[0].id));
	assert_non_null(gossip_find(net.node[0].g, x[1].id));
	tn_free(&net);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_queue_cannot_free_a_record_mid_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
