# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# Shared harness of the fault-injection suite (issue 12): N meshd agents on
# wireguard-go, each in its own network namespace, all on one underlay
# bridge that lives in a namespace of its own. Every node reaches the
# bridge through its own veth, so `tc netem` on a node's eth0 shapes that
# node alone; partitions are nftables rules inside the nodes.
#
# Usage (a scenario script):
#   FAULT_NAME=wire FAULT_PFX=f2w   # prefix: <= 4 characters, unique per test
#   . "$(dirname "$0")/lib.sh" "$1"  # $1 = build directory
#   fault_setup 16                   # namespaces, bridge, wireguard-go x16
#   fault_start 1; fault_start 2 --join "$(fault_under 1):51821" ...
#   fault_wait_converged 60 1 2 ...  # or fault_converged (one check)
#   fault_kill 3; fault_restart 3 ...
#   fault_report key=value ...       # prints `FAULT name=wire key=value`
# Cleanup is an EXIT trap installed by fault_setup.
#
# A test that cannot run (not root, a tool missing) fails under CI=true and
# exits 77 (ctest: skipped) elsewhere, saying why.
#
# Addresses exist only inside the namespaces this file creates:
#   underlay 10.77.0.N/24 (eth0 in node N), overlay 10.88.0.N/16.
# Names: namespaces ${FAULT_PFX}${ID}nN / ${FAULT_PFX}${ID}br, WireGuard
#   interface ${FAULT_PFX}${ID}wN (in the node's namespace), veths ${FAULT_PFX}${ID}vN/bN.

: "${FAULT_NAME:?set FAULT_NAME before sourcing lib.sh}"
: "${FAULT_PFX:?set FAULT_PFX (<= 4 characters, unique per test) before sourcing lib.sh}"

flog() { printf '%s [faults %s] %s\n' "$(date +%T.%3N)" "$FAULT_NAME" "$*"; }
fdie() { flog "FAIL: $*"; exit 1; }
fault_cannot_run() {
	if [ "${CI:-}" = true ]; then
		echo "faults $FAULT_NAME: FAIL: cannot run under CI: $*"
		exit 1
	fi
	echo "faults $FAULT_NAME: skipped: $*"
	exit 77
}
now_ms() { date +%s%3N; }
fault_report() {  # fault_report key=value ...: one machine-readable line
	echo "FAULT name=$FAULT_NAME $*"
}

[ -n "${1:-}" ] && [ -d "$1" ] || { echo "usage: $0 BUILD_DIR"; exit 2; }
[ "$(id -u)" -eq 0 ] || fault_cannot_run "needs root (network namespaces)"
for _t in wireguard-go wg jq ip nft tc ping curl; do
	command -v "$_t" >/dev/null || fault_cannot_run "$_t is missing (deploy/install-deps.sh)"
done
FAULT_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BIN=$(cd "$1" && pwd)
MESHD=$BIN/agent/meshd
MESHCTL=$BIN/agent/meshctl
CHECK_STATE=$BIN/tests/faults/meshd-check-state
for _b in "$MESHD" "$MESHCTL" "$CHECK_STATE"; do
	[ -x "$_b" ] || { echo "build first: $_b missing"; exit 2; }
done

FAULT_ID=$(printf %03d "${FAULT_ID:-$(( $$ % 1000 ))}")   # fixed width: no prefix of another run's names
FAULT_NS="${FAULT_PFX}${FAULT_ID}"
FAULT_BR="${FAULT_NS}br"
FAULT_DIR=${FAULT_DIR:-$(mktemp -d "/tmp/meshd-faults-$FAULT_NAME.XXXXXX")}
FAULT_KEEP=${FAULT_KEEP:-0}      # 1: keep $FAULT_DIR (logs) after a pass too
FAULT_N=0
declare -A MESHD_PID=() WG_PID=() EV_PID=() NODE_ARGS=() NODE_UP=() NODE_PREFIX_CMD=()

fault_ns() { echo "${FAULT_NS}n$1"; }
fault_if() { echo "${FAULT_NS}w$1"; }
fault_sock() { echo "$FAULT_DIR/n$1.sock"; }
fault_under() { echo "10.77.0.$1"; }
fault_over() { echo "10.88.0.$1"; }
fault_state() { echo "$FAULT_DIR/n$1/members"; }
fault_log() { echo "$FAULT_DIR/meshd$1.log"; }
fault_in() { local n=$1; shift; ip netns exec "$(fault_ns "$n")" "$@"; }

