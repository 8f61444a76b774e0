#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Topology 4: a dual-stack underlay. IPv4 goes through `masquerade random`
# NATs (no direct IPv4 path between sites); IPv6 (2001:db8::/32) is
# routed with no NAT, but every home router has a stateful firewall
# (inbound only for established flows). Simultaneous handshakes punch
# through such firewalls, so the NATed pairs should go direct over IPv6.
# Bars: every ordered pair pings within 20 s and at the end; the NATed
# pairs report a direct path to an IPv6 endpoint; the rule.
set -euo pipefail
NAT_TOPO=dual_stack
NAT_V6=1
. "$(dirname "$0")/lib.sh"

nat_internet 3
nat_site 1 1 random
nat_site 2 2 random
nat_site 3 3 random
pub_node 1 2
nat_node 2 1
nat_node 3 2
nat_node 4 3
relay=(); meshd_has --relay && relay=(--relay)
SEED=1
nat_measure
nat_start 1 "${relay[@]}"
for n in 2 3 4; do nat_start "$n"; done
nat_wait "${NAT_SECONDS:-45}"
exp=()
for a in 2 3 4; do for b in 2 3 4; do [ "$a" = "$b" ] || exp+=(--expect "$a>$b=direct:^\\[?2001:db8:1:"); done; done
nat_analyze --bar-all-ping 20 --need-end "${exp[@]}"
nat_finish
