/* SPDX-License-Identifier: MIT */
/*
 * Names: the first claim keeps a name, a later claimant is flagged, ties
 * in one input go to the lower id, the flag clears when the claimant
 * renames or the holder leaves, empty names never conflict.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tnet.h"

enum { OUT = 80 };

static struct gossip_config cfg(void)
{
	struct gossip_config c;

	gossip_config_defaults(&c);
	return c;
}

static void named(struct wire_record *r, const struct identity *x, uint32_t slot, uint64_t v,
		  const char *name)
{
	tn_record(r, x, slot, v);
	snprintf(r->name, sizeof(r->name), "%s", name);
	assert_int_equal(record_sign(r, x), 0);
}

static int send_recs(struct tnet *net, const struct wire_record *recs, int n)
{
	struct wire_msg m;

	msg_init(&m, WIRE_RECORDS, recs[0].id);
	for (int i = 0; i < n; i++)
		m.record[m.n_records++] = recs[i];
	return tn_input(net, 0, OUT, &m);
}

static bool flagged(const struct tnet *net, const struct identity *x)
{
	const struct gossip_member *m = gossip_find(net->node[0].g, x->id);

	assert_non_null(m);
	return m->name_conflict;
}

/* Two outside identities, lo's id sorting below hi's. */
static void pair(struct identity *lo, struct identity *hi, uint32_t base)
{
	tn_identity(lo, base);
	tn_identity(hi, base + 1);
	if (memcmp(lo->id, hi->id, WIRE_ID_LEN) > 0) {
		struct identity t = *lo;

		*lo = *hi;
		*hi = t;
	}
}

static void test_later_claimant_flagged_until_rename(void **state)
{
	struct gossip_config c = cfg();
	struct identity lo, hi;
	struct wire_record r;
	struct tnet net;

	(void)state;
	tn_init(&net, 1, 1, &c);
	pair(&lo, &hi, 700);
	/* The higher id came first: incumbency, not the id, decides. */
	named(&r, &hi, OUT, 1, "db1");
	assert_int_equal(send_recs(&net, &r, 1), 0);
	named(&r, &lo, OUT + 1, 1, "db1");
	assert_int_equal(send_recs(&net, &r, 1), 0);
	assert_false(flagged(&net, &hi));
	assert_true(flagged(&net, &lo));
	/* Its address is fine: it is still a member, only not under that name. */
	assert_int_equal(tn_count(&net.node[0], GOSSIP_EV_ADDED, lo.id), 1);

	/* Names compare byte for byte: another case is another name. */
	named(&r, &lo, OUT + 1, 2, "DB1");
	assert_int_equal(send_recs(&net, &r, 1), 0);
	assert_false(flagged(&net, &lo));
	/* Back to the held name: flagged again. */
	named(&r, &lo, OUT + 1, 3, "db1");
	assert_int_equal(send_recs(&net, &r, 1), 0);
	assert_true(flagged(&net, &lo));
	tn_free(&net);
}

static void test_tie_in_one_input_goes_to_lower_id(void **state)
{
	struct gossip_config c = cfg();
	struct identity lo, hi;
	struct wire_record r[2];
	struct tnet net;

	(void)state;
	tn_init(&net, 1, 2, &c);
	pair(&lo, &hi, 710);
	named(&r[0], &hi, OUT, 1, "web");
	named(&r[1], &lo, OUT + 1, 1, "web");
	assert_int_equal(send_recs(&net, r, 2), 0);
	assert_false(flagged(&net, &lo));
	assert_true(flagged(&net, &hi));
	tn_free(&net);
}

static void test_holder_leaving_hands_the_name_over(void **state)
{
	struct gossip_config c = cfg();
	struct identity a, b;
	struct wire_record r, bye;
	struct tnet net;
	int updates;

	(void)state;
	tn_init(&net, 1, 3, &c);
	tn_identity(&a, 720);
	tn_identity(&b, 721);
	named(&r, &a, OUT, 1, "cache");
	assert_int_equal(send_recs(&net, &r, 1), 0);
	named(&r, &b, OUT + 1, 1, "cache");
	assert_int_equal(send_recs(&net, &r, 1), 0);
	assert_true(flagged(&net, &b));
	updates = tn_count(&net.node[0], GOSSIP_EV_UPDATED, b.id);

	/* A newer record of the holder under the same name keeps it. */
	named(&r, &a, OUT, 2, "cache");
	assert_int_equal(send_recs(&net, &r, 1), 0);
	assert_true(flagged(&net, &b));

	named(&bye, &a, OUT, 3, "cache");
	bye.flags |= WIRE_REC_LEAVING;
	assert_int_equal(record_sign(&bye, &a), 0);
	assert_int_equal(send_recs(&net, &bye, 1), 0);
	assert_false(flagged(&net, &b));
	/* The agent hears of it (hooks, meshctl events). */
	assert_int_equal(tn_count(&net.node[0], GOSSIP_EV_UPDATED, b.id), updates + 1);
	/* The one that left is not shown under the name now held by another. */
	assert_true(flagged(&net, &a));
	tn_free(&net);
}

