#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Item 5, JOIN_ACK spoofing. node2 starts without --endpoint (it learns its
# endpoint from the `observed` field of a JOIN_ACK) and joins through
# node1, whose agent is not started yet, so node2 keeps joining. A key
# holder sends node2 100 JOIN_ACKs with attacker-chosen `observed`
# addresses (10.66.x.y), guessed seqs, its own signed record or none.
# Then node1 starts and node2 joins for real.
# Bar: 0 of 100 succeed. Success = node2 advertises a 10.66.x.y endpoint
# (its own view or node1's, at any poll, during the attack or after the
# real join), or node2 reports itself joined before node1 was started.
# Control: node2 then joins within 30 s and advertises 10.77.0.2:51820.
set -euo pipefail
ADV_ITEM=5
. "$(dirname "$0")/lib.sh"
NO_ENDPOINT=" 2 "

SEED_UP=0
check() {  # check VIEWER
	local v=$1 j st
	j=$(e2e_members_json "$v")
	[ -n "$j" ] && jq -r --arg v "$v" '.members[] | select(.name == "node2" and (.endpoint | startswith("10.66.")))
		| "node\($v) shows node2 advertising the attacker-chosen \(.endpoint)"' <<<"$j"
	if [ "$v" = 2 ] && [ ! -e "$E2E_DIR/seed-up" ]; then
		st=$("$BIN/meshctl" --socket "$(sock_of 2)" status --json 2>/dev/null) || return 0
		jq -r 'select(.joined == true) | "node2 reports itself joined while its seed is down"' <<<"$st"
	fi
}

e2e_underlay
e2e_node_ns 1
e2e_node_ns 2
adv_ns 200
adv_start 2 --join "$(gossip_of 1)"
wait_until 10 "node2 control socket" test -S "$(sock_of 2)"
log "node2 joining (seed down); endpoint before: $(member_field 2 node2 endpoint)"
adv_watch check 1 2
att 200 joinack --key "$E2E_DIR/net.key" --bind "$(under_of 200):51821" \
	--target "$(gossip_of 2)" --count 100 --interval-ms 50
sleep 1
touch "$E2E_DIR/seed-up"
adv_start 1
# Control, and a bar of its own: a spoof must not cost the real join.
join_ms=$(within 30 all_alive 1 2 -- node1 node2) ||
	adv_violation "node2 did not join through node1 within 30 s of node1's start"
sleep 3
adv_watch_stop
adv_watch_report "a spoofed JOIN_ACK was taken"
ep=$(member_field 1 node2 endpoint)
[ "$ep" = "$(under_of 2):51820" ] ||
	adv_violation "control: after the real join node1 shows node2 at $ep, not $(under_of 2):51820"
adv_result "attack=joinack_spoof spoofs=100 polls=$WATCH_POLLS violating_observations=$WATCH_BAD endpoint_after_join=$ep join_ms=$join_ms succeeded=$([ "$WATCH_BAD" -eq 0 ] && echo 0 || echo 1)"
adv_finish
