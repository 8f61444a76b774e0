#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Smoke test without root: three meshd with --backend none on distinct
# loopback addresses (127.A.B.1-3, like `serf agent -bind`), each with its
# own state directory and control socket.
#  - 2 and 3 join through 1: every node lists 3 alive (meshctl members --json)
#  - hostile datagrams are dropped and counted; the agent keeps running
#  - kill -9 node 3: the others mark it failed
#  - node 3 restarts with no seed: rejoins through remembered members,
#    same key
#  - meshctl status, events, metrics and the event hook report what happened
#  - meshctl leave on node 2: node 1 shows it left, node 2 exits 0
#  - bad input at start-up: clear message, exit 1
# Traffic goes only to 127.0.0.0/8.
# Usage: smoke.sh BUILD_DIR
set -euo pipefail
BUILD=$(cd "$1" && pwd)
MESHD=$BUILD/agent/meshd
MESHCTL=$BUILD/agent/meshctl
command -v jq >/dev/null || { echo "smoke: jq missing (apt-get install jq)"; exit 1; }

DIR=$(mktemp -d /tmp/meshd-smoke.XXXXXX)
declare -A PID
# A random loopback /24 and port: parallel runs and other agents do not collide.
NET="127.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1))"
PORT=$((RANDOM % 20000 + 30000))
MPORT=$((PORT + 1))

log() { printf '%s [smoke] %s\n' "$(date +%T.%3N)" "$*"; }
die() { log "FAIL: $*"; exit 1; }
now_ms() { date +%s%3N; }

cleanup() {
	local rc=$? n
	for n in "${!PID[@]}"; do kill -9 "${PID[$n]}" 2>/dev/null || true; done
	[ -n "${EVPID:-}" ] && kill "$EVPID" 2>/dev/null || true
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
	"$MESHD" --interface "smoke$n" --backend none --network-key "$DIR/net.key" \
		--bind "$NET.$n" --gossip-port "$PORT" --listen-port 51820 \
		--state-dir "$DIR/state$n" --socket "$(sock "$n")" --name "node$n" \
		--log-level debug "$@" >>"$DIR/meshd$n.log" 2>&1 &
	PID[$n]=$!
}

members() { "$MESHCTL" --socket "$(sock "$1")" members --json 2>/dev/null; }
count() { members "$1" | jq --arg s "$2" '[.members[] | select(.status == $s)] | length' 2>/dev/null || echo -1; }
status_of() { members "$1" | jq -r --arg n "$2" '.members[] | select(.name == $n) | .status' 2>/dev/null; }

wait_until() {  # wait_until SECONDS WHAT CMD...
	local limit=$1 what=$2; shift 2
	local deadline=$(( $(now_ms) + limit * 1000 ))
	while [ "$(now_ms)" -lt "$deadline" ]; do
		"$@" && return 0
		sleep 0.2
	done
	die "timed out after ${limit}s waiting for: $what"
}

all_alive() {  # every listed node sees 3 alive
	local n
	for n in "$@"; do [ "$(count "$n" alive)" -eq 3 ] || return 1; done
}
sees() { [ "$(status_of "$1" "$2")" = "$3" ]; }

"$MESHCTL" network-key > "$DIR/net.key"
chmod 600 "$DIR/net.key"
[ "$(wc -c < "$DIR/net.key")" -eq 45 ] || die "network-key did not print one base64 key"

# --- bad input at start-up: exit 1 with a message naming the cause
cp "$DIR/net.key" "$DIR/open.key"; chmod 644 "$DIR/open.key"
set +e
out=$("$MESHD" --backend none --network-key "$DIR/open.key" --state-dir "$DIR/x" \
	--socket "$DIR/x.sock" 2>&1); rc=$?
