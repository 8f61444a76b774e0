// SPDX-License-Identifier: MIT
/*
 * Relay forwarding rules (agent/relay_rules.c) and the forwarder thread
 * (agent/relay.c) on loopback: forwarded only between the registered
 * endpoints, never for strangers, never to an address a datagram claims,
 * only WireGuard messages, within the pair's rate, bounded pairs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "relay.h"

static const struct relay_limits lim = { .max_pairs = 2, .pps = 10, .bps = 100000, .idle_ms = 60000,
					 .wait_open = true };

static struct wire_addr v4(uint8_t last, uint16_t port)
{
	struct wire_addr a = { .family = WIRE_AF_INET, .ip = { 198, 51, 100, last }, .port = port };

	return a;
}

static size_t wg_data(uint8_t *buf, size_t len)
{
	memset(buf, 0xab, len);
	buf[0] = 4;
	buf[1] = buf[2] = buf[3] = 0;
	return len;
}

static void test_wg_message(void **state)
{
	uint8_t b[2048];

	(void)state;
	memset(b, 0, sizeof(b));
	b[0] = 1;
	assert_true(relay_wg_message(b, 148));
	assert_false(relay_wg_message(b, 147));
	b[0] = 2;
	assert_true(relay_wg_message(b, 92));
	b[0] = 3;
	assert_true(relay_wg_message(b, 64));
	b[0] = 4;
	assert_true(relay_wg_message(b, 32));
	assert_true(relay_wg_message(b, 160));
	assert_false(relay_wg_message(b, 33));
	/* A full-MTU packet at MTU 1420 (not a multiple of 16): 16 + 1420 + 16. */
	assert_true(relay_wg_message(b, 1452));
	assert_true(relay_wg_message(b, 16 + 1419 + 16));
	assert_false(relay_wg_message(b, 16 + 575 + 16));
	assert_false(relay_wg_message(b, 16));
	b[1] = 1;                                    /* reserved bytes must be zero */
	assert_false(relay_wg_message(b, 32));
	b[1] = 0;
	b[0] = 5;
	assert_false(relay_wg_message(b, 32));
	b[0] = 0x15;                                 /* a TLS record, a DNS query... */
	assert_false(relay_wg_message(b, 64));
}

