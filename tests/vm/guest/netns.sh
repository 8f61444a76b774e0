#!/bin/sh
# SPDX-License-Identifier: MIT
# Two namespaces on a veth pair ping each other through kernel WireGuard
# programmed only by meshwg (wg is used for keys and reading only). Then
# the read back must show the handshake, counters and endpoint, and
# removing the peer must stop the traffic.
. /tests/lib.sh
command -v meshwg >/dev/null || { fail meshwg-present "meshwg not in the build dir"; finish; }
cleanup() {
	$IP netns del m1 2>/dev/null
	$IP netns del m2 2>/dev/null
}
trap cleanup EXIT

$IP netns add m1 && $IP netns add m2 &&
	$IP link add u1 netns m1 type veth peer name u2 netns m2 || fail netns-setup
for i in 1 2; do
	$IP -n m$i link set lo up
	$IP -n m$i addr add 192.168.88.$i/24 dev u$i
	$IP -n m$i link set u$i up
	wg genkey >m$i.priv
	wg pubkey <m$i.priv >m$i.pub
	check setup-m$i $IP netns exec m$i $MW setup wg0 --private-key m$i.priv \
		--listen-port 5188$i --address 10.88.0.$i/24
done
echo "$(cat m2.pub) 192.168.88.2:51882 10.88.0.2/32" >m1.peers
echo "$(cat m1.pub) 192.168.88.1:51881 10.88.0.1/32 5" >m2.peers
check apply-m1 $IP netns exec m1 $MW apply wg0 m1.peers
check apply-m2 $IP netns exec m2 $MW apply wg0 m2.peers
check ping-1-to-2 $IP netns exec m1 ping -c 3 -W 5 10.88.0.2
check ping-2-to-1 $IP netns exec m2 ping -c 1 -W 5 10.88.0.1

# dump fields: pub psk endpoint allowed handshake rx tx keepalive
$IP netns exec m1 $MW dump wg0 | tail -n +2 >d1
check readback-endpoint test "$(cut -f3 d1)" = 192.168.88.2:51882
check readback-handshake test "$(cut -f5 d1)" -gt 0
check readback-rx test "$(cut -f6 d1)" -gt 0
check readback-tx test "$(cut -f7 d1)" -gt 0
check readback-keepalive sh -c "$IP netns exec m2 $MW dump wg0 | tail -n 1 | cut -f8 | grep -qx 5"

: >none
check remove-peer $IP netns exec m1 $MW apply wg0 none
check remove-peer-gone test -z "$($IP netns exec m1 wg show wg0 peers)"
check ping-after-remove-fails sh -c "! $IP netns exec m1 ping -c 1 -W 2 10.88.0.2"
finish
