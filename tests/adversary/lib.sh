# SPDX-License-Identifier: MIT
# Shared by the adversary tests (t*.sh). Source it with ADV_ITEM set and
# the build directory as $1. It builds on tests/e2e/lib.sh (per-run
# prefix, a bridge namespace, one namespace per node, wireguard-go,
# cleanup on EXIT) and adds: the attacker's namespaces, nodes that can
# leave out --address or --endpoint, figures as `ADVERSARY item=N ...`
# lines (appended to $ADVERSARY_RESULTS when set), CPU and RSS readings,
# and violations collected so that one run reports every bar it missed.
#
# A test that cannot run (not root, no wireguard-go, jq, wg) fails under
# CI=true and is skipped (exit 77) elsewhere.

: "${ADV_ITEM:?set ADV_ITEM before sourcing lib.sh}"
adv_cannot_run() {
	if [ "${CI:-}" = true ]; then
		echo "adversary item $ADV_ITEM: FAIL: cannot run under CI: $*"
		exit 1
	fi
	echo "adversary item $ADV_ITEM: skipped: $*"
	exit 77
}
[ "$(id -u)" -eq 0 ] || adv_cannot_run "needs root (network namespaces)"
for tool in wireguard-go wg jq python3 ip; do
	command -v "$tool" >/dev/null || adv_cannot_run "$tool is missing (deploy/install-deps.sh)"
done
[ -n "${1:-}" ] && [ -d "$1" ] || { echo "usage: $0 BUILD_DIR"; exit 2; }
BUILD_DIR=$(cd "$1" && pwd)
BIN=$BUILD_DIR/agent
ATT=$BUILD_DIR/tests/adversary/meshd-attacker
[ -x "$ATT" ] && [ -x "$BIN/meshd" ] || { echo "build first: $ATT or $BIN/meshd missing"; exit 2; }
ADV_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Short per-run prefix: interface names must fit 15 bytes.
E2E_ID=${E2E_ID:-a$$}
. "$ADV_HERE/../e2e/lib.sh"
PREFIX=10.88.0.0/16
CLK_TCK=$(getconf CLK_TCK)
VIOLATIONS=()
DERIVED=" "     # nodes started without --address (derived from the key)
NO_ENDPOINT=" " # nodes started without --endpoint (learnt from a JOIN_ACK)

adv_cleanup() {
	local rc=$?
	set +e   # every step must run, whatever failed before
	touch "$E2E_DIR/stop" 2>/dev/null || true
	# Our own background jobs (watchers, sinks) only: by pid.
	local p
	for p in $(jobs -p); do kill "$p" 2>/dev/null || true; done
	(exit "$rc")
	e2e_cleanup
}
trap adv_cleanup EXIT
trap 'exit 130' INT TERM

adv_result() {  # adv_result KEY=VALUE...: one figure line, kept in $ADVERSARY_RESULTS
	local line="ADVERSARY item=$ADV_ITEM $*"
	echo "$line"
	if [ -n "${ADVERSARY_RESULTS:-}" ]; then
		echo "$(date -u +%FT%TZ) $line" >> "$ADVERSARY_RESULTS"
	fi
}

adv_violation() {
	VIOLATIONS+=("$*")
	log "VIOLATION: $*"
}

adv_finish() {  # pass when nothing was violated; list every violation otherwise
	if [ "${#VIOLATIONS[@]}" -gt 0 ]; then
		log "item $ADV_ITEM: FAILED, ${#VIOLATIONS[@]} bar(s) missed:"
		printf '  - %s\n' "${VIOLATIONS[@]}"
		adv_result "verdict=FAIL violations=${#VIOLATIONS[@]}"
		exit 1
	fi
	adv_result "verdict=PASS"
	log "item $ADV_ITEM: passed"
	exit 0
}

adv_ns() {  # adv_ns N [EXTRA_IP...]: a namespace on the bridge, no WireGuard, no agent
	local n=$1 ns; shift
	ns=$(ns_of "$n")
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	ip link add "${E2E_PFX}v$n" type veth peer name "${E2E_PFX}b$n"
	ip link set "${E2E_PFX}v$n" netns "$ns"
	ip link set "${E2E_PFX}b$n" netns "$E2E_BR"
	ip -n "$ns" link set "${E2E_PFX}v$n" name eth0
	ip -n "$ns" addr add "$(under_of "$n")/24" dev eth0
	local extra
	for extra in "$@"; do ip -n "$ns" addr add "$extra/24" dev eth0; done
	ip -n "$ns" link set eth0 up
	ip -n "$E2E_BR" link set "${E2E_PFX}b$n" master br0 up
}

