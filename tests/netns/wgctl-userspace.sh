#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# wgctl's userspace backend against real wireguard-go, programmed only
# through `meshwg --backend userspace`:
#   two namespaces on a veth, wireguard-go in each (one started by meshwg
#   setup, one already running), ping across the overlay, read back
#   handshake, endpoint and counters (meshwg dump == wg show dump), remove
#   and re-add a peer; then 1,000 peers x 4 allowed IPs in a third
#   namespace: read back identical, re-apply touches 0, change 1 touches 1.
# Everything it creates carries the prefix mwg$$ and is removed on exit.
#   usage: wgctl-userspace.sh PATH/TO/meshwg
set -euo pipefail

MESHWG=${1:?usage: $0 PATH/TO/meshwg}
if [ "$(id -u)" != 0 ]; then
	echo "SKIP: needs root (network namespaces, TUN devices)"
	exit 77
fi
for tool in ip wg wireguard-go ping; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool not installed" >&2; exit 1; }
done

P=mwg$$                      # unique prefix: namespaces, interfaces
NA=${P}a NB=${P}b NC=${P}c   # namespaces
IA=${P}wa IB=${P}wb IC=${P}wc  # WireGuard interfaces (names also name UAPI sockets)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/$P.XXXXXX")
CREATED_NS=()

cleanup() {
	local rc=$? ns pid
	set +e
	for ns in "${CREATED_NS[@]}"; do
		# Every process in a namespace we made is ours (wireguard-go).
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill "$pid" 2>/dev/null
		done
	done
	sleep 0.2
	for ns in "${CREATED_NS[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -9 "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	for i in "$IA" "$IB" "$IC"; do
		rm -f "/var/run/wireguard/$i.sock"
	done
	rm -rf "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

FAILS=0
pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; FAILS=$((FAILS + 1)); }
# check NAME CMD...: PASS when CMD succeeds.
check() {
	local name=$1
	shift
	if "$@" >"$TMP/check.out" 2>&1; then
		pass "$name"
	else
		fail "$name: $*"
		sed 's/^/    /' "$TMP/check.out" | head -n 20
	fi
}
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
mw() { local ns=$1; shift; ip netns exec "$ns" "$MESHWG" --backend userspace "$@"; }
# field NAME <TEXT: value of NAME=value in meshwg's output
field() { tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1; }

# norm_dump: `wg show IF dump` text with allowed IPs sorted within each peer
# and peers sorted; the device line stays first.
norm_dump() {
	head -n 1 "$1"
	tail -n +2 "$1" | awk -F'\t' -v OFS='\t' '{
		n = split($4, a, ",")
		for (i = 2; i <= n; i++) {
			v = a[i]
			for (j = i - 1; j > 0 && a[j] > v; j--) a[j + 1] = a[j]
			a[j + 1] = v
		}
		s = a[1]
		for (i = 2; i <= n; i++) s = s "," a[i]
		$4 = s
		print
	}' | sort
}

# same_dump NS IF: meshwg dump equals wg show dump. Counters move while
# traffic flows, so a mismatch is retried a few times before it counts.
same_dump() {
	local ns=$1 ifname=$2 try
	for try in 1 2 3 4 5; do
		mw "$ns" dump "$ifname" >"$TMP/sd.mw" || return 1
		in_ns "$ns" wg show "$ifname" dump >"$TMP/sd.wg" || return 1
		norm_dump "$TMP/sd.mw" >"$TMP/sd.mw.n"
		norm_dump "$TMP/sd.wg" >"$TMP/sd.wg.n"
		if cmp -s "$TMP/sd.mw.n" "$TMP/sd.wg.n"; then
			return 0
		fi
		sleep 0.3
	done
	diff "$TMP/sd.wg.n" "$TMP/sd.mw.n" | head -n 10
	return 1
}

# peer_field NS IF KEY COL: column COL of KEY's line in meshwg dump.
peer_field() {
	mw "$1" dump "$2" | awk -F'\t' -v k="$3" -v c="$4" '$1 == k { print $c }'
}

# --- two namespaces on a veth ----------------------------------------------
for ns in "$NA" "$NB" "$NC"; do
	ip netns add "$ns"
	CREATED_NS+=("$ns")
	in_ns "$ns" ip link set lo up
done
ip link add "${P}va" netns "$NA" type veth peer name "${P}vb" netns "$NB"
in_ns "$NA" ip addr add 10.201.0.1/24 dev "${P}va"
in_ns "$NB" ip addr add 10.201.0.2/24 dev "${P}vb"
in_ns "$NA" ip link set "${P}va" up
in_ns "$NB" ip link set "${P}vb" up

umask 077
wg genkey >"$TMP/a.key"
wg genkey >"$TMP/b.key"
PUB_A=$(wg pubkey <"$TMP/a.key")
PUB_B=$(wg pubkey <"$TMP/b.key")

# A: meshwg setup starts wireguard-go itself.
check setup-a-spawns mw "$NA" setup "$IA" --private-key "$TMP/a.key" --listen-port 51820 \
	--address 10.201.1.1/24
