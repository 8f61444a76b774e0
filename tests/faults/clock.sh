#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Clocks (issue 12), with Debian's faketime (libfaketime) around meshd:
#  1. 5 nodes; node 2's wall clock is a day ahead, node 3's a day behind
#     (from their first start): converged;
#  2. node 4 (true clock) is stopped with kill -9 and restarted with its
#     clock stepped back CLOCK_STEP (default one hour; the record versions it
#     issued before are in the future now): converged, node 4 alive
#     everywhere, and a membership change made after that (node 4 restarted
#     once more, still behind) reaches everyone too;
#  3. node 2 (a day ahead) is restarted with a true clock (its clock
#     stepped back a day): converged.
# Prints `FAULT name=clock key=value` lines.
set -uo pipefail
FAULT_NAME=clock FAULT_PFX=${FAULT_PFX:-f2k}
. "$(dirname "$0")/lib.sh" "${1:-}"
# libfaketime preloaded straight into meshd (the faketime wrapper forks:
# kill -9 would hit the wrapper, not the agent).
FAKETIME_LIB=${FAKETIME_LIB:-$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n 1)}
[ -n "$FAKETIME_LIB" ] || fault_cannot_run "libfaketime is missing (faketime, deploy/install-deps.sh)"
skew() { echo "env LD_PRELOAD=$FAKETIME_LIB FAKETIME=$1"; }

CLOCK_STEP=${CLOCK_STEP:--1h}
CONVERGE_S=${CLOCK_CONVERGE_S:-90}
rc=0
fail() { flog "FAIL: $*"; rc=1; }

fault_setup 5
NODE_PREFIX_CMD[2]=$(skew +1d)
NODE_PREFIX_CMD[3]=$(skew -1d)
fault_start 1
for n in 2 3 4 5; do fault_start "$n" --join "$(fault_under 1):51821"; done
if fault_wait_converged "$CONVERGE_S"; then
	fault_report phase=skewed ahead=node2:+1d behind=node3:-1d converged=1 converge_ms="$FAULT_CONVERGE_MS"
else
	fault_report phase=skewed converged=0; fail "a day of skew: $FAULT_WHY"
fi
# libfaketime really ran: node 2's agent reports a wall time a day ahead.
t2=$(fault_members_json 1 | jq -r '.members[] | select(.name == "node2") | .version / 1000 | floor' 2>/dev/null)
flog "node 2's record version, as node 1 sees it, is from $(date -u -d "@${t2:-0}" +%FT%TZ 2>/dev/null)"

fault_kill 4
NODE_PREFIX_CMD[4]=$(skew "$CLOCK_STEP")
fault_restart 4
if fault_wait_converged "$CONVERGE_S"; then
	fault_report phase=stepped_back node=4 step="$CLOCK_STEP" converged=1 converge_ms="$FAULT_CONVERGE_MS"
else
	fault_report phase=stepped_back node=4 step="$CLOCK_STEP" converged=0; fail "node 4 after its clock stepped back: $FAULT_WHY"
fi
fault_kill 4
t0=$(now_ms)
if fault_wait 60 fault_all_see failed 4; then
	fault_report phase=kill_behind node=4 detect_ms=$(( $(now_ms) - t0 ))
else
	fault_report phase=kill_behind node=4 detect_ms=-1 views="\"$(fault_views_of 4)\""
	fail "node 4 (clock behind) killed: not failed everywhere within 60 s"
fi
fault_restart 4
if fault_wait_converged "$CONVERGE_S"; then
	fault_report phase=stepped_back_again node=4 converged=1 converge_ms="$FAULT_CONVERGE_MS"
else
	fault_report phase=stepped_back_again node=4 converged=0; fail "node 4's second restart, clock still behind: $FAULT_WHY"
fi

fault_kill 2
NODE_PREFIX_CMD[2]=""
fault_restart 2
if fault_wait_converged "$CONVERGE_S"; then
	fault_report phase=day_back node=2 converged=1 converge_ms="$FAULT_CONVERGE_MS"
else
	fault_report phase=day_back node=2 converged=0; fail "node 2 after its clock stepped back a day: $FAULT_WHY"
fi
fault_report result=$([ "$rc" -eq 0 ] && echo pass || echo fail)
exit "$rc"
