#!/bin/sh
# SPDX-License-Identifier: MIT
# wgctl's kernel backend through meshwg on real kernel WireGuard: create
# the interface, apply/read back/update/remove peers, then 1,000 peers with
# 4 allowed IPs each and peers with 64 allowed IPs (both far beyond one
# netlink message either way). `wg show dump` is the reference reader.
. /tests/lib.sh
command -v meshwg >/dev/null || { fail meshwg-present "meshwg not in the build dir"; finish; }
trap '$IP link del wgk 2>/dev/null' EXIT
# allowed IPs the kernel holds on IF (keys contain '/', so count fields)
n_allowed() { wg show "$1" allowed-ips | awk '{ n += NF - 1 } END { print n + 0 }'; }

wg genkey >k.priv
pub=$(wg pubkey <k.priv)
check setup $MW setup wgk --private-key k.priv --listen-port 51820 --address 10.99.0.1/16 --mtu 1400
check setup-kind sh -c "$IP -d link show wgk | grep -q wireguard"
check setup-up sh -c "$IP link show wgk | grep -q '[<,]UP[,>]'"
check setup-mtu sh -c "$IP link show wgk | grep -q 'mtu 1400 '"
check setup-addr sh -c "$IP addr show wgk | grep -q 'inet 10.99.0.1/16'"
check setup-port test "$(wg show wgk listen-port)" = 51820
check setup-key test "$(wg show wgk public-key)" = "$pub"
# Setup again must be a no-op that succeeds, not EEXIST.
check setup-again $MW setup wgk --private-key k.priv --listen-port 51820 --address 10.99.0.1/16 --mtu 1400

# Three hand-made peers: v4 and v6 endpoints, no endpoint, keepalive.
meshwg genpeers 4 --seed 11 | cut -d' ' -f1 >keys
k1=$(sed -n 1p keys) k2=$(sed -n 2p keys) k3=$(sed -n 3p keys) k4=$(sed -n 4p keys)
cat >p3 <<E
$k1 192.0.2.1:51820 10.99.1.0/24,fd00:99::1/128 25
$k2 [2001:db8::2]:4242 10.99.2.2/32
$k3 - 10.99.3.0/24,10.98.0.0/16
E
$MW apply wgk p3 >out 2>&1
check apply-3 grep -q 'changed=3 peers=3' out
check apply-3-readback same_dump wgk
check apply-3-endpoint test "$(wg show wgk endpoints | grep "$k2" | cut -f2)" = "[2001:db8::2]:4242"
check apply-3-keepalive test "$(wg show wgk persistent-keepalive | grep "$k1" | cut -f2)" = 25
check apply-3-allowed sh -c "wg show wgk allowed-ips | grep '$k3' | grep -q '10.98.0.0/16'"

$MW apply wgk p3 >out 2>&1
check reapply-unchanged grep -q 'changed=0 peers=3' out

# Update one peer (endpoint, allowed IPs, keepalive) and add one.
cat >p4 <<E
$k1 192.0.2.1:51820 10.99.1.0/24,fd00:99::1/128 25
$k2 192.0.2.22:5000 10.99.2.0/24 10
$k3 - 10.99.3.0/24,10.98.0.0/16
$k4 192.0.2.4:51820 10.99.4.4/32
E
$MW apply wgk p4 >out 2>&1
check update-1-add-1 grep -q 'changed=2 peers=4' out
check update-readback same_dump wgk
check update-endpoint test "$(wg show wgk endpoints | grep "$k2" | cut -f2)" = 192.0.2.22:5000
check update-allowed test "$(wg show wgk allowed-ips | grep "$k2" | cut -f2)" = 10.99.2.0/24
check update-keepalive test "$(wg show wgk persistent-keepalive | grep "$k2" | cut -f2)" = 10

# Remove two (one with an endpoint, one without).
grep -v -e "^$k1 " -e "^$k3 " p4 >p2
$MW apply wgk p2 >out 2>&1
check remove-2 grep -q 'changed=2 peers=2' out
check remove-gone sh -c "! wg show wgk peers | grep -q -e '$k1' -e '$k3'"
check remove-readback same_dump wgk
: >p0
$MW apply wgk p0 >out 2>&1
check remove-all sh -c "grep -q 'changed=2 peers=0' out && [ -z \"\$(wg show wgk peers)\" ]"

