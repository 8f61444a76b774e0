#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Relay cost (issue 11 bar): what one relayed pair costs the relay and
# whether relaying at full rate disturbs the relay's gossip. A benchmark,
# not a ctest test: run it on a quiet machine.
#
#   sudo tests/nat/relay_cost.sh BUILD_DIR            # 20 s phases
#   sudo tests/nat/relay_cost.sh BUILD_DIR --short    # 5 s phases
#
# Topology (lib.sh): internet routers i1-i2-i3; node 1 public on i2 with
# --relay (and --metrics on its loopback); node 4 public on i2 (an idle
# member, so the relay's probes also go somewhere not busy forwarding);
# nodes 2 and 3 behind `masquerade random` sites on i1 and i3 (symmetric
# NATs: no direct path, so 2<->3 must go through node 1's relay).
# wireguard-go on every node (userspace WireGuard: its crypto, not the
# relay, is the likely ceiling of the throughput).
#
# Phases, NAT_RELAY_SECONDS each (20, --short 5):
#   idle:    nothing but gossip and keepalives;
#   relayed: iperf3 (TCP) from node 2 to node 3 over the overlay, at full
#            rate, through the relay;
#   direct:  iperf3 from node 2 to node 1 (one WireGuard hop, through
#            node 2's NAT only), for comparison.
# In each phase (figures averaged over the phase, `secs`, which is a little
# longer than iperf3's run), from the relay's /metrics and /proc: the mean probe RTT
# of its gossip (meshd_probe_rtt_seconds sum/count), probes failed and
# suspicions started, the agent's CPU (utime+stime of every thread, the
# main (gossip) thread apart), bytes forwarded by the relay.
#
# Prints `NAT topo=relay_cost key=value` lines and writes them, with the
# command, commit and load average, to
# tests/nat/results/<date>-<commit>-relay-cost.txt -- only when the
# 1-minute load average was below NAT_MAX_LOAD (2.5) at the start: on a
# busy machine it refuses to run unless RELAY_COST_FORCE=1, and then
# writes BUILD_DIR/nat-relay-cost.txt instead.
#
# RELAY_COST_ARGS: more options for the relay's meshd, e.g.
# "--relay-pps 1000000 --relay-bps 1000000000" to measure the forwarder
# without the default per-pair caps (at the defaults, 20000 packets/s
# and 25 MB/s per pair, the cap is what a fast pair meets first).
#
# Fails (exit 1) when the pair is not relayed, iperf3 fails, or the
# relay's gossip failed probes or started suspicions while relaying
# (`gossip_disturbed`). The probe RTTs are reported, not barred: on a
# shared machine they measure the scheduler as much as the agent.
set -euo pipefail
NAT_TOPO=relay_cost
E2E_ID=${E2E_ID:-n6$$}
CMDLINE="$0 $*"
SHORT=0
[ "${2:-}" = --short ] && SHORT=1
PHASE=${NAT_RELAY_SECONDS:-$([ "$SHORT" = 1 ] && echo 5 || echo 20)}
MAX_LOAD=${NAT_MAX_LOAD:-2.5}
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
. "$(dirname "$0")/lib.sh"
command -v iperf3 >/dev/null || nat_cannot_run "iperf3 is missing (deploy/install-deps.sh)"
QUIET=1
if ! awk -v l="${LOAD0%% *}" -v m="$MAX_LOAD" 'BEGIN { exit !(l < m) }'; then
	QUIET=0
	if [ "${RELAY_COST_FORCE:-0}" != 1 ]; then
		echo "relay_cost: load average ${LOAD0%% *} >= $MAX_LOAD: a benchmark needs a quiet machine (RELAY_COST_FORCE=1 runs anyway, results to the build dir)"
		exit 2
	fi
	log "load ${LOAD0%% *} >= $MAX_LOAD: running anyway (RELAY_COST_FORCE=1), figures are not comparable"
fi
HZ=$(getconf CLK_TCK)
METRICS=127.0.0.1:9464

nat_internet 3
nat_site 1 1 random
nat_site 2 3 random
pub_node 1 2
pub_node 4 2
nat_node 2 1
nat_node 3 2
meshd_has --relay || nat_cannot_run "this meshd has no --relay"
SEED=1
# shellcheck disable=SC2086
nat_start 1 --relay --metrics "$METRICS" ${RELAY_COST_ARGS:-}
for n in 4 2 3; do nat_start "$n"; done

pings() { ip netns exec "$(ns_of "$1")" ping -n -q -c 1 -W 1 "$(over_of "$2")" >/dev/null 2>&1; }
wait_until 90 "node 2 and node 3 ping each other" sh -c \
	"ip netns exec $(ns_of 2) ping -n -q -c 1 -W 1 $(over_of 3) >/dev/null 2>&1 &&
	 ip netns exec $(ns_of 3) ping -n -q -c 1 -W 1 $(over_of 2) >/dev/null 2>&1"
