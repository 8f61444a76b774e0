/* SPDX-License-Identifier: MIT */
/*
 * What others can make one engine hold and verify: the table cap, the
 * admission bucket for new ids, the per-datagram verification cap, cheap
 * rules before signatures, and records outside the mesh prefix. One
 * engine (node 0) fed datagrams from outside identities.
 */
#include <errno.h>
#include <string.h>

#include "tnet.h"

/* gossip/internal.h UNPROVEN_GRACE_MS: the tests see only the public API. */
enum { UNPROVEN_GRACE_MS_TEST = 10000 };

enum { OUT = 60, BATCH = 6 };  /* 6 records fit one datagram */

static struct gossip_config cfg(void)
{
	struct gossip_config c;

	gossip_config_defaults(&c);
	return c;
}

/* Each record in its own datagram, sent by its owner. */
static int offer(struct tnet *net, const struct identity *x, uint32_t slot, uint64_t version)
{
	struct wire_record r;
	struct wire_msg m;

	tn_record(&r, x, slot, version);
	msg_init(&m, WIRE_RECORDS, x->id);
	m.record[m.n_records++] = r;
	return tn_input(net, 0, slot, &m);
}

/* Each record in its own datagram, all from one source address. */
static int offer_from(struct tnet *net, const struct identity *x, uint32_t slot, uint32_t src,
		      uint64_t version)
{
	struct wire_record r;
	struct wire_msg m;

	tn_record(&r, x, slot, version);
	msg_init(&m, WIRE_RECORDS, x->id);
	m.record[m.n_records++] = r;
	return tn_input(net, 0, src, &m);
}

static const struct gossip_stats *st(const struct tnet *net)
{
	return gossip_stats(net->node[0].g);
}

static void test_table_cap_refuses_new_ids(void **state)
{
	struct gossip_config c = cfg();
	struct identity x[5];
	struct tnet net;
	uint64_t verified;

	(void)state;
	c.max_members = 4;   /* self and three */
	tn_init(&net, 1, 1, &c);
	for (int i = 0; i < 5; i++)
		tn_identity(&x[i], 600 + (uint32_t)i);
	for (int i = 0; i < 3; i++)
		assert_int_equal(offer(&net, &x[i], OUT + (uint32_t)i, 1), 0);
	assert_int_equal(gossip_size(net.node[0].g), 4);
	verified = st(&net)->verified;

	/* Full: new ids are dropped unverified, the datagram itself is no error. */
	assert_int_equal(offer(&net, &x[3], OUT + 3, 1), 0);
	assert_int_equal(offer(&net, &x[4], OUT + 4, 1), 0);
	assert_null(gossip_find(net.node[0].g, x[3].id));
	assert_null(gossip_find(net.node[0].g, x[4].id));
	assert_int_equal(gossip_size(net.node[0].g), 4);
	assert_int_equal(st(&net)->new_refused_full, 2);
	assert_int_equal(st(&net)->verified, verified);

	/* Members we hold still update. */
	assert_int_equal(offer(&net, &x[1], OUT + 1, 2), 0);
	assert_int_equal(gossip_find(net.node[0].g, x[1].id)->rec->version, 2);
	assert_int_equal(st(&net)->verified, verified + 1);

	/* Restoring stops at the cap too. */
	{
		struct wire_record r;

		tn_record(&r, &x[3], OUT + 3, 1);
		assert_int_equal(gossip_restore(net.node[0].g, &r, net.now), -ENOSPC);
		assert_int_equal(gossip_size(net.node[0].g), 4);
	}
	tn_free(&net);
}