check setup-a-socket test -S "/var/run/wireguard/$IA.sock"
check setup-a-up sh -c "ip netns exec $NA ip link show $IA | grep -q '[<,]UP[,>]'"
check setup-a-mtu-default sh -c "ip netns exec $NA ip link show $IA | grep -q 'mtu 1420 '"
check setup-a-addr sh -c "ip netns exec $NA ip addr show $IA | grep -q 'inet 10.201.1.1/24'"
check setup-a-key test "$(in_ns "$NA" wg show "$IA" public-key)" = "$PUB_A"
check setup-a-port test "$(in_ns "$NA" wg show "$IA" listen-port)" = 51820
check setup-a-again mw "$NA" setup "$IA" --private-key "$TMP/a.key" --listen-port 51820 \
	--address 10.201.1.1/24

# B: wireguard-go already running (started here, in the foreground).
in_ns "$NB" env WG_PROCESS_FOREGROUND=1 wireguard-go -f "$IB" >"$TMP/wg-b.log" 2>&1 &
for _ in $(seq 50); do [ -S "/var/run/wireguard/$IB.sock" ] && break; sleep 0.1; done
check setup-b-existing mw "$NB" --no-spawn setup "$IB" --private-key "$TMP/b.key" \
	--listen-port 51820 --address 10.201.1.2/24 --mtu 1380
check setup-b-mtu sh -c "ip netns exec $NB ip link show $IB | grep -q 'mtu 1380 '"

echo "$PUB_B 10.201.0.2:51820 10.201.1.2/32" >"$TMP/a.peers"
echo "# A as seen from B; keepalive keeps counters moving" >"$TMP/b.peers"
echo "$PUB_A 10.201.0.1:51820 10.201.1.1/32 25" >>"$TMP/b.peers"
mw "$NA" apply "$IA" "$TMP/a.peers" >"$TMP/out"
check apply-a grep -q '^changed=1 peers=1 apply_ms=' "$TMP/out"
mw "$NB" apply "$IB" "$TMP/b.peers" >"$TMP/out"
check apply-b grep -q '^changed=1 peers=1 apply_ms=' "$TMP/out"
mw "$NA" apply "$IA" "$TMP/a.peers" >"$TMP/out"
check reapply-a-unchanged grep -q '^changed=0 peers=1 ' "$TMP/out"

# ping_ok NS ADDR: some ping gets through within ~10 s (first handshake).
ping_ok() {
	local _
	for _ in $(seq 10); do
		in_ns "$1" ping -c 1 -W 1 "$2" >/dev/null 2>&1 && return 0
	done
	return 1
}
check ping-a-to-b ping_ok "$NA" 10.201.1.2
check ping-b-to-a ping_ok "$NB" 10.201.1.1

# Read back what the handshake and the pings left behind.
hs=$(peer_field "$NA" "$IA" "$PUB_B" 5)
ep=$(peer_field "$NA" "$IA" "$PUB_B" 3)
rx=$(peer_field "$NA" "$IA" "$PUB_B" 6)
tx=$(peer_field "$NA" "$IA" "$PUB_B" 7)
now=$(date +%s)
check readback-handshake test "$hs" -gt $((now - 120)) -a "$hs" -le $((now + 1))
check readback-endpoint test "$ep" = 10.201.0.2:51820
check readback-rx test "$rx" -gt 0
check readback-tx test "$tx" -gt 0
# B learned A's endpoint from A's handshake; the keepalive is set.
check readback-b-endpoint test "$(peer_field "$NB" "$IB" "$PUB_A" 3)" = 10.201.0.1:51820
check readback-b-keepalive test "$(peer_field "$NB" "$IB" "$PUB_A" 8)" = 25
check dump-equals-wg-a same_dump "$NA" "$IA"
check dump-equals-wg-b same_dump "$NB" "$IB"
check dump-device-line sh -c "ip netns exec $NA $MESHWG --backend userspace dump $IA | head -n 1 |
	grep -qx \"\$(cat $TMP/a.key)	$PUB_A	51820	off\""

# Remove B from A (apply a file without it, with another peer instead).
"$MESHWG" genpeers 1 --seed 7 >"$TMP/other.peers"
mw "$NA" apply "$IA" "$TMP/other.peers" >"$TMP/out"
check remove-b grep -q '^changed=2 peers=1 ' "$TMP/out"
check remove-b-gone sh -c "! ip netns exec $NA wg show $IA peers | grep -qF '$PUB_B'"
check remove-other-present sh -c "ip netns exec $NA wg show $IA peers | grep -qF '$(cut -d' ' -f1 "$TMP/other.peers")'"
check remove-no-ping sh -c "! ip netns exec $NA ping -c 2 -W 1 10.201.1.2"
check remove-readback same_dump "$NA" "$IA"
mw "$NA" apply "$IA" "$TMP/a.peers" >"$TMP/out"
check readd-b grep -q '^changed=2 peers=1 ' "$TMP/out"
check readd-ping ping_ok "$NA" 10.201.1.2