adv_start() {  # adv_start N [meshd args...]: like e2e_start, honouring DERIVED / NO_ENDPOINT
	local n=$1; shift
	local opt=(--prefix "$PREFIX")
	case "$DERIVED" in *" $n "*) ;; *) opt+=(--address "$(over_of "$n")/16") ;; esac
	case "$NO_ENDPOINT" in *" $n "*) ;; *) opt+=(--endpoint "$(under_of "$n"):51820") ;; esac
	ip netns exec "$(ns_of "$n")" "$BIN/meshd" \
		--interface "$(if_of "$n")" --network-key "$E2E_DIR/net.key" \
		--backend "$BACKEND" "${opt[@]}" --listen-port 51820 --gossip-port 51821 \
		--state-dir "$E2E_DIR/n$n" --socket "$(sock_of "$n")" --name "node$n" \
		--log-level "${E2E_LOG_LEVEL:-info}" "$@" >>"$E2E_DIR/meshd$n.log" 2>&1 &
	MESHD_PID[$n]=$!
}

gossip_of() { echo "$(under_of "$1"):51821"; }

all_alive() {  # all_alive VIEWERS -- NAMES: every viewer lists every name alive
	local viewers=() names=() a n json
	while [ "$1" != -- ]; do viewers+=("$1"); shift; done; shift
	names=("$@")
	for a in "${viewers[@]}"; do
		json=$(e2e_members_json "$a") || return 1
		for n in "${names[@]}"; do
			[ "$(jq -r --arg n "$n" '[.members[] | select(.name == $n and .status == "alive")] | length' <<<"$json")" -ge 1 ] || return 1
		done
	done
}

adv_mesh() {  # adv_mesh N...: first node alone, the rest join it; wait for all alive everywhere
	local first=$1 n names=()
	e2e_underlay
	for n in "$@"; do e2e_node_ns "$n"; names+=("node$n"); done
	adv_start "$first" ${NODE_ARGS:-}
	wait_until 10 "node $first control socket" test -S "$(sock_of "$first")"
	for n in "${@:2}"; do adv_start "$n" --join "$(gossip_of "$first")" ${NODE_ARGS:-}; done
	wait_until 60 "mesh of $*" all_alive "$@" -- "${names[@]}"
	log "mesh up: ${names[*]}"
}

member_field() {  # member_field VIEWER NAME FIELD
	e2e_members_json "$1" | jq -r --arg n "$2" --arg f "$3" \
		'[.members[] | select(.name == $n)][0][$f] // empty'
}

att() {  # att NS_NODE COMMAND ARGS...: run the attacker in a namespace (at nice $ATT_NICE); keep its figures
	local n=$1; shift
	local out="$E2E_DIR/att-$1-$$-$RANDOM.out" rc=0
	ip netns exec "$(ns_of "$n")" nice -n "${ATT_NICE:-0}" "$ATT" "$@" >"$out" 2>&1 || rc=$?
	cat "$out"
	grep '^ADVERSARY ' "$out" | sed 's/^ADVERSARY //' | while read -r l; do adv_result_raw "$l"; done
	[ "$rc" -eq 0 ] || die "attacker '$1' failed to carry out the attack (exit $rc)"
}

