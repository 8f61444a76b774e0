/* SPDX-License-Identifier: MIT */
/*
 * meshd-attacker: the adversary of tests/adversary. It links proto/ and
 * nothing else of meshd, so it speaks the wire format exactly as a
 * network-key holder running its own code would, and it plays a passive
 * outsider (no key) for the replay tests. One file per kind of attack:
 *   att_net.c      socket, sealing, receiving, a minimal member's behaviour
 *                  (JOIN, answering PINGs, pulling the table by sync)
 *   att_insider.c  rumours (eviction, theft) and sync reflection
 *   att_flood.c    Sybil identities and the signature-CPU flood
 *   att_misc.c     sink, spoofed JOIN_ACKs, PING_REQ, replay, key grinding
 *   att_claim.c    address claims by fresh ground identities (theft through a restart)
 *   attacker.c     option parsing and the command table
 * Every figure it measures is printed as one `ADVERSARY key=value ...`
 * line so the test scripts can grep it and keep it.
 */
#ifndef MESHD_TESTS_ADVERSARY_ATT_H
#define MESHD_TESTS_ADVERSARY_ATT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/identity.h"
#include "proto/msg.h"
#include "proto/record.h"
#include "proto/wire.h"

enum {
	ATT_MAX_NODES = 16,
	ATT_MAX_SEEN = 256,   /* records learned from the mesh (ids, versions) */
};

/* Options shared by every command (attacker.c parses them). */
struct att_opts {
	const char *key_file;        /* network key; NULL = outsider */
	const char *bind;            /* IP:PORT our socket binds */
	const char *endpoint;        /* IP:PORT our record advertises (default: bind) */
	struct wire_addr node[ATT_MAX_NODES];  /* honest nodes' gossip addresses */
	int n_nodes;
	const char *victim_id;       /* base64 id */
	const char *target;          /* IP:PORT */
	const char *sink;            /* IP:PORT */
	const char *file;
	const char *name;
	long count;
	long interval_ms;
	double seconds;
	long rate;
	const char *outside;         /* CIDR outside the mesh prefix */
	const char *prefix;          /* mesh prefix, for in-prefix Sybil addresses */
	const char *address;         /* CIDR: the overlay address a claim pins */
	long delay_ms;               /* before the first attempt */
};

struct att_seen {
	uint8_t id[WIRE_ID_LEN];
	uint64_t version;
	char name[WIRE_NAME_MAX + 1];
	struct wire_addr gossip;     /* endpoint[0] ip : gossip_port */
};

struct att {
	int fd;
	struct wire_addr self;       /* bound address */
	uint8_t key[WIRE_KEY_LEN];
	bool have_key;
	struct identity idn;
	struct wire_record rec;      /* our own signed record */
	uint64_t sent_bytes, sent_dgrams, recv_bytes, recv_dgrams;
	uint64_t acks_sent, join_acks;
	struct att_seen seen[ATT_MAX_SEEN];
	int n_seen;
};

/* att_net.c */
void att_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
uint64_t att_now_ms(void);
void att_sleep_ms(long ms);
void att_parse_addr(struct wire_addr *a, const char *hostport);
void att_read_netkey(const char *path, uint8_t key[static WIRE_KEY_LEN]);
void att_parse_id(uint8_t id[static WIRE_ID_LEN], const char *b64);
/* Open a UDP socket bound to `bind` (port 0 = any); key_file NULL = outsider. */
void att_open(struct att *a, const char *bind, const char *key_file);
/* Fresh identity and a signed record: endpoint (NULL = our bound address), no overlay. */
void att_identity(struct att *a, const char *name, const char *endpoint);
void att_send_raw(struct att *a, const struct wire_addr *to, const uint8_t *buf, size_t len);
/* Seal and send; returns the sealed size. */
size_t att_send(struct att *a, const struct wire_addr *to, const struct wire_msg *m);
/*
 * Encode m, then overwrite the 8-byte big-endian body of every uint64
 * equal to `marker` with `value`: sends versions the encoder would
 * (rightly) refuse to produce, as a hostile implementation would.
 */
size_t att_send_patched(struct att *a, const struct wire_addr *to, const struct wire_msg *m,
			uint64_t marker, uint64_t value);
/* Receive for ms: answer PINGs aimed at us, learn records, count JOIN_ACKs. */
void att_poll(struct att *a, long ms);
/* JOIN through each node until a JOIN_ACK arrives (or tries run out). */
bool att_join(struct att *a, const struct wire_addr *nodes, int n, int tries);
/* Ask `node` for its whole table (empty root listing) and read the pushes. */
void att_pull(struct att *a, const struct wire_addr *node, long wait_ms);
const struct att_seen *att_seen_find(const struct att *a, const uint8_t id[static WIRE_ID_LEN]);
/* Print `ADVERSARY ...` to stdout (the scripts keep those lines). */
void att_report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Commands: each returns the process exit status. */
int cmd_evict(const struct att_opts *o);
int cmd_reflect(const struct att_opts *o);
int cmd_sybil(const struct att_opts *o);
int cmd_flood(const struct att_opts *o);
int cmd_sink(const struct att_opts *o);
int cmd_joinack(const struct att_opts *o);
int cmd_pingreq(const struct att_opts *o);
int cmd_replay(const struct att_opts *o);
int cmd_classify(const struct att_opts *o);
int cmd_lowkey(const struct att_opts *o);
int cmd_claim(const struct att_opts *o);

#endif
