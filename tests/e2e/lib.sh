# SPDX-License-Identifier: MIT
# Shared helpers for the end-to-end tests: a private underlay (a bridge in
# its own namespace, one namespace per node on a veth), wireguard-go per
# node, meshd per node. Everything is named with a per-run prefix and torn
# down by e2e_cleanup, which the tests call from an EXIT trap.
#
# Addresses exist only inside namespaces this file creates:
#   underlay 10.77.0.N/24, overlay 10.88.0.N/16.

: "${BIN:?BIN must point at the build directory holding meshd and meshctl}"
E2E_ID=${E2E_ID:-$$}
E2E_PFX="me${E2E_ID}"
E2E_DIR=$(mktemp -d "/tmp/meshd-e2e.XXXXXX")
E2E_BR="${E2E_PFX}br"
BACKEND=${BACKEND:-userspace}
declare -A MESHD_PID WG_PID

log() { printf '%s [e2e] %s\n' "$(date +%T.%3N)" "$*"; }
die() { log "FAIL: $*"; exit 1; }
now_ms() { date +%s%3N; }

ns_of() { echo "${E2E_PFX}n$1"; }
if_of() { echo "wg${E2E_ID}n$1"; }
sock_of() { echo "$E2E_DIR/n$1.sock"; }
under_of() { echo "10.77.0.$1"; }
over_of() { echo "10.88.0.$1"; }

e2e_underlay() {  # create the bridge namespace
	ip netns add "$E2E_BR"
	ip -n "$E2E_BR" link add br0 type bridge
	ip -n "$E2E_BR" link set br0 up
	ip -n "$E2E_BR" link set lo up
	meshctl_bin=$BIN/meshctl
	"$meshctl_bin" network-key > "$E2E_DIR/net.key"
	chmod 600 "$E2E_DIR/net.key"
}

e2e_node_ns() {  # e2e_node_ns N: namespace + veth on the bridge + wireguard-go
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
	mkdir -p "$E2E_DIR/n$n"
	if [ "$BACKEND" = userspace ]; then
		# E2E_WG_LOG_LEVEL=verbose puts wireguard-go's handshakes in wgN.log.
		LOG_LEVEL=${E2E_WG_LOG_LEVEL:-error} WG_PROCESS_FOREGROUND=1 \
			ip netns exec "$ns" wireguard-go "$(if_of "$n")" \
			>"$E2E_DIR/wg$n.log" 2>&1 &
		WG_PID[$n]=$!
		local i
		for i in $(seq 50); do
			[ -S "/var/run/wireguard/$(if_of "$n").sock" ] && return 0
			sleep 0.1
		done
		die "wireguard-go for node $n did not come up"
	fi
}

e2e_start() {  # e2e_start N [extra meshd args...]
	local n=$1; shift
	ip netns exec "$(ns_of "$n")" "$BIN/meshd" \
		--interface "$(if_of "$n")" --network-key "$E2E_DIR/net.key" \
		--backend "$BACKEND" --address "$(over_of "$n")/16" \
		--endpoint "$(under_of "$n"):51820" --listen-port 51820 --gossip-port 51821 \
		--state-dir "$E2E_DIR/n$n" --socket "$(sock_of "$n")" --name "node$n" \
		--log-level "${E2E_LOG_LEVEL:-info}" \
		${E2E_METRICS_PORT:+--metrics "127.0.0.1:$E2E_METRICS_PORT"} \
		"$@" >>"$E2E_DIR/meshd$n.log" 2>&1 &
	MESHD_PID[$n]=$!
}

# Sum of a metric family's samples on node N (E2E_METRICS_PORT set), -1 if unreadable.
e2e_metric_sum() {  # e2e_metric_sum N FAMILY
	ip netns exec "$(ns_of "$1")" curl -fsS --max-time 3 "http://127.0.0.1:$E2E_METRICS_PORT/metrics" 2>/dev/null |
		awk -v f="$2" '$1 == f || index($1, f "{") == 1 { s += $2; seen = 1 } END { printf "%d", seen ? s : -1 }'
}

e2e_members_json() { "$BIN/meshctl" --socket "$(sock_of "$1")" members --json 2>/dev/null; }

# count of members with a status as node N sees them
e2e_count() {
	e2e_members_json "$1" | jq --arg s "$2" '[.members[] | select(.status == $s)] | length' 2>/dev/null || echo -1
}

e2e_status_of() {  # e2e_status_of VIEWER NAME
	e2e_members_json "$1" | jq -r --arg n "$2" '.members[] | select(.name == $n) | .status' 2>/dev/null
}

e2e_wg_peers() {  # number of WireGuard peers on node N's interface
	ip netns exec "$(ns_of "$1")" wg show "$(if_of "$1")" peers 2>/dev/null | wc -l
}

e2e_ping() {  # e2e_ping FROM TO
	ip netns exec "$(ns_of "$1")" ping -n -q -c 1 -W 1 "$(over_of "$2")" >/dev/null 2>&1
}

wait_until() {  # wait_until TIMEOUT_S DESCRIPTION CMD...
	local limit=$1 what=$2; shift 2
	local deadline=$(( $(now_ms) + limit * 1000 ))
	while [ "$(now_ms)" -lt "$deadline" ]; do
		"$@" && return 0
		sleep 0.1
	done
	die "timed out after ${limit}s waiting for: $what"
}

e2e_cleanup() {
	local rc=$?
	local n
	for n in "${!MESHD_PID[@]}"; do kill -9 "${MESHD_PID[$n]}" 2>/dev/null || true; done
	for n in "${!WG_PID[@]}"; do kill "${WG_PID[$n]}" 2>/dev/null || true; done
	wait 2>/dev/null || true
	for ns in $(ip netns list | awk '{print $1}' | grep "^${E2E_PFX}" || true); do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
		ip netns del "$ns" 2>/dev/null || true
	done
	rm -f /var/run/wireguard/wg"${E2E_ID}"n*.sock
	if [ "$rc" -ne 0 ] && [ -d "$E2E_DIR" ]; then
		for f in "$E2E_DIR"/meshd*.log; do
			[ -f "$f" ] || continue
			echo "----- $f (last 30 lines)"; tail -n 30 "$f"
		done
	fi
	# E2E_KEEP=DIR keeps every log and figure of the run for a post-mortem.
	if [ -n "${E2E_KEEP:-}" ]; then mkdir -p "$E2E_KEEP" && cp -a "$E2E_DIR"/. "$E2E_KEEP"/ 2>/dev/null || true; fi
	rm -rf "$E2E_DIR"
	return "$rc"
}
