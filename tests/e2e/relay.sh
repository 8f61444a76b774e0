#!/bin/bash
# SPDX-License-Identifier: MIT
# Relay end to end (issue 11, P5): three nodes on one bridge; node 1 runs
# --relay; nodes 2 and 3 cannot reach each other (nftables drops between
# them in their own namespaces). Checks: every ordered pair pings (2<->3
# through the relay), node 2's peer endpoint for node 3 is node 1's
# underlay address at a relay port, the relay's metrics count forwarded
# datagrams, and a capture on the relay's interface sees only WireGuard
# message types 1-4 on its pair ports (it never sees plaintext). Then a
# stranger's datagrams to the relay ports are not forwarded.
# Usage: relay.sh BUILD_DIR (or BIN=dir-with-meshd).
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "relay: needs root (network namespaces); skipping"; exit 77; }
BIN=${BIN:-${1:?build directory}/agent}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
trap e2e_cleanup EXIT

e2e_underlay
for n in 1 2 3; do e2e_node_ns "$n"; done
# 2 and 3 cannot reach each other on the underlay.
for pair in "2 3" "3 2"; do
	set -- $pair
	ip netns exec "$(ns_of "$1")" nft -f - <<NFT
table inet relaytest {
	chain out { type filter hook output priority 0; ip daddr $(under_of "$2") drop; }
	chain in { type filter hook input priority 0; ip saddr $(under_of "$2") drop; }
}
NFT
done
t0=$(now_ms)
e2e_start 1 --relay --metrics 127.0.0.1:9101
sleep 0.5
e2e_start 2 --join "$(under_of 1):51821"
e2e_start 3 --join "$(under_of 1):51821"
all_alive() { [ "$(e2e_count "$1" alive)" = 3 ]; }
for n in 1 2 3; do wait_until 20 "node $n sees 3 alive" all_alive "$n"; done
pings() { e2e_ping "$1" "$2"; }
for a in 1 2 3; do
	for b in 1 2 3; do
		[ "$a" = "$b" ] && continue
		wait_until 30 "ping $a -> $b" pings "$a" "$b"
		log "RELAY ping_${a}_${b}_ms=$(( $(now_ms) - t0 ))"
	done
done
key3=$(ip netns exec "$(ns_of 3)" wg show "$(if_of 3)" public-key)
ep=$(ip netns exec "$(ns_of 2)" wg show "$(if_of 2)" endpoints | awk -v k="$key3" '$1 == k {print $2}')
case "$ep" in "$(under_of 1)":51820|"$(under_of 1)":*) ;; *) ep= ;; esac
[ -n "$ep" ] || die "node 2 has no peer endpoint at the relay: $(ip netns exec "$(ns_of 2)" wg show "$(if_of 2)" endpoints)"
log "node 2 reaches node 3 through $ep"

# What crosses the relay's pair ports while 2 and 3 talk: WireGuard only.
ip netns exec "$(ns_of 1)" python3 "$here/relay_capture.py" eth0 "$(under_of 1)" 51820,51821 4 >"$E2E_DIR/cap" &
cap=$!
ip netns exec "$(ns_of 2)" ping -n -q -c 20 -i 0.1 "$(over_of 3)" >/dev/null
wait "$cap"
cat "$E2E_DIR/cap"
grep -q "^other 0$" "$E2E_DIR/cap" || die "non-WireGuard datagrams on relay ports"
grep -q "^type=4 " "$E2E_DIR/cap" || die "no WireGuard data relayed"
metrics() { ip netns exec "$(ns_of 1)" python3 -c 'import urllib.request,sys; sys.stdout.write(urllib.request.urlopen("http://127.0.0.1:9101/metrics").read().decode())'; }
metrics | grep "^meshd_relay" | tee "$E2E_DIR/m1"
fwd=$(awk '/^meshd_relay_forwarded_packets_total/{print $2}' "$E2E_DIR/m1")
[ "${fwd:-0}" -gt 40 ] || die "relay forwarded only ${fwd:-0} packets"

# A stranger (node 2's namespace, another source port) at both relay ports: dropped.
port=${ep##*:}
before=$(awk -F'[ ]' '/^meshd_relay_dropped_total\{reason="stranger"\}/{print $2}' "$E2E_DIR/m1")
ip netns exec "$(ns_of 2)" python3 - "$(under_of 1)" "$port" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for p in (int(sys.argv[2]), int(sys.argv[2]) + 1, int(sys.argv[2]) - 1):
    for _ in range(5):
        s.sendto(b"\x04\0\0\0" + b"\xaa" * 28, (sys.argv[1], p))
PY
sleep 0.5
after=$(metrics | awk -F'[ ]' '/^meshd_relay_dropped_total\{reason="stranger"\}/{print $2}')
log "RELAY stranger_dropped_before=$before after=$after"
[ "$after" -ge $(( before + 5 )) ] || die "stranger datagrams not dropped and counted"
e2e_members_json 2 | jq -c ".members[] | {name, path, path_endpoint, path_relay}" || true
log "PASS relay"
