/* SPDX-License-Identifier: MIT */
/*
 * Records: version ordering, replays, bad input, tombstones, resurrection,
 * leave. One engine (node 0) fed datagrams from outside identities.
 */
#include <errno.h>
#include <string.h>

#include "tnet.h"

enum { OUT = 50 };  /* slot numbers of outsiders: no engine lives there */

static struct gossip_config cfg(void)
{
	struct gossip_config c;

	gossip_config_defaults(&c);
	return c;
}

static void records_msg(struct wire_msg *m, const struct identity *sender,
			const struct wire_record *recs, int n)
{
	msg_init(m, WIRE_RECORDS, sender->id);
	for (int i = 0; i < n; i++)
		m->record[m->n_records++] = recs[i];
}

static uint64_t version_of(const struct tnet *net, const struct identity *x)
{
	const struct gossip_member *m = gossip_find(net->node[0].g, x->id);

	return m ? m->rec->version : 0;
}

static void test_newer_replaces_older_never_reverse(void **state)
{
	struct gossip_config c = cfg();
	struct tnet net;
	struct identity x;
	struct wire_record r1, r3, r2;
	struct wire_msg m;

	(void)state;
	tn_init(&net, 1, 1, &c);
	tn_identity(&x, 100);
	tn_record(&r1, &x, OUT, 10);
	tn_record(&r3, &x, OUT, 30);
	tn_record(&r2, &x, OUT, 20);

	records_msg(&m, &x, &r1, 1);
	assert_int_equal(tn_input(&net, 0, OUT, &m), 0);
	assert_int_equal(version_of(&net, &x), 10);
	assert_int_equal(tn_count(&net.node[0], GOSSIP_EV_ADDED, x.id), 1);

	records_msg(&m, &x, &r3, 1);
	assert_int_equal(tn_input(&net, 0, OUT, &m), 0);
	assert_int_equal(version_of(&net, &x), 30);

	/* An older version is a replay: refused, nothing changes. */
	records_msg(&m, &x, &r2, 1);
	assert_int_equal(tn_input(&net, 0, OUT, &m), -ESTALE);
	assert_int_equal(version_of(&net, &x), 30);
	assert_int_equal(gossip_stats(net.node[0].g)->refused_by_reason[GOSSIP_REFUSE_STALE], 1);

	/* The same record again is harmless and changes nothing either. */
	records_msg(&m, &x, &r3, 1);
	assert_int_equal(tn_input(&net, 0, OUT, &m), 0);
	assert_int_equal(version_of(&net, &x), 30);
	assert_int_equal(gossip_size(net.node[0].g), 2);
	tn_free(&net);
}

static void test_replay_of_old_record_after_update(void **state)
{
	struct gossip_config c = cfg();
	struct tnet net;
	struct identity x;
	struct wire_record old, cur;
	struct wire_msg m;
	uint32_t events;

	(void)state;
	tn_init(&net, 1, 2, &c);
	tn_identity(&x, 101);
	tn_record(&old, &x, OUT, 5);
	tn_record(&cur, &x, OUT + 1, 6);   /* moved endpoint */
	records_msg(&m, &x, &old, 1);
	assert_int_equal(tn_input(&net, 0, OUT, &m), 0);
	records_msg(&m, &x, &cur, 1);
	assert_int_equal(tn_input(&net, 0, OUT, &m), 0);
	assert_int_equal(tn_count(&net.node[0], GOSSIP_EV_UPDATED, x.id), 1);
	events = net.node[0].n_log;
	/* Replaying the old one (old endpoint) must not move it back. */
	records_msg(&m, &x, &old, 1);
	assert_int_equal(tn_input(&net, 0, OUT, &m), -ESTALE);
	assert_int_equal(gossip_find(net.node[0].g, x.id)->rec->endpoint[0].ip[3], OUT + 2);
	assert_int_equal(net.node[0].n_log, events);
	tn_free(&net);
}

