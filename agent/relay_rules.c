/* SPDX-License-Identifier: MIT */
/* Relay forwarding rules: see relay_rules.h. */
#include "relay_rules.h"

#include <string.h>

/* WireGuard message sizes (drivers/net/wireguard/messages.h). */
enum {
	WG_INITIATION_LEN = 148,
	WG_RESPONSE_LEN = 92,
	WG_COOKIE_LEN = 64,
	WG_DATA_MIN_LEN = 32,    /* header 16 + empty payload's tag 16 (keepalive) */
	WG_DATA_MAX_LEN = 65535,
	WG_MIN_MTU = 576,        /* the least IPv4 MTU; IPv6 needs 1280 */
};

bool relay_wg_message(const uint8_t *buf, size_t len)
{
	if (len < 4 || buf[1] != 0 || buf[2] != 0 || buf[3] != 0)
		return false;
	switch (buf[0]) {
	case 1: return len == WG_INITIATION_LEN;
	case 2: return len == WG_RESPONSE_LEN;
	case 3: return len == WG_COOKIE_LEN;
	/*
	 * Data: header 16 + padded plaintext + tag 16. WireGuard pads the
	 * plaintext to a multiple of 16 but never beyond the interface MTU,
	 * so a full-MTU packet on an MTU that is not a multiple of 16 (the
	 * default 1420) is any length: 16 + 1420 + 16 = 1452. Such packets
	 * are at least 16 + WG_MIN_MTU + 16 long.
	 */
	case 4: return len >= WG_DATA_MIN_LEN && len <= WG_DATA_MAX_LEN &&
		       (len % 16 == 0 || len >= WG_DATA_MIN_LEN + WG_MIN_MTU);
	default: return false;
	}
}

bool relay_same_ip(const struct wire_addr *x, const struct wire_addr *y)
{
	if (x->family != y->family || x->family == WIRE_AF_NONE)
		return false;
	return memcmp(x->ip, y->ip, x->family == WIRE_AF_INET ? 4 : 16) == 0;
}

bool relay_addr_equal(const struct wire_addr *x, const struct wire_addr *y)
{
	size_t n;

	if (x->family != y->family || x->port != y->port || x->family == WIRE_AF_NONE)
		return false;
	n = x->family == WIRE_AF_INET ? 4 : 16;
	return memcmp(x->ip, y->ip, n) == 0;
}

void relay_pair_init(struct relay_pair_rules *p, const struct wire_addr *a,
		     const struct wire_addr *b, const struct relay_limits *lim, uint64_t now_ms)
{
	memset(p, 0, sizeof(*p));
	p->ep[0] = *a;
	p->ep[1] = *b;
	p->last_fwd_ms = now_ms;
	p->refill_ms = now_ms;
	p->tok_pkts = (uint64_t)lim->pps * 1000;
	p->tok_bytes = (uint64_t)lim->bps * 1000;
}

static void refill(struct relay_pair_rules *p, const struct relay_limits *lim, uint64_t now_ms)
{
	uint64_t dt, cap_p = (uint64_t)lim->pps * 1000, cap_b = (uint64_t)lim->bps * 1000;

	if (now_ms <= p->refill_ms)
		return;
	dt = now_ms - p->refill_ms;
	if (dt > 1000)
		dt = 1000;
	p->refill_ms = now_ms;
	/* rate per ms * 1000 (thousandths) = rate * dt */
	p->tok_pkts += (uint64_t)lim->pps * dt;
	p->tok_bytes += (uint64_t)lim->bps * dt;
	if (p->tok_pkts > cap_p)
		p->tok_pkts = cap_p;
	if (p->tok_bytes > cap_b)
		p->tok_bytes = cap_b;
}

enum relay_verdict relay_pair_judge(struct relay_pair_rules *p, const struct relay_limits *lim,
				    unsigned side, const struct wire_addr *src,
				    const uint8_t *buf, size_t len, uint64_t now_ms,
				    const struct wire_addr **to)
{
	*to = NULL;
	if (side > 1)
		return RELAY_DROP_STRANGER;
	if (!relay_addr_equal(src, &p->ep[side])) {
		/* Behind a symmetric NAT the member's flow to this port has its own
		 * source port: the side's first datagram, or a WireGuard handshake,
		 * from the registered IP moves the side's port there (never the
		 * IP, which WireGuard proved). */
		if (!relay_same_ip(src, &p->ep[side]) || !relay_wg_message(buf, len) ||
		    (buf[0] != 1 && buf[0] != 2 && p->heard[side]))
			return RELAY_DROP_STRANGER;
		refill(p, lim, now_ms);
		if (p->tok_pkts < 1000 || p->tok_bytes < (uint64_t)len * 1000)
			return RELAY_DROP_RATE;
		p->ep[side].port = src->port;
		p->learned++;
	}
	if (!relay_wg_message(buf, len))
		return RELAY_DROP_NOT_WG;
	p->opened[side] = true;
	if (lim->wait_open && !p->opened[side ^ 1])
		return RELAY_DROP_CLOSED;
	refill(p, lim, now_ms);
	if (p->tok_pkts < 1000 || p->tok_bytes < (uint64_t)len * 1000)
		return RELAY_DROP_RATE;
	p->tok_pkts -= 1000;
	p->tok_bytes -= (uint64_t)len * 1000;
	p->last_fwd_ms = now_ms;
	p->heard[side] = true;
	*to = &p->ep[side ^ 1];
	return RELAY_FORWARD;
}

bool relay_pair_idle(const struct relay_pair_rules *p, const struct relay_limits *lim,
		     uint64_t now_ms)
{
	return now_ms >= p->last_fwd_ms && now_ms - p->last_fwd_ms >= lim->idle_ms;
}

const char *relay_verdict_name(enum relay_verdict v)
{
	static const char *const names[RELAY_VERDICT_N] = {
		"forwarded", "stranger", "not_wg", "rate", "error", "closed",
	};

	return (unsigned)v < RELAY_VERDICT_N ? names[v] : "?";
}
