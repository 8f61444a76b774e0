#!/bin/sh
# SPDX-License-Identifier: MIT
# Proves the VM itself, without project code: kernel WireGuard loads, wg
# talks to it, and two namespaces ping each other through a tunnel set up
# with wg. If this fails, the harness is broken, not meshwg.
. /tests/lib.sh

check link-add $IP link add wg0 type wireguard
check wg-show wg show wg0
$IP link del wg0

cleanup() {
	$IP netns del s1 2>/dev/null
	$IP netns del s2 2>/dev/null
}
trap cleanup EXIT
k1=$(wg genkey)
k2=$(wg genkey)
p1=$(echo "$k1" | wg pubkey)
p2=$(echo "$k2" | wg pubkey)
$IP netns add s1 && $IP netns add s2 &&
$IP link add v1 netns s1 type veth peer name v2 netns s2 || fail netns-setup
for i in 1 2; do
	n="$IP netns exec s$i"
	$n $IP link set lo up
	$n $IP addr add 192.168.77.$i/24 dev v$i
	$n $IP link set v$i up
	$n $IP link add wg0 type wireguard
	eval "echo \"\$k$i\"" >/tmp/k$i
	$n wg set wg0 private-key /tmp/k$i listen-port 5182$i
	$n $IP addr add 10.77.0.$i/24 dev wg0
	$n $IP link set wg0 up
done
$IP netns exec s1 wg set wg0 peer "$p2" endpoint 192.168.77.2:51822 allowed-ips 10.77.0.2/32
$IP netns exec s2 wg set wg0 peer "$p1" endpoint 192.168.77.1:51821 allowed-ips 10.77.0.1/32
check ping-wg-tool $IP netns exec s1 ping -c 2 -W 5 10.77.0.2
$IP netns exec s1 wg show wg0 | sed 's/^/    /'
finish
