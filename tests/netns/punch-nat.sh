#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Hole punching through two Linux NATs (issue 11, docs/DESIGN.md "Hole
# punching"), with real wireguard-go:
#
#   A 192.168.1.2 -- r1 (masquerade) 198.51.100.2 -- i1 -- i2 -- 203.0.113.2 (masquerade) r2 -- B 192.168.2.2
#
# i1 and i2 are "internet" routers between the sites, so a datagram with
# TTL 3 from A dies at i2, before r2 (a packet addressed to r2 itself is
# delivered there whatever its TTL, which is what poisons r2's mapping).
#   1. naive: A and B each hold the other's public endpoint and send
#      (ping through the tunnel, keepalive 5 s): no handshake in 25 s, and
#      r1/r2 show why (the remapped outbound flow, nat-notes.md).
#   2. punch: fresh routers; at the same moment A and B send meshd's
#      punch (punch-send: source port 51820, TTL 3), then set the endpoint
#      and ping: they handshake, direct (each side's endpoint is the
#      other's router, port 51820).
#   3. the same with A punching 1 s before B: still works (A's punch
#      died at i2 and never reached r2);
#   4. that again with TTL 8: A's punch reaches r2 before B's opened it
#      and poisons r2 like a handshake would: no handshake. The TTL is
#      what makes the punch safe against skew between the two sides.
# Everything carries the prefix pn$$ and is removed on exit.
#   usage: punch-nat.sh PATH/TO/punch-send
set -euo pipefail

PUNCH=${1:?usage: $0 PATH/TO/punch-send}
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root (network namespaces, TUN devices, raw sockets)"
	exit 77
fi
for tool in ip wg wireguard-go ping nft; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool not installed" >&2; exit 1; }
done

P=pn$$
TMP=$(mktemp -d "${TMPDIR:-/tmp}/$P.XXXXXX")
CREATED_NS=()
KA=$(wg genkey) KB=$(wg genkey)
PA=$(echo "$KA" | wg pubkey) PB=$(echo "$KB" | wg pubkey)

cleanup() {
	local rc=$? ns pid
	set +e
	for ns in "${CREATED_NS[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null; done
	done
	sleep 0.2
	for ns in "${CREATED_NS[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
	rm -f /var/run/wireguard/${P}wa.sock /var/run/wireguard/${P}wb.sock
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

FAILS=0
pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; FAILS=$((FAILS + 1)); }

ns() { local n=$1; shift; ip netns exec "$P$n" "$@"; }
mkns() { ip netns add "$P$1"; CREATED_NS+=("$P$1"); ns "$1" ip link set lo up; }
# link NS1 IF1 ADDR1 NS2 IF2 ADDR2
link() {
	ip link add "$P$2" netns "$P$1" type veth peer name "$P$5" netns "$P$4"
	ns "$1" ip addr add "$3" dev "$P$2"; ns "$1" ip link set "$P$2" up
	ns "$4" ip addr add "$6" dev "$P$5"; ns "$4" ip link set "$P$5" up
}

# build: the six namespaces, routes, NAT rules, wireguard-go in A and B
build() {
	local n
	for n in a r1 i1 i2 r2 b; do mkns "$n"; done
	link a  a0  192.168.1.2/24   r1 r1l 192.168.1.1/24
	link r1 r1w 198.51.100.2/30  i1 i1a 198.51.100.1/30
	link i1 i1b 192.0.2.1/30     i2 i2a 192.0.2.2/30
	link i2 i2b 203.0.113.1/30   r2 r2w 203.0.113.2/30
	link r2 r2l 192.168.2.1/24   b  b0  192.168.2.2/24
	ns a  ip route add default via 192.168.1.1
	ns b  ip route add default via 192.168.2.1
	ns r1 ip route add default via 198.51.100.1
	ns r2 ip route add default via 203.0.113.1
	ns i1 ip route add 203.0.113.0/30 via 192.0.2.2
	ns i2 ip route add 198.51.100.0/30 via 192.0.2.1
	for n in r1 i1 i2 r2; do ns "$n" sysctl -qw net.ipv4.ip_forward=1; done
	for n in r1 r2; do
		printf 'table ip nat {\n chain post {\n  type nat hook postrouting priority 100;\n  oifname "%s" masquerade\n }\n}\n' \
			"${P}${n}w" | ns "$n" nft -f -
	done
	for n in a b; do
		local key=$KA addr=10.99.0.1/24
		[ "$n" = b ] && key=$KB addr=10.99.0.2/24
		ns "$n" wireguard-go "${P}w$n" >"$TMP/wg-$n.log" 2>&1
		echo "$key" >"$TMP/key-$n"
		ns "$n" wg set "${P}w$n" private-key "$TMP/key-$n" listen-port 51820
		ns "$n" ip addr add "$addr" dev "${P}w$n"
		ns "$n" ip link set "${P}w$n" up
	done
	ns a wg set "${P}wa" peer "$PB" allowed-ips 10.99.0.2/32
	ns b wg set "${P}wb" peer "$PA" allowed-ips 10.99.0.1/32
}