static void test_rules_direction_and_strangers(void **state)
{
	struct relay_pair_rules p;
	struct wire_addr a = v4(1, 51820), b = v4(2, 51820);
	struct wire_addr a_other_port = v4(1, 51821), stranger = v4(9, 51820);
	const struct wire_addr *to;
	uint8_t buf[160];
	size_t n = wg_data(buf, 32);

	(void)state;
	/* Without wait_open (the relay runs without --punch) A's first goes. */
	{
		struct relay_limits l2 = lim;

		l2.wait_open = false;
		relay_pair_init(&p, &a, &b, &l2, 0);
		assert_int_equal(relay_pair_judge(&p, &l2, 0, &a, buf, n, 1, &to), RELAY_FORWARD);
	}
	relay_pair_init(&p, &a, &b, &lim, 0);
	/* Nothing goes to B before B sent to its own port (its NAT would
	 * remap B's flow): A's first datagram is dropped, then B's goes to A. */
	assert_int_equal(relay_pair_judge(&p, &lim, 0, &a, buf, n, 1, &to), RELAY_DROP_CLOSED);
	assert_null(to);
	assert_int_equal(relay_pair_judge(&p, &lim, 1, &b, buf, n, 1, &to), RELAY_FORWARD);
	assert_true(relay_addr_equal(to, &a));
	/* Control: A on side 0 goes to B, B on side 1 goes to A. */
	assert_int_equal(relay_pair_judge(&p, &lim, 0, &a, buf, n, 1, &to), RELAY_FORWARD);
	assert_true(relay_addr_equal(to, &b));
	assert_int_equal(relay_pair_judge(&p, &lim, 1, &b, buf, n, 1, &to), RELAY_FORWARD);
	assert_true(relay_addr_equal(to, &a));
	/* A stranger, A from another port, A on B's side: dropped. */
	assert_int_equal(relay_pair_judge(&p, &lim, 0, &stranger, buf, n, 2, &to), RELAY_DROP_STRANGER);
	assert_null(to);
	assert_int_equal(relay_pair_judge(&p, &lim, 0, &a_other_port, buf, n, 2, &to),
			 RELAY_DROP_STRANGER);
	assert_int_equal(relay_pair_judge(&p, &lim, 1, &a, buf, n, 2, &to), RELAY_DROP_STRANGER);
	assert_int_equal(relay_pair_judge(&p, &lim, 2, &a, buf, n, 2, &to), RELAY_DROP_STRANGER);
	/* The registered endpoints are what they were: data teaches nothing. */
	assert_true(relay_addr_equal(&p.ep[0], &a));
	assert_true(relay_addr_equal(&p.ep[1], &b));
	/* Symmetric NAT: a handshake from A's IP at another port moves side 0
	 * there (and is forwarded); the old port is then a stranger. The IP
	 * never moves: the same from another IP stays a stranger. */
	buf[0] = 1;
	memset(buf + 1, 0, 3);
	assert_int_equal(relay_pair_judge(&p, &lim, 0, &stranger, buf, 148, 3, &to), RELAY_DROP_STRANGER);
	assert_int_equal(relay_pair_judge(&p, &lim, 0, &a_other_port, buf, 147, 3, &to),
			 RELAY_DROP_STRANGER);
	assert_int_equal(relay_pair_judge(&p, &lim, 0, &a_other_port, buf, 148, 3, &to), RELAY_FORWARD);
	assert_true(relay_addr_equal(to, &b));
	assert_true(relay_addr_equal(&p.ep[0], &a_other_port));
	assert_int_equal(p.learned, 1);
	buf[0] = 4;
	assert_int_equal(relay_pair_judge(&p, &lim, 0, &a, buf, n, 3, &to), RELAY_DROP_STRANGER);
	assert_int_equal(relay_pair_judge(&p, &lim, 1, &b, buf, n, 3, &to), RELAY_FORWARD);
	assert_true(relay_addr_equal(to, &a_other_port));
	a = a_other_port;
	/* A fresh pair: the side's first datagram, data too, may move the port. */
	relay_pair_init(&p, &stranger, &b, &lim, 3);
	p.ep[0] = v4(1, 51820);
	p.opened[1] = true;     /* B sent already */
	assert_int_equal(relay_pair_judge(&p, &lim, 0, &stranger, buf, n, 3, &to), RELAY_DROP_STRANGER);
	assert_int_equal(relay_pair_judge(&p, &lim, 0, &a_other_port, buf, n, 3, &to), RELAY_FORWARD);
	assert_true(relay_addr_equal(&p.ep[0], &a_other_port));
	/* From A but not WireGuard: dropped. */
	buf[0] = 7;
	assert_int_equal(relay_pair_judge(&p, &lim, 0, &a, buf, n, 3, &to), RELAY_DROP_NOT_WG);
}

static void test_rules_rate_and_idle(void **state)
{
	struct relay_pair_rules p;
	struct wire_addr a = v4(1, 51820), b = v4(2, 51820);
	const struct wire_addr *to;
	uint8_t buf[64];
	size_t n = wg_data(buf, 32);
	int fwd = 0;

	(void)state;
	relay_pair_init(&p, &a, &b, &lim, 1000);
	for (int i = 0; i < 30; i++)
		fwd += relay_pair_judge(&p, &lim, (unsigned)i & 1, (i & 1) ? &b : &a, buf, n, 1000,
					&to) == RELAY_FORWARD;
	assert_int_equal(fwd, 10);                   /* pps = 10: both directions together */
	assert_int_equal(relay_pair_judge(&p, &lim, 0, &a, buf, n, 1000, &to), RELAY_DROP_RATE);
	/* Half a second refills half. */
	fwd = 0;
	for (int i = 0; i < 30; i++)
		fwd += relay_pair_judge(&p, &lim, 0, &a, buf, n, 1500, &to) == RELAY_FORWARD;
	assert_int_equal(fwd, 5);
	assert_false(relay_pair_idle(&p, &lim, 1500 + 59999));
	assert_true(relay_pair_idle(&p, &lim, 1500 + 60000));
}

/* --- the thread, on loopback --- */

static int udp_sock(uint16_t *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

static struct wire_addr lo(uint16_t port)
{
	struct wire_addr a = { .family = WIRE_AF_INET, .ip = { 127, 0, 0, 1 }, .port = port };

	return a;
}

static void send_to(int fd, uint16_t port, const uint8_t *buf, size_t len)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	assert_int_equal(sendto(fd, buf, len, 0, (struct sockaddr *)&sa, sizeof(sa)), (ssize_t)len);
}

