#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# A local meshd demo mesh: N nodes (default 5), each in its own network
# namespace with wireguard-go and meshd, on a bridge in a namespace of its
# own. Nothing is configured in the host's network namespace: the underlay
# 10.99.0.0/24 and the overlay exist only inside the demo's namespaces.
#
#   deploy/demo.sh [up] [--nodes N]   install deps, build, start, show members
#   deploy/demo.sh status             processes and `meshctl members` of node 1
#   deploy/demo.sh down               stop everything, delete namespaces and files
#
# Root on Debian 12. `up` on a running demo tears it down first.
# Env: MESHD_DEMO_SKIP_DEPS=1 (do not run install-deps.sh),
#      MESHD_DEMO_SKIP_BUILD=1 with MESHD=... MESHCTL=... (use these binaries),
#      MESHD_DEMO_TIMEOUT (seconds to wait for the mesh, default 60).
set -Eeuo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
run=/run/meshd-demo
ns_prefix=meshdemo          # node namespaces meshdemo1..N
br_ns=meshdemo-br           # the bridge's namespace
wg_prefix=wgdemo            # interfaces wgdemo1..N (unique: their UAPI
                            # sockets share /run/wireguard)
net=10.99.0                 # underlay 10.99.0.0/24, node i = 10.99.0.i
wg_port=51820
gossip_port=51821
metrics_port=9821           # on 127.0.0.1 of each node's namespace
timeout=${MESHD_DEMO_TIMEOUT:-60}

say() { printf 'demo: %s\n' "$*"; }
die() {
	printf 'demo.sh: error: %s\n' "$*" >&2
	if [ -d "$run" ]; then
		printf 'demo.sh: logs are in %s/node*/; clean up with: %s down\n' \
			"$run" "$0" >&2
	fi
	exit 1
}
trap 'die "command failed (line $LINENO): $BASH_COMMAND"' ERR

usage() {
	sed -n '3,16s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
}

node_ns() { echo "$ns_prefix$1"; }
node_dir() { echo "$run/node$1"; }
node_sock() { echo "$run/node$1/meshd.sock"; }

# Our namespaces, whatever N the demo was started with.
demo_namespaces() {
	ip netns list 2>/dev/null | awk '{print $1}' |
		grep -E "^(${ns_prefix}[0-9]+|${br_ns})\$" || true
}

pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

# --- down ------------------------------------------------------------------