adv_result_raw() {  # a line the attacker printed, kept under this test's item
	if [ -n "${ADVERSARY_RESULTS:-}" ]; then
		echo "$(date -u +%FT%TZ) ADVERSARY item=$ADV_ITEM $*" >> "$ADVERSARY_RESULTS"
	fi
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

stopped() { [ -e "$E2E_DIR/stop" ]; }

# Watchers: CHECK VIEWER prints one line per bar crossed in what VIEWER
# shows now (nothing when all is well). adv_watch runs one polling loop
# per viewer in the background (about every 100-200 ms each, in parallel
# so a slow meshctl on one node does not thin out the others' polls);
# adv_watch_stop ends them and sets WATCH_POLLS and WATCH_BAD.
WATCH_PIDS=()
adv_watch() {  # adv_watch CHECK VIEWER...
	local check=$1 v; shift
	rm -f "$E2E_DIR/stop"
	: > "$E2E_DIR/watch.violations"
	for v in "$@"; do
		(
			polls=0
			while ! stopped; do
				out=$("$check" "$v" 2>/dev/null) || true
				[ -z "$out" ] || sed "s/^/$(date +%T.%3N) /" <<<"$out" >> "$E2E_DIR/watch.violations"
				polls=$((polls + 1)); echo "$polls" > "$E2E_DIR/watch.polls.$v"
				sleep 0.1
			done
		) &
		WATCH_PIDS+=($!)
	done
}

adv_watch_stop() {
	touch "$E2E_DIR/stop"
	local p f
	for p in "${WATCH_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	WATCH_PIDS=()
	WATCH_POLLS=0
	for f in "$E2E_DIR"/watch.polls.*; do
		[ -f "$f" ] && WATCH_POLLS=$((WATCH_POLLS + $(cat "$f")))
	done
	rm -f "$E2E_DIR"/watch.polls.*
	WATCH_BAD=$(wc -l < "$E2E_DIR/watch.violations")
}

adv_watch_report() {  # adv_watch_report WHAT: a violation when the watch saw anything
	if [ "$WATCH_BAD" -gt 0 ]; then
		echo "--- first violating observations:"; head -n 5 "$E2E_DIR/watch.violations"
		echo "--- by kind:"; cut -d' ' -f2- "$E2E_DIR/watch.violations" | sed 's/[0-9]\{4,\}/N/g' | sort | uniq -c | sort -rn | head
		adv_violation "$1: $WATCH_BAD violating observations in $WATCH_POLLS polls (first: $(head -n 1 "$E2E_DIR/watch.violations"))"
	fi
}

# A member's status without parsing the whole table with jq: a Sybil
# flood can leave 100,000 members in it. The control socket writes each
# member as one flat JSON object that starts with its name.
status_fast() {  # status_fast VIEWER NAME
	"$BIN/meshctl" --socket "$(sock_of "$1")" members --json 2>/dev/null |
		grep -o "{\"name\":\"$2\"[^}]*}" | head -n 1 | sed -n 's/.*"status":"\([a-z]*\)".*/\1/p'
}

all_status() {  # all_status STATUS NAME VIEWER...
	local st=$1 name=$2 v; shift 2
	for v in "$@"; do [ "$(status_fast "$v" "$name")" = "$st" ] || return 1; done
}

# reached_ms LIMIT_S T0_MS STATUS NAME VIEWER...: the ms from T0 (Unix ms)
# until the last viewer's agent put NAME in STATUS, or "timeout". The
# instant is the agent's own (since_ms: when the change reached it), read
# once every viewer shows STATUS in one pass; not when a poll happened to
# see it: under a flood of thousands of members one `meshctl members`
# takes up to a second, and polling three viewers in a row would add
# seconds to the figure. A status lost and regained counts from the
# later instant, so the figure is never too small.
reached_ms() {
	local limit=$1 t0=$2 st=$3 name=$4 v obj worst each; shift 4
	while [ $(( $(now_ms) - t0 )) -lt $((limit * 1000)) ]; do
		worst=$t0 each=
		for v in "$@"; do
			obj=$("$BIN/meshctl" --socket "$(sock_of "$v")" members --json 2>/dev/null |
				grep -o "{\"name\":\"$name\"[^}]*}" | head -n 1) || true
			[ "$(sed -n 's/.*"status":"\([a-z]*\)".*/\1/p' <<<"$obj")" = "$st" ] || { worst=; break; }
			obj=$(sed -n 's/.*"since_ms":\([0-9]*\).*/\1/p' <<<"$obj")
			[ -n "$obj" ] || { worst=; break; }
			[ "$obj" -gt "$worst" ] && worst=$obj
			each+=" node$v=$((obj - t0))"
		done
		if [ -n "$worst" ]; then
			log "$name $st, ms after the start by each agent's clock:$each" >&2
			echo $((worst - t0)); return 0
		fi
		sleep 0.1
	done
	echo timeout
	return 1
}

within() {  # within SECONDS CMD...: poll CMD every 100 ms; print the ms it took or "timeout"
	local limit=$1 t0; shift
	t0=$(now_ms)
	while [ $(( $(now_ms) - t0 )) -lt $((limit * 1000)) ]; do
		if "$@"; then echo $(( $(now_ms) - t0 )); return 0; fi
		sleep 0.1
	done
	echo timeout
	return 1
}
