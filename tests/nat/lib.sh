# SPDX-License-Identifier: MIT
# The NAT test harness (issue 11, P6): a small internet in network
# namespaces, wireguard-go + meshd nodes on it, and the measurements every
# topology shares. Source it with NAT_TOPO set and the build directory as
# $1; see README.md for the picture and the figures.
#
#   internet: a CHAIN of router namespaces i1 - i2 - ... (192.0.2.0/24 links,
#     2001:db8:ffff:K::/64), each with its own segment 198.51.100.32(K-1)/27
#     (2001:db8:0:K::/64) on a bridge. Every NAT site hangs off its own
#     internet router, so between two sites there are at least two
#     forwarding hops that are not NATs: a low-TTL punch (default TTL 3)
#     dies between them instead of poisoning the far NAT's conntrack
#     (/work/shared/docs/nat-notes.md).
#   site K: a home router namespace rK, wan0 on its internet router's
#     segment, lan0 a bridge 192.168.K.1/24 (2001:db8:1:K::1/64 with
#     NAT_V6=1), nftables masquerade (pp), masquerade random (random) or
#     none; with NAT_V6=1 an IPv6 stateful firewall (inbound only for
#     established flows, no NAT).
#   nodes: wireguard-go + meshd, overlay 10.88.0.N/16, on a site's LAN or
#     directly on an internet segment (public).
#
# Measurements: a ping per ordered pair of nodes (every 0.5 s, the whole
# run), a watcher polling `meshctl members --json` on every node every
# second, and analyze.py, which turns both into `NAT key=value` lines and
# violations of the bars. A test that cannot run fails under CI=true and
# exits 77 elsewhere. NAT_RUNS=N runs the topology N times and prints
# medians (`NAT ... stat=median`).

: "${NAT_TOPO:?set NAT_TOPO before sourcing lib.sh}"
nat_cannot_run() {
	if [ "${CI:-}" = true ]; then
		echo "nat $NAT_TOPO: FAIL: cannot run under CI: $*"
		exit 1
	fi
	echo "nat $NAT_TOPO: skipped: $*"
	exit 77
}
[ -n "${1:-}" ] && [ -d "$1" ] || { echo "usage: $0 BUILD_DIR"; exit 2; }
[ "$(id -u)" -eq 0 ] || nat_cannot_run "needs root (network namespaces)"
for tool in wireguard-go wg jq python3 ip nft ping; do
	command -v "$tool" >/dev/null || nat_cannot_run "$tool is missing (deploy/install-deps.sh)"
done
NAT_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NAT_BUILD=$(cd "$1" && pwd)
[ -x "$NAT_BUILD/agent/meshd" ] || { echo "build first: $NAT_BUILD/agent/meshd missing"; exit 2; }

# NAT_RUNS=N: run this script N times (each its own namespaces) and print
# the median of every numeric figure; fail when any run failed.
if [ "${NAT_RUNS:-1}" -gt 1 ] && [ -z "${NAT_INNER:-}" ]; then
	runs_out=$(mktemp /tmp/meshd-nat-runs.XXXXXX)
	rc=0
	for r in $(seq "$NAT_RUNS"); do
		echo "=== nat $NAT_TOPO: run $r of $NAT_RUNS"
		NAT_INNER=$r NAT_RUNS=1 "$0" "$@" | tee -a "$runs_out" || rc=1
	done
	python3 "$NAT_HERE/analyze.py" medians "$NAT_TOPO" < "$runs_out"
	rm -f "$runs_out"
	exit "$rc"
fi

BIN=$NAT_BUILD/agent
# Short per-run prefix: interface names must fit 15 bytes.
E2E_ID=${E2E_ID:-t$$}
. "$NAT_HERE/../e2e/lib.sh"
NAT_DIR=$E2E_DIR
NAT_V6=${NAT_V6:-0}
NAT_NODES=()          # every node number, in creation order
NAT_PUBLIC=" "        # nodes on an internet segment
declare -A NODE_SITE  # node -> site number (0 = public)
declare -A SITE_ROUTER NODE_IP NODE_IP6 SITE_WAN SITE_WAN6
declare -A SEG_NEXT   # internet router -> next free host number on its segment
NAT_ROUTERS=0
VIOLATIONS=()
EVENTS=()             # "name:ms" for analyze.py

nat_violation() { VIOLATIONS+=("$*"); log "VIOLATION: $*"; }

# Every option this meshd knows: topologies turn features on only where
# the binary has them, and say so when it does not.
MESHD_HELP=$("$BIN/meshd" --help 2>&1 || true)
meshd_has() { grep -q -- "$1" <<<"$MESHD_HELP"; }