# 1,000 peers x 4 allowed IPs: ~150 KB of SET, dumped back in many parts.
meshwg genpeers 1000 --allowed 4 --seed 1 >p1000
strace -o st -e trace=sendto,sendmsg $MW apply wgk p1000 >out 2>&1
check apply-1000 grep -q 'changed=1000 peers=1000' out
# Split into page-sized SETs (a netlink request must fit the kernel's
# socket buffer; wg uses the same limit): many messages, none over 8 KiB.
sed -n 's/.*nlmsg_len=\([0-9]*\).*/\1/p' st | sort -n >lens
check apply-1000-split sh -c "[ \$(awk '\$1 > 1000' lens | wc -l) -ge 20 ] && [ \$(tail -n 1 lens) -le 8192 ]"
result apply1000_netlink_requests "$(wc -l <lens)"
result apply1000_largest_request_bytes "$(tail -n 1 lens)"
check apply-1000-count test "$(wg show wgk peers | wc -l)" = 1000
check apply-1000-allowed test "$(n_allowed wgk)" = 4000
check apply-1000-readback same_dump wgk
# The read back is a dump in several NLM_F_MULTI parts (the kernel sizes
# them to the reader's buffer: ~11 with 32 KiB), merged by meshwg.
strace -s 65536 -o sd -e trace=recvfrom,recvmsg $MW dump wgk >/dev/null 2>&1
check readback-1000-multipart test "$(grep -o NLM_F_MULTI sd | wc -l)" -ge 2
result dump1000_parts "$(grep -o NLM_F_MULTI sd | wc -l)"
# The kernel holds exactly the file's peers and allowed IPs.
awk '{ print $1, $3 }' p1000 | tr ',' ' ' | awk '{ k = $1; $1 = ""; n = split($0, a, " ");
	for (i = 1; i <= n; i++) print k, a[i] }' | sort >want
wg show wgk allowed-ips | awk '{ for (i = 2; i <= NF; i++) print $1, $i }' | sort >have
check apply-1000-content cmp want have
$MW apply wgk p1000 >out 2>&1
check reapply-1000-unchanged grep -q 'changed=0 peers=1000' out
# Removing 1,000 peers by REMOVE_ME, timed: deleting a device holding them
# takes ~12 s here instead, so its cost is worth watching.
vmtime -o t $MW apply wgk p0 >out 2>&1
result remove1000_meshwg_wall_ms "$(cut -d' ' -f1 t)"
check remove-1000 sh -c "grep -q 'changed=1000 peers=0' out && [ -z \"\$(wg show wgk peers)\" ]"

# 40 peers with 64 allowed IPs (the API's maximum), v4 and v6: ~2 KB each,
# so peers straddle both the 4 KiB SETs and the ~32 KiB dump parts.
meshwg genpeers 40 --seed 5 | awk '{
	s = ""
	for (i = 0; i < 64; i++) {
		ip = (i % 2) ? sprintf("fd00:%x::%x/128", NR, i) : sprintf("10.%d.%d.0/24", 100 + NR, i)
		s = s (i ? "," : "") ip
	}
	print $1, "-", s
}' >pbig
$MW apply wgk pbig >out 2>&1
check apply-64-allowed grep -q 'changed=40 peers=40' out
check apply-64-count test "$(n_allowed wgk)" = 2560
check apply-64-readback same_dump wgk
# Shrink one peer's allowed IPs: replaced, not appended.
sed '1s/ [^ ]*$/ 10.250.0.0\/16/' pbig >pbig2
$MW apply wgk pbig2 >out 2>&1
check shrink-allowed sh -c "grep -q 'changed=1 peers=40' out && [ \"\$(wg show wgk allowed-ips | grep '$(head -c 44 pbig)' | cut -f2)\" = 10.250.0.0/16 ]"

check destroy $MW destroy wgk
check destroy-gone sh -c "! $IP link show wgk 2>/dev/null"
finish