wait_until 30 "node 2 pings node 1" pings 2 1
members() { "$BIN/meshctl" --socket "$(sock_of "$1")" members --json 2>/dev/null; }
relayed_both() {
	path23=$(members 2 | jq -r '.members[] | select(.name == "node3") | "\(.path) \(.path_relay)"')
	path32=$(members 3 | jq -r '.members[] | select(.name == "node2") | "\(.path) \(.path_relay)"')
	[ "$path23" = "relay node1" ] && [ "$path32" = "relay node1" ]
}
for i in $(seq 30); do relayed_both && break; sleep 1; done
log "node 2 -> node 3: $path23; node 3 -> node 2: $path32"
[ "$path23" = "relay node1" ] && [ "$path32" = "relay node1" ] ||
	nat_violation "the pair 2<->3 is not reported relayed by node1 within 30 s of pinging ($path23 / $path32)"
save_members() {  # for nat_dump_state (a failing run prints members, endpoints, conntrack)
	local n
	for n in "${NAT_NODES[@]}"; do members "$n" >"$NAT_DIR/members.$n.json" || true; done
}
[ "$path23" = "relay node1" ] && [ "$path32" = "relay node1" ] ||
	nat_violation "the pair 2<->3 is not relayed by node1 ($path23 / $path32)"

# --- one phase's figures ---------------------------------------------------
RPID=${MESHD_PID[1]}
metric() {  # metric NAME_WITH_LABELS: value from the relay's /metrics (0 if absent)
	awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }' "$NAT_DIR/metrics.now"
}
cpu_ticks() {  # cpu_ticks TID|all: utime+stime of the relay's main thread or of all threads
	if [ "$1" = all ]; then
		awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$RPID/stat"
	else
		awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$RPID/task/$RPID/stat"
	fi
}
snap() {  # snap NAME: remember the counters under NAME
	ip netns exec "$(ns_of 1)" curl -s --max-time 5 "http://$METRICS/metrics" >"$NAT_DIR/metrics.now" ||
		die "relay metrics unreadable"
	local -n s=$1
	s[t]=$(now_ms)
	s[rtt_sum]=$(metric meshd_probe_rtt_seconds_sum)
	s[rtt_n]=$(metric meshd_probe_rtt_seconds_count)
	s[probes_failed]=$(metric 'meshd_probes_total{result="failed"}')
	s[susp]=$(metric 'meshd_suspicions_total{event="started"}')
	s[fwd_bytes]=$(metric meshd_relay_forwarded_bytes_total)
	s[fwd_pkts]=$(metric meshd_relay_forwarded_packets_total)
	s[dropped]=$(awk '$1 ~ /^meshd_relay_dropped_total/ { d += $2 } END { print d + 0 }' "$NAT_DIR/metrics.now")
	s[cpu_all]=$(cpu_ticks all)
	s[cpu_main]=$(cpu_ticks main)
}
# report PHASE MBPS: NAT line from the snapshots a (start) and b (end)
declare -A a b
report() {
	local phase=$1 mbps=$2
	python3 - "$phase" "$mbps" "$HZ" \
		"${a[t]} ${a[rtt_sum]} ${a[rtt_n]} ${a[probes_failed]} ${a[susp]} ${a[fwd_bytes]} ${a[fwd_pkts]} ${a[dropped]} ${a[cpu_all]} ${a[cpu_main]}" \
		"${b[t]} ${b[rtt_sum]} ${b[rtt_n]} ${b[probes_failed]} ${b[susp]} ${b[fwd_bytes]} ${b[fwd_pkts]} ${b[dropped]} ${b[cpu_all]} ${b[cpu_main]}" <<'EOF'
import sys
phase, mbps, hz = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
ka = [float(x) for x in sys.argv[4].split()]
kb = [float(x) for x in sys.argv[5].split()]
d = [y - x for x, y in zip(ka, kb)]
secs = d[0] / 1000.0
rtt = (d[1] / d[2] * 1000.0) if d[2] > 0 else float("nan")
cpu_all, cpu_main = d[8] / hz, d[9] / hz
fwd_mbit = d[5] * 8 / 1e6
out = {
    "phase": phase, "secs": "%.1f" % secs, "iperf_mbps": "%.1f" % mbps,
    "relay_fwd_mbps": "%.1f" % (fwd_mbit / secs), "relay_fwd_pps": "%.0f" % (d[6] / secs),
    "relay_dropped": "%d" % d[7],
    "relay_cpu_pct": "%.1f" % (100 * cpu_all / secs),
    "relay_cpu_main_pct": "%.1f" % (100 * cpu_main / secs),
    # the two are read a moment apart, in clock ticks: never below 0
    "relay_cpu_fwd_pct": "%.1f" % (100 * max(0.0, cpu_all - cpu_main) / secs),
    "relay_cpu_us_per_mbit": ("%.0f" % (cpu_all * 1e6 / fwd_mbit)) if fwd_mbit > 1 else "-",
    "relay_cpu_pct_per_mbps": ("%.3f" % (100 * cpu_all / secs / (fwd_mbit / secs))) if fwd_mbit > 1 else "-",
    "probe_rtt_ms": "%.2f" % rtt, "probes": "%d" % d[2],
    "probes_failed": "%d" % d[3], "suspicions": "%d" % d[4],
}
print("NAT topo=relay_cost " + " ".join("%s=%s" % kv for kv in out.items()))
EOF
}
iperf() {  # iperf FROM TO: TCP for PHASE s at full rate; prints Mbit/s received
	ip netns exec "$(ns_of "$2")" iperf3 -s -1 -B "$(over_of "$2")" -p 5201 >"$NAT_DIR/iperf-s.log" 2>&1 &
	local spid=$! i
	for i in $(seq 50); do
		ip netns exec "$(ns_of "$2")" ss -Htln 2>/dev/null | grep -q ':5201' && break
		sleep 0.1
	done
	if ! ip netns exec "$(ns_of "$1")" iperf3 -c "$(over_of "$2")" -p 5201 -t "$PHASE" -J \
		>"$NAT_DIR/iperf.json" 2>"$NAT_DIR/iperf.err"; then
		{ log "iperf3 $1 -> $2 failed:"; jq -r '.error // empty' "$NAT_DIR/iperf.json"; cat "$NAT_DIR/iperf.err"
		  save_members; nat_dump_state; } >&2
		kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null
		echo 0; return 0
	fi
	wait "$spid" 2>/dev/null || true
	jq -r '.end.sum_received.bits_per_second / 1e6 * 10 | round / 10' "$NAT_DIR/iperf.json"
}