static void test_join_refused_when_full(void **state)
{
	struct gossip_config c = cfg();
	struct identity x, y;
	struct wire_msg m;
	struct tnet net;

	(void)state;
	c.max_members = 2;
	tn_init(&net, 1, 2, &c);
	tn_identity(&x, 610);
	tn_identity(&y, 611);
	assert_int_equal(offer(&net, &x, OUT, 1), 0);
	msg_init(&m, WIRE_JOIN, y.id);
	tn_record(&m.record[0], &y, OUT + 1, 1);
	m.n_records = 1;
	assert_int_equal(tn_input(&net, 0, OUT + 1, &m), -ENOSPC);
	assert_int_equal(st(&net)->refused_by_reason[GOSSIP_REFUSE_FULL], 1);
	assert_null(gossip_find(net.node[0].g, y.id));
	/* No JOIN_ACK went out. */
	assert_int_equal(net.node[0].sent[WIRE_JOIN_ACK], 0);
	tn_free(&net);
}

/* New ids are bucketed per source: a flooder spends its own tokens only. */
static void test_admission_bucket(void **state)
{
	struct gossip_config c = cfg();
	struct identity x[9];
	struct tnet net;
	size_t size;

	(void)state;
	c.admit_rate = 10;    /* one new id per 100 ms */
	c.admit_burst = 3;
	tn_init(&net, 1, 3, &c);
	for (int i = 0; i < 9; i++)
		tn_identity(&x[i], 620 + (uint32_t)i);
	for (int i = 0; i < 5; i++)
		assert_int_equal(offer_from(&net, &x[i], OUT + (uint32_t)i, OUT, 1), 0);
	assert_int_equal(gossip_size(net.node[0].g), 4);
	assert_int_equal(st(&net)->new_refused_rate, 2);
	assert_int_equal(st(&net)->verified, 3);

	/* Another source has a bucket of its own. */
	assert_int_equal(offer_from(&net, &x[8], OUT + 8, OUT + 8, 1), 0);
	assert_non_null(gossip_find(net.node[0].g, x[8].id));

	/* 100 ms of engine time buys exactly one more. */
	net.now += 99;
	assert_int_equal(offer_from(&net, &x[3], OUT + 3, OUT, 1), 0);
	assert_null(gossip_find(net.node[0].g, x[3].id));
	net.now += 1;
	assert_int_equal(offer_from(&net, &x[3], OUT + 3, OUT, 1), 0);
	assert_non_null(gossip_find(net.node[0].g, x[3].id));
	assert_int_equal(offer_from(&net, &x[4], OUT + 4, OUT, 1), 0);
	assert_null(gossip_find(net.node[0].g, x[4].id));

	/* A long quiet spell refills only up to the burst. */
	net.now += 3600 * 1000;
	size = gossip_size(net.node[0].g);
	for (int i = 4; i < 8; i++)
		assert_int_equal(offer_from(&net, &x[i], OUT + (uint32_t)i, OUT, 1), 0);
	assert_int_equal(gossip_size(net.node[0].g), size + 3);
	assert_int_equal(st(&net)->new_refused_rate, 2 + 1 + 1 + 1);

	/* Known ids never wait for the bucket. */
	assert_int_equal(offer_from(&net, &x[0], OUT, OUT, 2), 0);
	assert_int_equal(gossip_find(net.node[0].g, x[0].id)->rec->version, 2);
	tn_free(&net);
}

/*
 * A full table gives up a member that never answered us, once it has had
 * UNPROVEN_GRACE_MS to: a flood of silent identities cannot lock out a
 * newcomer. A member that answered is kept.
 */
static void test_full_table_drops_the_silent(void **state)
{
	struct gossip_config c = cfg();
	struct identity x[4];
	struct tnet net;

	(void)state;
	c.max_members = 3;   /* self and two */
	tn_init(&net, 2, 4, &c);
	tn_connect_all(&net);
	tn_run(&net, 3000);  /* node 1 answers node 0's PINGs: proven */
	for (int i = 0; i < 4; i++)
		tn_identity(&x[i], 640 + (uint32_t)i);
	assert_int_equal(offer(&net, &x[0], OUT, 1), 0);
	assert_int_equal(gossip_size(net.node[0].g), 3);
	/* Too soon: the silent one still has time to answer. */
	assert_int_equal(offer(&net, &x[1], OUT + 1, 1), 0);
	assert_null(gossip_find(net.node[0].g, x[1].id));
	assert_int_equal(st(&net)->new_refused_full, 1);
	net.now += UNPROVEN_GRACE_MS_TEST;
	assert_int_equal(offer(&net, &x[1], OUT + 1, 1), 0);
	assert_non_null(gossip_find(net.node[0].g, x[1].id));
	assert_null(gossip_find(net.node[0].g, x[0].id));
	assert_non_null(gossip_find(net.node[0].g, tn_id(&net, 1)));
	assert_int_equal(st(&net)->evicted_unproven, 1);
	assert_int_equal(gossip_size(net.node[0].g), 3);
	tn_free(&net);
}