nat_cleanup() {
	local rc=$?
	set +e
	touch "$NAT_DIR/stop" 2>/dev/null
	nat_kill_pings
	if [ "$rc" -ne 0 ] && [ -d "$NAT_DIR" ]; then nat_dump_state; fi
	# NAT_KEEP=DIR: keep the agents' logs and the watcher's table (passing runs too)
	if [ -n "${NAT_KEEP:-}" ] && [ -d "$NAT_DIR" ]; then
		mkdir -p "$NAT_KEEP" && cp "$NAT_DIR"/*.log "$NAT_DIR"/watch.tsv "$NAT_KEEP"/ 2>/dev/null
	fi
	local p
	for p in $(jobs -p); do kill "$p" 2>/dev/null; done
	(exit "$rc")
	e2e_cleanup
}
trap nat_cleanup EXIT
trap 'exit 130' INT TERM

inet_ns() { echo "${E2E_PFX}i$1"; }
site_ns() { echo "${E2E_PFX}r$1"; }
seg_net() { echo "198.51.100.$((32 * ($1 - 1)))"; }      # /27 of internet router K
seg_ip() { echo "198.51.100.$((32 * ($1 - 1) + $2))"; }  # host H on it
seg6_ip() { printf '2001:db8:0:%x::%x' "$1" "$2"; }
link_ip() { echo "192.0.2.$((4 * ($1 - 1) + $2))"; }     # link K-(K+1): 1 = K's side, 2 = K+1's
link6_ip() { printf '2001:db8:ffff:%x::%x' "$1" "$2"; }

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

nat_internet() {  # nat_internet R: a chain of R internet routers
	local r=$1 k j
	NAT_ROUTERS=$r
	"$BIN/meshctl" network-key > "$NAT_DIR/net.key"
	chmod 600 "$NAT_DIR/net.key"
	for k in $(seq "$r"); do
		local ns; ns=$(inet_ns "$k")
		ip netns add "$ns"
		in_ns "$ns" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
		ip -n "$ns" link set lo up
		ip -n "$ns" link add br0 type bridge
		ip -n "$ns" addr add "$(seg_ip "$k" 1)/27" dev br0
		ip -n "$ns" addr add "$(seg6_ip "$k" 1)/64" dev br0 nodad
		ip -n "$ns" link set br0 up
		SEG_NEXT[$k]=2
	done
	for k in $(seq $((r - 1))); do
		local a b; a=$(inet_ns "$k"); b=$(inet_ns $((k + 1)))
		ip -n "$a" link add "up$k" type veth peer name "dn$k" netns "$b"
		ip -n "$a" addr add "$(link_ip "$k" 1)/30" dev "up$k"
		ip -n "$b" addr add "$(link_ip "$k" 2)/30" dev "dn$k"
		ip -n "$a" addr add "$(link6_ip "$k" 1)/64" dev "up$k" nodad
		ip -n "$b" addr add "$(link6_ip "$k" 2)/64" dev "dn$k" nodad
		ip -n "$a" link set "up$k" up
		ip -n "$b" link set "dn$k" up
	done
	# Static routes along the chain to every other router's segment.
	for k in $(seq "$r"); do
		for j in $(seq "$r"); do
			[ "$j" -ne "$k" ] || continue
			ip -n "$(inet_ns "$k")" route add "$(seg_net "$j")/27" via "$(inet_hop "$k" "$j")"
			ip -n "$(inet_ns "$k")" route add "$(printf '2001:db8:0:%x::/64' "$j")" via "$(inet_hop6 "$k" "$j")"
		done
	done
}

inet_hop() {  # next hop from internet router K toward router J
	if [ "$2" -gt "$1" ]; then link_ip "$1" 2; else link_ip $(($1 - 1)) 1; fi
}
inet_hop6() {
	if [ "$2" -gt "$1" ]; then link6_ip "$1" 2; else link6_ip $(($1 - 1)) 1; fi
}

SEG_H=0
seg_attach() {  # seg_attach NS IFNAME ROUTER: veth from NS onto the router's segment; host number in SEG_H
	local ns=$1 ifn=$2 k=$3 h
	h=${SEG_NEXT[$k]}; SEG_NEXT[$k]=$((h + 1)); SEG_H=$h
	local port="p${h}"
	ip -n "$ns" link add "$ifn" type veth peer name "$port" netns "$(inet_ns "$k")"
	ip -n "$(inet_ns "$k")" link set "$port" master br0 up
	ip -n "$ns" addr add "$(seg_ip "$k" "$h")/27" dev "$ifn"
	ip -n "$ns" link set "$ifn" up
	ip -n "$ns" route add default via "$(seg_ip "$k" 1)"
	if [ "$NAT_V6" = 1 ]; then
		ip -n "$ns" addr add "$(seg6_ip "$k" "$h")/64" dev "$ifn" nodad
		ip -n "$ns" -6 route add default via "$(seg6_ip "$k" 1)"
	fi
}

nat_site() {  # nat_site K ROUTER MODE: home router rK on internet router ROUTER; MODE pp|random|none
	local k=$1 r=$2 mode=$3 ns h
	ns=$(site_ns "$k")
	ip netns add "$ns"
	SITE_ROUTER[$k]=$r
	in_ns "$ns" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	ip -n "$ns" link set lo up
	seg_attach "$ns" wan0 "$r"; h=$SEG_H
	SITE_WAN[$k]=$(seg_ip "$r" "$h")
	SITE_WAN6[$k]=$(seg6_ip "$r" "$h")
	ip -n "$ns" link add lan0 type bridge
	ip -n "$ns" addr add "192.168.$k.1/24" dev lan0
	ip -n "$ns" link set lan0 up
	local masq=""
	case $mode in
	pp) masq="masquerade" ;;
	random) masq="masquerade random" ;;
	none) ;;
	*) die "nat_site: mode $mode" ;;
	esac
	{
		if [ -n "$masq" ]; then
			printf 'table ip nat {\n chain outbound {\n  type nat hook postrouting priority 100; policy accept;\n'
			printf '  oifname "wan0" %s\n }\n}\n' "$masq"
		fi
		# A stateful IPv6 firewall, as home routers have: nothing new comes in.
		printf 'table ip6 fw {\n chain inbound {\n  type filter hook forward priority 0; policy accept;\n'
		printf '  iifname "wan0" ct state established,related accept\n  iifname "wan0" counter drop\n }\n}\n'
	} | in_ns "$ns" nft -f - || die "nft on site $k"
	if [ "$NAT_V6" = 1 ]; then
		local lan6; lan6=$(printf '2001:db8:1:%x::' "$k")
		ip -n "$ns" addr add "${lan6}1/64" dev lan0 nodad
		# Every internet router routes the site's /64 toward it.
		local j
		for j in $(seq "$NAT_ROUTERS"); do
			if [ "$j" -eq "$r" ]; then
				ip -n "$(inet_ns "$j")" route add "${lan6}/64" via "${SITE_WAN6[$k]}"
			else
				ip -n "$(inet_ns "$j")" route add "${lan6}/64" via "$(inet_hop6 "$j" "$r")"
			fi
		done
	fi
	log "site $k on internet router $r: wan ${SITE_WAN[$k]}, $mode"
}

wg_up() {  # wg_up N: wireguard-go in node N's namespace
	local n=$1
	mkdir -p "$NAT_DIR/n$n"
	WG_PROCESS_FOREGROUND=1 ip netns exec "$(ns_of "$n")" wireguard-go "$(if_of "$n")" \
		>"$NAT_DIR/wg$n.log" 2>&1 &
	WG_PID[$n]=$!
	local i
	for i in $(seq 50); do
		[ -S "/var/run/wireguard/$(if_of "$n").sock" ] && return 0
		sleep 0.1
	done
	die "wireguard-go for node $n did not come up"
}

lan_attach() {  # lan_attach N K: node N's eth0 onto site K's LAN
	local n=$1 k=$2 ns; ns=$(ns_of "$n")
	ip -n "$ns" link add eth0 type veth peer name "l$n" netns "$(site_ns "$k")"
	ip -n "$(site_ns "$k")" link set "l$n" master lan0 up
	NODE_IP[$n]="192.168.$k.$((10 + n))"
	ip -n "$ns" addr add "${NODE_IP[$n]}/24" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$ns" route add default via "192.168.$k.1"
	if [ "$NAT_V6" = 1 ]; then
		NODE_IP6[$n]=$(printf '2001:db8:1:%x::%x' "$k" $((16 + n)))
		ip -n "$ns" addr add "${NODE_IP6[$n]}/64" dev eth0 nodad
		ip -n "$ns" -6 route add default via "$(printf '2001:db8:1:%x::1' "$k")"
	fi
	NODE_SITE[$n]=$k
}

nat_node() {  # nat_node N SITE: node N behind site SITE's NAT
	local n=$1 k=$2 ns; ns=$(ns_of "$n")
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	lan_attach "$n" "$k"
	NAT_NODES+=("$n")
	wg_up "$n"
}

pub_node() {  # pub_node N ROUTER: node N with a public address on internet router ROUTER
	local n=$1 r=$2 ns h; ns=$(ns_of "$n")
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	seg_attach "$ns" eth0 "$r"; h=$SEG_H
	NODE_IP[$n]=$(seg_ip "$r" "$h")
	[ "$NAT_V6" = 1 ] && NODE_IP6[$n]=$(seg6_ip "$r" "$h")
	NODE_SITE[$n]=0
	NAT_PUBLIC+="$n "
	NAT_NODES+=("$n")
	wg_up "$n"
}

is_public() { case "$NAT_PUBLIC" in *" $1 "*) return 0 ;; esac; return 1; }

nat_move() {  # nat_move N K: node N leaves its LAN for site K's (a new public address)
	local n=$1 k=$2 old=${NODE_SITE[$1]}
	ip -n "$(site_ns "$old")" link del "l$n"
	lan_attach "$n" "$k"
	EVENTS+=("move$n:$(now_ms)")
	log "node $n moved from site $old to site $k (${NODE_IP[$n]}, NAT ${SITE_WAN[$k]})"
}

SEED=""
nat_start() {  # nat_start N [meshd args...]: public nodes advertise their address; NATed ones guess
	local n=$1; shift
	local opt=()
	if is_public "$n"; then opt+=(--endpoint "${NODE_IP[$n]}:51820"); fi
	[ -n "$SEED" ] && [ "$SEED" != "$n" ] && opt+=(--join "${NODE_IP[$SEED]}:51821")
	# shellcheck disable=SC2086
	ip netns exec "$(ns_of "$n")" "$BIN/meshd" \
		--interface "$(if_of "$n")" --network-key "$NAT_DIR/net.key" \
		--backend userspace --address "$(over_of "$n")/16" \
		--listen-port 51820 --gossip-port 51821 "${opt[@]}" \
		--state-dir "$NAT_DIR/n$n" --socket "$(sock_of "$n")" --name "node$n" \
		--log-level "${NAT_LOG_LEVEL:-info}" ${NAT_ARGS:-} "$@" >>"$NAT_DIR/meshd$n.log" 2>&1 &
	MESHD_PID[$n]=$!
}

nat_kill() {  # nat_kill N: the node's agent dies (its WireGuard with it)
	local n=$1
	kill -9 "${MESHD_PID[$n]}" 2>/dev/null || true
	kill "${WG_PID[$n]}" 2>/dev/null || true
	unset "MESHD_PID[$n]" "WG_PID[$n]"
	EVENTS+=("kill$n:$(now_ms)")
	echo "$n" >> "$NAT_DIR/dead"
	log "node $n killed"
}

# --- measurements --------------------------------------------------------

T0=0
nat_measure() {  # start pings between every ordered pair and the watcher; T0 = now
	local a b
	rm -f "$NAT_DIR/stop"
	T0=$(now_ms)
	echo "$T0" > "$NAT_DIR/t0"
	for a in "${NAT_NODES[@]}"; do
		for b in "${NAT_NODES[@]}"; do
			[ "$a" != "$b" ] || continue
			(
				# ping exits at once while the overlay address is not set yet
				while [ ! -e "$NAT_DIR/stop" ]; do
					ip netns exec "$(ns_of "$a")" ping -n -D -i 0.5 -W 1 -w 900 \
						"$(over_of "$b")" >>"$NAT_DIR/ping.$a.$b" 2>&1 || true
					sleep 0.3
				done
			) 2>/dev/null &
		done
	done
	(
		while [ ! -e "$NAT_DIR/stop" ]; do
			for a in "${NAT_NODES[@]}"; do
				[ -S "$(sock_of "$a")" ] || continue
				json=$("$BIN/meshctl" --socket "$(sock_of "$a")" members --json 2>/dev/null) || continue
				printf '%s\n' "$json" > "$NAT_DIR/members.$a.json"
				jq -r --arg t "$(now_ms)" --arg v "$a" '.members[] |
					[$t, $v, .name, .status, (.path // "?"), (.path_endpoint // "-"),
					 (.path_relay // "-")] | @tsv' <<<"$json" >> "$NAT_DIR/watch.tsv" 2>/dev/null
			done
			sleep 1
		done
	) &
}

nat_kill_pings() {  # end every ping this run started (by pid, namespace by namespace)
	local n p
	for n in "${NAT_NODES[@]}"; do
		for p in $(ip netns pids "$(ns_of "$n")" 2>/dev/null); do
			[ "$(cat "/proc/$p/comm" 2>/dev/null)" = ping ] && kill "$p" 2>/dev/null
		done
	done
	return 0
}

nat_wait() {  # nat_wait SECONDS: let the run go on (NAT_PEEK=S: dump the state S s in, once)
	local left=$1
	if [ -n "${NAT_PEEK:-}" ] && [ "$NAT_PEEK" -lt "$left" ]; then
		sleep "$NAT_PEEK"
		log "peek at ${NAT_PEEK} s:"
		nat_dump_state
		left=$((left - NAT_PEEK)); NAT_PEEK=""
	fi
	sleep "$left"
}

path_of() {  # path_of VIEWER N: path VIEWER reports for node N now ("?" when none reported)
	jq -r --arg n "node$2" '[.members[] | select(.name == $n)][0] | (.path // "?")' \
		"$NAT_DIR/members.$1.json" 2>/dev/null || echo "?"
}
relay_of() {  # relay_of VIEWER N: the relay VIEWER's path to N goes through ("-" when none)
	jq -r --arg n "node$2" '[.members[] | select(.name == $n)][0] | (.path_relay // "-")' \
		"$NAT_DIR/members.$1.json" 2>/dev/null || echo "-"
}

# nat_analyze [analyze.py options]: stop measuring, print the figures,
# collect violations (the bars are analyze.py options, see its --help).
nat_analyze() {
	touch "$NAT_DIR/stop"
	nat_kill_pings
	sleep 1.5
	local out rc=0 ev=()
	local e
	for e in "${EVENTS[@]}"; do ev+=(--event "$e"); done
	for e in $NAT_PUBLIC; do ev+=(--ip "$e=${NODE_IP[$e]}"); done
	out=$(python3 "$NAT_HERE/analyze.py" run "$NAT_DIR" --topo "$NAT_TOPO" \
		--run "${NAT_INNER:-1}" --nodes "$(IFS=,; echo "${NAT_NODES[*]}")" \
		--public "$(echo $NAT_PUBLIC | tr ' ' ,)" "${ev[@]}" "$@") || rc=$?
	printf '%s\n' "$out" | grep -v '^VIOLATION ' || true
	local v
	while IFS= read -r v; do
		[ -n "$v" ] && nat_violation "${v#VIOLATION }"
	done < <(printf '%s\n' "$out" | grep '^VIOLATION ' || true)
	[ "$rc" -le 1 ] || die "analyze.py failed (exit $rc)"
}

nat_dump_state() {  # what a failing run leaves to read: logs, NAT mappings, paths
	local n k
	for n in "${NAT_NODES[@]}"; do
		[ -f "$NAT_DIR/members.$n.json" ] || continue
		echo "----- node $n members (last poll)"
		jq -r '.members[] | "\(.name) \(.status) endpoint=\(.endpoint) path=\(.path // "?") \(.path_endpoint // "") \(.path_relay // "")"' \
			"$NAT_DIR/members.$n.json" 2>/dev/null
		ip netns exec "$(ns_of "$n")" wg show "$(if_of "$n")" dump 2>/dev/null | tail -n +2 |
			awk '{print "  wg peer " substr($1, 1, 8) " endpoint " $3 " handshake " $5 " rx " $6 " tx " $7}'
		ip netns exec "$(ns_of "$n")" ss -Hlun 2>/dev/null | awk '{print "  udp " $4}' | tr '\n' ' '; echo
	done
	if command -v conntrack >/dev/null; then
		for k in "${!SITE_ROUTER[@]}"; do
			echo "----- site $k conntrack (udp)"
			ip netns exec "$(site_ns "$k")" conntrack -L -p udp 2>/dev/null | head -n "${NAT_CT_LINES:-12}"
			if [ "$NAT_V6" = 1 ]; then
				ip netns exec "$(site_ns "$k")" conntrack -L -f ipv6 -p udp 2>/dev/null | head -n "${NAT_CT_LINES:-12}"
			fi
		done
	fi
}

nat_finish() {  # pass when nothing was violated; list every violation otherwise
	if [ "${#VIOLATIONS[@]}" -gt 0 ]; then
		log "nat $NAT_TOPO: FAILED, ${#VIOLATIONS[@]} bar(s) missed:"
		printf '  - %s\n' "${VIOLATIONS[@]}"
		echo "NAT topo=$NAT_TOPO run=${NAT_INNER:-1} verdict=FAIL violations=${#VIOLATIONS[@]}"
		exit 1
	fi
	echo "NAT topo=$NAT_TOPO run=${NAT_INNER:-1} verdict=PASS"
	log "nat $NAT_TOPO: passed"
	exit 0
}