OUT=$NAT_DIR/relay-cost.out
sleep 3   # let the relay's first-contact work settle
snap a; sleep "$PHASE"; snap b
report idle 0 | tee -a "$OUT"
snap a; mbps=$(iperf 2 3); snap b
report relayed "$mbps" | tee -a "$OUT"
relayed_line=$(tail -n 1 "$OUT")
snap a; dmbps=$(iperf 2 1); snap b
report direct "$dmbps" | tee -a "$OUT"
LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
save_members

field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
awk -v m="$mbps" 'BEGIN { exit !(m > 0) }' || nat_violation "iperf3 through the relay moved nothing"
[ "$(field probes_failed "$relayed_line")" = 0 ] && [ "$(field suspicions "$relayed_line")" = 0 ] ||
	nat_violation "gossip_disturbed: the relay's probes failed or suspicions started while relaying ($relayed_line)"
awk -v f="$(field relay_fwd_mbps "$relayed_line")" 'BEGIN { exit !(f > 0) }' ||
	nat_violation "the relay's counters show nothing forwarded while iperf3 ran"
idle_line=$(grep ' phase=idle ' "$OUT" | tail -n 1)
rtt_ratio=$(awk -v i="$(field probe_rtt_ms "$idle_line")" -v r="$(field probe_rtt_ms "$relayed_line")" \
	'BEGIN { if (i > 0) printf "%.2f", r / i; else print "-" }')
echo "NAT topo=relay_cost summary relayed_mbps=$mbps direct_mbps=$dmbps cpu_pct_per_mbps=$(field relay_cpu_pct_per_mbps "$relayed_line") probe_rtt_idle_ms=$(field probe_rtt_ms "$idle_line") probe_rtt_relaying_ms=$(field probe_rtt_ms "$relayed_line") probe_rtt_ratio=$rtt_ratio load_start=${LOAD0// /,} load_end=${LOAD1// /,} phase_s=$PHASE quiet=$QUIET" |
	tee -a "$OUT"

commit=$(git -C "$NAT_HERE" rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(git -C "$NAT_HERE" status --porcelain --untracked-files=no 2>/dev/null | grep -q . && echo "+dirty" || true)
if [ "$QUIET" = 1 ]; then
	# RELAY_COST_ARGS: another file, so a default run is not overwritten
	res=$NAT_HERE/results/$(date -u +%Y-%m-%d)-$commit-relay-cost$([ -z "${RELAY_COST_ARGS:-}" ] || echo -custom).txt
else
	res=$NAT_BUILD/nat-relay-cost.txt
fi
{
	echo "# meshd relay cost (tests/nat/relay_cost.sh), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "# command: $CMDLINE"
	echo "# commit: $commit$dirty; $("$BIN/meshd" --version 2>/dev/null | head -n 1 || true)"
	echo "# host: $(nproc) cpus, $(uname -r); load average at start $LOAD0, at end $LOAD1$([ "$QUIET" = 1 ] || echo " (NOT quiet: forced)")"
	echo "# relay options: --relay ${RELAY_COST_ARGS:-(defaults: --relay-pps 20000 --relay-bps 25000000 per pair)}"
	echo "# wireguard-go $(wireguard-go --version 2>/dev/null | head -n 1 || true); iperf3 TCP, $PHASE s per phase"
	cat "$OUT"
	[ "${#VIOLATIONS[@]}" -eq 0 ] && echo "verdict=PASS" || printf 'VIOLATION %s\n' "${VIOLATIONS[@]}"
	echo "# the relay's relay metrics at the end:"
	grep -E '^meshd_(relay|probe)' "$NAT_DIR/metrics.now" | sed 's/^/#   /'
} >"$res"
log "results in $res"
nat_finish
