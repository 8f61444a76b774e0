#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Topology 1: one public node (the seed, a relay when meshd has --relay)
# and three sites behind port-preserving NAT (nftables `masquerade`), each
# site on its own internet router. All four start together, the NATed
# ones as the README tells a new user: `--join SEED`, no --endpoint.
# Bars: every ordered pair pings within 20 s of the start and still does
# at the end; every side reports a path (direct or relay) for every
# other; the undeclared-unreachable rule. Reported: NATed pairs direct.
set -euo pipefail
NAT_TOPO=port_preserving
. "$(dirname "$0")/lib.sh"

nat_internet 3
nat_site 1 1 pp
nat_site 2 2 pp
nat_site 3 3 pp
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
nat_analyze --bar-all-ping 20 --need-end
nat_finish