# ---------------------------------------------------------------- topology
# FAULT_SWITCH=1: the underlay is impair_switch.py (userspace, per-port
# loss/delay/jitter/dup/reorder) instead of a kernel bridge; fault_netem
# then configures the switch. FAULT_SWITCH=auto (default): the switch when
# the kernel has no netem qdisc (this project's CI VMs), else the bridge.
FAULT_SWITCH=${FAULT_SWITCH:-auto}
SWITCH_PID=
fault_has_netem() {
	local t="${FAULT_NS}nt" ok=1
	ip netns add "$t" 2>/dev/null || return 1
	ip -n "$t" link add x0 type veth peer name x1 2>/dev/null &&
		ip netns exec "$t" tc qdisc add dev x0 root netem delay 1ms 2>/dev/null && ok=0
	ip netns del "$t" 2>/dev/null
	return "$ok"
}

fault_setup() {  # fault_setup N: bridge namespace + N nodes with wireguard-go
	local n ports=()
	trap fault_cleanup EXIT
	trap 'exit 130' INT TERM
	FAULT_N=$1
	if [ "$FAULT_SWITCH" = auto ]; then
		if fault_has_netem; then FAULT_SWITCH=0; else FAULT_SWITCH=1; fi
	fi
	if [ "$FAULT_SWITCH" = 1 ]; then
		command -v python3 >/dev/null || fault_cannot_run "python3 is missing (the userspace switch)"
		command -v ethtool >/dev/null || fault_cannot_run "ethtool is missing (deploy/install-deps.sh): the userspace switch needs checksum offload off"
	fi
	ip netns add "$FAULT_BR" || fdie "cannot create namespace $FAULT_BR"
	ip -n "$FAULT_BR" link add br0 type bridge
	ip -n "$FAULT_BR" link set br0 up
	ip -n "$FAULT_BR" link set lo up
	"$MESHCTL" network-key > "$FAULT_DIR/net.key"
	chmod 600 "$FAULT_DIR/net.key"
	for n in $(seq "$FAULT_N"); do fault_node_ns "$n"; done
	if [ "$FAULT_SWITCH" = 1 ]; then
		for n in $(seq "$FAULT_N"); do ports+=("${FAULT_NS}b$n"); done
		: > "$FAULT_DIR/impair.json"
		ip netns exec "$FAULT_BR" python3 "$FAULT_HERE/impair_switch.py" "$FAULT_DIR/impair.json" \
			"${ports[@]}" >"$FAULT_DIR/switch.log" 2>&1 &
		SWITCH_PID=$!
		flog "underlay: userspace switch (impair_switch.py, pid $SWITCH_PID): no kernel netem here"
	else
		flog "underlay: kernel bridge; faults by tc netem"
	fi
}

fault_node_ns() {  # one node: namespace, veth on the bridge, wireguard-go
	local n=$1 ns i; ns=$(fault_ns "$n")
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	ip link add "${FAULT_NS}v$n" type veth peer name "${FAULT_NS}b$n"
	ip link set "${FAULT_NS}v$n" netns "$ns"
	ip link set "${FAULT_NS}b$n" netns "$FAULT_BR"
	ip -n "$ns" link set "${FAULT_NS}v$n" name eth0
	ip -n "$ns" addr add "$(fault_under "$n")/24" dev eth0
	ip -n "$ns" link set eth0 up
	if [ "$FAULT_SWITCH" = 1 ]; then
		# The switch reads and writes whole frames: no offloads (a frame
		# with a partial checksum or a GSO super-frame would not survive it).
		ip -n "$FAULT_BR" link set "${FAULT_NS}b$n" up
		ip netns exec "$ns" ethtool -K eth0 tx off sg off tso off gso off gro off >/dev/null 2>&1
		ip netns exec "$FAULT_BR" ethtool -K "${FAULT_NS}b$n" tx off sg off tso off gso off gro off >/dev/null 2>&1
	else
		ip -n "$FAULT_BR" link set "${FAULT_NS}b$n" master br0 up
	fi
	mkdir -p "$FAULT_DIR/n$n"
	WG_PROCESS_FOREGROUND=1 ip netns exec "$ns" wireguard-go "$(fault_if "$n")" \
		>"$FAULT_DIR/wg$n.log" 2>&1 &
	WG_PID[$n]=$!
	for i in $(seq 100); do
		fault_in "$n" test -S "/var/run/wireguard/$(fault_if "$n").sock" && return 0
		sleep 0.1
	done
	fdie "wireguard-go for node $n did not come up"
}

