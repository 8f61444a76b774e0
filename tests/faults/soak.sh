#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The long fault-injection run (issue 12's bars), one command:
#   tests/faults/soak.sh BUILD_DIR [SCENARIO...]
# Default: every scenario, with the durations of the bars:
#   wire    10 minutes under netem, a 60 s partition of half the nodes
#   chaos   10 minutes of kill -9s
#   starve  5 minutes of saturated cores (16 meshd + 16 serf agents)
#   clock, disk (as in CI: they have no duration)
#   early_kill (helper f1's): EARLY_TRIES=20
# Every scenario prints `FAULT name=... key=value` lines; this script adds
# one `FAULT name=soak scenario=X result=pass|fail seconds=S` line each and
# exits 1 if any failed. Run it on a quiet machine (the timing bars are
# meant for one). Durations can still be overridden from the environment.
set -uo pipefail
[ -n "${1:-}" ] && [ -d "$1" ] || { echo "usage: $0 BUILD_DIR [wire|chaos|starve|clock|disk|early_kill ...]"; exit 2; }
build=$(cd "$1" && pwd); shift
here=$(cd "$(dirname "$0")" && pwd)
scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(early_kill wire chaos starve clock disk)
export WIRE_SECONDS=${WIRE_SECONDS:-600} PART_SECONDS=${PART_SECONDS:-60}
export CHAOS_SECONDS=${CHAOS_SECONDS:-600} CHAOS_QUIET_S=${CHAOS_QUIET_S:-30}
export STARVE_SECONDS=${STARVE_SECONDS:-300}
export EARLY_TRIES=${EARLY_TRIES:-20} TRIES=${TRIES:-20}
rc=0
for s in "${scenarios[@]}"; do
	if [ ! -x "$here/$s.sh" ]; then
		echo "FAULT name=soak scenario=$s result=missing"
		rc=1
		continue
	fi
	t0=$SECONDS
	"$here/$s.sh" "$build"
	r=$?
	case $r in
	0) res=pass ;;
	77) res=skipped; [ "${CI:-}" = true ] && rc=1 ;;
	*) res=fail; rc=1 ;;
	esac
	echo "FAULT name=soak scenario=$s result=$res seconds=$((SECONDS - t0))"
done
exit "$rc"
