# SPDX-License-Identifier: MIT
# Scenarios 2-6 of e2e.sh; they build on the mesh scenario 1 leaves.

CAPTURE_PIDS=()

drop_live() {  # drop_live N: remove N from LIVE
	local keep=() x
	for x in "${LIVE[@]}"; do [ "$x" = "$1" ] || keep+=("$x"); done
	LIVE=("${keep[@]}")
}

pubkey_of() {  # pubkey_of VIEWER NAME
	e2e_members_json "$1" | jq -r --arg n "$2" '.members[] | select(.name == $n) | .public_key'
}

all_see() {  # all_see STATUS NAME: every live node reports NAME with STATUS
	local a
	for a in "${LIVE[@]}"; do
		[ "$(e2e_status_of "$a" "$2")" = "$1" ] || return 1
	done
}

has_peer() {  # has_peer NODE PUBKEY
	ip netns exec "$(ns_of "$1")" wg show "$(if_of "$1")" peers | grep -qxF "$2"
}

nobody_has_peer() {
	local a
	for a in "${LIVE[@]}"; do ! has_peer "$a" "$1" || return 1; done
}

scenario2() {
	# Record node 2's incoming gossip from now on: scenario 6 replays it.
	ip netns exec "$(ns_of 2)" python3 "$here/capture.py" "$(if_of 2)" 51821 40 \
		"$E2E_DIR/captured-tunnel.hex" 2>/dev/null &
	CAPTURE_PIDS+=($!)
	ip netns exec "$(ns_of 2)" python3 "$here/capture.py" eth0 51821 40 \
		"$E2E_DIR/captured-underlay.hex" 2>/dev/null &
	CAPTURE_PIDS+=($!)
	e2e_node_ns 9
	e2e_node_ns 10
	e2e_start 9 --join "$(under_of 5):51821"
	LIVE+=(9)
	wait_until 30 "node 9 in the mesh" mesh_ok
	kill -9 "${MESHD_PID[1]}"; wait "${MESHD_PID[1]}" 2>/dev/null || true; unset 'MESHD_PID[1]'
	kill "${WG_PID[1]}" 2>/dev/null || true; unset 'WG_PID[1]'
	ip netns del "$(ns_of 1)"
	drop_live 1
	e2e_start 10 --join "$(under_of 2):51821"
	LIVE+=(10)
	wait_until 60 "full mesh among 2-10 after node 1 died" mesh_ok
	wait_until 30 "node 1 marked failed" all_see failed node1
	log "scenario 2 ok: nodes 9 and 10 joined through 5 and 2, node 1 failed, mesh of ${#LIVE[@]}"
}

scenario3() {
	local key_before; key_before=$(pubkey_of 3 node3)
	local t0; t0=$(now_ms)
	kill -9 "${MESHD_PID[3]}"; wait "${MESHD_PID[3]}" 2>/dev/null || true; unset 'MESHD_PID[3]'
	drop_live 3
	# The data plane outlives the control plane.
	e2e_ping 3 5 || die "node 3's tunnel stopped carrying traffic after its agent died"
	e2e_ping 7 3 || die "traffic to node 3 stopped after its agent died"
	wait_until 30 "node 3 marked failed by all" all_see failed node3
	S3_DETECT_MS=$(( $(now_ms) - t0 ))
	log "scenario 3: every live node marked node 3 failed after ${S3_DETECT_MS} ms"
	e2e_ping 3 5 || die "node 3's tunnel dropped while it was failed (grace period)"
	e2e_start 3        # no seed: rejoins through remembered members
	LIVE+=(3)
	wait_until 30 "node 3 alive again everywhere" all_see alive node3
	wait_until 30 "full mesh with node 3 back" mesh_ok
	local key_after; key_after=$(pubkey_of 5 node3)
	[ "$key_before" = "$key_after" ] || die "node 3 came back with another key"
	local ip; ip=$(e2e_members_json 5 | jq -r '.members[] | select(.name=="node3") | .overlay_ip')
	[ "${ip%/*}" = "$(over_of 3)" ] || die "node 3 came back with address $ip"
	log "scenario 3 ok: detected in ${S3_DETECT_MS} ms, back with the same key and address"
}

scenario4() {
	local key; key=$(pubkey_of 2 node4)
	"$BIN/meshctl" --socket "$(sock_of 4)" leave || die "meshctl leave failed"
	drop_live 4
	wait_until 20 "node 4 shown left" all_see left node4
	wait_until 20 "node 4's peer dropped" nobody_has_peer "$key"
	log "scenario 4 ok: node 4 left and its peer is gone everywhere"
}

endpoint_everywhere() {  # endpoint_everywhere NAME HOST:PORT
	local a
	for a in "${LIVE[@]}"; do
		[ "$a" = 6 ] && continue
		[ "$(e2e_members_json "$a" | jq -r --arg n "$1" '.members[] | select(.name==$n) | .endpoint')" = "$2" ] || return 1
		ip netns exec "$(ns_of "$a")" wg show "$(if_of "$a")" endpoints | grep -qF "$2" || return 1
	done
}

