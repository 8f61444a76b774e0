#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Topology 2: one public node (seed; relay when meshd has --relay) and
# three sites behind `masquerade random` NATs (a new port per flow, i.e.
# symmetric: no punch can work), each on its own internet router.
# Bars: every ordered pair pings within 20 s of the start and at the end;
# the NATed pairs report `relay node1` (no direct path exists, so a
# `direct` would be a lie); the undeclared-unreachable rule.
set -euo pipefail
NAT_TOPO=symmetric
. "$(dirname "$0")/lib.sh"

nat_internet 3
nat_site 1 1 random
nat_site 2 2 random
nat_site 3 3 random
pub_node 1 2
nat_node 2 1
nat_node 3 2
nat_node 4 3
relay=(); meshd_has --relay && relay=(--relay) || log "meshd has no --relay: the NATed pairs cannot be relayed"
SEED=1
nat_measure
nat_start 1 "${relay[@]}"
for n in 2 3 4; do nat_start "$n"; done
nat_wait "${NAT_SECONDS:-45}"
exp=()
for a in 2 3 4; do for b in 2 3 4; do [ "$a" = "$b" ] || exp+=(--expect "$a>$b=relay:node1"); done; done
nat_analyze --bar-all-ping 20 --need-end "${exp[@]}"
nat_finish