static void test_bad_input_changes_nothing(void **state)
{
	struct gossip_config c = cfg();
	struct tnet net;
	struct identity x, y;
	struct wire_record rx, ry, forged;
	struct wire_msg m;
	struct wire_addr from;
	uint8_t buf[WIRE_MAX_PLAINTEXT];
	size_t len;

	(void)state;
	tn_init(&net, 1, 3, &c);
	tn_identity(&x, 102);
	tn_identity(&y, 103);
	tn_record(&rx, &x, OUT, 7);
	tn_record(&ry, &y, OUT + 1, 7);
	tn_addr(OUT, &from);

	/* Wrongly signed: one flipped signature bit refuses the whole datagram. */
	forged = rx;
	forged.sig[10] ^= 1;
	{
		struct wire_record both[2] = { ry, forged };

		records_msg(&m, &x, both, 2);
	}
	assert_int_equal(tn_input(&net, 0, OUT, &m), -WIRE_EAUTH);
	assert_null(gossip_find(net.node[0].g, x.id));
	assert_null(gossip_find(net.node[0].g, y.id));
	assert_int_equal(gossip_size(net.node[0].g), 1);
	assert_int_equal(net.node[0].n_log, 0);

	/* A changed field under a valid signature is just as bad. */
	forged = rx;
	forged.gossip_port = 4242;
	records_msg(&m, &x, &forged, 1);
	assert_int_equal(tn_input(&net, 0, OUT, &m), -WIRE_EAUTH);
	assert_null(gossip_find(net.node[0].g, x.id));

	/* Truncated and garbage datagrams. */
	records_msg(&m, &x, &rx, 1);
	len = tn_encode(&m, buf);
	for (size_t cut = 0; cut < len; cut += 7)
		assert_true(gossip_input(net.node[0].g, &from, buf, cut, 0) < 0);
	buf[0] = 0xc1;  /* never used in msgpack */
	assert_true(gossip_input(net.node[0].g, &from, buf, len, 0) < 0);
	assert_int_equal(gossip_size(net.node[0].g), 1);
	assert_int_equal(gossip_stats(net.node[0].g)->refused_by_reason[GOSSIP_REFUSE_AUTH], 2);

	/* A message claiming to come from ourselves. */
	records_msg(&m, &net.node[0].idn, &rx, 1);
	assert_int_equal(tn_input(&net, 0, OUT, &m), -ELOOP);
	assert_null(gossip_find(net.node[0].g, x.id));

	/* And the good one still goes in afterwards. */
	records_msg(&m, &x, &rx, 1);
	assert_int_equal(tn_input(&net, 0, OUT, &m), 0);
	assert_non_null(gossip_find(net.node[0].g, x.id));
	tn_free(&net);
}

static void rumor_msg(struct wire_msg *m, const struct identity *sender, const uint8_t *subject,
		      uint64_t version, uint8_t st)
{
	msg_init(m, WIRE_RECORDS, sender->id);
	m->n_rumors = 1;
	memcpy(m->rumor[0].subject, subject, WIRE_ID_LEN);
	m->rumor[0].version = version;
	m->rumor[0].state = st;
	memcpy(m->rumor[0].origin, sender->id, WIRE_SHORT_ID_LEN);
}

static void test_tombstone_blocks_stale_newer_resurrects(void **state)
{
	struct gossip_config c = cfg();
	struct tnet net;
	struct identity x, z;
	struct wire_record r2, r3, r4, rz;
	struct wire_msg m;

	(void)state;
	c.tombstone_ms = 3600 * 1000;
	tn_init(&net, 1, 4, &c);
	tn_identity(&x, 104);
	tn_identity(&z, 105);
	tn_record(&r2, &x, OUT, 2);
	tn_record(&r3, &x, OUT, 3);
	tn_record(&r4, &x, OUT, 4);
	tn_record(&rz, &z, OUT + 1, 1);
	records_msg(&m, &z, &rz, 1);
	assert_int_equal(tn_input(&net, 0, OUT + 1, &m), 0);
	records_msg(&m, &x, &r3, 1);
	assert_int_equal(tn_input(&net, 0, OUT, &m), 0);

	/* Z says X (at version 3) failed: suspect here, failed when our own timer ends. */
	rumor_msg(&m, &z, x.id, 3, WIRE_LIVE_FAILED);
	assert_int_equal(tn_input(&net, 0, OUT + 1, &m), 0);
	assert_int_equal(gossip_find(net.node[0].g, x.id)->state, GOSSIP_SUSPECT);
	tn_run(&net, 7000);
	assert_int_equal(gossip_find(net.node[0].g, x.id)->state, GOSSIP_FAILED);
	assert_int_equal(tn_count(&net.node[0], GOSSIP_EV_FAILED, x.id), 1);

	/* The same or an older record does not bring it back... */
	records_msg(&m, &x, &r3, 1);
	assert_int_equal(tn_input(&net, 0, OUT, &m), 0);
	records_msg(&m, &x, &r2, 1);
	assert_int_equal(tn_input(&net, 0, OUT, &m), -ESTALE);
	assert_int_equal(gossip_find(net.node[0].g, x.id)->state, GOSSIP_FAILED);
	/* ...and a rumour about an older version is ignored. */
	rumor_msg(&m, &z, x.id, 2, WIRE_LIVE_SUSPECT);
	assert_int_equal(tn_input(&net, 0, OUT + 1, &m), 0);
	assert_int_equal(gossip_find(net.node[0].g, x.id)->state, GOSSIP_FAILED);

	/* Only a newer signed record from the owner does. */
	records_msg(&m, &x, &r4, 1);
	assert_int_equal(tn_input(&net, 0, OUT, &m), 0);
	assert_int_equal(gossip_find(net.node[0].g, x.id)->state, GOSSIP_ALIVE);
	assert_int_equal(tn_count(&net.node[0], GOSSIP_EV_UPDATED, x.id), 1);
	assert_int_equal(gossip_count(net.node[0].g, GOSSIP_FAILED), 0);
	tn_free(&net);
}