scenario5() {
	local ns; ns=$(ns_of 6)
	kill -TERM "${MESHD_PID[6]}"; wait "${MESHD_PID[6]}" 2>/dev/null || true; unset 'MESHD_PID[6]'
	ip -n "$ns" addr del "$(under_of 6)/24" dev eth0
	ip -n "$ns" addr add 10.77.0.106/24 dev eth0
	e2e_start 6 --endpoint 10.77.0.106:51820
	wait_until 30 "new endpoint of node 6 everywhere" endpoint_everywhere node6 10.77.0.106:51820
	wait_until 30 "mesh after node 6 moved" mesh_ok
	log "scenario 5 ok: node 6's new underlay endpoint reached every node"
}

snapshot() {  # what hostile input must not change, as node N sees it
	# A dead node's suspect -> failed is its own course, not the input's:
	# only the live nodes' statuses are compared.
	local live; live=$(printf '"node%s",' "${LIVE[@]}")
	e2e_members_json "$1" | jq -c --argjson live "[${live%,}]" '[.members[] | select(.name | startswith("node"))
		| {name, public_key, overlay_ip, endpoint,
		   status: (if (.name as $x | $live | index($x)) or .status == "left" then .status else "gone" end)}]
		| sort_by(.name)'
	# An intruder holding the network key may appear as a member of its
	# own, but the nodes' records and the kernel's allowed IPs must not move.
	ip netns exec "$(ns_of "$1")" wg show "$(if_of "$1")" allowed-ips | sort
}

refused_at_least() {  # refused_at_least N COUNT: node N's refusal counters sum >= COUNT
	local v; v=$(e2e_metric_sum "$1" meshd_refused_datagrams_total)
	[ "$v" -ge "$2" ]
}

scenario6() {
	local p a
	for p in "${CAPTURE_PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
	local inj=$BUILD_DIR/tests/e2e/meshd-inject
	declare -A before
	# Every node's view: hostile input aimed at node 2 must not move any.
	for a in "${LIVE[@]}"; do before[$a]=$(snapshot "$a"); done
	local r0; r0=$(e2e_metric_sum 2 meshd_refused_datagrams_total)
	[ "$r0" -ge 0 ] || die "node 2's metrics are unreadable: cannot prove the hostile datagrams arrived"
	local target; target="$(under_of 2):51821"
	local src; src=$(ns_of 7)
	ip netns exec "$src" "$inj" random "$target" 500
	ip netns exec "$src" "$inj" random "$(over_of 2):51821" 500
	ip netns exec "$src" "$inj" wrongkey "$target" 50
	ip netns exec "$src" "$inj" claim "$target" "$E2E_DIR/net.key" "$(over_of 5)/16"
	ip netns exec "$src" "$inj" claim "$(over_of 2):51821" "$E2E_DIR/net.key" "$(over_of 5)/16"
	ip netns exec "$src" "$inj" forged "$target" "$E2E_DIR/net.key" "$(over_of 5)/16"
	# Real datagrams captured during scenarios 2-5, replayed: old records,
	# old pings, old joins.
	local n_tun n_und
	n_tun=$(wc -l < "$E2E_DIR/captured-tunnel.hex"); n_und=$(wc -l < "$E2E_DIR/captured-underlay.hex")
	[ "$n_tun" -gt 0 ] || die "captured no tunnel datagrams to replay"
	ip netns exec "$src" python3 "$here/sendudp.py" "$(over_of 2):51821" "$E2E_DIR/captured-tunnel.hex"
	ip netns exec "$src" python3 "$here/sendudp.py" "$target" "$E2E_DIR/captured-underlay.hex"
	# First prove the hostile datagrams arrived: node 2 refused (at least)
	# the 1,050 random and wrong-key ones, minus a margin for what the
	# socket buffer may drop in a burst. Only then is "nothing changed" worth anything.
	local want=$(( r0 + 1050 * 9 / 10 ))
	wait_until 20 "node 2 refused the hostile datagrams (refusal counters from $r0 to >= $want)" \
		refused_at_least 2 "$want"
	local r1; r1=$(e2e_metric_sum 2 meshd_refused_datagrams_total)
	sleep 2   # what was accepted has had time to spread
	for a in "${LIVE[@]}"; do kill -0 "${MESHD_PID[$a]}" || die "agent of node $a died under hostile input"; done
	local after
	for a in "${LIVE[@]}"; do
		after=$(snapshot "$a")
		if [ "${before[$a]}" != "$after" ]; then
			diff <(echo "${before[$a]}") <(echo "$after") || true
			die "hostile input changed membership or kernel peers on node $a"
		fi
	done
	mesh_ok || die "mesh broken after hostile input"
	log "scenario 6 ok: node 2 refused $((r1 - r0)) datagrams; $n_tun tunnel + $n_und underlay datagrams replayed, 1000 random, 50 wrong-key, address claims and a forged record: nothing changed on any of ${#LIVE[@]} nodes"
}