teardown() {
	local n pid
	for n in "${CREATED_NS[@]}"; do
		for pid in $(ip netns pids "$n" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
	done
	sleep 0.3
	for n in "${CREATED_NS[@]}"; do ip netns del "$n" 2>/dev/null || true; done
	CREATED_NS=()
	rm -f /var/run/wireguard/${P}wa.sock /var/run/wireguard/${P}wb.sock
}

# Seconds since the handshake, or "never".
hs() {
	local t
	t=$(ns "$1" wg show "${P}w$1" latest-handshakes | awk '{print $2}')
	if [ -z "$t" ] || [ "$t" = 0 ]; then echo never; else echo $(( $(date +%s) - t )); fi
}
endpoint() { ns "$1" wg show "${P}w$1" endpoints | awk '{print $2}'; }
set_ep() {   # NODE ENDPOINT: WireGuard's endpoint for the other, then traffic
	local peer=$PB
	[ "$1" = b ] && peer=$PA
	ns "$1" wg set "${P}w$1" peer "$peer" endpoint "$2" persistent-keepalive 5
}
ping_other() {
	local to=10.99.0.2
	[ "$1" = b ] && to=10.99.0.1
	ns "$1" ping -c 1 -W 1 "$to" >/dev/null 2>&1
}
# wait_hs SECONDS: until both sides have a handshake; prints the time taken
wait_hs() {
	local t0=$SECONDS
	while [ $((SECONDS - t0)) -lt "$1" ]; do
		ping_other a & ping_other b & wait
		if [ "$(hs a)" != never ] && [ "$(hs b)" != never ]; then
			echo $((SECONDS - t0))
			return 0
		fi
		sleep 1
	done
	return 1
}

# 1. naive
build
set_ep a 203.0.113.2:51820 & set_ep b 198.51.100.2:51820 & wait
if t=$(wait_hs 25); then
	fail "naive: handshook after ${t}s (expected the mappings to clash)"
else
	pass "naive: no handshake in 25 s (A: $(hs a), B: $(hs b))"
fi
echo "  r1 conntrack:"; ns r1 cat /proc/net/nf_conntrack 2>/dev/null | grep -w udp | sed 's/^/    /' || true
teardown

# 2. punch, TTL 3
build
ns a "$PUNCH" 51820 203.0.113.2:51820 3 & ns b "$PUNCH" 51820 198.51.100.2:51820 3 & wait
sleep 0.5
set_ep a 203.0.113.2:51820 & set_ep b 198.51.100.2:51820 & wait
if t=$(wait_hs 15); then
	pass "punch ttl 3: handshake after ${t}s"
	ea=$(endpoint a) eb=$(endpoint b)
	[ "$ea" = 203.0.113.2:51820 ] && [ "$eb" = 198.51.100.2:51820 ] &&
		pass "punch ttl 3: direct (A holds $ea, B holds $eb)" ||
		fail "punch ttl 3: endpoints A=$ea B=$eb"
	ns a ping -c 3 -i 0.2 -W 1 10.99.0.2 >/dev/null && pass "punch ttl 3: A pings B" || fail "punch: A cannot ping B"
	ns b ping -c 3 -i 0.2 -W 1 10.99.0.1 >/dev/null && pass "punch ttl 3: B pings A" || fail "punch: B cannot ping A"
else
	fail "punch ttl 3: no handshake in 15 s (A: $(hs a), B: $(hs b))"
fi
teardown

# 3./4. staggered: A punches 1 s before B (skew between the two sides)
staggered() {   # TTL EXPECT(ok|fail)
	build
	ns a "$PUNCH" 51820 203.0.113.2:51820 "$1"
	sleep 1
	ns b "$PUNCH" 51820 198.51.100.2:51820 "$1"
	sleep 0.5
	set_ep a 203.0.113.2:51820 & set_ep b 198.51.100.2:51820 & wait
	if t=$(wait_hs 15); then
		[ "$2" = ok ] && pass "staggered punch ttl $1: handshake after ${t}s" ||
			fail "staggered punch ttl $1: handshook after ${t}s (expected A's punch to poison r2)"
	else
		[ "$2" = fail ] && pass "staggered punch ttl $1: no handshake in 15 s (A's punch reached r2 first and poisoned it)" ||
			fail "staggered punch ttl $1: no handshake in 15 s (A: $(hs a), B: $(hs b))"
	fi
	teardown
}
staggered 3 ok
staggered 8 fail

[ "$FAILS" = 0 ] && echo "punch-nat: all passed" || { echo "punch-nat: $FAILS failed"; exit 1; }