static void test_tombstone_expires(void **state)
{
	struct gossip_config c = cfg();
	struct tnet net;
	struct identity x, z;
	struct wire_record rx, rz;
	struct wire_msg m;

	(void)state;
	c.tombstone_ms = 60 * 1000;
	tn_init(&net, 1, 5, &c);
	tn_identity(&x, 106);
	tn_identity(&z, 107);
	tn_record(&rx, &x, OUT, 3);
	tn_record(&rz, &z, OUT + 1, 1);
	records_msg(&m, &z, &rz, 1);
	assert_int_equal(tn_input(&net, 0, OUT + 1, &m), 0);
	records_msg(&m, &x, &rx, 1);
	assert_int_equal(tn_input(&net, 0, OUT, &m), 0);
	rumor_msg(&m, &z, x.id, 3, WIRE_LIVE_FAILED);
	assert_int_equal(tn_input(&net, 0, OUT + 1, &m), 0);
	tn_run(&net, 7000);
	assert_int_equal(gossip_find(net.node[0].g, x.id)->state, GOSSIP_FAILED);
	/* 60 s from when it failed here. */
	tn_run(&net, tn_first(&net.node[0], GOSSIP_EV_FAILED, x.id) + 59 * 1000 - net.now);
	assert_non_null(gossip_find(net.node[0].g, x.id));
	tn_run(&net, 2 * 1000);
	assert_null(gossip_find(net.node[0].g, x.id));
	assert_int_equal(tn_count(&net.node[0], GOSSIP_EV_REMOVED, x.id), 1);
	tn_free(&net);
}

static void test_leave_only_from_owner(void **state)
{
	struct gossip_config c = cfg();
	struct tnet net;
	struct identity x;
	struct wire_record r1, bye, fake;
	struct wire_msg m;

	(void)state;
	tn_init(&net, 1, 6, &c);
	tn_identity(&x, 108);
	tn_record(&r1, &x, OUT, 1);
	records_msg(&m, &x, &r1, 1);
	assert_int_equal(tn_input(&net, 0, OUT, &m), 0);

	/* A leave record not signed by X is refused. */
	fake = r1;
	fake.version = 2;
	fake.flags |= WIRE_REC_LEAVING;
	msg_init(&m, WIRE_LEAVE, x.id);
	m.n_records = 1;
	m.record[0] = fake;
	assert_int_equal(tn_input(&net, 0, OUT, &m), -WIRE_EAUTH);
	assert_int_equal(gossip_find(net.node[0].g, x.id)->state, GOSSIP_ALIVE);

	bye = r1;
	bye.version = 2;
	bye.flags |= WIRE_REC_LEAVING;
	assert_int_equal(record_sign(&bye, &x), 0);
	m.record[0] = bye;
	assert_int_equal(tn_input(&net, 0, OUT, &m), 0);
	assert_int_equal(gossip_find(net.node[0].g, x.id)->state, GOSSIP_LEFT);
	assert_int_equal(tn_count(&net.node[0], GOSSIP_EV_LEFT, x.id), 1);
	assert_int_equal(gossip_count(net.node[0].g, GOSSIP_LEFT), 1);
	tn_free(&net);
}

static void test_leave_spreads_through_mesh(void **state)
{
	struct gossip_config c = cfg();
	struct tnet net;

	(void)state;
	tn_init(&net, 5, 7, &c);
	tn_connect_all(&net);
	tn_run(&net, 3000);
	assert_int_equal(gossip_leave(net.node[4].g, net.now), 0);
	assert_int_equal(gossip_leave(net.node[4].g, net.now), -EALREADY);
	tn_run(&net, 3000);
	for (uint32_t i = 0; i < 4; i++) {
		assert_int_equal(tn_state(&net, i, 4), GOSSIP_LEFT);
		assert_int_equal(tn_count(&net.node[i], GOSSIP_EV_FAILED, tn_id(&net, 4)), 0);
	}
	tn_free(&net);
}

static void test_restore_verifies(void **state)
{
	struct gossip_config c = cfg();
	struct tnet net;
	struct identity x;
	struct wire_record r, bad;

	(void)state;
	tn_init(&net, 1, 8, &c);
	tn_identity(&x, 109);
	tn_record(&r, &x, OUT, 9);
	bad = r;
	bad.sig[0] ^= 0x80;
	assert_int_equal(gossip_restore(net.node[0].g, &bad, 0), -WIRE_EAUTH);
	assert_null(gossip_find(net.node[0].g, x.id));
	assert_int_equal(gossip_restore(net.node[0].g, &r, 0), 0);
	assert_int_equal(gossip_find(net.node[0].g, x.id)->state, GOSSIP_ALIVE);
	assert_memory_equal(gossip_find(net.node[0].g, x.id)->wg_public, x.wg_public, WIRE_KEY_LEN);
	tn_free(&net);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_newer_replaces_older_never_reverse),
		cmocka_unit_test(test_replay_of_old_record_after_update),
		cmocka_unit_test(test_bad_input_changes_nothing),
		cmocka_unit_test(test_tombstone_blocks_stale_newer_resurrects),
		cmocka_unit_test(test_tombstone_expires),
		cmocka_unit_test(test_leave_only_from_owner),
		cmocka_unit_test(test_leave_spreads_through_mesh),
		cmocka_unit_test(test_restore_verifies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
