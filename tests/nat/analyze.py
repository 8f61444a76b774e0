#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Figures and bars of one NAT topology run (tests/nat/lib.sh).

  analyze.py run DIR --topo T --nodes 1,2,3 [--public 1] [options]
      reads DIR/t0, DIR/ping.A.B (ping -D output, one file per ordered
      pair), DIR/watch.tsv (ms, viewer, name, status, path, path_endpoint,
      path_relay: every `meshctl members --json` poll), DIR/dead; prints
      `NAT key=value` lines and one `VIOLATION ...` line per bar missed;
      exits 1 when there is any.
  analyze.py medians T < lines
      medians of every numeric figure of the `NAT topo=T` lines (NAT_RUNS).

Definitions:
  all_ping_ms   time from the start until the LAST ordered pair first got
                an echo reply (pairs with a killed node left out).
  recover_ms    per event (node killed, node moved): the latest, over the
                pairs concerned, of the start of the pair's final unbroken
                run of replies (no gap > 3 s, lasting to the end), after
                the event.
  undeclared    the rule "no pair alive on both sides and unreachable for
                more than 20 s without meshctl saying so": a poll where A
                lists B alive, B lists A alive (its poll within 3 s), A's
                pings to B have had no reply for > 20 s (+2 s polling
                slack) since both were alive, and A's path for B is not
                `none`.