# Every process in the demo's namespaces was started by the demo (meshd,
# wireguard-go, or a shell an operator opened there with ip netns exec).
stop_namespace_processes() {
	local ns pids=() p i
	for ns in $(demo_namespaces); do
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			pids+=("$p")
		done
	done
	# Recorded pids too, in case a process left its namespace's view.
	for p in "$run"/node*/*.pid; do
		[ -f "$p" ] && pids+=("$(cat "$p")")
	done
	[ "${#pids[@]}" -gt 0 ] || return 0
	kill -TERM "${pids[@]}" 2>/dev/null || true
	for i in $(seq 1 30); do
		local alive=0
		for p in "${pids[@]}"; do pid_alive "$p" && alive=1; done
		[ "$alive" -eq 0 ] && return 0
		sleep 0.1
	done
	kill -KILL "${pids[@]}" 2>/dev/null || true
}

do_down() {
	local ns
	stop_namespace_processes
	for ns in $(demo_namespaces); do
		ip netns del "$ns"
	done
	rm -f /run/wireguard/"$wg_prefix"[0-9]*.sock
	rm -rf "$run"
	say "demo mesh removed (namespaces, processes, $run)"
}

# --- up --------------------------------------------------------------------

check_root() {
	[ "$(id -u)" -eq 0 ] || die "run as root (network namespaces, WireGuard)"
}

find_binaries() {
	if [ "${MESHD_DEMO_SKIP_BUILD:-0}" = 1 ]; then
		meshd=${MESHD:-$(command -v meshd || true)}
		meshctl=${MESHCTL:-$(command -v meshctl || true)}
	else
		say "building (cmake, build dir $top/build)"
		cmake -S "$top" -B "$top/build" >/dev/null ||
			die "cmake configure failed; see the messages above"
		cmake --build "$top/build" -j"$(nproc)" --target meshd meshctl >/dev/null ||
			die "build failed: run 'cmake --build $top/build' to see why"
		meshd=$(find "$top/build" -type f -name meshd -perm -u+x | head -n1)
		meshctl=$(find "$top/build" -type f -name meshctl -perm -u+x | head -n1)
	fi
	[ -x "${meshd:-}" ] || die "meshd binary not found"
	[ -x "${meshctl:-}" ] || die "meshctl binary not found"
}

make_network() {
	local n=$1 i ns
	ip netns add "$br_ns"
	ip -n "$br_ns" link set lo up
	ip -n "$br_ns" link add br0 type bridge
	ip -n "$br_ns" link set br0 up
	for i in $(seq 1 "$n"); do
		ns=$(node_ns "$i")
		ip netns add "$ns"
		ip -n "$ns" link set lo up
		# veth: "eth0" inside the node, "vethI" on the bridge.
		ip -n "$br_ns" link add "veth$i" type veth peer name eth0 netns "$ns"
		ip -n "$br_ns" link set "veth$i" master br0 up
		ip -n "$ns" addr add "$net.$i/24" dev eth0
		ip -n "$ns" link set eth0 up
	done
}

start_node() {   # start_node I [SEED]
	local i=$1 seed=${2:-} ns dir ifname sock_wait=50 args
	ns=$(node_ns "$i")
	dir=$(node_dir "$i")
	ifname="$wg_prefix$i"
	mkdir -p "$dir/state"
	chmod 0700 "$dir" "$dir/state"

	WG_PROCESS_FOREGROUND=1 setsid ip netns exec "$ns" wireguard-go "$ifname" \
		</dev/null >"$dir/wireguard-go.log" 2>&1 &
	echo $! >"$dir/wireguard-go.pid"
	while [ ! -S "/run/wireguard/$ifname.sock" ]; do
		sock_wait=$((sock_wait - 1))
		[ "$sock_wait" -gt 0 ] || die "wireguard-go did not start in $ns: $(tail -n3 "$dir/wireguard-go.log")"
		sleep 0.1
	done

	args=(--interface "$ifname" --network-key "$run/network.key"
		--backend userspace --name "node$i"
		--listen-port "$wg_port" --gossip-port "$gossip_port"
		--endpoint "$net.$i:$wg_port"
		--state-dir "$dir/state" --socket "$(node_sock "$i")"
		--metrics "$metrics_port")
	[ -z "$seed" ] || args+=(--join "$seed")
	setsid ip netns exec "$ns" "$meshd" "${args[@]}" \
		</dev/null >"$dir/meshd.log" 2>&1 &
	echo $! >"$dir/meshd.pid"
}

check_running() {   # every meshd still alive, or fail with its log
	local i pid
	for i in $(seq 1 "$1"); do
		pid=$(cat "$(node_dir "$i")/meshd.pid")
		pid_alive "$pid" ||
			die "meshd of node $i exited; its log ($(node_dir "$i")/meshd.log) ends with:
$(tail -n 5 "$(node_dir "$i")/meshd.log")"
	done
}

alive_count() {   # alive members in node 1's view, or 0
	"$meshctl" --socket "$(node_sock 1)" members --json 2>/dev/null |
		jq '[.members[] | select(.status == "alive")] | length' 2>/dev/null || echo 0
}

do_up() {
	local n=$1 i t0 waited c ip name ok=0 fail=0
	check_root
	if [ "${MESHD_DEMO_SKIP_DEPS:-0}" != 1 ]; then
		say "installing dependencies (deploy/install-deps.sh)"
		"$top/deploy/install-deps.sh" || die "deploy/install-deps.sh failed"
	fi
	for c in ip wireguard-go jq setsid; do
		command -v "$c" >/dev/null || die "'$c' not found (run deploy/install-deps.sh)"
	done
	find_binaries

	if [ -n "$(demo_namespaces)" ] || [ -d "$run" ]; then
		say "tearing down the previous demo first"
		do_down >/dev/null
	fi

	say "creating $n network namespaces on a bridge (underlay $net.0/24, inside the namespaces only)"
	mkdir -p "$run"
	chmod 0700 "$run"
	make_network "$n"

	(umask 077 && "$meshctl" network-key >"$run/network.key") ||
		die "meshctl network-key failed"

	say "starting node 1 (the seed) alone"
	start_node 1
	waited=0
	until "$meshctl" --socket "$(node_sock 1)" members >/dev/null 2>&1; do
		check_running 1
		waited=$((waited + 1))
		[ "$waited" -le $((timeout * 10)) ] || die "node 1 did not answer on its control socket within ${timeout} s"
		sleep 0.1
	done

	if [ "$n" -gt 1 ]; then
		say "starting nodes 2..$n, each given only node 1's address ($net.1:$gossip_port)"
		for i in $(seq 2 "$n"); do
			start_node "$i" "$net.1:$gossip_port"
		done
	fi

	say "waiting (at most ${timeout} s) until node 1 sees $n alive members"
	t0=$SECONDS
	while [ "$(alive_count)" -lt "$n" ]; do
		check_running "$n"
		[ $((SECONDS - t0)) -lt "$timeout" ] ||
			die "after ${timeout} s node 1 sees $(alive_count) of $n members alive:
$("$meshctl" --socket "$(node_sock 1)" members 2>&1 || true)"
		sleep 0.2
	done
	say "mesh converged: $n alive members after $((SECONDS - t0)) s"

	echo
	echo "# meshctl --socket $(node_sock 1) members"
	"$meshctl" --socket "$(node_sock 1)" members
	echo

	say "pinging every member's overlay address from node 1 through WireGuard"
	while read -r name ip; do
		[ -n "$ip" ] || continue
		if ip netns exec "${ns_prefix}1" ping -c1 -w5 -q "$ip" >/dev/null 2>&1; then
			printf '  node1 -> %-8s %-15s ok\n' "$name" "$ip"
			ok=$((ok + 1))
		else
			printf '  node1 -> %-8s %-15s NO REPLY\n' "$name" "$ip"
			fail=$((fail + 1))
		fi
	done < <("$meshctl" --socket "$(node_sock 1)" members --json |
		jq -r '.members[1:][] | "\(.name) \(.overlay_ip | sub("/.*"; ""))"')
	echo
	cat <<EOF
The demo mesh is running: namespaces ${ns_prefix}1..${ns_prefix}$n (bridge: $br_ns),
logs and state in $run/node*/.
  show the members:     $0 status
  ask another node:     $meshctl --socket $(node_sock 2) members
  use the overlay:      ip netns exec ${ns_prefix}2 ping <overlay IP>
  metrics of node 1:    ip netns exec ${ns_prefix}1 curl -s http://127.0.0.1:$metrics_port/metrics
  tear it all down:     $0 down
EOF
	[ "$fail" -eq 0 ] || die "$fail of $((ok + fail)) overlay pings got no reply"
}

