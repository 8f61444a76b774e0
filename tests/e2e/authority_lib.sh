# SPDX-License-Identifier: MIT
# Helpers for authority.sh (issue 10): nodes in authority mode on
# wireguard-go, built on lib.sh (per-run prefix, bridge namespace, one
# namespace per node, cleanup on EXIT). Adds: the authority key and
# invites (tokens kept in 0600 files, never in argv), agents started from
# an invite file, Prometheus readings from each node's loopback, figures
# as `AUTHORITY key=value` lines, and violations collected so that one run
# reports every bar it missed instead of stopping at the first.
#
# Addresses exist only inside namespaces this file creates:
#   underlay 10.77.0.N/24, overlay 10.88.0.N/16.

: "${BIN:?BIN must point at the agent build directory}"
. "$AUTH_HERE/lib.sh"
METRICS_PORT=9100
AUTH_KEY=$E2E_DIR/authority.key
AUTH_PUB=
VIOLATIONS=()
LIVE=()

auth_cleanup() {
	local rc=$?
	set +e   # every step must run, whatever failed before
	local p
	# Our own background jobs (pingers, event streams, meshctl): by pid.
	for p in $(jobs -p); do kill "$p" 2>/dev/null || true; done
	# Logs, pings and events only (no keys, no tokens), when asked for.
	if [ -n "${AUTH_KEEP_LOGS:-}" ] && [ -d "$E2E_DIR" ]; then
		mkdir -p "$AUTH_KEEP_LOGS/run${AUTH_RUN:-1}"
		# Regular files only: the event streams' fifos would block cp.
		for p in "$E2E_DIR"/*.log "$E2E_DIR"/ping.* "$E2E_DIR"/ev.*; do
			[ -f "$p" ] && cp "$p" "$AUTH_KEEP_LOGS/run${AUTH_RUN:-1}/"
		done
	fi
	(exit "$rc")
	e2e_cleanup
}

figure() {  # figure KEY=VALUE...: one line per figure, kept in $AUTH_FIGURES for the parent
	local kv
	for kv in "$@"; do
		echo "AUTHORITY run=${AUTH_RUN:-1} $kv"
		[ -z "${AUTH_FIGURES:-}" ] || echo "$kv" >> "$AUTH_FIGURES"
	done
}

violation() {
	VIOLATIONS+=("$*")
	log "VIOLATION: $*"
}

bar_ms() {  # bar_ms WHAT MS LIMIT_MS: a violation when MS is "timeout" or above the bar
	if [ "$2" = timeout ] || [ "$2" -gt "$3" ]; then
		violation "$1: took ${2} ms, bar ${3} ms"
	fi
}

since_ms() {  # since_ms T0_MS LIMIT_S CMD...: poll CMD; print ms since T0 when it holds, or "timeout"
	local t0=$1 limit=$2; shift 2
	while [ $(( $(now_ms) - t0 )) -lt $((limit * 1000)) ]; do
		if "$@"; then echo $(( $(now_ms) - t0 )); return 0; fi
		sleep 0.1
	done
	echo timeout
	return 1
}

# first_ms_all T0 LIMIT_S CHECK VIEWER...: one polling loop per viewer, in
# parallel, every 50 ms (a sequential sweep over 8 nodes on a loaded
# machine would add its own length to every figure). Prints the ms from
# T0 until CHECK VIEWER held for the last viewer, or "timeout": the start
# of the first poll that saw it, so within one poll (~50-150 ms) of when
# the state changed, whatever one poll costs on a busy machine. T0 = 0:
# absolute times (for polls started before the event, in the background).
first_ms_all() {
	local t0=$1 limit=$2 check=$3 v p t pids=() worst=0 got dir end; shift 3
	dir=$(mktemp -d "$E2E_DIR/poll.XXXXXX")
	end=$(( $(now_ms) + limit * 1000 ))
	for v in "$@"; do
		(
			while :; do
				t=$(now_ms)
				[ "$t" -lt "$end" ] || exit 0
				if "$check" "$v"; then echo $((t - t0)) > "$dir/$v"; exit 0; fi
				sleep 0.05
			done
		) &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p" || true; done
	for v in "$@"; do
		if [ ! -f "$dir/$v" ]; then echo timeout; rm -rf "$dir"; return 1; fi
		got=$(cat "$dir/$v")
		[ "$got" -le "$worst" ] || worst=$got
	done
	rm -rf "$dir"
	echo "$worst"
}

drop_live() {
	local keep=() x
	for x in "${LIVE[@]}"; do [ "$x" = "$1" ] || keep+=("$x"); done
	LIVE=("${keep[@]}")
}

# ---- authority, invites, agents

auth_new() {  # the authority key file (0600) and its public key in AUTH_PUB
	local out
	out=$("$BIN/meshctl" authority new --out "$AUTH_KEY" 2>&1) ||
		die "meshctl authority new failed: $out"
	AUTH_PUB=$(grep -oE '[A-Za-z0-9+/]{43}=' <<<"$out" | head -n 1)
	[ -n "$AUTH_PUB" ] || die "meshctl authority new printed no public key: $out"
	[ "$(stat -c %a "$AUTH_KEY")" = 600 ] || die "authority key file is mode $(stat -c %a "$AUTH_KEY"), want 600"
	"$BIN/meshctl" authority new --out "$AUTH_KEY" >/dev/null 2>&1 &&
		violation "meshctl authority new overwrote an existing authority key file"
	log "authority $AUTH_PUB"
}

# auth_invite FILE [meshctl options...]: the token into FILE (0600; a bearer
# secret, so never on a command line). Sets TOKEN_MS: when it was printed.
auth_invite() {
	local file=$1 rc=0; shift
	( umask 077; "$BIN/meshctl" "$@" --authority-key "$AUTH_KEY" > "$file" 2>"$file.err" ) || rc=$?
	TOKEN_MS=$(now_ms)
	[ "$rc" -eq 0 ] || die "meshctl $* failed (exit $rc): $(head -c 400 "$file.err")"
	grep -q '^meshd1:[A-Za-z0-9_-]\{40,\}$' "$file" ||
		die "meshctl $* printed no meshd1: token: $(head -c 200 "$file") $(head -c 200 "$file.err")"
	[ "$(stat -c %a "$file")" = 600 ] || die "token file mode $(stat -c %a "$file")"
}

# auth_start N [meshd args...]: the agent of node N (no network key given:
# it comes from the invite or from the state dir), metrics on the node's
# own loopback, a short key transition so a run ends in minutes.
auth_start() {
	local n=$1; shift
	ip netns exec "$(ns_of "$n")" "$BIN/meshd" \
		--interface "$(if_of "$n")" --backend "$BACKEND" \
		--endpoint "$(under_of "$n"):51820" --listen-port 51820 --gossip-port 51821 \
		--state-dir "${STATE_DIR[$n]:-$E2E_DIR/n$n}" --socket "$(sock_of "$n")" \
		--metrics "127.0.0.1:$METRICS_PORT" --key-transition "$AUTH_WINDOW" \
		--log-level "${E2E_LOG_LEVEL:-info}" "$@" >>"$E2E_DIR/meshd$n.log" 2>&1 &
	MESHD_PID[$n]=$!
}
declare -A STATE_DIR

named() {  # named N: the options that give node N its name and overlay address
	echo --name "node$1" --address "$(over_of "$1")/16"
}

auth_kill() {  # auth_kill N: kill -9 node N's agent (its WireGuard device stays)
	[ -n "${MESHD_PID[$1]:-}" ] || return 0
	kill -9 "${MESHD_PID[$1]}" 2>/dev/null || true
	wait "${MESHD_PID[$1]}" 2>/dev/null || true
	unset "MESHD_PID[$1]"
}

ctl() {  # ctl N ARGS...: meshctl against node N's agent
	local n=$1; shift
	"$BIN/meshctl" --socket "$(sock_of "$n")" "$@"
}

own_key() {  # own_key N: node N's WireGuard public key as its agent reports it
	ctl "$1" status --json 2>/dev/null | jq -r '.public_key // empty' 2>/dev/null
}

# ---- what nodes show

all_alive() {  # all_alive VIEWERS -- NAMES: every viewer lists every name alive
	local viewers=() names=() a n json
	while [ "$1" != -- ]; do viewers+=("$1"); shift; done; shift
	names=("$@")
	for a in "${viewers[@]}"; do
		json=$(e2e_members_json "$a") || return 1
		for n in "${names[@]}"; do
			jq -e --arg n "$n" 'any(.members[]; .name == $n and .status == "alive")' \
				<<<"$json" >/dev/null || return 1
		done
	done
}

# Event streams (`meshctl events --json`), each line stamped with its
# arrival in microseconds: an event reaches the stream when the agent's
# table changes, so the figures do not depend on how fast we can poll.
EV_CTL=() EV_READERS=()
ev_stamp() { local l; while IFS= read -r l; do printf '%s %s\n' "${EPOCHREALTIME/./}" "$l"; done; }
ev_start() {  # ev_start TAG VIEWER...
	local tag=$1 v fifo; shift
	mkdir -p "$E2E_DIR/fifo"
	for v in "$@"; do
		fifo=$E2E_DIR/fifo/$tag.$v
		mkfifo "$fifo"
		ev_stamp < "$fifo" > "$E2E_DIR/ev.$tag.$v" &
		EV_READERS+=($!)
		# meshctl itself (not through a function): $! is its pid.
		"$BIN/meshctl" --socket "$(sock_of "$v")" events --json > "$fifo" 2>/dev/null &
		EV_CTL+=($!)
	done
	sleep 0.3   # subscribed before anything happens
}
ev_stop() {  # the streams end; each reader stops at its end of file
	local p
	for p in "${EV_CTL[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${EV_CTL[@]}" "${EV_READERS[@]}"; do wait "$p" 2>/dev/null || true; done
	EV_CTL=() EV_READERS=()
}
# ev_wait TAG T0_MS LIMIT_S PATTERN1 PATTERN2 VIEWER...: the ms from T0 until
# every viewer's stream had a line holding both fixed strings (the last
# viewer's), or "timeout".
ev_wait() {
	local tag=$1 t0=$2 limit=$3 p1=$4 p2=$5 v us worst=0; shift 5
	while :; do
		worst=0
		for v in "$@"; do
			us=$(grep -F -- "$p1" "$E2E_DIR/ev.$tag.$v" 2>/dev/null | grep -F -- "$p2" | head -n 1 | cut -d' ' -f1)
			[ -n "$us" ] || { worst=-1; break; }
			[ $((us / 1000 - t0)) -le "$worst" ] || worst=$((us / 1000 - t0))
		done
		[ "$worst" -lt 0 ] || { echo "$worst"; return 0; }
		[ $(( $(now_ms) - t0 )) -lt $((limit * 1000)) ] || { echo timeout; return 1; }
		sleep 0.05
	done
}

# A check for first_ms_all, about WANT_KEY.
peer_gone() { ! has_peer "$1" "$WANT_KEY"; }

has_peer() {  # has_peer NODE PUBKEY: PUBKEY is a WireGuard peer on NODE's device
	ip netns exec "$(ns_of "$1")" wg show "$(if_of "$1")" peers 2>/dev/null | grep -qxF "$2"
}

lists_key() {  # lists_key NODE PUBKEY: NODE's table holds a member with that key
	e2e_members_json "$1" | jq -e --arg k "$2" 'any(.members[]; .public_key == $k)' >/dev/null 2>&1
}

nowhere() {  # nowhere PUBKEY VIEWER...: no viewer lists it or has it as a WireGuard peer
	local k=$1 v; shift
	for v in "$@"; do
		! has_peer "$v" "$k" || return 1
		! lists_key "$v" "$k" || return 1
	done
}

no_wg_peer() {  # no_wg_peer PUBKEY VIEWER...
	local k=$1 v; shift
	for v in "$@"; do ! has_peer "$v" "$k" || return 1; done
}

# Where a key shows up, for a violation's text.
where_key() {
	local k=$1 v out=""; shift
	for v in "$@"; do
		has_peer "$v" "$k" && out+=" node$v:wg-peer"
		lists_key "$v" "$k" && out+=" node$v:member($(e2e_members_json "$v" | jq -r --arg k "$k" '[.members[] | select(.public_key == $k) | "\(.name)/\(.status)"] | join(",")'))"
	done
	echo "${out:- nowhere}"
}

snapshot() {  # what a refused outsider must not change, as node N sees it
	e2e_members_json "$1" | jq -c '[.members[] | {name, public_key, overlay_ip, status}] | sort_by(.name)'
	ip netns exec "$(ns_of "$1")" wg show "$(if_of "$1")" allowed-ips | sort
}

# ---- metrics

metrics_of() {
	ip netns exec "$(ns_of "$1")" curl -fsS --max-time 3 "http://127.0.0.1:$METRICS_PORT/metrics" 2>/dev/null
}

# metric_sum REGEX NODE...: the sum over nodes of every sample whose
# name{labels} matches REGEX (awk ERE); 0 when none match.
metric_sum() {
	local re=$1 n s=0 v; shift
	for n in "$@"; do
		v=$(metrics_of "$n" | awk -v re="$re" '$1 ~ re { s += $2 } END { printf "%d", s }')
		s=$((s + ${v:-0}))
	done
	echo "$s"
}

metric_has() {  # metric_has REGEX NODE: some sample of NODE matches REGEX
	metrics_of "$2" | awk -v re="$1" '$1 ~ re { f = 1 } END { exit !f }'
}

# Refusals of the trust rules (T4, T6, T7): meshd_trust_refused_total{reason=...}.
TRUST_REFUSED='^meshd_trust_refused_total'
TRUST_REFUSED_EXPIRED='^meshd_trust_refused_total[{]reason="invite_expired"'
TRUST_REFUSED_OVERSPENT='^meshd_trust_refused_total[{]reason="invite_overspent"'
# Datagrams dropped before their message was parsed: the agent's own
# reasons (size, rate limits, envelope, replay), ahead of the engine.
PRE_PARSE='^meshd_refused_datagrams_total[{]reason="(size|rate_source|rate_global|envelope|replay|rate_engine)"'
ENVELOPE='^meshd_refused_datagrams_total[{]reason="envelope"'
# Engine reasons that mean a datagram of a revoked or unadmitted sender
# was parsed and then refused ("stale" or "unexpected" also come from
# honest members now and then, so they are not counted here).
PARSED_REFUSED='^meshd_refused_datagrams_total[{]reason="(decode|auth|revoked|admission)"'

epoch_of() {  # epoch_of N: the network-key epoch node N uses (metric meshd_key_epoch)
	metrics_of "$1" | awk '$1 == "meshd_key_epoch" { print $2; f = 1 } END { if (!f) print -1 }'
}

all_epoch() {  # all_epoch E NODE...: every node reports key epoch E
	local e=$1 n; shift
	for n in "$@"; do [ "$(epoch_of "$n")" = "$e" ] || return 1; done
}

# ---- namespaces

auth_bare_ns() {  # auth_bare_ns N: a namespace on the bridge, no WireGuard, no agent
	local n=$1 ns; ns=$(ns_of "$n")
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	ip link add "${E2E_PFX}v$n" type veth peer name "${E2E_PFX}b$n"
	ip link set "${E2E_PFX}v$n" netns "$ns"
	ip link set "${E2E_PFX}b$n" netns "$E2E_BR"
	ip -n "$ns" link set "${E2E_PFX}v$n" name eth0
	ip -n "$ns" addr add "$(under_of "$n")/24" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$E2E_BR" link set "${E2E_PFX}b$n" master br0 up
}

# Count, in node N's namespace, the gossip datagrams from SRC_IP (nftables
# counter at the input hook, before any socket sees them).
count_from() {  # count_from N SRC_IP
	ip netns exec "$(ns_of "$1")" nft -f - <<EOF
table inet authcnt {
	chain in {
		type filter hook input priority 0; policy accept;
		ip saddr $2 udp dport 51821 counter
	}
}
EOF
}

counted_from() {  # counted_from N: packets counted by count_from
	ip netns exec "$(ns_of "$1")" nft list chain inet authcnt in 2>/dev/null |
		sed -n 's/.*counter packets \([0-9]*\).*/\1/p' | head -n 1
}
