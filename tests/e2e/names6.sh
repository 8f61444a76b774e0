#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Issue 14: members by name and IPv6 in the overlay, end to end.
#
# Three dual-stack nodes (wireguard-go, namespaces prefixed v2): node 1
# pins IPv4 and derives IPv6 in --prefix6, node 2 derives both, node 3
# pins both (--address6). Checked: each interface carries both addresses, WireGuard
# has /32 and /128 allowed-ips, every pair pings over IPv4 and IPv6;
# `getent hosts NODE.mesh` (IPv6) and `getent ahostsv4` (IPv4) answer for
# every member on every node through libnss_meshd.so.2 with
# `hosts: files meshd dns` (each getent runs in a private mount namespace
# where /run/meshd holds only its own node's socket and /etc/nsswitch.conf
# is the test's); node 3's --domain; a fourth node claiming node 2's name
# is shown as node2~<id prefix>, node2.mesh still answers node 2's
# addresses; a stopped agent makes lookups fail fast. Figures: the median
# of 1,000 in-process getaddrinfo lookups and the mean getent wall time
# (the lead measures them on a quiet machine).
#
# Usage: names6.sh BUILD_DIR. Exit 77 = skipped (not root, outside CI).
set -euo pipefail
skip() {
	echo "names6: $*"
	[ "${CI:-}" = true ] && exit 1
	exit 77
}
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces); skipping"
command -v wireguard-go >/dev/null || skip "wireguard-go missing"
command -v unshare >/dev/null || skip "unshare missing"
BUILD_DIR=$(cd "$1" && pwd)
BIN=$BUILD_DIR/agent
NSS_DIR=$BIN/nss
[ -f "$NSS_DIR/libnss_meshd.so.2" ] || skip "libnss_meshd.so.2 not built (sanitizer or fuzz build)"
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
# Our own names so parallel tests never collide (lib.sh's are me*/wg*).
E2E_PFX="v2${E2E_ID}"
E2E_BR="${E2E_PFX}br"
if_of() { echo "v2w${E2E_ID}n$1"; }
PREFIX6=fd77:2::/64
cleanup() {
	local rc=$?
	set +e
	(exit "$rc")
	e2e_cleanup
	rm -f /var/run/wireguard/v2w"${E2E_ID}"n*.sock
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

printf 'passwd: files\ngroup: files\nhosts: files meshd dns\n' >"$E2E_DIR/nsswitch.conf"

# nss_exec N CMD...: CMD in node N's namespace, seeing only node N's agent.
nss_exec() {
	local n=$1; shift
	ip netns exec "$(ns_of "$n")" unshare -m sh -c '
		mount --make-rprivate / && mount -t tmpfs tmpfs /run && mkdir /run/meshd &&
		ln -s "$1" "/run/meshd/$2.names.sock" && mount --bind "$3" /etc/nsswitch.conf &&
		shift 3 && exec env LD_LIBRARY_PATH="'"$NSS_DIR"'" "$@"' sh \
		"$E2E_DIR/n$n.names.sock" "$(if_of "$n")" "$E2E_DIR/nsswitch.conf" "$@"
}

member_field() {  # member_field VIEWER NAME FIELD
	e2e_members_json "$1" | jq -r --arg n "$2" --arg f "$3" \
		'.members[] | select(.name == $n) | .[$f]' 2>/dev/null
}

all_alive() {  # every node in $@ lists them all alive
	local a
	for a in "$@"; do [ "$(e2e_count "$a" alive)" -eq "$#" ] || return 1; done
}

ping_all() {  # ping_all FAMILY(4|6): every pair of 1..3 over that overlay family
	local a b ip pids=() rc=0
	for a in 1 2 3; do
		for b in 1 2 3; do
			[ "$a" = "$b" ] && continue
			ip=${V[$b$1]}
			ip netns exec "$(ns_of "$a")" ping -"$1" -n -q -c 1 -W 1 "$ip" >/dev/null 2>&1 &
			pids+=($!)
		done
	done
	for p in "${pids[@]}"; do wait "$p" || rc=1; done
	return "$rc"
}

e2e_underlay
for n in 1 2 3; do e2e_node_ns "$n"; done
cat >"$E2E_DIR/hook.sh" <<EOF
#!/bin/sh
echo "event=\$MESHD_EVENT name=\$MESHD_NAME ip=\$MESHD_OVERLAY_IP ip6=\${MESHD_OVERLAY_IP6:-none}" >>"$E2E_DIR/hooks.log"
EOF
chmod 700 "$E2E_DIR/hook.sh"
e2e_start 1 --prefix6 "$PREFIX6" --event-hook "$E2E_DIR/hook.sh"
wait_until 10 "node 1 control socket" test -S "$(sock_of 1)"
# Node 2 derives both addresses (no --address): one (id, generation) gives the pair.
ip netns exec "$(ns_of 2)" "$BIN/meshd" \
	--interface "$(if_of 2)" --network-key "$E2E_DIR/net.key" --backend "$BACKEND" \
	--prefix 10.88.0.0/16 --prefix6 "$PREFIX6" --endpoint "$(under_of 2):51820" \
	--listen-port 51820 --gossip-port 51821 --state-dir "$E2E_DIR/n2" --socket "$(sock_of 2)" \
	--name node2 --join "$(under_of 1):51821" >>"$E2E_DIR/meshd2.log" 2>&1 &
MESHD_PID[2]=$!
e2e_start 3 --address6 fd77:2::3/64 --domain m3.test --join "$(under_of 1):51821"
wait_until 60 "3 nodes alive everywhere" all_alive 1 2 3

declare -A V
for n in 1 2 3; do
	V[${n}4]=$(member_field 1 "node$n" overlay_ip)
	V[${n}6]=$(member_field 1 "node$n" overlay_ip6)
	case "$n:${V[${n}4]}" in
	2:10.88.*) ;;  # derived
	*) [ "${V[${n}4]}" = "$(over_of "$n")" ] || die "node$n IPv4 overlay ${V[${n}4]}, want $(over_of "$n")" ;;
	esac
	case "${V[${n}6]}" in fd77:2::*) ;; *) die "node$n has no IPv6 overlay address in $PREFIX6: '${V[${n}6]}'" ;; esac
	log "node$n: ${V[${n}4]} ${V[${n}6]}"