# ---------------------------------------------------------------- agents
# fault_start N [meshd args...]: start node N's agent (remembering the
# arguments for fault_restart). FAULT_WRAP (a command prefix, e.g.
# "faketime -f +1d") and FAULT_STATE_DIR_N (another state dir) apply when set.
FAULT_METRICS_PORT=9464
fault_start() {
	local n=$1; shift
	NODE_ARGS[$n]="$*"
	fault_launch "$n" "$@"
}

fault_launch() {
	local n=$1; shift
	local sd=${FAULT_STATE_DIR[$n]:-$FAULT_DIR/n$n}
	local -a wrap=()
	[ -n "${NODE_PREFIX_CMD[$n]:-}" ] && read -r -a wrap <<<"${NODE_PREFIX_CMD[$n]}"
	echo "=== $(date +%T.%3N) start: $*" >>"$(fault_log "$n")"
	ip netns exec "$(fault_ns "$n")" "${wrap[@]}" "$MESHD" \
		--interface "$(fault_if "$n")" --network-key "$FAULT_DIR/net.key" \
		--backend userspace --address "$(fault_over "$n")/16" \
		--endpoint "$(fault_under "$n"):51820" --listen-port 51820 --gossip-port 51821 \
		--state-dir "$sd" --socket "$(fault_sock "$n")" --name "node$n" \
		--metrics "127.0.0.1:$FAULT_METRICS_PORT" \
		--log-level "${FAULT_LOG_LEVEL:-info}" "$@" >>"$(fault_log "$n")" 2>&1 &
	MESHD_PID[$n]=$!
	NODE_UP[$n]=1
}
declare -A FAULT_STATE_DIR=()

