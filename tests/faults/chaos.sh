#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Crashes (issue 12): 12 agents; for CHAOS_SECONDS a loop kill -9s random
# agents (node 1, the seed everyone joined through, included) and restarts
# them after 0-3 s, half with a seed (--join a random live node), half with
# none (as systemd would: same flags, no --join). Some kills land within
# the first seconds after a (re)start (CHAOS_EARLY_PCT), some aimed at the
# state write that follows a membership change (CHAOS_WRITE_PCT: ~1 s after
# another node came back, where the debounced write lands). Of the early
# kills, CHAOS_DROP_STATE_PCT restart with no state file and no seed (the
# kill came before the first write: issue 12's finding). At most a third of
# the nodes are down at once. An agent found dead that was not killed is a
# crash. Then every node runs, CHAOS_QUIET_S of quiet, and:
#   0 disagreeing member sets, 0 live pairs without a tunnel,
#   0 unloadable state files, 0 crashes (exit, sanitizer report, core).
# Default: the short CI run (CHAOS_SECONDS=120); the soak: 600.
# CHAOS_SEED fixes the random choices (printed, to replay a failure).
set -uo pipefail
FAULT_NAME=chaos FAULT_PFX=${FAULT_PFX:-f2c}
. "$(dirname "$0")/lib.sh" "${1:-}"

N=${CHAOS_NODES:-12}
CHAOS_SECONDS=${CHAOS_SECONDS:-120}
CHAOS_QUIET_S=${CHAOS_QUIET_S:-10}
CHAOS_CONVERGE_S=${CHAOS_CONVERGE_S:-120}
CHAOS_EARLY_PCT=${CHAOS_EARLY_PCT:-30}
CHAOS_WRITE_PCT=${CHAOS_WRITE_PCT:-20}
CHAOS_DROP_STATE_PCT=${CHAOS_DROP_STATE_PCT:-30}
CHAOS_SEED=${CHAOS_SEED:-$(( $(date +%s) % 100000 ))}
RANDOM=$CHAOS_SEED
kills=0 early_kills=0 write_kills=0 seed_kills=0 with_seed=0 without_seed=0 crashes=0 dropped_states=0
declare -A DROP_STATE=()   # node -> 1: its next restart finds no state file

fault_setup "$N"
fault_start 1
for n in $(seq 2 "$N"); do fault_start "$n" --join "$(fault_under 1):51821"; done
fault_wait_converged 180 || fdie "the clean mesh of $N did not converge: $FAULT_WHY"
fault_report phase=clean nodes="$N" converge_ms="$FAULT_CONVERGE_MS" seed="$CHAOS_SEED"

