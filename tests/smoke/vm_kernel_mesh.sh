#!/bin/sh
# SPDX-License-Identifier: MIT
# Guest script for the VM harness (tests/vm/run-vm.sh): issue #4 scenario 1
# on kernel WireGuard. Four nodes, each in a namespace routed through the
# VM's root namespace; node 1 starts alone, 2-4 join through it. Every
# node must list 4 alive, hold 3 peers and ping every overlay address; after
# the agents stop, the peers stay and the tunnels still carry traffic.
. /tests/lib.sh
command -v meshd >/dev/null || { fail meshd-present; finish; }
cleanup() { for i in 1 2 3 4; do $IP netns del n$i 2>/dev/null; done; }
trap cleanup EXIT
echo 1 >/proc/sys/net/ipv4/ip_forward
meshctl network-key >/tmp/net.key
chmod 600 /tmp/net.key
for i in 1 2 3 4; do
	$IP netns add n$i
	$IP link add h$i type veth peer name e$i netns n$i
	$IP addr add 10.77.$i.1/24 dev h$i
	$IP link set h$i up
	$IP -n n$i link set lo up
	$IP -n n$i addr add 10.77.$i.2/24 dev e$i
	$IP -n n$i link set e$i up
	$IP -n n$i route add default via 10.77.$i.1
done
start() {
	i=$1; shift
	$IP netns exec n$i meshd --interface wg0 --backend kernel --network-key /tmp/net.key \
		--address 10.88.0.$i/16 --endpoint 10.77.$i.2:51820 --state-dir /tmp/s$i \
		--socket /tmp/n$i.sock --name node$i "$@" >/tmp/meshd$i.log 2>&1 &
}
start 1
n=0; while [ ! -S /tmp/n1.sock ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n+1)); done
for i in 2 3 4; do start $i --join 10.77.1.2:51821; done
ok() {
	for i in 1 2 3 4; do
		[ "$(meshctl --socket /tmp/n$i.sock members --json | grep -o '"status":"alive"' | wc -l)" = 4 ] || return 1
		[ "$($IP netns exec n$i wg show wg0 peers | wc -l)" = 3 ] || return 1
	done
	for i in 1 2 3 4; do for j in 1 2 3 4; do
		[ $i = $j ] || $IP netns exec n$i ping -c 1 -W 2 10.88.0.$j >/dev/null || return 1
	done; done
}
n=0; while ! ok && [ $n -lt 120 ]; do sleep 0.5; n=$((n+1)); done
check mesh-of-4 ok
result meshd_kernel_mesh_polls $n
$IP netns exec n2 wg show wg0 | sed 's/^/    /'
meshctl --socket /tmp/n2.sock members | sed 's/^/    /'
meshctl --socket /tmp/n2.sock status | sed 's/^/    /'
kill $(pidof meshd) 2>/dev/null
sleep 1
check peers-stay $IP netns exec n2 sh -c "wg show wg0 peers | wc -l | grep -qx 3"
check tunnel-outlives-agent $IP netns exec n2 ping -c 1 -W 2 10.88.0.3
tail -n 5 /tmp/meshd2.log | sed 's/^/    /'
finish
