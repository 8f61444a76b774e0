#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Starvation (issue 12): 16 meshd agents and, side by side under the same
# load, 16 Debian `serf` agents (in a namespace of their own, on 127.0.0.K).
# For STARVE_SECONDS every core is saturated (stress-ng --cpu 0, i.e. one
# busy worker per core, at the agents' own priority) and every
# STARVE_PAUSE_EVERY seconds one random meshd agent and one random serf
# agent are paused with SIGSTOP for STARVE_PAUSE_S seconds.
# Bar: 0 responsive members declared failed by meshd: agents that were
# never paused, on saturated cores. A paused agent answers nothing for
# STARVE_PAUSE_S; meshd's suspicion at 16 nodes ends after about 1.2 s
# once three members agree (docs/DESIGN.md, failure detection), so it may
# be declared failed: that is counted apart (paused_failed), side by side
# with serf's (memberlist waits at least 4.8 s), and must heal: once the
# load is lifted every paused agent is alive on every node again.
# Then one agent of each is killed for real: both counts must see it.
# Default: the short CI run (STARVE_SECONDS=30); the soak: 300.
# Prints `FAULT name=starve key=value` lines.
set -uo pipefail
FAULT_NAME=starve FAULT_PFX=${FAULT_PFX:-f2s}
. "$(dirname "$0")/lib.sh" "${1:-}"
command -v stress-ng >/dev/null || fault_cannot_run "stress-ng is missing (deploy/install-deps.sh)"
SERF=${SERF:-$(command -v serf || true)}
[ -n "$SERF" ] || fault_cannot_run "serf is missing (deploy/install-deps.sh)"

N=${STARVE_NODES:-16}
STARVE_SECONDS=${STARVE_SECONDS:-30}
STARVE_PAUSE_S=${STARVE_PAUSE_S:-3}
STARVE_PAUSE_EVERY=${STARVE_PAUSE_EVERY:-10}
rc=0
SERF_NS="${FAULT_NS}serf"
declare -A SERF_PID=()
STRESS_PID=

serf_cleanup() {
	local n
	[ -n "$STRESS_PID" ] && kill "$STRESS_PID" 2>/dev/null
	for n in "${!SERF_PID[@]}"; do kill -CONT "${SERF_PID[$n]}" 2>/dev/null; kill -9 "${SERF_PID[$n]}" 2>/dev/null; done
	return 0
}
FAULT_EXTRA_CLEANUP=serf_cleanup