declare -A DOWN_UNTIL=()   # node -> when (ms) to restart it
rand_ms() { echo $(( RANDOM % ($1 + 1) )); }
pick_live() {  # a random running node, optionally not $1
	local live=() n
	for n in $(fault_live_nodes); do [ "$n" != "${1:-}" ] && live+=("$n"); done
	[ ${#live[@]} -gt 0 ] && echo "${live[RANDOM % ${#live[@]}]}"
}
n_down() { echo "${#DOWN_UNTIL[@]}"; }

crash_check() {  # an agent that should run but exited on its own: a crash
	local n
	for n in $(fault_live_nodes); do
		if ! fault_pid_alive "$n"; then
			wait "${MESHD_PID[$n]}" 2>/dev/null; local st=$?
			flog "CRASH: node $n's agent exited on its own (status $st)"
			crashes=$((crashes + 1))
			NODE_UP[$n]=0; unset "MESHD_PID[$n]"
			DOWN_UNTIL[$n]=$(now_ms)
		fi
	done
}

chaos_kill() {  # chaos_kill N WHY
	fault_kill "$1"
	kills=$((kills + 1))
	[ "$1" = 1 ] && seed_kills=$((seed_kills + 1))
	DOWN_UNTIL[$1]=$(( $(now_ms) + $(rand_ms 3000) ))
	flog "kill -9 node $1 ($2)"
}

chaos_restart() {  # restart N with or without a seed; maybe kill it early
	local n=$1 s
	unset "DOWN_UNTIL[$n]"
	s=$(pick_live "$n")
	if [ -n "${DROP_STATE[$n]:-}" ]; then
		# Killed before its first state write (as a node that had just
		# joined): no state file, no seed; only the WireGuard device's
		# peers remember the mesh.
		unset "DROP_STATE[$n]"
		rm -f "$(fault_state "$n")"
		dropped_states=$((dropped_states + 1))
		NODE_ARGS[$n]=""
		fault_launch "$n"
		without_seed=$((without_seed + 1))
	elif [ $((RANDOM % 2)) = 0 ] && [ -n "$s" ]; then
		fault_restart "$n" --join "$(fault_under "$s"):51821"
		with_seed=$((with_seed + 1))
	else
		NODE_ARGS[$n]=""
		fault_launch "$n"
		without_seed=$((without_seed + 1))
	fi
	if [ $((RANDOM % 100)) -lt "$CHAOS_EARLY_PCT" ]; then
		sleep "$(awk -v ms="$(rand_ms 4000)" 'BEGIN { printf "%.3f", ms / 1000 }')"
		chaos_kill "$n" "early: within 4 s of its start"
		early_kills=$((early_kills + 1))
		[ $((RANDOM % 100)) -lt "$CHAOS_DROP_STATE_PCT" ] && DROP_STATE[$n]=1
	elif [ $((RANDOM % 100)) -lt "$CHAOS_WRITE_PCT" ] && [ "$(n_down)" -lt $((N / 3)) ]; then
		# n's return is a membership change everywhere: the others write state now.
		local v; v=$(pick_live "$n")
		[ -n "$v" ] || return 0
		sleep "$(awk -v ms="$(( 800 + $(rand_ms 600) ))" 'BEGIN { printf "%.3f", ms / 1000 }')"
		chaos_kill "$v" "aimed at its state write after node $n's return"
		write_kills=$((write_kills + 1))
	fi
}

end=$(( $(now_ms) + CHAOS_SECONDS * 1000 ))
while [ "$(now_ms)" -lt "$end" ]; do
	crash_check
	for n in "${!DOWN_UNTIL[@]}"; do
		[ -n "${DOWN_UNTIL[$n]:-}" ] && [ "$(now_ms)" -ge "${DOWN_UNTIL[$n]}" ] && chaos_restart "$n"
	done
	if [ "$(n_down)" -lt $((N / 3)) ] && [ $((RANDOM % 3)) = 0 ]; then
		v=$(pick_live)
		[ -n "$v" ] && chaos_kill "$v" "random"
	fi
	sleep 1
done
# Everyone back (no early kills now), then quiet.
crash_check
for n in "${!DOWN_UNTIL[@]}"; do
	unset "DOWN_UNTIL[$n]"
	if [ -n "${DROP_STATE[$n]:-}" ]; then
		rm -f "$(fault_state "$n")"; dropped_states=$((dropped_states + 1))
	fi
	NODE_ARGS[$n]=""
	fault_launch "$n"
	without_seed=$((without_seed + 1))
done
fault_report phase=chaos seconds="$CHAOS_SECONDS" kills="$kills" seed_kills="$seed_kills" \
	early_kills="$early_kills" write_kills="$write_kills" restarts_with_seed="$with_seed" \
	restarts_without_seed="$without_seed" restarts_without_state="$dropped_states"
sleep "$CHAOS_QUIET_S"
rc=0
if fault_wait_converged "$CHAOS_CONVERGE_S"; then conv=1; else conv=0; rc=1; fi
crash_check
dis=$(fault_disagreeing_sets)
pairs=$(fault_pairs_without_tunnel)
bad_states=$(fault_unloadable_states)
fault_no_agent_died >/dev/null 2>&1 || crashes=$((crashes + 1))
[ "$dis" -eq 0 ] && [ "$pairs" -eq 0 ] && [ "$bad_states" -eq 0 ] && [ "$crashes" -eq 0 ] || rc=1
fault_report phase=quiet converged="$conv" converge_ms="$FAULT_CONVERGE_MS" disagreeing_sets="$dis" \
	pairs_without_tunnel="$pairs" unloadable_states="$bad_states" crashes="$crashes"
if [ "$rc" -ne 0 ]; then
	flog "FAIL: $FAULT_WHY"
	for n in $(seq "$N"); do flog "node $n lists alive: $(fault_alive_set "$n")"; done
fi
fault_report result=$([ "$rc" -eq 0 ] && echo pass || echo fail) seed="$CHAOS_SEED"
exit "$rc"
