#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Item 2, overlay address theft.
#  A: node2 pins its address. A thief agent pins the same address (it is
#     flagged conflict), then a key holder sends 100 rounds of FAILED /
#     SUSPECT rumours about node2 (the eviction attack's variants).
#  B: node3 derives its address from its key. It restarts (same state
#     dir, no --join) 5 times (ADV_RESTARTS); after each restart the
#     attacker's `claim` makes 20 attempts (ADV_CLAIMS) at 0.2 .. 12 s:
#     each a fresh identity ground to sort below node3's, pinning node3's
#     address, JOINing through every node (node3 included) and answering
#     PINGs for every identity of the run. 10 s after the first restart a
#     real agent with a ground key also pins node3's address, and stays.
# Bar: 0 of the attempts succeed (100 rumour rounds in A; 100 claims and
# the agent in B). Success = at any poll, any honest node's WireGuard
# routes an owner's address to another key, or any node (the owner
# included) shows the owner at another address.
set -euo pipefail
ADV_ITEM=2
. "$(dirname "$0")/lib.sh"
DERIVED=" 3 "
declare -A OWNER_IP OWNER_KEY

check() {  # check VIEWER
	local v=$1 j o
	j=$(e2e_members_json "$v")
	for o in $OWNERS; do
		[ -n "$j" ] && jq -r --arg v "$v" --arg o "$o" --arg ip "${OWNER_IP[$o]}" \
			'.members[] | select(.name == $o and .overlay_ip != $ip)
			| "node\($v) shows \($o) at \(.overlay_ip), not \($ip)"' <<<"$j"
		[ "$v" = "${o#node}" ] && continue
		ip netns exec "$(ns_of "$v")" wg show "$(if_of "$v")" allowed-ips 2>/dev/null |
			awk -v ip="${OWNER_IP[$o]}/32" -v owner="${OWNER_KEY[$o]}" -v v="$v" \
			'$1 != owner { for (i = 2; i <= NF; i++) if ($i == ip) print "node" v " WireGuard routes " ip " to " $1 }'
	done
}

listed() { [ -n "$(member_field "$1" "$2" id)" ]; }

adv_mesh 1 2 3 4
for o in node2 node3; do
	OWNER_IP[$o]=$(member_field 1 "$o" overlay_ip)
	OWNER_KEY[$o]=$(member_field 1 "$o" public_key)
	log "owner $o: ${OWNER_IP[$o]} key ${OWNER_KEY[$o]}"
done

# A: a pinned thief, then rumours.
e2e_node_ns 5
adv_start 5 --join "$(gossip_of 1)" --address "${OWNER_IP[node2]}/16" --name thief1
wait_until 20 "thief1 listed by node1" listed 1 thief1
sleep 1
log "thief1 $(member_field 1 thief1 public_key) listed: conflict=$(member_field 1 thief1 conflict)"
OWNERS=node2
adv_watch check 1 2 3 4
adv_ns 200
att 200 evict --key "$E2E_DIR/net.key" --bind "$(under_of 200):51821" \
	--node "$(gossip_of 1)" --node "$(gossip_of 2)" --node "$(gossip_of 3)" --node "$(gossip_of 4)" \
	--victim-id "$(member_field 1 node2 id)" --count 100 --interval-ms 50 --name adv-theft
sleep 3
adv_watch_stop
bad_a=$WATCH_BAD polls_a=$WATCH_POLLS
adv_watch_report "A (pinned thief + rumours): node2's address was taken"

# B: restart a derived owner, again and again; fresh ground claims from
# its first moments back; a ground-key agent 10 s after the first restart.
RESTARTS=${ADV_RESTARTS:-5} CLAIMS=${ADV_CLAIMS:-20}
OWNERS=node3
victim3=$(member_field 1 node3 id)
e2e_node_ns 6
ground=$("$ATT" lowkey --file "$E2E_DIR/n6/identity.key" --victim-id "$victim3")
log "thief2 ground key: $ground"
adv_watch check 1 2 3 4
t_b=$SECONDS
for r in $(seq 1 "$RESTARTS"); do
	kill -TERM "${MESHD_PID[3]}"; wait "${MESHD_PID[3]}" 2>/dev/null || true
	adv_start 3
	t_restart=$SECONDS
	# 20 claims at 0.2 s, 0.82 s, ... 11.98 s after the restart.
	att 200 claim --key "$E2E_DIR/net.key" --bind "$(under_of 200):51821" \
		--node "$(gossip_of 1)" --node "$(gossip_of 2)" --node "$(gossip_of 3)" --node "$(gossip_of 4)" \
		--victim-id "$victim3" --address "${OWNER_IP[node3]}/16" \
		--count "$CLAIMS" --delay-ms 200 --interval-ms 620 --name "claim$r" &
	claim_pid=$!
	wait_until 15 "node3 back" test -S "$(sock_of 3)"
	if [ "$r" -eq 1 ]; then
		while [ $((SECONDS - t_restart)) -lt 10 ]; do sleep 0.2; done
		adv_start 6 --join "$(gossip_of 1)" --address "${OWNER_IP[node3]}/16" --name thief2
	fi
	wait "$claim_pid"
	[ "$r" -ne 1 ] || wait_until 20 "thief2 listed by node1" listed 1 thief2
done
sleep 5
adv_watch_stop
log "B took $((SECONDS - t_b)) s"
adv_watch_report "B (owner restarts + ground-key claims + a ground-key agent): node3's address was taken"
adv_result "attack=address_theft rumour_attempts=100 restart_claims=$((RESTARTS * CLAIMS)) restarts=$RESTARTS restart_agent_attempts=1 polls=$((polls_a + WATCH_POLLS)) violating_observations_a=$bad_a violating_observations_b=$WATCH_BAD succeeded=$([ $((bad_a + WATCH_BAD)) -eq 0 ] && echo 0 || echo 1)"
adv_finish