done
[ "${V[36]}" = fd77:2::3 ] || die "node3's pinned IPv6 address is ${V[36]}"
[ "${V[16]}" != "${V[26]}" ] || die "nodes 1 and 2 derived the same IPv6 address"
# Every node agrees on every member's two addresses.
for a in 2 3; do
	for n in 1 2 3; do
		[ "$(member_field "$a" "node$n" overlay_ip6)" = "${V[${n}6]}" ] ||
			die "node$a sees node$n at $(member_field "$a" "node$n" overlay_ip6), node1 at ${V[${n}6]}"
	done
done

# Both addresses on the interface, both host routes in WireGuard.
for n in 1 2 3; do
	addrs=$(ip -n "$(ns_of "$n")" addr show dev "$(if_of "$n")")
	grep -q "inet6 ${V[${n}6]}/64" <<<"$addrs" || die "node$n's interface lacks ${V[${n}6]}/64: $addrs"
	grep -q "inet ${V[${n}4]}/16" <<<"$addrs" || die "node$n's interface lacks ${V[${n}4]}/16: $addrs"
	allowed=$(ip netns exec "$(ns_of "$n")" wg show "$(if_of "$n")" allowed-ips)
	for m in 1 2 3; do
		[ "$n" = "$m" ] && continue
		grep -q "${V[${m}4]}/32 ${V[${m}6]}/128" <<<"$allowed" ||
			die "node$n: WireGuard peer of node$m lacks ${V[${m}4]}/32 ${V[${m}6]}/128: $allowed"
	done
done
# Hooks see both addresses (MESHD_OVERLAY_IP6); they run asynchronously.
hook_saw() { grep -q "name=node$1 ip=${V[${1}4]} ip6=${V[${1}6]}\$" "$E2E_DIR/hooks.log" 2>/dev/null; }
wait_until 30 "node1's hook sees node2 with MESHD_OVERLAY_IP6" hook_saw 2
wait_until 30 "node1's hook sees node3 with MESHD_OVERLAY_IP6" hook_saw 3
wait_until 60 "every pair pings over IPv4" ping_all 4
wait_until 60 "every pair pings over IPv6" ping_all 6
log "dual stack: interfaces, allowed-ips, pings over IPv4 and IPv6 between every pair"

# Names, on every node, for every member (itself included).
for a in 1 2 3; do
	dom=mesh
	[ "$a" = 3 ] && dom=m3.test
	for n in 1 2 3; do
		got=$(nss_exec "$a" getent hosts "node$n.$dom" | awk '{print $1}')
		[ "$got" = "${V[${n}6]}" ] || die "node$a: getent hosts node$n.$dom = '$got', want ${V[${n}6]}"
		got=$(nss_exec "$a" getent ahostsv4 "node$n.$dom" | awk 'NR == 1 {print $1}')
		[ "$got" = "${V[${n}4]}" ] || die "node$a: getent ahostsv4 node$n.$dom = '$got', want ${V[${n}4]}"
	done