static void test_holder_renaming_hands_the_name_over(void **state)
{
	struct gossip_config c = cfg();
	struct identity a, b, d;
	struct wire_record r;
	struct tnet net;

	(void)state;
	tn_init(&net, 1, 4, &c);
	tn_identity(&a, 730);
	tn_identity(&b, 731);
	tn_identity(&d, 732);
	named(&r, &a, OUT, 1, "x");
	assert_int_equal(send_recs(&net, &r, 1), 0);
	named(&r, &b, OUT + 1, 1, "x");
	assert_int_equal(send_recs(&net, &r, 1), 0);
	named(&r, &d, OUT + 2, 1, "y");
	assert_int_equal(send_recs(&net, &r, 1), 0);
	/* a moves onto d's name: a is flagged there, b gets "x". */
	named(&r, &a, OUT, 2, "y");
	assert_int_equal(send_recs(&net, &r, 1), 0);
	assert_true(flagged(&net, &a));
	assert_false(flagged(&net, &b));
	assert_false(flagged(&net, &d));
	tn_free(&net);
}

/* A failed holder keeps its name (a rumour cannot free it); once forgotten, it is free. */
static void test_failed_holder_keeps_name_until_forgotten(void **state)
{
	struct gossip_config c = cfg();
	struct identity a, b;
	struct wire_record r;
	struct tnet net;

	(void)state;
	c.tombstone_ms = 60000;
	tn_init(&net, 1, 7, &c);
	tn_identity(&a, 760);
	tn_identity(&b, 761);
	named(&r, &a, OUT, 1, "gw");
	assert_int_equal(send_recs(&net, &r, 1), 0);
	tn_run(&net, 30000);    /* a never answers a probe */
	assert_int_equal(gossip_find(net.node[0].g, a.id)->state, GOSSIP_FAILED);
	named(&r, &b, OUT + 1, 1, "gw");
	assert_int_equal(send_recs(&net, &r, 1), 0);
	assert_true(flagged(&net, &b));
	assert_false(flagged(&net, &a));
	tn_run(&net, 60000);
	assert_null(gossip_find(net.node[0].g, a.id));
	assert_false(flagged(&net, &b));
	tn_free(&net);
}

static void test_empty_names_never_conflict(void **state)
{
	struct gossip_config c = cfg();
	struct identity a, b;
	struct wire_record r;
	struct tnet net;

	(void)state;
	tn_init(&net, 1, 5, &c);
	tn_identity(&a, 740);
	tn_identity(&b, 741);
	named(&r, &a, OUT, 1, "");
	assert_int_equal(send_recs(&net, &r, 1), 0);
	named(&r, &b, OUT + 1, 1, "");
	assert_int_equal(send_recs(&net, &r, 1), 0);
	assert_false(flagged(&net, &a));
	assert_false(flagged(&net, &b));
	tn_free(&net);
}

static void test_our_own_name_is_ours(void **state)
{
	struct gossip_config c = cfg();
	struct identity a;
	struct wire_record r;
	struct tnet net;

	(void)state;
	tn_init(&net, 1, 6, &c);
	tn_identity(&a, 750);
	named(&r, &a, OUT, 1, gossip_self(net.node[0].g)->rec->name);
	assert_int_equal(send_recs(&net, &r, 1), 0);
	assert_true(flagged(&net, &a));
	assert_false(gossip_self(net.node[0].g)->name_conflict);
	tn_free(&net);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_later_claimant_flagged_until_rename),
		cmocka_unit_test(test_tie_in_one_input_goes_to_lower_id),
		cmocka_unit_test(test_holder_leaving_hands_the_name_over),
		cmocka_unit_test(test_holder_renaming_hands_the_name_over),
		cmocka_unit_test(test_failed_holder_keeps_name_until_forgotten),
		cmocka_unit_test(test_empty_names_never_conflict),
		cmocka_unit_test(test_our_own_name_is_ours),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