# --- 1,000 peers with 4 allowed IPs each -----------------------------------
wg genkey >"$TMP/c.key"
check setup-c mw "$NC" setup "$IC" --private-key "$TMP/c.key" --listen-port 51900
"$MESHWG" genpeers 1000 --allowed 4 --seed 42 >"$TMP/p1000"
mw "$NC" apply "$IC" "$TMP/p1000" >"$TMP/out"
check apply-1000 grep -q '^changed=1000 peers=1000 ' "$TMP/out"
apply_ms=$(field apply_ms <"$TMP/out")
# Expected dump lines straight from the file (device line as it is).
mw "$NC" dump "$IC" >"$TMP/empty.dump"
{
	head -n 1 "$TMP/empty.dump"
	awk -v OFS='\t' '{ print $1, "(none)", $2, $3, 0, 0, 0, "off" }' "$TMP/p1000"
} >"$TMP/want"
norm_dump "$TMP/want" >"$TMP/want.n"
mw "$NC" dump --time "$IC" >"$TMP/have" 2>"$TMP/dump.err"
dump_ms=$(field dump_ms <"$TMP/dump.err")
norm_dump "$TMP/have" >"$TMP/have.n"
check readback-1000-identical cmp "$TMP/want.n" "$TMP/have.n"
check readback-1000-lines test "$(wc -l <"$TMP/have")" = 1001
check readback-1000-equals-wg same_dump "$NC" "$IC"
mw "$NC" apply "$IC" "$TMP/p1000" >"$TMP/out"
check reapply-1000-unchanged grep -q '^changed=0 peers=1000 ' "$TMP/out"

# Change one peer's endpoint; then both files on one handle (cached view).
awk 'NR == 500 { $2 = "10.201.9.9:4000" } { print }' "$TMP/p1000" >"$TMP/p1000x"
key500=$(sed -n 500p "$TMP/p1000" | cut -d' ' -f1)
mw "$NC" apply "$IC" "$TMP/p1000x" >"$TMP/out"
check change-1-of-1000 grep -q '^changed=1 peers=1000 ' "$TMP/out"
change_ms=$(field apply_ms <"$TMP/out")
check change-1-readback test "$(in_ns "$NC" wg show "$IC" endpoints | awk -v k="$key500" '$1 == k { print $2 }')" = 10.201.9.9:4000
mw "$NC" apply "$IC" "$TMP/p1000" "$TMP/p1000x" "$TMP/p1000" >"$TMP/out"
check change-1-cached sh -c "[ \"\$(grep -c '^changed=1 peers=1000 ' $TMP/out)\" = 3 ]"
cached_ms=$(sed -n 2p "$TMP/out" | field apply_ms)
head -n 500 "$TMP/p1000" >"$TMP/p500"
mw "$NC" apply "$IC" "$TMP/p500" >"$TMP/out"
check remove-500 grep -q '^changed=500 peers=500 ' "$TMP/out"
check remove-500-count test "$(in_ns "$NC" wg show "$IC" peers | wc -l)" = 500

# --- errors name their cause; exit codes -----------------------------------
# expect_err NAME RC PATTERN CMD...: CMD exits RC with PATTERN on stderr.
expect_err() {
	local name=$1 want_rc=$2 pat=$3 rc=0
	shift 3
	"$@" >/dev/null 2>"$TMP/err" || rc=$?
	if [ "$rc" = "$want_rc" ] && grep -qi "$pat" "$TMP/err"; then
		pass "$name ($(head -n 1 "$TMP/err"))"
	else
		fail "$name: rc=$rc, stderr: $(head -n 2 "$TMP/err" | tr '\n' ' ')"
	fi
}
expect_err err-missing 1 'no such interface' mw "$NC" dump "${P}none"
expect_err err-not-wireguard 1 'not a .*WireGuard interface' mw "$NA" dump "${P}va"
expect_err err-apply-missing 1 'no such interface' mw "$NC" apply "${P}none" "$TMP/p500"
expect_err err-bad-peerfile 1 'line 1' mw "$NC" apply "$IC" /dev/stdin <<<"garbage"
if command -v setpriv >/dev/null; then
	expect_err err-permission 1 'permission denied' setpriv --reuid=65534 --regid=65534 \
		--clear-groups "$MESHWG" --backend userspace dump "$IA"
fi
expect_err err-usage 2 'usage' "$MESHWG" frobnicate
expect_err err-setup-nokey 2 'usage' "$MESHWG" setup "$IC"

# --- destroy ---------------------------------------------------------------
check destroy-c mw "$NC" destroy "$IC"
check destroy-c-gone sh -c "! ip netns exec $NC ip link show $IC 2>/dev/null"
check destroy-c-socket-gone test ! -e "/var/run/wireguard/$IC.sock"
check destroy-c-daemon-gone test -z "$(ip netns pids "$NC")"

echo "FIGURES wireguard-go: apply_1000_ms=$apply_ms change_1_of_1000_ms=$change_ms" \
	"change_1_cached_ms=$cached_ms dump_1000_ms=$dump_ms"
if [ "$FAILS" -ne 0 ]; then
	echo "$FAILS check(s) failed"
	exit 1
fi
echo "all checks passed"
