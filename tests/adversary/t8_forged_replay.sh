#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Item 8, answers to a forged source.
#  a) A passive outsider (no key) taps node1's link while node2 and node3
#     join and probe, keeps sealed PINGs and JOINs addressed to node1
#     (which are which is told by the test's oracle, `classify`, holding
#     the key; the outsider only replays bytes), and replays each 100
#     times from an address it owns (10.77.0.201, a forged source).
#  b) A key holder, a member, sends 100 PING_REQs naming node3 as target
#     but a sink the test owns as target_addr.
# Bars: 0 datagrams arrive at the forged source; 0 at the sink.
# Discovery-only agents (--backend none): probes then travel on the
# underlay where an outsider can see them; with WireGuard they are inside
# the tunnel and only JOINs are exposed.
set -euo pipefail
ADV_ITEM=8
. "$(dirname "$0")/lib.sh"
BACKEND=none

e2e_underlay
for n in 1 2 3; do e2e_node_ns "$n"; done
adv_start 1
wait_until 10 "node1 control socket" test -S "$(sock_of 1)"
ip netns exec "$(ns_of 1)" python3 "$ADV_HERE/capture.py" eth0 "$(under_of 1)" 51821 8 \
	"$E2E_DIR/tap.hex" &
tap=$!
wait_until 10 "the tap listening" test -e "$E2E_DIR/tap.hex"   # created once bound
adv_start 2 --join "$(gossip_of 1)"
adv_start 3 --join "$(gossip_of 1)"
wait_until 30 "mesh of 3" all_alive 1 2 3 -- node1 node2 node3
wait "$tap"
# Whole lists first, then the first 5: `classify | head` kills classify
# with SIGPIPE once it has more than head reads, and under pipefail and
# set -e that ended the test without a word (seen once, 86 datagrams tapped).
for kind in PING JOIN; do
	"$ATT" classify --key "$E2E_DIR/net.key" --file "$E2E_DIR/tap.hex" --name "$kind" > "$E2E_DIR/all-$kind.hex"
done
head -n 5 "$E2E_DIR/all-PING.hex" > "$E2E_DIR/pings.hex"
head -n 5 "$E2E_DIR/all-JOIN.hex" > "$E2E_DIR/joins.hex"
n_ping=$(wc -l < "$E2E_DIR/pings.hex") n_join=$(wc -l < "$E2E_DIR/joins.hex")
log "tapped $(wc -l < "$E2E_DIR/tap.hex") datagrams to node1: $n_ping PINGs and $n_join JOINs kept"
[ "$n_ping" -gt 0 ] && [ "$n_join" -gt 0 ] || die "the tap caught no PING or no JOIN to replay"

adv_ns 200 10.77.0.201
total=0
for kind in pings joins; do
	out=$(att 200 replay --bind 10.77.0.201:40000 --target "$(gossip_of 1)" \
		--file "$E2E_DIR/$kind.hex" --count 100 --seconds 2 --name "$kind")
	echo "$out"
	got=$(sed -n 's/.*answers=\([0-9]*\).*/\1/p' <<<"$out")
	[ -n "$got" ] || die "no figures from the replay"
	[ "$got" -eq 0 ] || adv_violation "replayed $kind from a forged source drew $got answers there"
	eval "answers_$kind=$got"
done

# b) PING_REQ naming an address.
adv_ns 202
adv_ns 203
ip netns exec "$(ns_of 203)" "$ATT" sink --bind "$(under_of 203):51821" --seconds 12 --name pingreq \
	> "$E2E_DIR/sink.out" 2>&1 &
sink=$!
sleep 0.3
att 202 pingreq --key "$E2E_DIR/net.key" --bind "$(under_of 202):51821" \
	--node "$(gossip_of 1)" --node "$(gossip_of 2)" --victim-id "$(member_field 1 node3 id)" \
	--sink "$(under_of 203):51821" --count 100
wait "$sink" || die "sink failed"
cat "$E2E_DIR/sink.out"
adv_result_raw "$(sed -n 's/^ADVERSARY //p' "$E2E_DIR/sink.out")"
at_sink=$(sed -n 's/.*sink_datagrams=\([0-9]*\).*/\1/p' "$E2E_DIR/sink.out")
[ -n "$at_sink" ] || die "no figures from the sink"
[ "$at_sink" -eq 0 ] || adv_violation "PING_REQs naming a sink as target_addr drew $at_sink datagrams there"
adv_result "attack=forged_replay ping_replays=$((n_ping * 100)) ping_answers=$answers_pings join_replays=$((n_join * 100)) join_answers=$answers_joins pingreq_attempts=100 pingreq_datagrams_at_sink=$at_sink"
adv_finish
