/* SPDX-License-Identifier: MIT */
/*
 * Overlay addresses: derivation, the incumbent rule seen from a third
 * node, ties, and when a node gives up its own derived address.
 */
#include <errno.h>
#include <string.h>

#include "tnet.h"

enum { OUT = 70 };

static bool addr_equal_for_test(const struct wire_prefix *a, const struct wire_prefix *b)
{
	return wire_prefix_same_ip(a, b);
}

static struct gossip_config cfg(void)
{
	struct gossip_config c;

	gossip_config_defaults(&c);
	assert_int_equal(wire_prefix_parse(&c.overlay_prefix, "10.42.0.0/16"), 0);
	return c;
}

/* An outside identity whose id sorts below (lower) or above `than`. */
static void pick_identity(struct identity *out, const uint8_t *than, bool lower, uint32_t from)
{
	for (uint32_t k = from;; k++) {
		tn_identity(out, k);
		if ((memcmp(out->id, than, WIRE_ID_LEN) < 0) == lower)
			return;
	}
}

static void claim(struct wire_record *r, const struct identity *idn, uint32_t slot, uint64_t v,
		  const struct wire_prefix *addr)
{
	tn_record(r, idn, slot, v);
	r->n_overlay = 1;
	r->overlay[0] = *addr;
	r->flags |= WIRE_REC_ADDR_PINNED;
	assert_int_equal(record_sign(r, idn), 0);
}

static int send_records(struct tnet *net, uint32_t to, const struct wire_record *recs, int n)
{
	struct wire_msg m;

	msg_init(&m, WIRE_RECORDS, recs[0].id);
	for (int i = 0; i < n; i++)
		m.record[m.n_records++] = recs[i];
	return tn_input(net, to, OUT, &m);
}

static void test_derived_address_in_prefix(void **state)
{
	struct gossip_config c = cfg();
	struct tnet a, b;
	const struct wire_record *r;

	(void)state;
	tn_init(&a, 3, 1, &c);
	for (uint32_t i = 0; i < 3; i++) {
		r = gossip_self(a.node[i].g)->rec;
		assert_int_equal(r->n_overlay, 1);
		assert_int_equal(r->overlay[0].family, WIRE_AF_INET);
		assert_int_equal(r->overlay[0].len, 16);
		assert_int_equal(r->overlay[0].ip[0], 10);
		assert_int_equal(r->overlay[0].ip[1], 42);
		assert_false(r->overlay[0].ip[2] == 0 && r->overlay[0].ip[3] == 0);
		assert_false(r->overlay[0].ip[2] == 255 && r->overlay[0].ip[3] == 255);
		assert_false(r->flags & WIRE_REC_ADDR_PINNED);
	}
	/* A function of the identity: the same key derives the same address. */
	tn_init(&b, 1, 1, &c);
	assert_true(addr_equal_for_test(&gossip_self(a.node[0].g)->rec->overlay[0],
					&gossip_self(b.node[0].g)->rec->overlay[0]));
	assert_false(addr_equal_for_test(&gossip_self(a.node[0].g)->rec->overlay[0],
					 &gossip_self(a.node[1].g)->rec->overlay[0]));
	tn_free(&a);
	tn_free(&b);
}

static void test_incumbent_keeps_address_against_lower_id(void **state)
{
	struct gossip_config c = cfg();
	struct identity v, m;
	struct wire_record rv, rm, bye;
	struct wire_prefix p;
	struct tnet net;
	const struct gossip_member *gm;

	(void)state;
	tn_init(&net, 1, 10, &c);
	assert_int_equal(wire_prefix_parse(&p, "10.42.7.7/16"), 0);
	tn_identity(&v, 400);
	/* The attacker ground a key that sorts below the victim's. */
	pick_identity(&m, v.id, true, 401);
	claim(&rv, &v, OUT, 1, &p);
	claim(&rm, &m, OUT + 1, 1, &p);

	assert_int_equal(send_records(&net, 0, &rv, 1), 0);
	assert_int_equal(tn_count(&net.node[0], GOSSIP_EV_ADDED, v.id), 1);
	assert_int_equal(send_records(&net, 0, &rm, 1), 0);
	gm = gossip_find(net.node[0].g, m.id);
	assert_true(gm->conflict);
	assert_false(gossip_find(net.node[0].g, v.id)->conflict);
	assert_int_equal(tn_count(&net.node[0], GOSSIP_EV_CONFLICT, m.id), 1);
	assert_int_equal(tn_count(&net.node[0], GOSSIP_EV_ADDED, m.id), 0);

	/* A newer record of the attacker changes nothing. */
	claim(&rm, &m, OUT + 1, 2, &p);
	assert_int_equal(send_records(&net, 0, &rm, 1), 0);
	assert_true(gossip_find(net.node[0].g, m.id)->conflict);
	assert_int_equal(tn_count(&net.node[0], GOSSIP_EV_ADDED, m.id), 0);

	/* Once the holder leaves, the waiting claim takes the address. */
	bye = rv;
	bye.version = 2;
	bye.flags |= WIRE_REC_LEAVING;
	assert_int_equal(record_sign(&bye, &v), 0);
	assert_int_equal(send_records(&net, 0, &bye, 1), 0);
	assert_false(gossip_find(net.node[0].g, m.id)->conflict);
	assert_int_equal(tn_count(&net.node[0], GOSSIP_EV_ADDED, m.id), 1);
	tn_free(&net);
}

