#!/bin/sh
# SPDX-License-Identifier: MIT
# Issue 11's first NAT topology on kernel WireGuard (meshd --backend
# kernel, its netlink backend): one public node (the seed, --relay) and
# three sites behind port-preserving NAT (nftables `masquerade` in router
# namespaces), all started together, the NATed nodes as the README tells
# a new user (--join SEED, no --endpoint). Needs nft (MESHD_VM_EXTRA_BINS)
# and the netfilter modules (MESHD_VM_MODULES): tests/vm/CMakeLists.txt.
#
#   inet: one internet router namespace; a /30 to the public node
#         (198.51.100.1/.2) and one to each site's router
#         (198.51.100.4K+1/.4K+2); all internet addresses are connected
#         routes there, so no routing table is needed.
#   site K (1..3): router rK, wan 198.51.100.4K+2, lan 192.168.K.1/24,
#         `oifname "wan" masquerade`; node K+1 on the LAN at 192.168.K.2.
#   nodes: n1..n4, overlay 10.88.0.N/16, WireGuard interface wg0.
#
# Checks: every meshd came up on the kernel backend (a wireguard link);
# every ordered pair pings over the overlay within NAT_VM_WAIT (virtual)
# seconds; every node reports a path (direct or relay) for every other;
# the endpoint each path shows is the one kernel WireGuard holds for the
# peer (`wg show wg0 endpoints`), at the relay's address for a relay path;
# the NATed pairs' paths are reported (how many direct). Times are the
# guest's virtual clock (icount): functional, not the issue's 20 s bar.
. /tests/lib.sh
WAIT=${NAT_VM_WAIT:-120}
NODES="1 2 3 4"
for b in meshd meshctl nft; do
	command -v $b >/dev/null || { fail present-$b "$b not in the guest"; finish; }
done
pass tools-present

cleanup() {
	for f in /tmp/nat-meshd*.pid; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	sleep 1
	for ns in n1 n2 n3 n4 r1 r2 r3 inet; do $IP netns del $ns 2>/dev/null; done
}
trap cleanup EXIT

fwd() { $IP netns exec "$1" sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'; }
setup() {
	$IP netns add inet || return 1
	$IP -n inet link set lo up
	fwd inet
	# public node 1
	$IP netns add n1 && $IP -n n1 link set lo up
	$IP link add pub netns inet type veth peer name eth0 netns n1 || return 1
	$IP -n inet addr add 198.51.100.1/30 dev pub && $IP -n inet link set pub up
	$IP -n n1 addr add 198.51.100.2/30 dev eth0 && $IP -n n1 link set eth0 up
	$IP -n n1 route add default via 198.51.100.1 || return 1
	for k in 1 2 3; do
		n=$((k + 1))
		$IP netns add r$k && $IP -n r$k link set lo up && fwd r$k
		$IP link add s$k netns inet type veth peer name wan netns r$k || return 1
		$IP -n inet addr add 198.51.100.$((4 * k + 1))/30 dev s$k
		$IP -n inet link set s$k up
		$IP -n r$k addr add 198.51.100.$((4 * k + 2))/30 dev wan
		$IP -n r$k link set wan up
		$IP -n r$k route add default via 198.51.100.$((4 * k + 1)) || return 1
		$IP netns add n$n && $IP -n n$n link set lo up
		$IP link add lan netns r$k type veth peer name eth0 netns n$n || return 1
		$IP -n r$k addr add 192.168.$k.1/24 dev lan && $IP -n r$k link set lan up
		$IP -n n$n addr add 192.168.$k.2/24 dev eth0 && $IP -n n$n link set eth0 up
		$IP -n n$n route add default via 192.168.$k.1 || return 1
		printf 'table ip nat {\n chain post {\n  type nat hook postrouting priority 100; policy accept;\n  oifname "wan" masquerade\n }\n}\n' >/tmp/nat-r$k.nft
		$IP netns exec r$k nft -f /tmp/nat-r$k.nft || return 1
	done
}
check underlay-setup setup
[ "$FAILS" = 0 ] || finish
# The NAT works: node 2 reaches the public node from behind r1.
check underlay-nat-ping $IP netns exec n2 ping -c 1 -W 5 198.51.100.2

meshctl network-key >/tmp/nat-net.key && chmod 600 /tmp/nat-net.key
start() {  # start N [args]
	n=$1
	shift
	mkdir -p /tmp/nat-n$n
	$IP netns exec n$n meshd --interface wg0 --network-key /tmp/nat-net.key \
		--backend kernel --address 10.88.0.$n/16 --listen-port 51820 --gossip-port 51821 \
		--state-dir /tmp/nat-n$n --socket /tmp/nat-n$n.sock --name node$n \
		--log-level info "$@" >/tmp/nat-meshd$n.log 2>&1 &
	echo $! >/tmp/nat-meshd$n.pid
}
now_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }
t0=$(now_ms)
start 1 --endpoint 198.51.100.2:51820 --relay
for n in 2 3 4; do start $n --join 198.51.100.2:51821; done