serf_start() {  # serf_start N: agent sN on 127.0.0.N, joining s1
	local n=$1 join=()
	[ "$n" -gt 1 ] && join=(-join "127.0.0.1:7946")
	ip netns exec "$SERF_NS" "$SERF" agent -node "s$n" -bind "127.0.0.$n:7946" \
		-rpc-addr "127.0.0.$n:7373" -log-level=info "${join[@]}" \
		>>"$FAULT_DIR/serf$n.log" 2>&1 &
	SERF_PID[$n]=$!
}
serf_alive_count() {  # members serf agent N lists alive
	ip netns exec "$SERF_NS" "$SERF" members -rpc-addr "127.0.0.$1:7373" -status alive 2>/dev/null | wc -l
}
serf_converged() {
	local n
	for n in $(seq "$N"); do [ "$(serf_alive_count "$n")" -eq "$N" ] || return 1; done
}
serf_failed_seen() {  # EventMemberFailed lines in all serf logs [about sN... only]
	local pat=.
	[ $# -eq 0 ] || pat="EventMemberFailed: ($(printf 's%s|' "$@" | sed 's/|$//')) "
	cat "$FAULT_DIR"/serf*.log 2>/dev/null | grep 'EventMemberFailed' | grep -cE "$pat" || true
}

fault_setup "$N"
ip netns add "$SERF_NS"
ip -n "$SERF_NS" link set lo up
fault_start 1
for n in $(seq 2 "$N"); do fault_start "$n" --join "$(fault_under 1):51821"; done
serf_start 1
sleep 1
for n in $(seq 2 "$N"); do serf_start "$n"; done
for n in $(seq "$N"); do wait_until 20 "node $n's control socket" test -S "$(fault_sock "$n")"; done
for n in $(seq "$N"); do fault_events_start "$n"; done
fault_wait_converged 180 || fdie "the mesh of $N did not converge: $FAULT_WHY"
wait_until 120 "serf's $N agents agree" serf_converged
m0=$(fault_false_failures $(seq "$N")); s0=$(serf_failed_seen)
# Before any load nobody may be failed: the counts below start from 0.
[ "$m0" -eq 0 ] || fdie "meshd declared $m0 member(s) failed before the load"
[ "$s0" -eq 0 ] || flog "serf declared $s0 member(s) failed before the load (counted below)"
fault_report phase=clean nodes="$N" converge_ms="$FAULT_CONVERGE_MS"

stress-ng --cpu 0 --cpu-method matrixprod --timeout "${STARVE_SECONDS}s" >"$FAULT_DIR/stress.log" 2>&1 &
STRESS_PID=$!
flog "stress-ng on every core for ${STARVE_SECONDS}s; a meshd and a serf agent paused ${STARVE_PAUSE_S}s every ${STARVE_PAUSE_EVERY}s"
pauses=0
declare -A PAUSED=()
end=$(( $(now_ms) + STARVE_SECONDS * 1000 ))
while [ "$(now_ms)" -lt "$end" ]; do
	sleep "$STARVE_PAUSE_EVERY"
	[ "$(now_ms)" -lt "$end" ] || break
	v=$(( RANDOM % N + 1 ))
	PAUSED[$v]=1
	kill -STOP "${MESHD_PID[$v]}" "${SERF_PID[$v]}"
	sleep "$STARVE_PAUSE_S"
	kill -CONT "${MESHD_PID[$v]}" "${SERF_PID[$v]}"
	pauses=$((pauses + 1))
done
wait "$STRESS_PID" 2>/dev/null; STRESS_PID=
sleep 5   # what was suspected during the load settles
never=() paused=()
for n in $(seq "$N"); do if [ -n "${PAUSED[$n]:-}" ]; then paused+=("$n"); else never+=("$n"); fi; done
meshd_false=$(fault_false_failures "${never[@]}")
serf_false=$(serf_failed_seen "${never[@]}")
meshd_paused=0 serf_paused=0
if [ "${#paused[@]}" -gt 0 ]; then
	meshd_paused=$(fault_false_failures "${paused[@]}")
	serf_paused=$(serf_failed_seen "${paused[@]}")
fi
fault_no_agent_died || rc=1
fault_report phase=starved seconds="$STARVE_SECONDS" pauses="$pauses" pause_s="$STARVE_PAUSE_S" \
	paused_agents="${#paused[@]}" meshd_false_failed="$meshd_false" serf_false_failed="$serf_false" \
	meshd_paused_failed="$meshd_paused" serf_paused_failed="$serf_paused"
[ "$meshd_false" -eq 0 ] || { flog "FAIL: meshd declared $meshd_false responsive (never paused) member(s) failed"; rc=1; }
# A paused agent declared failed must be back: alive on every node.
paused_back() {
	local v
	for v in "${paused[@]}"; do fault_all_see alive "$v" || return 1; done
}
if [ "${#paused[@]}" -gt 0 ]; then
	t0=$(now_ms)
	if fault_wait 60 paused_back; then
		fault_report phase=paused_back ms=$(( $(now_ms) - t0 ))
	else
		flog "FAIL: a paused agent is not alive on every node 60 s after the load"; rc=1
	fi
fi
# Both counts can see a failure: a real kill -9 of one agent of each must
# show in them (else the 0s above would prove nothing).
fault_kill "$N"
kill -9 "${SERF_PID[$N]}" 2>/dev/null; wait "${SERF_PID[$N]}" 2>/dev/null; unset "SERF_PID[$N]"
s1=$(serf_failed_seen)
meshd_sees() { [ "$(fault_failed_events "$N")" -gt 0 ]; }
serf_sees() { [ "$(serf_failed_seen)" -gt "$s1" ]; }
fault_wait 60 meshd_sees && m_ok=1 || m_ok=0
fault_wait 60 serf_sees && s_ok=1 || s_ok=0
fault_report phase=count_check meshd_counts_a_kill="$m_ok" serf_counts_a_kill="$s_ok"
[ "$m_ok" = 1 ] && [ "$s_ok" = 1 ] || { flog "FAIL: a real kill did not show in the failure counts: they are blind"; rc=1; }
if fault_wait_converged 120; then
	fault_report phase=after converged=1 converge_ms="$FAULT_CONVERGE_MS"
else
	fault_report phase=after converged=0; flog "FAIL: $FAULT_WHY"; rc=1
fi
fault_report result=$([ "$rc" -eq 0 ] && echo pass || echo fail)
exit "$rc"