set -e
[ "$rc" -eq 1 ] || die "world-readable network key: exit $rc, want 1"
grep -q "$DIR/open.key" <<<"$out" || die "error does not name the key file: $out"
[ ! -e "$DIR/x/identity.key" ] || die "a refused start still created an identity"
set +e
out=$("$MESHD" --network-key "$DIR/net.key" --listen-port 0 2>&1); rc=$?
set -e
[ "$rc" -eq 1 ] && grep -q "listen-port" <<<"$out" || die "bad flag: exit $rc: $out"
set +e
out=$("$MESHCTL" --socket "$DIR/none.sock" members 2>&1); rc=$?
set -e
[ "$rc" -ne 0 ] && grep -q "$DIR/none.sock" <<<"$out" || die "meshctl without agent: exit $rc: $out"

# --- a mesh of three
cat > "$DIR/hook.sh" <<HOOK
#!/bin/sh
echo "\$MESHD_EVENT \$MESHD_NAME \$MESHD_STATUS \$MESHD_ENDPOINT \$MESHD_PUBLIC_KEY" >> "$DIR/hook.out"
nice > "$DIR/hook.nice"
HOOK
chmod 755 "$DIR/hook.sh"
start 1 --metrics "$NET.1:$MPORT" --event-hook "$DIR/hook.sh"
wait_until 10 "node 1 control socket" test -S "$(sock 1)"
"$MESHCTL" --socket "$(sock 1)" events --json > "$DIR/events.out" 2>&1 &
EVPID=$!
t0=$(now_ms)
start 2 --join "$NET.1:$PORT"
start 3 --join "$NET.1:$PORT"
wait_until 30 "3 alive on every node" all_alive 1 2 3
log "3 nodes alive everywhere after $(( $(now_ms) - t0 )) ms"

# A second agent on a running agent's socket is refused before it touches anything.
set +e
out=$("$MESHD" --backend none --network-key "$DIR/net.key" --bind "$NET.9" --gossip-port "$PORT" \
	--state-dir "$DIR/state9" --socket "$(sock 1)" 2>&1); rc=$?
set -e
[ "$rc" -eq 1 ] && grep -q "already running" <<<"$out" || die "second agent on a socket: $rc: $out"
[ ! -e "$DIR/state9" ] || die "a refused second agent created its state directory"
"$MESHCTL" --socket "$(sock 1)" status >/dev/null || die "node 1's socket broken by the refused agent"

# The members listing: JSON fields, self included, the table aligned.
m=$(members 2)
jq -e '.members | length == 3' <<<"$m" >/dev/null || die "members --json: $m"
jq -e '[.members[] | select(.self == true)] | length == 1' <<<"$m" >/dev/null || die "no self entry"
jq -e 'all(.members[]; (.public_key | length) == 44 and (.endpoint | test(":51820$"))
	and (.overlay_ip | length) > 0 and (has("last_handshake")))' <<<"$m" >/dev/null ||
	die "member fields: $m"
"$MESHCTL" --socket "$(sock 1)" members | head -1 | grep -q '^NAME' || die "table header"
[ "$("$MESHCTL" --socket "$(sock 1)" members | wc -l)" -eq 4 ] || die "table rows"
key3=$(members 1 | jq -r '.members[] | select(.name == "node3") | .public_key')

# --- hostile datagrams: random bytes to node 1's gossip port
for i in $(seq 50); do
	head -c $((RANDOM % 1400 + 1)) /dev/urandom > "/dev/udp/$NET.1/$PORT" || true
done
sleep 1
kill -0 "${PID[1]}" || die "node 1 died under random datagrams"
wait_until 10 "3 alive after random datagrams" all_alive 1 2 3
refused=$(curl -fsS "http://$NET.1:$MPORT/metrics" |
	awk '/^meshd_refused_datagrams_total/ { s += $2 } END { print s + 0 }')
[ "$refused" -ge 50 ] || die "metrics counted $refused refused datagrams, want >= 50"

