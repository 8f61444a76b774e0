#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Item 3, reflection. A key holder joins with a signed record whose
# endpoint (and so its member address) is a sink the test owns, seeds 63
# maximum-size records of identities it made (so pushes are heavy), then
# sends 800 sync requests round-robin to the 4 members: empty root
# listings, all-empty root digests, differing summaries and want lists.
# The sink never answers, so it never proves it asked.
# Bar: bytes arriving at the sink <= 1.0 x all bytes the attacker sent
# (seeding included), counted as UDP payload on both sides.
set -euo pipefail
ADV_ITEM=3
. "$(dirname "$0")/lib.sh"

adv_mesh 1 2 3 4
adv_ns 200
adv_ns 201
sink="$(under_of 201):51821"
ip netns exec "$(ns_of 201)" "$ATT" sink --bind "$sink" --seconds 14 --name reflection \
	> "$E2E_DIR/sink.out" 2>&1 &
sink_pid=$!
sleep 0.5
att 200 reflect --key "$E2E_DIR/net.key" --bind "$(under_of 200):0" --sink "$sink" \
	--prefix "$PREFIX" --count 800 \
	--node "$(gossip_of 1)" --node "$(gossip_of 2)" --node "$(gossip_of 3)" --node "$(gossip_of 4)" \
	| tee "$E2E_DIR/reflect.out"
wait "$sink_pid" || die "sink failed: $(cat "$E2E_DIR/sink.out")"
cat "$E2E_DIR/sink.out"
adv_result_raw "$(sed -n 's/^ADVERSARY //p' "$E2E_DIR/sink.out")"
sent=$(sed -n 's/.*attacker_bytes=\([0-9]*\).*/\1/p' "$E2E_DIR/reflect.out")
got=$(sed -n 's/.*sink_bytes=\([0-9]*\).*/\1/p' "$E2E_DIR/sink.out")
[ -n "$sent" ] && [ "$sent" -gt 0 ] && [ -n "$got" ] || die "no figures from the attacker or the sink"
ratio=$(awk -v a="$got" -v b="$sent" 'BEGIN { printf "%.2f", a / b }')
awk -v a="$got" -v b="$sent" 'BEGIN { exit !(a <= b) }' ||
	adv_violation "reflection ratio $ratio > 1.0: the sink got $got bytes for the attacker's $sent"
adv_result "attack=reflection requests=800 ratio=$ratio sink_bytes=$got attacker_bytes=$sent"
adv_finish