static void test_two_new_verifications_per_datagram(void **state)
{
	struct gossip_config c = cfg();
	struct identity x[BATCH];
	struct wire_msg m;
	struct tnet net;

	(void)state;
	c.admit_rate = 0;     /* no bucket: only the per-datagram cap */
	tn_init(&net, 1, 4, &c);
	for (int i = 0; i < BATCH; i++)
		tn_identity(&x[i], 630 + (uint32_t)i);
	/* Sent by the last one: its own record goes first whatever its place. */
	msg_init(&m, WIRE_RECORDS, x[BATCH - 1].id);
	for (int i = 0; i < BATCH; i++)
		tn_record(&m.record[m.n_records++], &x[i], OUT + (uint32_t)i, 1);
	assert_int_equal(tn_input(&net, 0, OUT, &m), 0);
	assert_int_equal(st(&net)->verified, 2);
	assert_int_equal(st(&net)->new_skipped_verify, BATCH - 2);
	assert_int_equal(gossip_size(net.node[0].g), 3);
	assert_non_null(gossip_find(net.node[0].g, x[BATCH - 1].id));
	assert_non_null(gossip_find(net.node[0].g, x[0].id));
	assert_null(gossip_find(net.node[0].g, x[1].id));

	/* Records of ids we hold are not capped: 2 updates + 2 new = 4 checks. */
	msg_init(&m, WIRE_RECORDS, x[0].id);
	tn_record(&m.record[m.n_records++], &x[0], OUT, 2);
	tn_record(&m.record[m.n_records++], &x[BATCH - 1], OUT + BATCH - 1, 2);
	for (int i = 1; i < 4; i++)
		tn_record(&m.record[m.n_records++], &x[i], OUT + (uint32_t)i, 1);
	assert_int_equal(tn_input(&net, 0, OUT, &m), 0);
	assert_int_equal(st(&net)->verified, 2 + 4);
	assert_int_equal(gossip_size(net.node[0].g), 5);
	assert_int_equal(gossip_find(net.node[0].g, x[0].id)->rec->version, 2);
	assert_int_equal(gossip_find(net.node[0].g, x[BATCH - 1].id)->rec->version, 2);
	tn_free(&net);
}

static void test_cheap_rules_before_signatures(void **state)
{
	struct gossip_config c = cfg();
	struct identity x;
	struct wire_msg m;
	struct tnet net;

	(void)state;
	tn_init(&net, 1, 5, &c);
	tn_identity(&x, 640);
	/* A PING for someone else carrying a fresh record: refused unverified. */
	msg_init(&m, WIRE_PING, x.id);
	memset(m.target, 0xee, WIRE_SHORT_ID_LEN);
	tn_record(&m.record[m.n_records++], &x, OUT, 1);
	assert_int_equal(tn_input(&net, 0, OUT, &m), -EADDRNOTAVAIL);
	assert_int_equal(st(&net)->verified, 0);
	assert_null(gossip_find(net.node[0].g, x.id));
	tn_free(&net);
}

static void pinned(struct wire_record *r, const struct identity *x, uint32_t slot,
		   const char *cidr, bool pin)
{
	tn_record(r, x, slot, 1);
	r->n_overlay = 1;
	assert_int_equal(wire_prefix_parse(&r->overlay[0], cidr), 0);
	if (pin)
		r->flags |= WIRE_REC_ADDR_PINNED;
	assert_int_equal(record_sign(r, x), 0);
}

