#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Item 4 in tunnel mode (wireguard-go). As t4_sybil.sh, but the agents
# gossip through WireGuard and every made-up identity pins its own
# overlay address inside the mesh prefix (sybil --prefix), so each one is
# a WireGuard peer the agents could send to, and its endpoint is a sink
# (10.77.0.201:51821) that counts what WireGuard sends there (handshake
# initiations, 148 bytes each).
# Bars: nodes 1-3 all mark node4 (kill -9) failed within 10 s; all list
# node5 alive within 5 s of its start; each victim agent's RSS stays under
#   its RSS before the flood + 4096 (--max-members) x (4 KiB + 4 KiB),
# t4's 4 KiB per member plus the WireGuard peer the agent mirrors for it
# (a struct wgctl_peer is 1,376 bytes and an apply holds up to three: the
# device cache, the desired set, a refresh's dump; ADV_PEER_MIRROR_KB=0
# gives t4's bound); the outside-prefix record is listed nowhere;
# `meshctl members` answers.
# Reported, not bars: wireguard-go's RSS, the WireGuard peers the agents
# programmed, and the bytes WireGuard sent to the made-up endpoints.
set -euo pipefail
ADV_ITEM=4b
. "$(dirname "$0")/lib.sh"
BACKEND=userspace
MAX_MEMBERS=4096 PER_MEMBER_KB=4 PEER_MIRROR_KB=${ADV_PEER_MIRROR_KB:-4} SINK_S=${ADV_SINK_S:-50}

adv_mesh 1 2 3 4
base=0 wg_base=0
for v in 1 2 3; do
	r=$(rss_kb "${MESHD_PID[$v]}"); [ "$r" -gt "$base" ] && base=$r
	r=$(rss_kb "${WG_PID[$v]}"); [ "$r" -gt "$wg_base" ] && wg_base=$r
done
bound=$((base + MAX_MEMBERS * (PER_MEMBER_KB + PEER_MIRROR_KB)))
log "RSS before the flood: meshd max $base kB (bound $bound kB), wireguard-go max $wg_base kB"
adv_ns 200
adv_ns 201
att 201 sink --bind "$(under_of 201):51821" --seconds "$SINK_S" --name sybil-endpoints &
sink_pid=$!
sleep 0.5
declare -A CPU0 WCPU0
for v in 1 2 3; do CPU0[$v]=$(cpu_ticks "${MESHD_PID[$v]}"); WCPU0[$v]=$(cpu_ticks "${WG_PID[$v]}"); done
t_cpu=$(now_ms)
att 200 sybil --key "$E2E_DIR/net.key" --bind "$(under_of 200):0" --count 100000 --rate "${ADV_SYBIL_RATE:-1000}" \
	--endpoint "$(under_of 201):51821" --prefix "$PREFIX" --outside 10.99.0.1/16 \
	--node "$(gossip_of 1)" --node "$(gossip_of 2)" --node "$(gossip_of 3)" --node "$(gossip_of 4)"

t_kill=$(now_ms)
kill -9 "${MESHD_PID[4]}"; wait "${MESHD_PID[4]}" 2>/dev/null || true; unset 'MESHD_PID[4]'
# Waits past each bar (30 s, 15 s) so a miss still gives its figure.
detect_ms=$(reached_ms 30 "$t_kill" failed node4 1 2 3) || true
if [ "$detect_ms" = timeout ] || [ "$detect_ms" -gt 10000 ]; then
	adv_violation "a real kill -9 (node4) was not marked failed by nodes 1-3 within 10 s (took $detect_ms ms; node1: $(status_fast 1 node4), node2: $(status_fast 2 node4), node3: $(status_fast 3 node4))"
fi
e2e_node_ns 5
t_start=$(now_ms)
adv_start 5 --join "$(gossip_of 1)"
join_ms=$(reached_ms 15 "$t_start" alive node5 1 2 3) || true
if [ "$join_ms" = timeout ] || [ "$join_ms" -gt 5000 ]; then
	adv_violation "a real join (node5) did not reach nodes 1-3 within 5 s (took $join_ms ms; node1: $(status_fast 1 node5), node2: $(status_fast 2 node5), node3: $(status_fast 3 node5))"
fi

rss_max=0 wg_max=0 members_max=0 peers_max=0 cpu_max=0 wcpu_max=0
el=$(( $(now_ms) - t_cpu ))
for v in 1 2 3; do
	c=$(( ($(cpu_ticks "${MESHD_PID[$v]}") - CPU0[$v]) * 100000000 / CLK_TCK / el ))
	[ "$c" -gt "$cpu_max" ] && cpu_max=$c
	c=$(( ($(cpu_ticks "${WG_PID[$v]}") - WCPU0[$v]) * 100000000 / CLK_TCK / el ))
	[ "$c" -gt "$wcpu_max" ] && wcpu_max=$c
	r=$(rss_kb "${MESHD_PID[$v]}")
	[ "$r" -gt "$rss_max" ] && rss_max=$r
	[ "$r" -le "$bound" ] || adv_violation "node$v RSS $r kB > bound $bound kB"
	r=$(rss_kb "${WG_PID[$v]}"); [ "$r" -gt "$wg_max" ] && wg_max=$r
	p=$(e2e_wg_peers "$v"); [ "$p" -gt "$peers_max" ] && peers_max=$p
	out=$("$BIN/meshctl" --socket "$(sock_of "$v")" members --json 2>&1) ||
		adv_violation "meshctl members failed on node$v: $(head -c 200 <<<"$out")"
	n=$(grep -o '"name":' <<<"$out" | wc -l)
	[ "$n" -gt "$members_max" ] && members_max=$n
	! grep -q '"name":"adv-outside"' <<<"$out" ||
		adv_violation "node$v lists a record pinning 10.99.0.1/16, outside the mesh prefix $PREFIX"
done
log "waiting for the sink (${SINK_S} s from the flood's start)"
wait "$sink_pid"
sink=$(grep -h 'label=sybil-endpoints' "$E2E_DIR"/att-sink-*.out | tail -n 1)
sink_bytes=$(sed -n 's/.*sink_bytes=\([0-9]*\).*/\1/p' <<<"$sink")
sink_dgrams=$(sed -n 's/.*sink_datagrams=\([0-9]*\).*/\1/p' <<<"$sink")
adv_result "attack=sybil_tunnel identities=100000 detect_ms=$detect_ms join_ms=$join_ms rss_max_kb=$rss_max rss_bound_kb=$bound rss_before_kb=$base wireguard_go_rss_max_kb=$wg_max wireguard_go_rss_before_kb=$wg_base meshd_cpu_pct_max=$((cpu_max / 1000)).$((cpu_max % 1000 / 100)) wireguard_go_cpu_pct_max=$((wcpu_max / 1000)).$((wcpu_max % 1000 / 100)) cpu_seconds=$((el / 1000)) wg_peers_max=$peers_max members_max=$members_max endpoint_sink_bytes=${sink_bytes:-0} endpoint_sink_datagrams=${sink_dgrams:-0} sink_seconds=$SINK_S"
adv_finish
