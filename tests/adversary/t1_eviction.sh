#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Item 1, eviction by rumour. A key holder (a member of its own) sends
# node2's agent a SUSPECT rumour at the edge of the version space (so it
# refutes there), FAILED at that version to another node, and FAILED /
# SUSPECT at node2's current version from forged origins to every node:
# 100 attempts with varied versions, targets and origins.
# Bar: 0 of 100 succeed. Success = any honest node (1, 3, 4) shows node2
# failed or missing at any poll (every ~100-200 ms) during the attack and
# 10 s after, or any node (node2 included) holds node2's record above
# version 2^62.
set -euo pipefail
ADV_ITEM=1
. "$(dirname "$0")/lib.sh"

check() {  # check VIEWER
	e2e_members_json "$1" | jq -r --arg v "$1" '[.members[] | select(.name == "node2")] as $m
		| if ($m | length) == 0 then (if $v != "2" then "node\($v) does not list node2" else empty end)
		  elif ($v != "2" and $m[0].status == "failed") then "node\($v) shows node2 failed"
		  elif ($m[0].version > 4611686018427387904) then "node\($v) holds node2 at version \($m[0].version) > 2^62"
		  else empty end'
}

adv_mesh 1 2 3 4
victim=$(member_field 1 node2 id)
adv_ns 200
adv_watch check 1 2 3 4
att 200 evict --key "$E2E_DIR/net.key" --bind "$(under_of 200):51821" \
	--node "$(gossip_of 1)" --node "$(gossip_of 2)" --node "$(gossip_of 3)" --node "$(gossip_of 4)" \
	--victim-id "$victim" --count 100 --interval-ms 80
log "attack done; watching 10 s more"
sleep 10
adv_watch_stop
[ "$WATCH_POLLS" -ge 100 ] || adv_violation "only $WATCH_POLLS polls of the members: the watch did not run"
adv_watch_report "node2 was evicted"
adv_result "attack=eviction attempts=100 polls=$WATCH_POLLS violating_observations=$WATCH_BAD succeeded=$([ "$WATCH_BAD" -eq 0 ] && echo 0 || echo 1)"
adv_finish
