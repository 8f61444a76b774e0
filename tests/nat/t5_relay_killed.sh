#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Topology 5: two public relays (nodes 1 and 2) and three sites behind
# `masquerade random` (so every NATed pair is relayed). Once the mesh is
# up, the relay carrying node 3's path to node 4 (node 1 when nobody
# reports one) is killed (agent and WireGuard).
# Bars: every ordered pair pings within 20 s; after the kill every pair
# of the survivors pings again within 15 s and at the end, the NATed
# pairs now through the other relay; the undeclared-unreachable rule.
set -euo pipefail
NAT_TOPO=relay_killed
. "$(dirname "$0")/lib.sh"

nat_internet 3
nat_site 1 1 random
nat_site 2 2 random
nat_site 3 3 random
pub_node 1 2
pub_node 2 1
nat_node 3 1
nat_node 4 2
nat_node 5 3
relay=(); meshd_has --relay && relay=(--relay) || log "meshd has no --relay: the NATed pairs cannot be relayed"
SEED=1
nat_measure
nat_start 1 "${relay[@]}"
for n in 2; do nat_start "$n" "${relay[@]}"; done
for n in 3 4 5; do nat_start "$n"; done
nat_wait "${NAT_SETTLE:-30}"
victim=$(relay_of 3 4)
case $victim in
node1) victim=1 ;;
node2) victim=2 ;;
*) log "node 3 reports no relay for node 4 ($victim): killing node 1"; victim=1 ;;
esac
other=$((3 - victim))
nat_kill "$victim"
nat_wait "${NAT_SECONDS:-35}"
exp=()
for a in 3 4 5; do for b in 3 4 5; do [ "$a" = "$b" ] || exp+=(--expect "$a>$b=relay:node$other"); done; done
nat_analyze --bar-all-ping 20 --need-end --bar-event "kill$victim=15" "${exp[@]}"
nat_finish
