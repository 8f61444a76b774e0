#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Early kill (issue 12): six agents on wireguard-go; node 3 joins through
# node 1 and is kill -9ed at a random instant 0-6 s after it joined (node 1
# lists it alive), then restarted with the same flags and no --join, as a
# systemd restart would. It must be back: every node lists it alive and it
# lists all six alive, within EARLY_KILL_BAR_S (10 s), in every try.
#
# Each try is a first start of a new machine: a fresh state directory (new
# identity), a new name, overlay address and underlay address (the earlier
# tries' identities stay behind as failed members at theirs), and node 3's
# WireGuard device emptied of peers, so what the restart can use is only
# what those first seconds left behind: the state file if it was written,
# the device's peers if they were set.
#
# In EARLY_KILL_DROP_STATE_PCT (30) % of the tries the state file is also
# deleted before the restart, as if the kill came before its first write:
# then only the device's peers are left to find the mesh through.
#
# TRIES: default 20 (the bar), 5 under CI=true. EARLY_KILL_SEED replays the
# random instants. Prints FAULT tries= ok= worst_ms= median_ms= lines.
set -uo pipefail
FAULT_NAME=early_kill FAULT_PFX=${FAULT_PFX:-f1k}
. "$(dirname "$0")/lib.sh" "${1:-}"

if [ "${CI:-}" = true ]; then TRIES=${TRIES:-5}; else TRIES=${TRIES:-20}; fi
BAR_S=${EARLY_KILL_BAR_S:-10}
DROP_STATE_PCT=${EARLY_KILL_DROP_STATE_PCT:-30}
GIVE_UP_S=${EARLY_KILL_GIVE_UP_S:-60}   # a try not back by then is a split brain
SEED=${EARLY_KILL_SEED:-$(( $(date +%s) % 100000 ))}
RANDOM=$SEED
OTHERS=(1 2 4 5 6)

fault_setup 6
fault_start 1
for n in "${OTHERS[@]:1}"; do fault_start "$n" --join "$(fault_under 1):51821"; done
fault_wait_converged 120 "${OTHERS[@]}" || fdie "the five did not converge: $FAULT_WHY"
fault_report phase=clean converge_ms="$FAULT_CONVERGE_MS" seed="$SEED"

status_by_name() {  # VIEWER NAME -> status
	fault_members_json "$1" | jq -r --arg n "$2" '.members[] | select(.name == $n) | .status' 2>/dev/null
}
back() {  # NAME: every other node lists it alive, and it lists the five alive
	local v seen
	for v in "${OTHERS[@]}"; do
		[ "$(status_by_name "$v" "$1")" = alive ] || return 1
	done
	# (Earlier tries' identities it may still list alive for a while: its
	# state file brings them back as alive until its own probes fail them.)
	seen=$(fault_members_json 3 | jq -r '[.members[] | select(.status == "alive") |
		.name | select(test("^node[0-9]+$"))] | sort | join(",")' 2>/dev/null)
	[ "$seen" = "node1,node2,node4,node5,node6" ]
}
empty_device() {  # node 3's WireGuard device as a new node's: no peers, no address
	local k
	for k in $(fault_in 3 wg show "$(fault_if 3)" peers 2>/dev/null); do
		fault_in 3 wg set "$(fault_if 3)" peer "$k" remove
	done
	# The last try's overlay address would stay the interface's primary
	# one, the source of what goes through the tunnel, refused by peers.
	fault_in 3 ip addr flush dev "$(fault_if 3)"
}

ok=0 times=() split=0
for t in $(seq "$TRIES"); do
	name="n3t$t"
	under="10.77.0.$((100 + t))"
	args=(--name "$name" --address "10.88.1.$t/16" --endpoint "$under:51820")
	FAULT_STATE_DIR[3]="$FAULT_DIR/n3t$t"
	empty_device
	fault_in 3 ip addr flush dev eth0
	fault_in 3 ip addr add "$under/24" dev eth0
	fault_start 3 --join "$(fault_under 1):51821" "${args[@]}"
	t_start=$(now_ms)
	wait_until 30 "node 1 to list $name alive (try $t)" \
		bash -c "[ \"\$($MESHCTL --socket $(fault_sock 1) members --json 2>/dev/null |
			jq -r --arg n $name '.members[] | select(.name == \$n) | .status')\" = alive ]"
	joined_ms=$(( $(now_ms) - t_start ))
	delay_ms=$(( (RANDOM * 32768 + RANDOM) % 6001 ))
	sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
	fault_kill 3
	state=absent
	[ -s "$FAULT_DIR/n3t$t/members" ] && state=written
	if [ $((RANDOM % 100)) -lt "$DROP_STATE_PCT" ]; then
		rm -f "$FAULT_DIR/n3t$t/members"
		state=deleted
	fi
	# EARLY_KILL_FORGET_ALL=1 (not part of the bar): no state and no device
	# peers either, so only the members' reach-outs to it can bring it back.
	if [ "${EARLY_KILL_FORGET_ALL:-0}" = 1 ]; then
		rm -f "$FAULT_DIR/n3t$t/members"
		state=deleted
		for k in $(fault_in 3 wg show "$(fault_if 3)" peers 2>/dev/null); do
			fault_in 3 wg set "$(fault_if 3)" peer "$k" remove
		done
	fi
	peers=$(fault_in 3 wg show "$(fault_if 3)" peers 2>/dev/null | wc -l)
	# The restart: same flags, no --join.
	fault_launch 3 "${args[@]}"
	r0=$(now_ms)
	took=
	while [ $(( $(now_ms) - r0 )) -lt $((GIVE_UP_S * 1000)) ]; do
		if back "$name"; then took=$(( $(now_ms) - r0 )); break; fi
		sleep 0.1
	done
	if [ -z "$took" ]; then
		split=$((split + 1))
		flog "try $t: $name NOT back after ${GIVE_UP_S}s (killed ${delay_ms} ms after joining; state $state, $peers device peer(s))"
		for v in "${OTHERS[@]}"; do flog "  node $v sees $name: $(status_by_name "$v" "$name")"; done
		flog "  $name lists alive: $(fault_members_json 3 | jq -r '[.members[] | select(.status == "alive") | .name] | join(",")')"
		times+=($((GIVE_UP_S * 1000)))
	else
		times+=("$took")
		[ "$took" -le $((BAR_S * 1000)) ] && ok=$((ok + 1))
		flog "try $t: killed ${delay_ms} ms after joining (joined in ${joined_ms} ms; state $state, $peers device peer(s)): back in $took ms"
	fi
	fault_report try="$t" kill_after_ms="$delay_ms" state="$state" device_peers="$peers" \
		back_ms="${took:-never}"
	fault_no_agent_died || fdie "an agent died"
	fault_kill 3
done

sorted=$(printf '%s\n' "${times[@]}" | sort -n)
worst=$(echo "$sorted" | tail -1)
median=$(echo "$sorted" | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2) }')
fault_report tries="$TRIES" ok="$ok" bar_s="$BAR_S" worst_ms="$worst" median_ms="$median" \
	never_back="$split" seed="$SEED"
[ "$split" -eq 0 ] || fdie "$split of $TRIES tries never came back (split brain)"
[ "$ok" -eq "$TRIES" ] || fdie "$((TRIES - ok)) of $TRIES tries back only after ${BAR_S}s (worst $worst ms)"
flog "PASS: $ok of $TRIES back within ${BAR_S}s (median $median ms, worst $worst ms)"
