#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Agent ingress (plan D10) without root: two meshd with --backend none on
# loopback addresses; a third address plays a key holder and an outsider.
#  - one sealed datagram sent 1,000 times: 999 counted as replays
#  - 5,000 fresh sealed datagrams from one source: at most the source's
#    burst + rate reach the engine, the rest are dropped as rate_source
#  - 100,000 junk datagrams from one source: at most burst + rate are
#    even opened
#  - meanwhile the members stay alive on both sides (no suspicion), node
#    1 keeps probing (its timers run) and its debug log stays small
# Traffic goes only to 127.0.0.0/8. Usage: t7b_ingress_limits.sh BUILD_DIR
set -euo pipefail
BUILD=$(cd "$1" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
MESHD=$BUILD/agent/meshd
MESHCTL=$BUILD/agent/meshctl
SEND=$HERE/ingress_send.py
# agent/ingress.c defaults
BURST=1000
RATE=200

DIR=$(mktemp -d /tmp/meshd-ingress.XXXXXX)
declare -A PID
NET="127.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1))"
PORT=$((RANDOM % 20000 + 30000))
MPORT=$((PORT + 1))

log() { printf '%s [ingress] %s\n' "$(date +%T.%3N)" "$*"; }
die() { log "FAIL: $*"; exit 1; }
now_ms() { date +%s%3N; }

cleanup() {
	local rc=$? n
	for n in "${!PID[@]}"; do kill -9 "${PID[$n]}" 2>/dev/null || true; done
	wait 2>/dev/null || true
	if [ "$rc" -ne 0 ]; then
		for f in "$DIR"/meshd*.log; do
			[ -f "$f" ] && { echo "----- $f (last 40 lines)"; tail -n 40 "$f"; }
		done
	fi
	rm -rf "$DIR"
	return "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

sock() { echo "$DIR/n$1.sock"; }
start() {  # start N [extra args...]
	local n=$1; shift
	"$MESHD" --interface "ingress$n" --backend none --network-key "$DIR/net.key" \
		--bind "$NET.$n" --gossip-port "$PORT" --listen-port 51820 \
		--state-dir "$DIR/state$n" --socket "$(sock "$n")" --name "node$n" \
		--log-level debug "$@" >>"$DIR/meshd$n.log" 2>&1 &
	PID[$n]=$!
}
alive_on() { [ "$("$MESHCTL" --socket "$(sock "$1")" members --json 2>/dev/null |
	jq '[.members[] | select(.status == "alive")] | length' 2>/dev/null)" = 2 ]; }
wait_until() {  # wait_until SECONDS WHAT CMD...
	local limit=$1 what=$2; shift 2
	local deadline=$(( $(now_ms) + limit * 1000 ))
	while [ "$(now_ms)" -lt "$deadline" ]; do
		"$@" && return 0
		sleep 0.2
	done
	die "timed out after ${limit}s waiting for: $what"
}
metric() {  # metric 'name{labels}' -> value on node 1
	curl -fsS "http://$NET.1:$MPORT/metrics" | awk -v m="$1" '$1 == m { print $2 }'
}
refused() { metric "meshd_refused_datagrams_total{reason=\"$1\"}"; }
# What reaches the engine or the AEAD from one source in T seconds, at most.
budget() { awk -v t="$1" -v b="$BURST" -v r="$RATE" 'BEGIN { printf "%d", b + r * (t + 2) }'; }

"$MESHCTL" network-key > "$DIR/net.key"
chmod 600 "$DIR/net.key"
start 1 --metrics "$NET.1:$MPORT"
wait_until 10 "node 1 control socket" test -S "$(sock 1)"
start 2 --join "$NET.1:$PORT"
wait_until 30 "2 alive on both" eval 'alive_on 1 && alive_on 2'
lines0=$(wc -l < "$DIR/meshd1.log")
probes0=$(metric 'meshd_probes_total{result="sent"}')

# --- a captured datagram replayed 1,000 times
r0=$(refused replay)
python3 "$SEND" replay "$DIR/net.key" "$NET.1" "$PORT" "$NET.5" 1000 >/dev/null
sleep 0.5
r=$(( $(refused replay) - r0 ))
[ "$r" -eq 999 ] || die "$r replays counted of 1,000 copies, want 999"
log "999 of 1,000 copies of one datagram dropped as replays"

# --- a key holder floods fresh sealed datagrams from one address
d0=$(refused decode); s0=$(refused rate_source)
t=$(python3 "$SEND" sealed "$DIR/net.key" "$NET.1" "$PORT" "$NET.6" 5000)
sleep 0.5
engine=$(( $(refused decode) - d0 )); dropped=$(( $(refused rate_source) - s0 ))
[ "$engine" -le "$(budget "$t")" ] || die "$engine of 5,000 sealed datagrams reached the engine in ${t}s"
[ "$dropped" -gt 0 ] || die "no sealed datagram dropped by the source's budget"
log "sealed flood: $engine reached the engine, $dropped dropped by the source budget (${t}s)"

# --- an outsider floods junk from one address
e0=$(refused envelope); s0=$(refused rate_source)
t=$(python3 "$SEND" junk "$DIR/net.key" "$NET.1" "$PORT" "$NET.7" 100000)
sleep 0.5
opened=$(( $(refused envelope) - e0 )); dropped=$(( $(refused rate_source) - s0 ))
[ "$opened" -le "$(budget "$t")" ] || die "$opened of 100,000 junk datagrams were opened in ${t}s"
[ "$dropped" -gt 0 ] || die "no junk datagram dropped by the source's budget"
log "junk flood: $opened opened, $dropped dropped before the AEAD (${t}s)"

# --- the members never noticed
probes=$(( $(metric 'meshd_probes_total{result="sent"}') - probes0 ))
[ "$probes" -gt 0 ] || die "node 1 sent no probe during the floods: its timers stalled"
alive_on 1 && alive_on 2 || die "a member is not alive after the floods"
! grep -E "member node[12] (suspect|failed)" "$DIR"/meshd*.log || die "a member was suspected"
"$MESHCTL" --socket "$(sock 1)" status >/dev/null || die "node 1 does not answer meshctl"
lines=$(( $(wc -l < "$DIR/meshd1.log") - lines0 ))
[ "$lines" -lt 200 ] || die "node 1 logged $lines lines (debug level) for ~106,000 datagrams"
log "members alive, $probes probes sent, $lines log lines at debug level"
log "PASS"
