#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Topology 7: hostile use of a relay. A public relay (node 1) and two
# sites behind `masquerade random` (so nodes 2 and 3 are relayed).
#  - A member claims an address that is not its endpoint: node 2 runs
#    with --endpoint SINK:51820, where SINK is a stranger's namespace. A
#    relay must forward only to the endpoint proven by a handshake, never
#    to a claimed one: the sink must get nothing from the relay's pair
#    ports (anything from the relay's address not from its WireGuard or
#    gossip port).
#  - A stranger (no network key) sends WireGuard-shaped datagrams
#    (handshake initiations and data messages of valid lengths, marked
#    NAT1 in the index field) to every UDP port the relay listens on,
#    while the pair is relayed. Nothing marked may leave the relay or
#    reach nodes 2 and 3 (nftables counters in their namespaces).
# Bars: nothing forwarded in either case; nodes 2 and 3 still ping each
# other (relayed) within 20 s and at the end; the rule.
set -euo pipefail
NAT_TOPO=hostile_relay
. "$(dirname "$0")/lib.sh"

nat_internet 3
nat_site 1 1 random
nat_site 2 3 random
pub_node 1 2
# The stranger / sink: a namespace on router 2's segment, no WireGuard, no key.
sink=$(ns_of 9)
ip netns add "$sink"
ip -n "$sink" link set lo up
seg_attach "$sink" eth0 2
sink_ip=$(seg_ip 2 "$SEG_H")
nat_node 2 1
nat_node 3 2
relay_ip=${NODE_IP[1]}
relay=(); meshd_has --relay && relay=(--relay) || log "meshd has no --relay: nodes 2 and 3 cannot be relayed"

count_rule() {  # count_rule NS HOOK: count marked datagrams (NAT1 after the WireGuard type)
	printf 'table inet natt {\n chain c {\n  type filter hook %s priority -300; policy accept;\n' "$2"
	printf '  udp length 1000 @th,96,32 0x4e415431 counter\n  udp length 156 @th,96,32 0x4e415431 counter\n'
	printf ' }\n}\n'
}
count_rule x output | in_ns "$(ns_of 1)" nft -f -
count_rule x input | in_ns "$(ns_of 2)" nft -f -
count_rule x input | in_ns "$(ns_of 3)" nft -f -
printf 'table inet natt {\n chain c {\n  type filter hook input priority -300; policy accept;\n  ip saddr %s udp sport != { 51820, 51821 } counter\n }\n}\n' \
	"$relay_ip" | in_ns "$sink" nft -f -
marked() {  # marked NS: marked datagrams counted there
	in_ns "$1" nft -j list table inet natt |
		jq '[.nftables[] | select(.rule) | .rule.expr[] | select(.counter) | .counter.packets] | add // 0'
}

SEED=1
nat_measure
nat_start 1 "${relay[@]}"
nat_start 2 --endpoint "$sink_ip:51820"
nat_start 3
nat_wait "${NAT_SETTLE:-25}"

ports=$(in_ns "$(ns_of 1)" ss -Hlun | awk '{print $4}' | sed 's/.*://' | sort -un | tr '\n' ' ')
log "relay listens on UDP ports: $ports"
[ "$(wc -w <<<"$ports")" -gt 2 ] ||
	nat_violation "the relay has no pair port open (only $ports) although nodes 2 and 3 can only meet through it"
in_ns "$sink" python3 - "$relay_ip" $ports <<'PY'
import os, socket, struct, sys, time
relay = sys.argv[1]
ports = [int(p) for p in sys.argv[2:]]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sent = 0
for rnd in range(20):
    for p in ports:
        for typ, size in ((1, 148), (4, 992)):
            msg = struct.pack("<I", typ) + b"NAT1" + os.urandom(size - 8)
            s.sendto(msg, (relay, p))
            sent += 1
    time.sleep(0.05)
print("NAT topo=hostile_relay stranger_datagrams=%d ports=%d" % (sent, len(ports)))
PY
nat_wait "${NAT_SECONDS:-20}"
out_relay=$(marked "$(ns_of 1)")
in2=$(marked "$(ns_of 2)")
in3=$(marked "$(ns_of 3)")
at_sink=$(marked "$sink")
echo "NAT topo=hostile_relay run=${NAT_INNER:-1} marked_out_of_relay=$out_relay marked_at_node2=$in2 marked_at_node3=$in3 relay_ports_to_sink=$at_sink"
[ "$out_relay" -eq 0 ] && [ "$in2" -eq 0 ] && [ "$in3" -eq 0 ] ||
	nat_violation "a stranger's datagrams were forwarded: $out_relay left the relay, $in2 reached node 2, $in3 node 3"
[ "$at_sink" -eq 0 ] || nat_violation "the relay sent $at_sink datagrams from a pair port to node 2's claimed (non-member) address"
nat_analyze --bar-all-ping 20 --need-end --expect '2>3=relay:node1' --expect '3>2=relay:node1'
nat_finish
