#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Topology 3: two nodes behind one NAT (same LAN, same WireGuard port, so
# they collide on the outside; many NATs do not hairpin) plus a public
# seed. Bars: every ordered pair pings within 20 s and at the end; the
# two LAN nodes report a direct path over their LAN addresses
# (192.168.1.x); the undeclared-unreachable rule.
set -euo pipefail
NAT_TOPO=same_nat
. "$(dirname "$0")/lib.sh"

nat_internet 2
nat_site 1 1 pp
pub_node 1 2
nat_node 2 1
nat_node 3 1
relay=(); meshd_has --relay && relay=(--relay)
SEED=1
nat_measure
nat_start 1 "${relay[@]}"
for n in 2 3; do nat_start "$n"; done
nat_wait "${NAT_SECONDS:-40}"
nat_analyze --bar-all-ping 20 --need-end \
	--expect '2>3=direct:^\[?192\.168\.1\.' --expect '3>2=direct:^\[?192\.168\.1\.'
nat_finish