/* Bytes received on fd within ms (0 = nothing), and the sender's port. */
static ssize_t recv_within(int fd, uint8_t *buf, size_t len, int ms, uint16_t *from_port)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	ssize_t n;

	if (poll(&pfd, 1, ms) <= 0)
		return 0;
	n = recvfrom(fd, buf, len, 0, (struct sockaddr *)&sa, &sl);
	*from_port = ntohs(sa.sin_port);
	return n;
}

static void test_thread_forwards_only_members(void **state)
{
	struct relay *r;
	struct relay_stats st;
	char err[128];
	uint8_t id_a[WIRE_ID_LEN] = { 1 }, id_b[WIRE_ID_LEN] = { 2 }, id_c[WIRE_ID_LEN] = { 3 };
	uint16_t pa, pb, pc, ps, port[2], port2[2], from;
	int fa = udp_sock(&pa), fb = udp_sock(&pb), fc = udp_sock(&pc), fs = udp_sock(&ps);
	struct wire_addr ea = lo(pa), eb = lo(pb), ec = lo(pc);
	struct relay_limits l = lim;
	uint8_t buf[256], got[256];
	size_t n = wg_data(buf, 48);

	(void)state;
	l.pps = 1000;
	assert_int_equal(relay_start(&r, &l, "127.0.0.1", err, sizeof(err)), 0);
	assert_int_equal(relay_open(r, id_a, &ea, id_b, &eb, port), 0);
	/* The same pair asked for from B's side: the same ports, swapped. */
	assert_int_equal(relay_open(r, id_b, &eb, id_a, &ea, port2), 0);
	assert_int_equal(port2[0], port[1]);
	assert_int_equal(port2[1], port[0]);

	/* B opens its side first (dropped: A has not sent yet), then
	 * control: A -> R:Pa arrives at B from R:Pb, and back. */
	send_to(fb, port[1], buf, n);
	assert_int_equal(recv_within(fa, got, sizeof(got), 300, &from), 0);
	send_to(fa, port[0], buf, n);
	assert_int_equal(recv_within(fb, got, sizeof(got), 1000, &from), (ssize_t)n);
	assert_int_equal(from, port[1]);
	assert_memory_equal(got, buf, n);
	send_to(fb, port[1], buf, n);
	assert_int_equal(recv_within(fa, got, sizeof(got), 1000, &from), (ssize_t)n);
	assert_int_equal(from, port[0]);

	/* A stranger on either port, B on A's port, non-WireGuard from A: nothing anywhere. */
	send_to(fs, port[0], buf, n);
	send_to(fs, port[1], buf, n);
	send_to(fb, port[0], buf, n);
	buf[0] = 0x45;
	send_to(fa, port[0], buf, n);
	buf[0] = 4;
	assert_int_equal(recv_within(fb, got, sizeof(got), 300, &from), 0);
	assert_int_equal(recv_within(fa, got, sizeof(got), 50, &from), 0);
	assert_int_equal(recv_within(fs, got, sizeof(got), 50, &from), 0);

	/* Bounded: max_pairs = 2. */
	assert_int_equal(relay_open(r, id_a, &ea, id_c, &ec, port2), 0);
	assert_int_equal(relay_open(r, id_b, &eb, id_c, &ec, port2), -ENOSPC);
	relay_get_stats(r, &st);
	assert_int_equal(st.pairs, 2);
	assert_int_equal(st.forwarded_packets, 2);
	assert_int_equal(st.forwarded_bytes, 2 * n);
	assert_int_equal(st.dropped[RELAY_DROP_STRANGER], 3);
	assert_int_equal(st.dropped[RELAY_DROP_NOT_WG], 1);
	assert_int_equal(st.dropped[RELAY_DROP_CLOSED], 1);
	assert_int_equal(st.refused_total, 1);

	/* A member gone: its pairs close, the slot is free again. */
	relay_close_member(r, id_c);
	for (int i = 0; i < 100; i++) {
		relay_get_stats(r, &st);
		if (st.pairs == 1)
			break;
		usleep(10000);
	}
	assert_int_equal(st.pairs, 1);
	assert_int_equal(relay_open(r, id_b, &eb, id_c, &ec, port2), 0);
	relay_stop(r);
	close(fa);
	close(fb);
	close(fc);
	close(fs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wg_message),
		cmocka_unit_test(test_rules_direction_and_strangers),
		cmocka_unit_test(test_rules_rate_and_idle),
		cmocka_unit_test(test_thread_forwards_only_members),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