static void test_tie_in_one_input_goes_to_lower_id(void **state)
{
	struct gossip_config c = cfg();
	struct identity hi, lo;
	struct wire_record r[2];
	struct wire_prefix p;
	struct tnet net;

	(void)state;
	tn_init(&net, 1, 20, &c);
	assert_int_equal(wire_prefix_parse(&p, "10.42.9.9/16"), 0);
	tn_identity(&hi, 410);
	pick_identity(&lo, hi.id, true, 411);
	claim(&r[0], &hi, OUT, 1, &p);      /* the higher id comes first in the datagram */
	claim(&r[1], &lo, OUT + 1, 1, &p);
	assert_int_equal(send_records(&net, 0, r, 2), 0);
	assert_false(gossip_find(net.node[0].g, lo.id)->conflict);
	assert_true(gossip_find(net.node[0].g, hi.id)->conflict);
	assert_int_equal(tn_count(&net.node[0], GOSSIP_EV_ADDED, lo.id), 1);
	assert_int_equal(tn_count(&net.node[0], GOSSIP_EV_ADDED, hi.id), 0);
	tn_free(&net);
}

/* Node 0's derived address, claimed by an outsider at time `at`. */
static void self_case(bool lower, uint64_t at, bool pinned, bool *moved, bool *other_conflict)
{
	struct gossip_config c = cfg();
	struct wire_prefix mine, after;
	struct identity o;
	struct wire_record r;
	struct tnet net;
	uint64_t v;

	tn_init(&net, 1, 30, &c);
	if (pinned) {
		/* Node 0 pins the address it has. */
		struct wire_record t = *gossip_self(net.node[0].g)->rec;

		t.flags |= WIRE_REC_ADDR_PINNED;
		t.version += 1;
		assert_int_equal(gossip_update_self(net.node[0].g, &t, 0), 0);
	}
	mine = gossip_self(net.node[0].g)->rec->overlay[0];
	v = gossip_self(net.node[0].g)->rec->version;
	pick_identity(&o, tn_id(&net, 0), lower, 500);
	claim(&r, &o, OUT, 1, &mine);
	net.now = at;
	assert_int_equal(send_records(&net, 0, &r, 1), 0);
	after = gossip_self(net.node[0].g)->rec->overlay[0];
	*moved = !addr_equal_for_test(&mine, &after);
	*other_conflict = gossip_find(net.node[0].g, o.id)->conflict;
	if (*moved) {
		assert_int_equal(gossip_self(net.node[0].g)->rec->version, v + 1);
		assert_int_equal(gossip_self(net.node[0].g)->rec->addr_gen, 1);
		assert_int_equal(tn_count(&net.node[0], GOSSIP_EV_ADDED, o.id), 1);
	} else {
		assert_int_equal(gossip_self(net.node[0].g)->rec->version, v);
		assert_true(gossip_self(net.node[0].g)->conflict);
	}
	tn_free(&net);
}

static void test_self_yields_only_to_equal_claims(void **state)
{
	bool moved, conflict;

	(void)state;
	/* Young claim, lower id arrives: the tie rule, we move. */
	self_case(true, 1000, false, &moved, &conflict);
	assert_true(moved);
	assert_false(conflict);
	/* Young claim, higher id: it is the one to move. */
	self_case(false, 1000, false, &moved, &conflict);
	assert_false(moved);
	assert_true(conflict);
	/* Established (over 60 s), lower id: a ground key does not take it. */
	self_case(true, 61000, false, &moved, &conflict);
	assert_false(moved);
	assert_true(conflict);
	/* Pinned: never moves, stays flagged. */
	self_case(true, 1000, true, &moved, &conflict);
	assert_false(moved);
	assert_true(conflict);
}

static void test_mesh_resolves_derived_collision(void **state)
{
	struct gossip_config c = cfg();
	struct tnet net;

	(void)state;
	/* A /29 holds six hosts: five nodes likely collide and must sort it out... */
	assert_int_equal(wire_prefix_parse(&c.overlay_prefix, "10.42.0.0/29"), 0);
	tn_init(&net, 5, 40, &c);
	tn_connect_all(&net);
	tn_run(&net, 10000);
	/* ...ending with five distinct addresses nobody contests. */
	for (uint32_t i = 0; i < 5; i++) {
		const struct wire_record *ri = gossip_self(net.node[i].g)->rec;

		for (uint32_t j = 0; j < 5; j++) {
			const struct gossip_member *m = gossip_find(net.node[j].g, tn_id(&net, i));

			assert_false(m->conflict);
			assert_int_equal(m->rec->version, ri->version);
			if (j != i)
				assert_false(addr_equal_for_test(&ri->overlay[0],
								 &gossip_self(net.node[j].g)->rec->overlay[0]));
		}
	}
	tn_free(&net);
}

