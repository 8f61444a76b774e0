#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# meshd vs Serf membership benchmark on loopback (see docs/BENCHMARKS.md).
#
#   bench/run.sh [--nodes "32 64 128"] [--runs 3] [--steady-seconds 60]
#                [--only meshd|serf] [--quick] [meshbench.py options...]
#
# Needs root (nftables counters). meshd comes from build-bench/:
#   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release
#   cmake --build build-bench --target meshd meshctl -j2
# The work is done by meshbench.py; this wrapper is the safety net that
# removes agents, the nft table and temporary files even if it dies.
set -u
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."

if [ "$(id -u)" != 0 ]; then
	echo "bench/run.sh: needs root (nftables counters per source address)" >&2
	exit 2
fi
for tool in nft python3; do
	command -v "$tool" >/dev/null || { echo "bench/run.sh: $tool not found" >&2; exit 2; }
done

work=$(mktemp -d /tmp/meshbench.XXXXXX)
table="meshbench$$"
pid=""

cleanup() {
	trap - EXIT INT TERM HUP
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
		kill -KILL "$pid" 2>/dev/null
	fi
	# Agents meshbench.py started and did not reap (only if still ours).
	if [ -f "$work/pids" ]; then
		while read -r p; do
			[ -n "$p" ] || continue
			if grep -qaE 'serf|meshd' "/proc/$p/cmdline" 2>/dev/null; then
				kill -KILL -- "-$p" 2>/dev/null || kill -KILL "$p" 2>/dev/null
			fi
		done <"$work/pids"
	fi
	nft delete table ip "$table" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# Python ignores our SIGINT handling: it gets Ctrl-C from the terminal itself
# and cleans up; a TERM from us (on TERM/HUP to this script) does the same.
python3 "$here/meshbench.py" --workdir "$work/w" --registry "$work/pids" \
	--nft-table "$table" --command "bench/run.sh $*" "$@" &
pid=$!
wait "$pid"
rc=$?
# wait returns early when a trapped signal arrives; then the trap runs.
exit "$rc"