"""
import argparse
import collections
import os
import re
import statistics
import sys

GAP_MS = 3000
RULE_MS = 20000
SLACK_MS = 2000


def read_pings(d, a, b):
    out = []
    try:
        with open(os.path.join(d, "ping.%s.%s" % (a, b))) as f:
            for line in f:
                if "bytes from" not in line:
                    continue
                m = re.match(r"\[(\d+\.\d+)\]", line)
                if m:
                    out.append(int(float(m.group(1)) * 1000))
    except FileNotFoundError:
        pass
    return sorted(out)


def stable_since(replies, end):
    """Start of the final unbroken run of replies reaching the end, or None."""
    if not replies or replies[-1] < end - GAP_MS:
        return None
    s = replies[-1]
    for i in range(len(replies) - 1, 0, -1):
        if replies[i] - replies[i - 1] > GAP_MS:
            break
        s = replies[i - 1]
    return s


def kind_ok(want, path, ep, relay):
    """want: any | direct[:REGEX] | relay[:NAME]."""
    kind, _, arg = want.partition(":")
    if kind == "any":
        return path in ("direct", "relay")
    if kind == "direct":
        return path == "direct" and (not arg or re.search(arg, ep) is not None)
    if kind == "relay":
        return path == "relay" and (not arg or relay == arg)
    raise SystemExit("bad expectation " + want)


def run(args):
    d = args.dir
    t0 = int(open(os.path.join(d, "t0")).read())
    nodes = [n for n in args.nodes.split(",") if n]
    public = set(n for n in args.public.split(",") if n)
    ips = dict(x.split("=", 1) for x in args.ip)  # node -> underlay IPv4
    dead = set()
    if os.path.exists(os.path.join(d, "dead")):
        dead = set(open(os.path.join(d, "dead")).read().split())
    events = []
    for e in args.event:
        name, ms = e.split(":")
        events.append((name, int(ms)))
    live = [n for n in nodes if n not in dead]
    pairs = [(a, b) for a in live for b in live if a != b]
    replies = {(a, b): read_pings(d, a, b) for a in nodes for b in nodes if a != b}

    rows = []
    try:
        with open(os.path.join(d, "watch.tsv")) as f:
            for line in f:
                p = line.rstrip("\n").split("\t")
                if len(p) == 7 and p[2].startswith("node"):
                    rows.append((int(p[0]), p[1], p[2][4:], p[3], p[4], p[5], p[6]))
    except FileNotFoundError:
        pass
    end = max([r[0] for r in rows] + [t0])
    figs = collections.OrderedDict()
    bad = []

    # Time until every ordered pair pinged.
    firsts = {}
    never = []
    for pr in pairs:
        r = [x for x in replies[pr] if x >= t0]
        if r:
            firsts[pr] = r[0] - t0
        else:
            never.append(pr)
    figs["pairs"] = len(pairs)
    figs["pairs_pinged"] = len(firsts)
    if pairs and not never:
        figs["all_ping_ms"] = max(firsts.values())
    else:
        figs["all_ping_ms"] = "never"
    ok_end = [pr for pr in pairs if replies[pr] and replies[pr][-1] >= end - GAP_MS]
    figs["pairs_ok_end"] = len(ok_end)
    if args.bar_all_ping is not None:
        if never:
            bad.append("%d of %d ordered pairs never pinged: %s" % (
                len(never), len(pairs), " ".join("%s>%s" % p for p in never)))
        elif figs["all_ping_ms"] > args.bar_all_ping * 1000:
            worst = max(firsts, key=firsts.get)
            bad.append("every pair pinged only after %d ms (bar %d s; last %s>%s)" % (
                figs["all_ping_ms"], args.bar_all_ping, worst[0], worst[1]))
    if args.need_end and len(ok_end) < len(pairs):
        bad.append("at the end %d of %d ordered pairs do not ping: %s" % (
            len(pairs) - len(ok_end), len(pairs),
            " ".join("%s>%s" % p for p in pairs if p not in ok_end)))

    # Recovery after each event.
    bars = dict(b.split("=") for b in args.bar_event)
    ev_lines = []
    for name, te in events:
        if name.startswith("move"):
            n = name[4:]
            concerned = [p for p in pairs if n in p]
        else:
            concerned = pairs
        worst, wpair = 0, None
        for pr in concerned:
            s = stable_since(replies[pr], end)
            if s is None:
                worst, wpair = None, pr
                break
            if s - te > worst:
                worst, wpair = s - te, pr
        ev_lines.append("event=%s pairs=%d recover_ms=%s%s" % (
            name, len(concerned), "never" if worst is None else worst,
            "" if wpair is None else " last=%s>%s" % wpair))
        if name in bars:
            lim = float(bars[name]) * 1000
            if worst is None:
                bad.append("after %s pair %s>%s never pinged steadily again (bar %s s)" % (
                    name, wpair[0], wpair[1], bars[name]))
            elif worst > lim:
                bad.append("after %s the pairs pinged again only after %d ms (bar %s s, last %s>%s)" % (
                    name, worst, bars[name], wpair[0], wpair[1]))

    # The rule: alive on both sides, unreachable > 20 s, meshctl silent.
    view = collections.defaultdict(list)  # (viewer, member) -> [(t, status, path, ep, relay)]
    for t, v, m, st, path, ep, relay in rows:
        view[(v, m)].append((t, st, path, ep, relay))
    undeclared = 0
    undeclared_max = 0
    first_undeclared = None
    for (a, b), lst in view.items():
        if a == b or (a, b) not in replies:
            continue
        back = view.get((b, a), [])
        bi = 0
        alive_since = None
        back_since = None
        rep = replies[(a, b)]
        ri = 0
        last_rep = None
        for t, st, path, ep, relay in lst:
            alive_since = (alive_since or t) if st == "alive" else None
            while bi < len(back) and back[bi][0] <= t + 1500:
                back_since = (back_since or back[bi][0]) if back[bi][1] == "alive" else None
                bi += 1
            fresh = bi > 0 and back[bi - 1][0] >= t - 3000
            while ri < len(rep) and rep[ri] <= t:
                last_rep = rep[ri]
                ri += 1
            if alive_since is None or back_since is None or not fresh:
                continue
            since = max(alive_since, back_since, last_rep or 0)
            if t - since > RULE_MS + SLACK_MS and path != "none":
                undeclared += 1
                undeclared_max = max(undeclared_max, t - since)
                if first_undeclared is None:
                    first_undeclared = "%s shows %s alive with path=%s but %s>%s had no reply for %d s" % (
                        a, b, path, a, b, (t - since) // 1000)
    figs["undeclared_polls"] = undeclared
    figs["undeclared_max_ms"] = undeclared_max
    if undeclared:
        bad.append("%d polls broke the rule (alive both sides, unreachable > 20 s, "
                   "meshctl silent); first: %s" % (undeclared, first_undeclared))

    # Paths each side reports at the end (last poll per viewer).
    last = {}
    for t, v, m, st, path, ep, relay in rows:
        if v in live and m in live and v != m:
            last[(v, m)] = (t, st, path, ep, relay)
    count = collections.Counter()
    nat_pairs = nat_direct = 0
    for pr in pairs:
        if pr not in last:
            count["unknown"] += 1
            continue
        path = last[pr][2]
        count[path if path in ("direct", "relay", "none") else "unknown"] += 1
        if pr[0] not in public and pr[1] not in public:
            nat_pairs += 1
            nat_direct += path == "direct"
    for k in ("direct", "relay", "none", "unknown"):
        figs["paths_" + k] = count[k]
    figs["nat_pairs"] = nat_pairs
    figs["nat_pairs_direct"] = nat_direct
    expect = {}
    for pr in pairs:
        expect[pr] = args.expect_default
    for e in args.expect:
        lhs, want = e.split("=", 1)
        a, b = lhs.split(">")
        expect[(a, b)] = want
    if pairs and all(last.get(pr, (0, 0, "?"))[2] == "?" for pr in pairs):
        bad.append("no node reports any path: meshctl members --json has no `path` field")
        pairs_checked = []
    else:
        pairs_checked = pairs
    for pr in pairs_checked:
        want = expect[pr]
        if not want or want == "skip":
            continue
        if pr not in last:
            bad.append("%s never reported a path for %s (want %s)" % (pr[0], pr[1], want))
            continue
        t, st, path, ep, relay = last[pr]
        rip = ips.get(relay[4:]) if relay.startswith("node") else None
        if path == "relay" and rip and not ep.startswith(rip + ":"):
            bad.append("%s reports path=relay %s for %s but its endpoint %s is not the relay's (%s)" % (
                pr[0], relay, pr[1], ep, rip))
            continue
        if not kind_ok(want, path, ep, relay):
            bad.append("%s reports path=%s endpoint=%s relay=%s for %s (want %s)" % (
                pr[0], path, ep, relay, pr[1], want))

    head = "NAT topo=%s run=%s" % (args.topo, args.run)
    print(head + " " + " ".join("%s=%s" % kv for kv in figs.items()))
    for line in ev_lines:
        print(head + " " + line)
    for pr in pairs:
        p = last.get(pr)
        print("NATPATH topo=%s %s>%s first_ping_ms=%s path=%s endpoint=%s relay=%s" % (
            args.topo, pr[0], pr[1], firsts.get(pr, "never"),
            p[2] if p else "?", p[3] if p else "-", p[4] if p else "-"))
    for b in bad:
        print("VIOLATION " + b)
    return 1 if bad else 0


def medians(topo):
    groups = collections.OrderedDict()
    for line in sys.stdin:
        if not line.startswith("NAT topo=%s " % topo):
            continue
        kv = dict(x.split("=", 1) for x in line.split()[1:] if "=" in x)
        key = kv.get("event", "")
        if "verdict" in kv:
            key = "verdict"
        groups.setdefault(key, []).append(kv)
    for key, runs in groups.items():
        if key == "verdict":
            print("NAT topo=%s stat=summary runs=%d passed=%d" % (
                topo, len(runs), sum(r["verdict"] == "PASS" for r in runs)))
            continue
        out = []
        for k in runs[0]:
            if k in ("topo", "run", "event", "last"):
                continue
            vals = [r.get(k) for r in runs]
            nums = [float(v) for v in vals if v is not None and re.fullmatch(r"-?\d+(\.\d+)?", v)]
            if len(nums) == len(vals):
                out.append("%s=%g" % (k, statistics.median(nums)))
            else:
                out.append("%s=%s" % (k, ",".join(str(v) for v in vals)))
        print("NAT topo=%s stat=median runs=%d %s%s" % (
            topo, len(runs), "event=%s " % key if key else "", " ".join(out)))
    return 0


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "medians":
        return medians(sys.argv[2])
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["run"])
    ap.add_argument("dir")
    ap.add_argument("--topo", required=True)
    ap.add_argument("--run", default="1")
    ap.add_argument("--nodes", required=True)
    ap.add_argument("--public", default="")
    ap.add_argument("--ip", action="append", default=[], help="N=IPV4 of a public node")
    ap.add_argument("--event", action="append", default=[])
    ap.add_argument("--bar-all-ping", type=float)
    ap.add_argument("--bar-event", action="append", default=[], help="NAME=SECONDS")
    ap.add_argument("--need-end", action="store_true", help="every pair pings at the end")
    ap.add_argument("--expect", action="append", default=[], help="A>B=any|direct[:RE]|relay[:NAME]")
    ap.add_argument("--expect-default", default="any")
    return run(ap.parse_args())


if __name__ == "__main__":
    sys.exit(main())
