#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Faults on the wire (issue 12): 16 agents; netem on every node's underlay
# veth: 10 % loss, 100 ms +- 50 ms delay, 1 % duplication, 5 % reordering.
#  1. under netem for WIRE_SECONDS: 0 responsive members declared failed
#     (`failed` events about live nodes in every node's event stream and
#     log);
#  2. still under netem, a real kill -9 of node N: every other node holds
#     it failed within WIRE_DETECT_S (bar 10 s); it is restarted;
#  3. a partition of half the nodes (1..N/2 | N/2+1..N) for PART_SECONDS,
#     then the partition and netem are lifted: converged (one member set
#     alive everywhere, every pair pings, every state file loads, no agent
#     died) within WIRE_CONVERGE_S.
# Default: the short CI run (WIRE_SECONDS=30, PART_SECONDS=15). The soak
# (tests/faults/soak.sh): WIRE_SECONDS=600 PART_SECONDS=60.
# Prints `FAULT name=wire key=value` lines.
set -uo pipefail
FAULT_NAME=wire FAULT_PFX=${FAULT_PFX:-f2w}
. "$(dirname "$0")/lib.sh" "${1:-}"

N=${WIRE_NODES:-16}
WIRE_SECONDS=${WIRE_SECONDS:-30}
PART_SECONDS=${PART_SECONDS:-15}
WIRE_DETECT_S=${WIRE_DETECT_S:-10}
WIRE_CONVERGE_S=${WIRE_CONVERGE_S:-120}
NETEM=${WIRE_NETEM:-loss 10% delay 100ms 50ms distribution normal duplicate 1% reorder 5% 50%}
rc=0

fault_setup "$N"
fault_start 1
for n in $(seq 2 "$N"); do fault_start "$n" --join "$(fault_under 1):51821"; done
for n in $(seq "$N"); do wait_until 20 "node $n's control socket" test -S "$(fault_sock "$n")"; done
for n in $(seq "$N"); do fault_events_start "$n"; done
fault_wait_converged 180 || fdie "the clean mesh of $N did not converge: $FAULT_WHY"
fault_report phase=clean nodes="$N" converge_ms="$FAULT_CONVERGE_MS"

# 1. the bad wire
for n in $(seq "$N"); do fault_netem "$n" $NETEM || fdie "netem on node $n: tc refused '$NETEM'"; done
flog "netem on all $N nodes: $NETEM; ${WIRE_SECONDS}s"
f0=$(fault_false_failures $(seq "$N"))
sleep "$WIRE_SECONDS"
fault_no_agent_died || fdie "an agent died under netem"
false_failed=$(( $(fault_false_failures $(seq "$N")) - f0 ))
fault_report phase=netem seconds="$WIRE_SECONDS" false_failed="$false_failed"
[ "$false_failed" -eq 0 ] || { flog "FAIL: $false_failed responsive member(s) declared failed under netem"; rc=1; }

# 2. a real crash, still under netem
victim=$N
others=$(seq 1 $((N - 1)) | paste -sd' ')
t0=$(now_ms)
fault_kill "$victim"
detect_ms=-1
deadline=$(( t0 + 60000 ))
while [ "$(now_ms)" -lt "$deadline" ]; do
	# shellcheck disable=SC2086
	if fault_all_see failed "$victim" $others; then detect_ms=$(( $(now_ms) - t0 )); break; fi
	sleep 0.2
done
false_failed2=$(( $(fault_false_failures $(seq 1 $((N - 1)))) - f0 - false_failed ))
# The counting itself is checked: the victim's failure must show in it
# (else a 0 above would prove nothing).
victim_seen=$(fault_failed_events "$victim")
fault_report phase=kill detect_ms="$detect_ms" bar_ms=$((WIRE_DETECT_S * 1000)) false_failed="$false_failed2" \
	victim_failed_events="$victim_seen"
[ "$victim_seen" -gt 0 ] || { flog "FAIL: no 'failed' event about the killed node $victim in any event stream: the false-failure count is blind"; rc=1; }
if [ "$detect_ms" -lt 0 ]; then
	flog "FAIL: node $victim's kill -9 not detected by every node within 60 s"; rc=1
elif [ "$detect_ms" -gt $((WIRE_DETECT_S * 1000)) ]; then
	flog "FAIL: node $victim's kill -9 detected by all in $detect_ms ms, over the ${WIRE_DETECT_S} s bar"; rc=1
fi
[ "$false_failed2" -eq 0 ] || { flog "FAIL: $false_failed2 responsive member(s) declared failed"; rc=1; }
fault_restart "$victim"
fault_events_start "$victim"

# 3. half the nodes cut off, then everything lifted
half=$((N / 2))
A=$(seq 1 "$half" | paste -sd' ')
B=$(seq $((half + 1)) "$N" | paste -sd' ')
sleep 5
fault_partition "$A" "$B"
flog "partition {$A} | {$B} for ${PART_SECONDS}s"
sleep "$PART_SECONDS"
fault_heal
for n in $(seq "$N"); do fault_netem_clear "$n"; done
flog "partition and netem lifted"
if fault_wait_converged "$WIRE_CONVERGE_S"; then
	fault_report phase=healed converged=1 converge_ms="$FAULT_CONVERGE_MS"
else
	fault_report phase=healed converged=0 disagreeing_sets="$(fault_disagreeing_sets)" \
		pairs_without_tunnel="$(fault_pairs_without_tunnel)" why="\"$FAULT_WHY\""
	rc=1
fi
fault_report result=$([ "$rc" -eq 0 ] && echo pass || echo fail)
exit "$rc"