# fault_restart N [meshd args...]: start again; without arguments, with the
# arguments of the last fault_start (use fault_restart_plain for "no --join").
fault_restart() {
	local n=$1; shift
	if [ $# -gt 0 ]; then NODE_ARGS[$n]="$*"; fi
	# shellcheck disable=SC2086 # the stored arguments hold no spaces
	fault_launch "$n" ${NODE_ARGS[$n]}
}

fault_kill() {  # fault_kill N [SIGNAL]: default kill -9, waits for the exit
	local n=$1 sig=${2:-KILL} pid=${MESHD_PID[$1]:-}
	[ -n "$pid" ] || return 0
	kill -s "$sig" "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	echo "=== $(date +%T.%3N) killed ($sig)" >>"$(fault_log "$n")"
	NODE_UP[$n]=0
	unset "MESHD_PID[$n]"
}

fault_stop() { fault_kill "$1" TERM; }   # a clean stop (TERM)

fault_pid_alive() { [ -n "${MESHD_PID[$1]:-}" ] && kill -0 "${MESHD_PID[$1]}" 2>/dev/null; }

fault_live_nodes() {  # the nodes whose agent should be running
	local n out=()
	for n in $(seq "$FAULT_N"); do [ "${NODE_UP[$n]:-0}" = 1 ] && out+=("$n"); done
	echo "${out[@]}"
}

# fault_no_agent_died: every agent that should run runs; no sanitizer
# report or "core dumped" in any log. Prints what it found; 1 on any.
fault_no_agent_died() {
	local n bad=0 f
	for n in $(fault_live_nodes); do
		if ! fault_pid_alive "$n"; then
			wait "${MESHD_PID[$n]}" 2>/dev/null; local rc=$?
			flog "node $n: agent died (exit status $rc)"
			bad=1
		fi
	done
	for f in "$FAULT_DIR"/meshd*.log; do
		[ -f "$f" ] || continue
		if grep -qE 'AddressSanitizer|UndefinedBehaviorSanitizer|runtime error:|LeakSanitizer|core dumped|Segmentation fault|Aborted' "$f"; then
			flog "$(basename "$f"): crash report in the log"
			bad=1
		fi
	done
	return "$bad"
}

# ---------------------------------------------------------------- views
fault_members_json() { "$MESHCTL" --socket "$(fault_sock "$1")" members --json 2>/dev/null; }

fault_alive_set() {  # names node N lists alive (self included), sorted, one line
	fault_members_json "$1" |
		jq -r '[.members[] | select(.status == "alive") | .name] | sort | join(",")' 2>/dev/null
}

fault_status_of() {  # fault_status_of VIEWER NODE -> status of nodeNODE as VIEWER sees it
	fault_members_json "$1" |
		jq -r --arg n "node$2" '.members[] | select(.name == $n) | .status' 2>/dev/null
}

fault_ping() {  # fault_ping FROM TO: an overlay ping answered (up to 3 tries)
	local i
	for i in 1 2 3; do
		fault_in "$1" ping -n -q -c 1 -W 1 "$(fault_over "$2")" >/dev/null 2>&1 && return 0
	done
	return 1
}

fault_state_ok() {  # fault_state_ok N: node N's state file loads (missing = fine)
	"$CHECK_STATE" "$(fault_state "$1")"
}

fault_metric() {  # fault_metric N 'name{label="x"}' -> value (0 when absent)
	local v
	v=$(fault_in "$1" curl -s --max-time 2 "http://127.0.0.1:$FAULT_METRICS_PORT/metrics" |
		awk -v k="$2" 'index($0, k " ") == 1 { print $2; exit }')
	echo "${v:-0}"
}

# fault_converged [NODES...]: one check, default all live nodes: every one
# lists exactly the set alive; every ordered pair pings; every state file
# loads; no agent died. Sets FAULT_WHY on failure.
FAULT_WHY=
fault_converged() {
	local nodes=("$@") n m want got
	[ ${#nodes[@]} -gt 0 ] || read -r -a nodes <<<"$(fault_live_nodes)"
	want=$(for n in "${nodes[@]}"; do echo "node$n"; done | sort | paste -sd,)
	for n in "${nodes[@]}"; do
		got=$(fault_alive_set "$n")
		[ "$got" = "$want" ] || { FAULT_WHY="node $n lists alive {$got}, want {$want}"; return 1; }
	done
	for n in "${nodes[@]}"; do
		for m in "${nodes[@]}"; do
			[ "$n" = "$m" ] && continue
			fault_ping "$n" "$m" || { FAULT_WHY="no ping $n -> $m over the overlay"; return 1; }
		done
	done
	for n in $(seq "$FAULT_N"); do
		fault_state_ok "$n" >/dev/null 2>&1 || { FAULT_WHY="node $n: state file does not load: $(fault_state_ok "$n" 2>&1)"; return 1; }
	done
	fault_no_agent_died || { FAULT_WHY="an agent died"; return 1; }
	FAULT_WHY=
	return 0
}

# fault_wait_converged TIMEOUT_S [NODES...]: poll fault_converged; prints
# the time it took (ms) on stdout as FAULT_CONVERGE_MS; 1 on timeout.
FAULT_CONVERGE_MS=
fault_wait_converged() {
	local limit=$1; shift
	local t0; t0=$(now_ms)
	local deadline=$(( t0 + limit * 1000 ))
	while :; do
		if fault_converged "$@"; then
			FAULT_CONVERGE_MS=$(( $(now_ms) - t0 ))
			return 0
		fi
		[ "$(now_ms)" -lt "$deadline" ] || break
		# An agent that died will not come back: no point waiting.
		fault_no_agent_died >/dev/null 2>&1 || break
		sleep 1
	done
	FAULT_CONVERGE_MS=$(( $(now_ms) - t0 ))
	flog "not converged after ${limit}s: $FAULT_WHY"
	return 1
}

# Disagreeing member sets among live nodes right now (0 = one set).
fault_disagreeing_sets() {
	local n
	for n in $(fault_live_nodes); do fault_alive_set "$n"; done | sort -u | wc -l | awk '{print $1 - 1}'
}

# Ordered live pairs that do not ping (each pair tried twice).
fault_pairs_without_tunnel() {
	local n m bad=0 live
	read -r -a live <<<"$(fault_live_nodes)"
	for n in "${live[@]}"; do
		for m in "${live[@]}"; do
			[ "$n" = "$m" ] && continue
			fault_ping "$n" "$m" || bad=$((bad + 1))
		done
	done
	echo "$bad"
}

fault_unloadable_states() {
	local n bad=0
	for n in $(seq "$FAULT_N"); do fault_state_ok "$n" >/dev/null 2>&1 || bad=$((bad + 1)); done
	echo "$bad"
}

wait_until() {  # wait_until TIMEOUT_S DESCRIPTION CMD...
	local limit=$1 what=$2; shift 2
	local deadline=$(( $(now_ms) + limit * 1000 ))
	while [ "$(now_ms)" -lt "$deadline" ]; do
		"$@" && return 0
		sleep 0.2
	done
	fdie "timed out after ${limit}s waiting for: $what"
}

fault_wait() {  # fault_wait TIMEOUT_S CMD...: like wait_until, 1 on timeout (no exit)
	local deadline=$(( $(now_ms) + $1 * 1000 )); shift
	while [ "$(now_ms)" -lt "$deadline" ]; do
		"$@" && return 0
		sleep 0.2
	done
	return 1
}

fault_views_of() {  # fault_views_of NODE: how each live node lists nodeNODE
	local v views=""
	for v in $(fault_live_nodes); do views+="$v:$(fault_status_of "$v" "$1") "; done
	echo "$views"
}

# ---------------------------------------------------------------- events
# fault_events_start N: record node N's `meshctl events` stream (one JSON
# object a line) in $FAULT_DIR/events$N.log; re-run after a restart.
fault_events_start() {
	local n=$1
	fault_events_stop "$n"
	"$MESHCTL" --socket "$(fault_sock "$n")" events --json >>"$FAULT_DIR/events$n.log" 2>/dev/null &
	EV_PID[$n]=$!
}
fault_events_stop() {
	local pid=${EV_PID[$1]:-}
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	unset "EV_PID[$1]"
}

# fault_failed_seen NODE...: how many times any node's log recorded one of
# NODE... as `failed` (member <name> failed), counted from the agents' logs.
fault_failed_seen() {
	local pat n
	pat=$(for n in "$@"; do printf 'node%s|' "$n"; done)
	pat=${pat%|}
	cat "$FAULT_DIR"/meshd*.log 2>/dev/null | grep -cE "member ($pat) failed" || true
}

# fault_failed_events NODE...: `failed` events about any of NODE... in the
# recorded event streams (fault_events_start) of all nodes.
fault_failed_events() {
	local names n
	names=$(for n in "$@"; do printf '"node%s",' "$n"; done)
	cat "$FAULT_DIR"/events*.log 2>/dev/null |
		jq -c --argjson names "[${names%,}]" \
			'select(.event == "failed" and (.name as $x | $names | index($x)))' 2>/dev/null | wc -l
}

# fault_false_failures NODE...: a responsive member declared failed, counted
# both ways (event streams, log lines); prints the larger count.
fault_false_failures() {
	local a b; a=$(fault_failed_events "$@"); b=$(fault_failed_seen "$@")
	[ "$a" -ge "$b" ] && echo "$a" || echo "$b"
}

# fault_all_see STATUS NODE [VIEWERS...]: every viewer (default: live nodes
# but NODE) lists nodeNODE with STATUS.
fault_all_see() {
	local st=$1 x=$2 v viewers; shift 2
	if [ $# -gt 0 ]; then viewers=("$@"); else read -r -a viewers <<<"$(fault_live_nodes)"; fi
	for v in "${viewers[@]}"; do
		[ "$v" = "$x" ] && continue
		[ "$(fault_status_of "$v" "$x")" = "$st" ] || return 1
	done
}

# ---------------------------------------------------------------- the wire
# fault_netem N [loss P%] [delay D(ms) [J(ms)]] [duplicate P%] [reorder P%]:
# impair node N's underlay egress: tc netem on its veth (kernel bridge), or
# the same settings given to the userspace switch (FAULT_SWITCH=1; only
# these netem words are understood there).
declare -A SWITCH_CFG=()
fault_netem() {
	local n=$1; shift
	if [ "$FAULT_SWITCH" != 1 ]; then
		fault_in "$n" tc qdisc replace dev eth0 root netem "$@"
		return
	fi
	local loss=0 delay=0 jitter=0 dup=0 reorder=0
	while [ $# -gt 0 ]; do
		case $1 in
		loss) loss=${2%\%}; shift 2 ;;
		delay) delay=${2%ms}; shift 2
			case ${1:-} in *ms) jitter=${1%ms}; shift ;; esac ;;
		duplicate) dup=${2%\%}; shift 2 ;;
		reorder) reorder=${2%\%}; shift 2
			case ${1:-} in *%) shift ;; esac ;;
		distribution) shift 2 ;;
		*) echo "fault_netem: the userspace switch does not know '$1'" >&2; return 1 ;;
		esac
	done
	SWITCH_CFG[$n]=$(printf '"%s": {"loss": %s, "delay": %s, "jitter": %s, "dup": %s, "reorder": %s}' \
		"${FAULT_NS}b$n" "$(awk -v x="$loss" 'BEGIN{print x/100}')" "$(awk -v x="$delay" 'BEGIN{print x/1000}')" \
		"$(awk -v x="$jitter" 'BEGIN{print x/1000}')" "$(awk -v x="$dup" 'BEGIN{print x/100}')" \
		"$(awk -v x="$reorder" 'BEGIN{print x/100}')")
	fault_switch_write
}
fault_switch_write() {
	local k body=""
	for k in "${!SWITCH_CFG[@]}"; do body+="${SWITCH_CFG[$k]}, "; done
	printf '{"ports": {%s}}\n' "${body%, }" > "$FAULT_DIR/impair.json.tmp"
	mv "$FAULT_DIR/impair.json.tmp" "$FAULT_DIR/impair.json"
}
fault_netem_clear() {
	if [ "$FAULT_SWITCH" = 1 ]; then
		unset "SWITCH_CFG[$1]"
		fault_switch_write
	else
		fault_in "$1" tc qdisc del dev eth0 root 2>/dev/null || true
	fi
}