/* Issue 14: dual stack. Both addresses derived from one (id, gen), in their prefixes. */
static struct gossip_config cfg6(void)
{
	struct gossip_config c = cfg();

	assert_int_equal(wire_prefix_parse(&c.overlay_prefix6, "fd00:42::/64"), 0);
	return c;
}

static const struct wire_prefix *v6_of(const struct wire_record *r)
{
	for (int i = 0; i < r->n_overlay; i++)
		if (r->overlay[i].family == WIRE_AF_INET6)
			return &r->overlay[i];
	return NULL;
}

static void test_dual_stack_derived(void **state)
{
	struct gossip_config c = cfg6();
	struct tnet a;

	(void)state;
	tn_init(&a, 3, 1, &c);
	for (uint32_t i = 0; i < 3; i++) {
		const struct wire_record *r = gossip_self(a.node[i].g)->rec;
		const struct wire_prefix *p6 = v6_of(r);

		assert_int_equal(r->n_overlay, 2);
		assert_int_equal(r->overlay[0].family, WIRE_AF_INET);
		assert_non_null(p6);
		assert_int_equal(p6->len, 64);
		assert_int_equal(p6->ip[0], 0xfd);
		assert_int_equal(p6->ip[1], 0x00);
		assert_int_equal(p6->ip[2], 0x00);
		assert_int_equal(p6->ip[3], 0x42);
		assert_int_equal(record_validate(r), 0);
		for (uint32_t j = 0; j < i; j++)
			assert_false(addr_equal_for_test(p6, v6_of(gossip_self(a.node[j].g)->rec)));
	}
	tn_free(&a);
}

/* A young claim loses our IPv6 address to a lower id: both addresses move, together. */
static void test_dual_stack_moves_together(void **state)
{
	struct gossip_config c = cfg6();
	struct wire_prefix v4, v6;
	const struct wire_record *after;
	struct identity o;
	struct wire_record r;
	struct tnet net;

	(void)state;
	tn_init(&net, 1, 31, &c);
	v4 = gossip_self(net.node[0].g)->rec->overlay[0];
	v6 = *v6_of(gossip_self(net.node[0].g)->rec);
	pick_identity(&o, tn_id(&net, 0), true, 600);
	claim(&r, &o, OUT, 1, &v6);
	net.now = 1000;
	assert_int_equal(send_records(&net, 0, &r, 1), 0);
	after = gossip_self(net.node[0].g)->rec;
	assert_int_equal(after->addr_gen, 1);
	assert_int_equal(after->n_overlay, 2);
	assert_false(addr_equal_for_test(&v4, &after->overlay[0]));
	assert_false(addr_equal_for_test(&v6, v6_of(after)));
	assert_false(gossip_find(net.node[0].g, o.id)->conflict);
	assert_false(gossip_self(net.node[0].g)->conflict);
	tn_free(&net);
}

/* A record whose IPv6 address lies outside --prefix6 is refused; inside, taken. */
static void test_outside_prefix6_refused(void **state)
{
	struct gossip_config c = cfg6();
	struct wire_prefix out6, in6;
	struct identity o, p;
	struct wire_record r;
	struct tnet net;

	(void)state;
	tn_init(&net, 1, 32, &c);
	assert_int_equal(wire_prefix_parse(&out6, "fd00:43::7/64"), 0);
	assert_int_equal(wire_prefix_parse(&in6, "fd00:42::7/64"), 0);
	tn_identity(&o, 700);
	claim(&r, &o, OUT, 1, &out6);
	send_records(&net, 0, &r, 1);
	assert_null(gossip_find(net.node[0].g, o.id));
	tn_identity(&p, 701);
	claim(&r, &p, OUT + 1, 1, &in6);
	assert_int_equal(send_records(&net, 0, &r, 1), 0);
	assert_non_null(gossip_find(net.node[0].g, p.id));
	tn_free(&net);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_derived_address_in_prefix),
		cmocka_unit_test(test_incumbent_keeps_address_against_lower_id),
		cmocka_unit_test(test_tie_in_one_input_goes_to_lower_id),
		cmocka_unit_test(test_self_yields_only_to_equal_claims),
		cmocka_unit_test(test_mesh_resolves_derived_collision),
		cmocka_unit_test(test_dual_stack_derived),
		cmocka_unit_test(test_dual_stack_moves_together),
		cmocka_unit_test(test_outside_prefix6_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