done
rc=0; nss_exec 3 getent hosts node1.mesh >/dev/null || rc=$?
[ "$rc" -eq 2 ] || die "node3 (--domain m3.test) resolved node1.mesh (getent rc $rc, want 2)"
rc=0; nss_exec 1 getent hosts nobody.mesh >/dev/null || rc=$?
[ "$rc" -eq 2 ] || die "node1 resolved nobody.mesh (getent rc $rc, want 2)"
nss_exec 1 ping -n -q -c 1 -W 2 node2.mesh >/dev/null || die "node1 cannot ping node2.mesh by name"
# Not only root: any user resolves through the names socket (0666, resolve only).
got=$(nss_exec 2 setpriv --reuid=65534 --regid=65534 --clear-groups getent ahostsv4 node3.mesh |
	awk 'NR == 1 {print $1}')
[ "$got" = "${V[34]}" ] || die "node2: user nobody got '$got' for node3.mesh, want ${V[34]}"
# ...and nothing else there: the names socket refuses every other command.
reply=$(ip netns exec "$(ns_of 2)" setpriv --reuid=65534 --regid=65534 \
	--clear-groups /usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"members\n")
print(s.recv(4096).decode().split()[0])' "$E2E_DIR/n2.names.sock")
[ "$reply" = ERR ] || die "the names socket answered 'members' to nobody with '$reply', want ERR"
log "names: getent hosts/ahostsv4 answer for every member on every node; --domain; ping by name; user nobody resolves, names socket refuses members"

# The figure: 1,000 lookups in one process, and getent's wall time.
bench=$(nss_exec 1 "$BIN/nss/meshd-nss-bench" node2.mesh 1000) || die "lookup bench failed: $bench"
# 100 getent processes in one namespace: their wall time includes exec and the NSS load.
getent_ms=$(nss_exec 1 sh -c 't0=$(date +%s%3N); i=0
	while [ $i -lt 100 ]; do getent hosts node2.mesh >/dev/null || exit 1; i=$((i + 1)); done
	echo $(( $(date +%s%3N) - t0 ))') || die "a getent of node2.mesh failed"
log "lookup figure: $bench; 100 getent processes in ${getent_ms} ms"

# A name conflict: node 4 claims node 2's name.
e2e_node_ns 4
ip netns exec "$(ns_of 4)" "$BIN/meshd" \
	--interface "$(if_of 4)" --network-key "$E2E_DIR/net.key" --backend "$BACKEND" \
	--address "$(over_of 4)/16" --prefix6 "$PREFIX6" --endpoint "$(under_of 4):51820" \
	--listen-port 51820 --gossip-port 51821 --state-dir "$E2E_DIR/n4" --socket "$(sock_of 4)" \
	--name node2 --join "$(under_of 1):51821" >>"$E2E_DIR/meshd4.log" 2>&1 &
MESHD_PID[4]=$!
impostor_shown() {  # every node lists node 4 as node2~<8 hex>, flagged
	local a
	for a in 1 2 3; do
		e2e_members_json "$a" | jq -e --arg ip "$(over_of 4)" \
			'any(.members[]; .overlay_ip == $ip and .name_conflict == true and
			     (.name | test("^node2~[0-9a-f]{8}$")))' >/dev/null || return 1
	done
}
wait_until 60 "node 4 shown as node2~<id> on nodes 1-3" impostor_shown
shown=$(e2e_members_json 1 | jq -r --arg ip "$(over_of 4)" '.members[] | select(.overlay_ip == $ip) | .name')
for a in 1 2; do
	got=$(nss_exec "$a" getent ahostsv4 node2.mesh | awk 'NR == 1 {print $1}')
	[ "$got" = "${V[24]}" ] || die "node$a: node2.mesh = '$got' with an impostor, want node 2's ${V[24]}"
	got=$(nss_exec "$a" getent ahostsv4 "$shown.mesh" | awk 'NR == 1 {print $1}')
	[ "$got" = "$(over_of 4)" ] || die "node$a: $shown.mesh = '$got', want $(over_of 4)"
done
grep -q "name conflict" "$E2E_DIR/meshd1.log" || die "node1 did not log the name conflict"
log "name conflict: node 4 shown as $shown; node2.mesh stays node 2's"

# Agent down: lookups fail at once (UNAVAIL, then dns), no hang.
kill "${MESHD_PID[1]}"
wait "${MESHD_PID[1]}" 2>/dev/null || true
unset 'MESHD_PID[1]'
t0=$(now_ms)
rc=0; nss_exec 1 getent hosts node2.mesh >/dev/null || rc=$?
down_ms=$(( $(now_ms) - t0 ))
[ "$rc" -ne 0 ] || die "node2.mesh resolved on node1 with its agent stopped"
[ "$down_ms" -lt 3000 ] || die "a lookup with the agent stopped took ${down_ms} ms"
log "agent stopped: getent fails (rc $rc) in ${down_ms} ms"

med=$(sed -n 's/.*median_us=\([0-9.]*\).*/\1/p' <<<"$bench")
echo "NAMES6 lookup_median_us=$med getent_100_ms=$getent_ms agent_down_ms=$down_ms"
log "names6 ok"
