#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The timed NAT bars of issue 11 in one command: each timed topology run
# NAT_RUNS times (default 5), the median of each bar figure against its
# bar, and whether every run passed its own checks (paths, the
# undeclared-unreachable rule, pings at the end).
#
#   sudo tests/nat/bars.sh BUILD_DIR [t1 t2 t5 t6]    # default: all four
#   sudo NAT_RUNS=1 tests/nat/bars.sh BUILD_DIR t1     # a quick look
#
# Bars (medians): t1 port_preserving and t2 symmetric: all_ping_ms <= 20 s;
# t5 relay_killed: recover_ms after the kill <= 15 s; t6 roaming:
# recover_ms after the move <= 30 s. Reported too: t1 nat_pairs_direct
# (aim: all NATed pairs direct), the undeclared-unreachable figures.
# A run whose figure is `never` counts as infinitely slow in the median.
#
# Output: every run's own lines (as the topology prints them), then
#   NATBAR topo=T figure=F runs=N values=v1,v2,... median=M bar=<=B verdict=PASS|FAIL
#   NATBAR topo=T runs=N passed=K verdict=PASS|FAIL
#   NATBARS passed=K failed=M    (and "K passed, M failed")
# and exit 0 only when every median meets its bar and every run passed.
# The runs' full output (logs of failing runs included) is kept in
# BUILD_DIR/nat-bars-<time>.log.
# Timing bars mean something only on a quiet machine (uptime load < 2.5);
# the load average is printed at the start and the end.
set -uo pipefail
[ "$(id -u)" -eq 0 ] || { echo "bars.sh: needs root (network namespaces)"; exit 77; }
here=$(cd "$(dirname "$0")" && pwd)
[ -n "${1:-}" ] && [ -d "$1" ] || { echo "usage: $0 BUILD_DIR [t1 t2 t5 t6]"; exit 2; }
build=$1; shift
topos=("$@")
[ ${#topos[@]} -gt 0 ] || topos=(t1 t2 t5 t6)
runs=${NAT_RUNS:-5}
# Every line of every run is kept for reading afterwards.
out=$(cd "$build" && pwd)/nat-bars-$(date -u +%Y%m%dT%H%M%SZ).log
: >"$out"
echo "NATBARS start $(date -u +%Y-%m-%dT%H:%M:%SZ) commit=$(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown) runs=$runs load=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' ,)"
for t in "${topos[@]}"; do
	script=$(ls "$here/${t}"_*.sh 2>/dev/null | head -n 1)
	[ -n "$script" ] || { echo "bars.sh: no topology $t"; exit 2; }
	echo "=== $(basename "$script"), $runs run(s)"
	NAT_RUNS=$runs "$script" "$build" 2>&1 | tee -a "$out" |
		{ grep -E '^(NAT|NATPATH) |^=== |VIOLATION|FAIL' || true; }
	rc=${PIPESTATUS[0]}
	[ "$rc" = 77 ] && { echo "bars.sh: $t skipped (exit 77): not root or tools missing"; exit 77; }
done
echo "NATBARS end $(date -u +%Y-%m-%dT%H:%M:%SZ) load=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' ,) log=$out"
python3 - "$out" "$runs" "${topos[@]}" <<'EOF'
import re, statistics, sys
runs = int(sys.argv[2])
want = sys.argv[3:]
# topology name in the NAT lines -> (figure, event prefix or "", bar in ms)
BARS = {
    "t1": ("port_preserving", [("all_ping_ms", "", 20000), ("nat_pairs_direct", "", None),
                               ("undeclared_max_ms", "", None)]),
    "t2": ("symmetric", [("all_ping_ms", "", 20000), ("undeclared_max_ms", "", None)]),
    "t5": ("relay_killed", [("all_ping_ms", "", 20000), ("recover_ms", "kill", 15000),
                            ("undeclared_max_ms", "", None)]),
    "t6": ("roaming", [("all_ping_ms", "", 20000), ("recover_ms", "move", 30000),
                       ("undeclared_max_ms", "", None)]),
}
with open(sys.argv[1]) as f:
    lines = [l.split() for l in f if l.startswith("NAT topo=") and " stat=" not in l]
kv = [dict(x.split("=", 1) for x in l[1:] if "=" in x) for l in lines]
ok_all = True
npass = nfail = 0
for t in want:
    if t not in BARS:
        print("NATBAR topo=%s no bars known" % t)
        continue
    topo, figs = BARS[t]
    mine = [d for d in kv if d.get("topo") == topo]
    for fig, ev, bar in figs:
        vals = []
        for d in mine:
            if "verdict" in d or fig not in d:
                continue
            if ev and not d.get("event", "").startswith(ev):
                continue
            if not ev and "event" in d:
                continue
            vals.append(d[fig])
        num = [float("inf") if v == "never" else float(v) for v in vals
               if v == "never" or re.fullmatch(r"-?\d+(\.\d+)?", v)]
        med = statistics.median(num) if num else None
        line = "NATBAR topo=%s figure=%s%s runs=%d values=%s median=%s" % (
            topo, fig, ("@" + ev) if ev else "", len(vals), ",".join(vals) or "-",
            "-" if med is None else ("never" if med == float("inf") else "%g" % med))
        if bar is not None:
            good = med is not None and len(vals) == runs and med <= bar
            line += " bar=<=%d verdict=%s" % (bar, "PASS" if good else "FAIL")
            ok_all &= good
            npass += good
            nfail += not good
        print(line)
    verd = [d["verdict"] for d in mine if "verdict" in d]
    passed = sum(v == "PASS" for v in verd)
    good = len(verd) == runs and passed == runs
    print("NATBAR topo=%s runs=%d passed=%d verdict=%s" % (topo, len(verd), passed,
                                                          "PASS" if good else "FAIL"))
    ok_all &= good
    npass += good
    nfail += not good
print("NATBARS passed=%d failed=%d" % (npass, nfail))
print("%d passed, %d failed" % (npass, nfail))
sys.exit(0 if ok_all else 1)
EOF