static int send1(struct tnet *net, const struct wire_record *r)
{
	struct wire_msg m;

	msg_init(&m, WIRE_RECORDS, r->id);
	m.record[m.n_records++] = *r;
	return tn_input(net, 0, OUT, &m);
}

static void test_outside_prefix_refused(void **state)
{
	struct gossip_config c = cfg();
	struct identity x, y, z, w;
	struct wire_record r;
	struct tnet net;

	(void)state;
	assert_int_equal(wire_prefix_parse(&c.overlay_prefix, "10.42.0.0/16"), 0);
	tn_init(&net, 1, 6, &c);
	tn_identity(&x, 650);
	tn_identity(&y, 651);
	tn_identity(&z, 652);
	tn_identity(&w, 653);

	pinned(&r, &x, OUT, "10.99.0.5/32", true);
	assert_int_equal(send1(&net, &r), -EDOM);
	assert_int_equal(st(&net)->refused_by_reason[GOSSIP_REFUSE_PREFIX], 1);
	assert_int_equal(st(&net)->verified, 0);
	assert_null(gossip_find(net.node[0].g, x.id));
	/* Just past the prefix, and unpinned (derivation is not checked): refused too. */
	pinned(&r, &y, OUT + 1, "10.43.0.1/16", false);
	assert_int_equal(send1(&net, &r), -EDOM);
	assert_null(gossip_find(net.node[0].g, y.id));

	/* Control: inside the prefix; and another family we know no prefix for. */
	pinned(&r, &z, OUT + 2, "10.42.255.254/32", true);
	assert_int_equal(send1(&net, &r), 0);
	assert_non_null(gossip_find(net.node[0].g, z.id));
	pinned(&r, &w, OUT + 3, "fd00::7/128", true);
	assert_int_equal(send1(&net, &r), 0);
	assert_non_null(gossip_find(net.node[0].g, w.id));
	assert_int_equal(st(&net)->refused_by_reason[GOSSIP_REFUSE_PREFIX], 2);
	tn_free(&net);
}

static uint64_t one_rand(void *ctx)
{
	(void)ctx;
	return 42;
}

static void no_send(void *ctx, const struct wire_addr *to, const uint8_t *buf, size_t len)
{
	(void)ctx;
	(void)to;
	(void)buf;
	(void)len;
}

static void test_config_bounds(void **state)
{
	struct gossip_config c = cfg();
	struct identity idn;
	struct wire_record self;
	struct gossip *g = NULL;
	struct gossip_io io = { .rand64 = one_rand, .send = no_send };

	(void)state;
	assert_int_equal(c.max_members, 4096);
	assert_int_equal(c.admit_rate, 100);
	assert_int_equal(c.admit_burst, 1000);
	tn_identity(&idn, 660);
	tn_record(&self, &idn, 0, 1);
	/* Control: the smallest table and no admission limit are fine. */
	c.max_members = 2;
	c.admit_rate = 0;
	c.admit_burst = 0;
	assert_int_equal(gossip_new(&g, &c, &idn, &self, &io, 0), 0);
	gossip_free(g);
	g = NULL;
	c = cfg();
	c.max_members = 1;
	assert_int_equal(gossip_new(&g, &c, &idn, &self, &io, 0), -EINVAL);
	c = cfg();
	c.admit_burst = 0;
	assert_int_equal(gossip_new(&g, &c, &idn, &self, &io, 0), -EINVAL);
	c = cfg();
	c.admit_rate = GOSSIP_ADMIT_MAX + 1;
	assert_int_equal(gossip_new(&g, &c, &idn, &self, &io, 0), -EINVAL);
	assert_null(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_cap_refuses_new_ids),
		cmocka_unit_test(test_join_refused_when_full),
		cmocka_unit_test(test_admission_bucket),
		cmocka_unit_test(test_full_table_drops_the_silent),
		cmocka_unit_test(test_two_new_verifications_per_datagram),
		cmocka_unit_test(test_cheap_rules_before_signatures),
		cmocka_unit_test(test_outside_prefix_refused),
		cmocka_unit_test(test_config_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
