#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Item 4, Sybil flood. A key holder makes 100,000 identities up front and
# offers their signed records as fast as it can, 8 per datagram,
# round-robin to the 4 members; plus one record pinning an address
# outside the mesh prefix. Then node4 is killed with -9 and node5 joins.
# Bars: nodes 1-3 all mark node4 failed within 10 s; all list node5 alive
# within 5 s of its start; each victim's RSS stays under
#   RSS before the flood + 4096 members (the default --max-members) x 4 KiB;
# the outside-prefix record is listed nowhere; `meshctl members` answers.
# Discovery-only agents (--backend none): the fakes would otherwise also
# become wireguard-go peers, which measures wireguard-go, not meshd.
set -euo pipefail
ADV_ITEM=4
. "$(dirname "$0")/lib.sh"
BACKEND=none
MAX_MEMBERS=4096 PER_MEMBER_KB=4

adv_mesh 1 2 3 4
base=0
for v in 1 2 3; do r=$(rss_kb "${MESHD_PID[$v]}"); [ "$r" -gt "$base" ] && base=$r; done
bound=$((base + MAX_MEMBERS * PER_MEMBER_KB))
log "RSS before the flood: max $base kB; bound $bound kB"
adv_ns 200
att 200 sybil --key "$E2E_DIR/net.key" --bind "$(under_of 200):0" --count 100000 --rate "${ADV_SYBIL_RATE:-1000}" \
	--endpoint 10.77.0.250:51821 --outside 10.99.0.1/16 \
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

rss_max=0 members_max=0
for v in 1 2 3; do
	r=$(rss_kb "${MESHD_PID[$v]}")
	[ "$r" -gt "$rss_max" ] && rss_max=$r
	[ "$r" -le "$bound" ] || adv_violation "node$v RSS $r kB > bound $bound kB"
	out=$("$BIN/meshctl" --socket "$(sock_of "$v")" members --json 2>&1) ||
		adv_violation "meshctl members failed on node$v: $(head -c 200 <<<"$out")"
	n=$(grep -o '"name":' <<<"$out" | wc -l)
	[ "$n" -gt "$members_max" ] && members_max=$n
	! grep -q '"name":"adv-outside"' <<<"$out" ||
		adv_violation "node$v lists a record pinning 10.99.0.1/16, outside the mesh prefix $PREFIX"
done
adv_result "attack=sybil identities=100000 detect_ms=$detect_ms join_ms=$join_ms rss_max_kb=$rss_max rss_bound_kb=$bound rss_before_kb=$base members_max=$members_max"
adv_finish