# Every ordered pair: the first reply, in virtual ms from the start.
left="1>2 1>3 1>4 2>1 2>3 2>4 3>1 3>2 3>4 4>1 4>2 4>3"
deadline=$((t0 + WAIT * 1000))
while [ -n "$left" ] && [ "$(now_ms)" -lt "$deadline" ]; do
	still=""
	for p in $left; do
		a=${p%>*}
		b=${p#*>}
		if $IP netns exec n$a ping -c 1 -W 1 10.88.0.$b >/dev/null 2>&1; then
			echo "nat: $p first reply at $(($(now_ms) - t0)) ms"
		else
			still="$still $p"
		fi
	done
	left=$still
	[ -z "$left" ] || sleep 1
done
all_ms=$(($(now_ms) - t0))
if [ -z "$left" ]; then
	pass all-pairs-ping "12 of 12 ordered pairs in ${all_ms} virtual ms"
	result nat_kernel_all_ping_ms "$all_ms"
else
	fail all-pairs-ping "never within ${WAIT} s:$left"
fi

for n in $NODES; do
	check kernel-backend-n$n grep -q 'WireGuard backend: kernel' /tmp/nat-meshd$n.log
	check wireguard-link-n$n sh -c "$IP -n n$n -d link show wg0 | grep -q wireguard"
done

# Paths: `meshctl members --json`, one member object per line after the split.
# A path turns from none to direct/relay when the agent next reads the
# device (every 2 s while a path is down), so a pair that just answered a
# ping may still show none: read again, for up to 20 s.
read_paths() {
	nat_direct=0
	nat_pairs=0
	nopath=""
	badep=""
	for a in $NODES; do
		meshctl --socket /tmp/nat-n$a.sock members --json >/tmp/nat-members$a.json 2>/dev/null
		tr '{' '\n' </tmp/nat-members$a.json | grep '"name"' >/tmp/nat-m$a
		for b in $NODES; do
			[ "$a" = "$b" ] && continue
			line=$(grep "\"name\":\"node$b\"" /tmp/nat-m$a)
			path=$(echo "$line" | sed -n 's/.*"path":"\([^"]*\)".*/\1/p')
			ep=$(echo "$line" | sed -n 's/.*"path_endpoint":"\([^"]*\)".*/\1/p')
			relay=$(echo "$line" | sed -n 's/.*"path_relay":"\([^"]*\)".*/\1/p')
			key=$(echo "$line" | sed -n 's/.*"public_key":"\([^"]*\)".*/\1/p')
			# What the kernel really uses for that peer (wg, not meshd's read).
			wgep=$($IP netns exec n$a wg show wg0 endpoints | awk -v k="$key" '$1 == k { print $2 }')
			echo "nat: path $a>$b ${path:-?} $ep $relay (kernel: ${wgep:-none})"
			case $path in
			direct|relay) ;;
			*) nopath="$nopath $a>$b=${path:-?}" ;;
			esac
			[ -n "$ep" ] && [ "$ep" = "$wgep" ] || badep="$badep $a>$b=$ep/kernel:${wgep:-none}"
			if [ "$path" = relay ]; then
				case $ep in
				198.51.100.2:*) [ "$relay" = node1 ] || badep="$badep $a>$b=relay:$relay" ;;
				*) badep="$badep $a>$b=relay-at:$ep" ;;
				esac
			fi
			if [ "$a" != 1 ] && [ "$b" != 1 ]; then
				nat_pairs=$((nat_pairs + 1))
				[ "$path" = direct ] && nat_direct=$((nat_direct + 1))
			fi
		done
	done
}
for i in $(seq 20); do
	read_paths >/tmp/nat-paths.out
	[ -n "$nopath" ] || break
	sleep 1
done
cat /tmp/nat-paths.out
if [ -z "$nopath" ]; then
	pass paths-reported "every node reports direct or relay for every other"
else
	fail paths-reported "$nopath"
fi
# The endpoint shown is the one kernel WireGuard uses; a relay path goes
# to the relay's address (node 1, the only relay).
if [ -z "$badep" ]; then
	pass path-endpoint-is-kernels "every path endpoint is the kernel peer's endpoint"
else
	fail path-endpoint-is-kernels "$badep"
fi
result nat_kernel_nat_pairs_direct "$nat_direct/$nat_pairs"
echo "nat: NATed ordered pairs direct: $nat_direct of $nat_pairs"

if [ "$FAILS" != 0 ]; then
	for n in $NODES; do
		echo "----- node $n: meshd log (last 15 lines), wg"
		tail -n 15 /tmp/nat-meshd$n.log
		$IP netns exec n$n wg show wg0 2>&1 | head -n 30
	done
fi
finish