do_status() {
	local i dir m w n=0
	if [ ! -d "$run" ]; then
		say "no demo mesh is running (start one with $0 up)"
		return 0
	fi
	meshctl=${MESHCTL:-$(find "$top/build" -type f -name meshctl -perm -u+x 2>/dev/null | head -n1 || true)}
	for dir in "$run"/node*; do
		[ -d "$dir" ] || continue
		i=${dir##*node}
		m=down; w=down
		pid_alive "$(cat "$dir/meshd.pid" 2>/dev/null || true)" && m=up
		pid_alive "$(cat "$dir/wireguard-go.pid" 2>/dev/null || true)" && w=up
		printf '  node%-3s ns %-12s meshd %-4s wireguard-go %-4s\n' "$i" "$(node_ns "$i")" "$m" "$w"
		n=$((n + 1))
	done
	say "$n nodes; namespaces: $(demo_namespaces | tr '\n' ' ')"
	if [ -x "${meshctl:-}" ]; then
		echo
		"$meshctl" --socket "$(node_sock 1)" members || true
	fi
}

# --- main --------------------------------------------------------------------

action=up
nodes=5
while [ $# -gt 0 ]; do
	case $1 in
	up | down | status) action=$1 ;;
	--nodes) [ $# -ge 2 ] || die "--nodes needs a number"; nodes=$2; shift ;;
	--nodes=*) nodes=${1#--nodes=} ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; die "unknown argument '$1'" ;;
	esac
	shift
done
if ! [[ $nodes =~ ^[0-9]+$ ]] || [ "$nodes" -lt 1 ] || [ "$nodes" -gt 200 ]; then
	die "--nodes must be a number from 1 to 200"
fi

case $action in
up) do_up "$nodes" ;;
down) check_root; do_down ;;
status) check_root; do_status ;;
esac
