#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Disk faults (issue 12): node 2's state directory is a small tmpfs mounted
# in this test's own mount namespace (the script re-executes itself under
# `unshare -m`; the agents inherit the mount, nothing outside sees it).
#  1. the tmpfs is filled to the last byte, then node 4 joins (node 2 must
#     write its state): node 2 keeps running and says so (a log line, the
#     metric meshd_state_write_errors_total grows), the old state file
#     still loads;
#  2. the space returns: node 2's state file gets node 4 (recovered);
#  3. the tmpfs is remounted read-only, node 5 joins: the same;
#  4. read-write again: node 2's state file gets node 5; the log says the
#     writes recovered (after 2 and after 4); converged.
# Prints `FAULT name=disk key=value` lines.
set -uo pipefail
if [ -z "${FAULT_UNSHARED:-}" ] && [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null; then
	exec unshare -m --propagation private env FAULT_UNSHARED=1 "$0" "$@"
fi
FAULT_NAME=disk FAULT_PFX=${FAULT_PFX:-f2d}
. "$(dirname "$0")/lib.sh" "${1:-}"
[ -n "${FAULT_UNSHARED:-}" ] || fault_cannot_run "needs unshare -m (util-linux)"

TMPFS=$FAULT_DIR/n2-tmpfs
DISK_WAIT_S=${DISK_WAIT_S:-20}
rc=0
fail() { flog "FAIL: $*"; rc=1; }
umount_tmpfs() { umount -l "$TMPFS" 2>/dev/null || true; }
FAULT_EXTRA_CLEANUP=umount_tmpfs

records_of() {  # records in node N's state file (-1: does not load)
	local out; out=$("$CHECK_STATE" "$(fault_state "$1")" 2>/dev/null) || { echo -1; return; }
	sed -n 's/^records=\([0-9]*\).*/\1/p' <<<"$out"
}
errors_of() { fault_metric 2 meshd_state_write_errors_total; }
records_at_least() { [ "$(records_of "$1")" -ge "$2" ]; }
wait_until_soft() {  # wait_until_soft CMD...: up to DISK_WAIT_S; 1 on timeout
	local d=$(( $(now_ms) + DISK_WAIT_S * 1000 ))
	while [ "$(now_ms)" -lt "$d" ]; do "$@" && return 0; sleep 0.2; done
	return 1
}

fault_setup 5
mkdir -p "$TMPFS"
mount -t tmpfs -o size=256k,mode=0700 faultdisk "$TMPFS" || fault_cannot_run "cannot mount a tmpfs"
FAULT_STATE_DIR[2]=$TMPFS
fault_state() { if [ "$1" = 2 ]; then echo "$TMPFS/members"; else echo "$FAULT_DIR/n$1/members"; fi; }
fault_start 1
fault_start 2 --join "$(fault_under 1):51821"
fault_start 3 --join "$(fault_under 1):51821"
fault_wait_converged 90 1 2 3 || fdie "3 nodes did not converge: $FAULT_WHY"
wait_until "$DISK_WAIT_S" "node 2's state file holds 3 members" records_at_least 2 3
r0=$(records_of 2); e0=$(errors_of)
fault_report phase=start records="$r0" write_errors="$e0"

# fault_phase WHAT NEWNODE: node 2 cannot write; NEWNODE joins
fault_phase() {
	local what=$1 new=$2 e1 r1 loglines
	fault_start "$new" --join "$(fault_under 1):51821"
	fault_wait_converged 90 $(fault_live_nodes) || fail "$what: no convergence with node $new: $FAULT_WHY"
	sleep 5   # node 2 tries to write (and retries)
	fault_pid_alive 2 || { fail "$what: node 2's agent died"; return; }
	e1=$(errors_of); r1=$(records_of 2)
	loglines=$(grep -ciE 'state.*(no space|read-only|cannot|fail|error)|(no space|read-only).*state' "$(fault_log 2)")
	fault_report phase="$what" write_errors="$e1" records="$r1" error_log_lines="$loglines" alive=1
	[ "$e1" -gt "$e0" ] 2>/dev/null || fail "$what: meshd_state_write_errors_total did not grow ($e0 -> $e1)"
	[ "$loglines" -gt 0 ] || fail "$what: node 2's log does not say its state write failed"
	[ "$r1" -ge 0 ] || fail "$what: node 2's state file no longer loads"
	e0=$e1
}

# 1. full
dd if=/dev/zero of="$TMPFS/fill" bs=4k 2>/dev/null
flog "tmpfs full: $(df -k "$TMPFS" | awk 'NR == 2 { print $4 " KiB free" }')"
fault_phase full 4
# 2. space returns
rm -f "$TMPFS/fill"
t0=$(now_ms)
if wait_until_soft records_at_least 2 4; then
	fault_report phase=space_back recovered=1 recover_ms=$(( $(now_ms) - t0 )) records="$(records_of 2)"
else
	fault_report phase=space_back recovered=0 records="$(records_of 2)"
	fail "node 2's state file did not get node 4 within ${DISK_WAIT_S}s after space returned"
fi
# 3. read-only
mount -o remount,ro "$TMPFS" || fdie "cannot remount the tmpfs read-only"
fault_phase read_only 5
# 4. read-write again
mount -o remount,rw "$TMPFS"
t0=$(now_ms)
if wait_until_soft records_at_least 2 5; then
	fault_report phase=rw_back recovered=1 recover_ms=$(( $(now_ms) - t0 )) records="$(records_of 2)"
else
	fault_report phase=rw_back recovered=0 records="$(records_of 2)"
	fail "node 2's state file did not get node 5 within ${DISK_WAIT_S}s after read-write returned"
fi
grep -iE 'state' "$(fault_log 2)" | grep -viE '^=== ' | tail -n 8 | sed 's/^/  node2: /'
# Saying so both ways: the failure (checked above) and the recovery.
recovered_lines=$(grep -ciE 'state.*(written again|recovered)' "$(fault_log 2)")
fault_report phase=log recovery_log_lines="$recovered_lines"
[ "$recovered_lines" -ge 2 ] || fail "node 2's log does not say its state writes recovered (twice)"
fault_wait_converged 60 || fail "not converged at the end: $FAULT_WHY"
fault_report result=$([ "$rc" -eq 0 ] && echo pass || echo fail)
exit "$rc"