# --- kill -9 node 3: the others mark it failed
# two members and its own record (kept for its address claim)
saved_both() { [ "$(grep -c '^record ' "$DIR/state3/members" 2>/dev/null)" = 3 ]; }
wait_until 10 "node 3 saved its members" saved_both
t0=$(now_ms)
kill -9 "${PID[3]}"; wait "${PID[3]}" 2>/dev/null || true; unset 'PID[3]'
wait_until 30 "node 3 failed on 1 and 2" eval 'sees 1 node3 failed && sees 2 node3 failed'
log "node 3 marked failed after $(( $(now_ms) - t0 )) ms"

# --- restart without a seed: rejoins through the remembered members, same key
start 3
wait_until 30 "node 3 alive again" all_alive 1 2 3
[ "$(members 1 | jq -r '.members[] | select(.name == "node3") | .public_key')" = "$key3" ] ||
	die "node 3 came back with another key"
log "node 3 rejoined from its state directory with the same key"

# --- status
st=$("$MESHCTL" --socket "$(sock 1)" status --json)
jq -e '.backend == "none" and .alive == 3 and .interface == "smoke1" and
	(.public_key | length) == 44 and .uptime >= 0' <<<"$st" >/dev/null || die "status: $st"
"$MESHCTL" --socket "$(sock 1)" status | grep -q '^members .*3 alive' || die "status text"

# --- metrics: every family the operator docs promise
metrics=$(curl -fsS "http://$NET.1:$MPORT/metrics")
for fam in meshd_members meshd_datagrams_total meshd_bytes_total meshd_refused_datagrams_total \
	meshd_probe_rtt_seconds meshd_netlink_operations_total meshd_netlink_errors_total \
	meshd_seconds_since_convergence; do
	grep -q "^# TYPE $fam " <<<"$metrics" || die "metrics lack $fam"
done
grep -q '^meshd_members{status="alive"} 3$' <<<"$metrics" || die "metrics members alive"

# --- leave: node 2 goes, node 1 shows it left
"$MESHCTL" --socket "$(sock 2)" leave >/dev/null || die "meshctl leave failed"
wait_until 20 "node 2 left on node 1" sees 1 node2 left
set +e
wait "${PID[2]}"; rc=$?
set -e
unset 'PID[2]'
[ "$rc" -eq 0 ] || die "node 2 exited $rc after leave, want 0"

# --- events stream and hook saw the changes
grep -q '"event":"failed"' "$DIR/events.out" || die "events stream lacks a failed event"
grep -q '"name":"node2"' "$DIR/events.out" || die "events stream lacks node2"
wait_until 10 "hook ran for the failure" grep -q '^failed node3 failed ' "$DIR/hook.out"
grep -q '^left node2 left ' "$DIR/hook.out" || die "hook did not see node 2 leave"
grep -q '^alive node3 alive ' "$DIR/hook.out" || die "hook did not see node 3 come back"
grep -q '^join node2 alive 127\.' "$DIR/hook.out" || die "hook did not see node 2 join"
# Hooks run 10 nice levels below the agent (capped at 19): a burst of them
# must not starve its probes.
want_nice=$(( $(nice) + 10 )); [ "$want_nice" -le 19 ] || want_nice=19
[ "$(cat "$DIR/hook.nice")" = "$want_nice" ] ||
	die "hook ran at nice $(cat "$DIR/hook.nice"), want $want_nice"

# --- SIGTERM: clean exit, state saved
kill -TERM "${PID[1]}"
set +e
wait "${PID[1]}"; rc=$?
set -e
unset 'PID[1]'
[ "$rc" -eq 0 ] || die "node 1 exited $rc on SIGTERM"
grep -q '^record ' "$DIR/state1/members" || die "node 1 saved no members"
[ "$(stat -c %a "$DIR/state1/members")" = 600 ] || die "state file mode"
[ ! -e "$(sock 1)" ] || die "control socket left behind"
log "all smoke checks passed"