# fault_partition "A nodes" "B nodes": no underlay traffic between the sets
# (both directions, dropped inside each node of A and B).
fault_partition() {
	local a=($1) b=($2) n addrs
	addrs=$(for n in "${b[@]}"; do printf '%s, ' "$(fault_under "$n")"; done)
	for n in "${a[@]}"; do fault_drop_from "$n" "${addrs%, }"; done
	addrs=$(for n in "${a[@]}"; do printf '%s, ' "$(fault_under "$n")"; done)
	for n in "${b[@]}"; do fault_drop_from "$n" "${addrs%, }"; done
}
fault_drop_from() {
	fault_in "$1" nft -f - <<EOF
table inet faultpart {
	chain in { type filter hook input priority 0; ip saddr { $2 } drop; }
	chain out { type filter hook output priority 0; ip daddr { $2 } drop; }
}
EOF
}
fault_heal() {  # remove every partition rule
	local n
	for n in $(seq "$FAULT_N"); do fault_in "$n" nft delete table inet faultpart 2>/dev/null || true; done
}

# ---------------------------------------------------------------- cleanup
fault_cleanup() {
	local rc=$? n ns
	trap - EXIT
	disown -a 2>/dev/null || true   # no "Killed" line per agent
	for n in "${!EV_PID[@]}"; do kill "${EV_PID[$n]}" 2>/dev/null || true; done
	for n in "${!MESHD_PID[@]}"; do kill -CONT "${MESHD_PID[$n]}" 2>/dev/null; kill -9 "${MESHD_PID[$n]}" 2>/dev/null || true; done
	[ -n "${FAULT_EXTRA_CLEANUP:-}" ] && $FAULT_EXTRA_CLEANUP
	if [ -n "$SWITCH_PID" ]; then
		kill "$SWITCH_PID" 2>/dev/null
		sleep 0.3
		cat "$FAULT_DIR/switch.log" 2>/dev/null
	fi
	for n in "${!WG_PID[@]}"; do kill "${WG_PID[$n]}" 2>/dev/null || true; done
	sleep 0.3
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^${FAULT_NS}" || true); do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
		ip netns del "$ns" 2>/dev/null || true
	done
	if [ "$rc" -ne 0 ] && [ -d "$FAULT_DIR" ]; then
		for f in "$FAULT_DIR"/meshd*.log; do
			[ -f "$f" ] || continue
			echo "----- $f (last 20 lines)"; tail -n 20 "$f"
		done
	fi
	if [ "$rc" -eq 0 ] && [ "$FAULT_KEEP" != 1 ]; then
		rm -rf "$FAULT_DIR"
	else
		echo "faults $FAULT_NAME: logs kept in $FAULT_DIR"
	fi
	exit "$rc"
}
