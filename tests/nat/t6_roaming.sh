#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Topology 6: a NATed node moves to another site (a new LAN address
# behind another NAT, so a new public address), as a laptop does. Public
# seed (relay when meshd has --relay) and three port-preserving sites,
# each on its own internet router; node 2 starts at site 1, node 3 at
# site 2; once the mesh is up node 2 moves to site 3.
# Bars: every ordered pair pings within 20 s of the start; every pair of
# node 2 pings again within 30 s of the move and at the end; the rule.
set -euo pipefail
NAT_TOPO=roaming
. "$(dirname "$0")/lib.sh"

nat_internet 4
nat_site 1 1 pp
nat_site 2 3 pp
nat_site 3 4 pp
pub_node 1 2
nat_node 2 1
nat_node 3 2
relay=(); meshd_has --relay && relay=(--relay)
SEED=1
nat_measure
nat_start 1 "${relay[@]}"
for n in 2 3; do nat_start "$n"; done
nat_wait "${NAT_SETTLE:-30}"
nat_move 2 3
nat_wait "${NAT_SECONDS:-45}"
nat_analyze --bar-all-ping 20 --need-end --bar-event move2=30
nat_finish
