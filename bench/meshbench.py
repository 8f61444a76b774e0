#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""meshd vs HashiCorp Serf: membership benchmarks on loopback.

Runs N agents of each system on their own 127.0.x.y addresses, one system
after the other, and measures per run:

  join     N agents converged; one more starts and joins through the seed;
           seconds from its start until every one of the N agents has
           recorded it (event hook / event handler timestamps).
  failure  kill -9 one agent; seconds until every survivor has recorded it
           failed.
  steady   a window with no changes: bytes and datagrams sent per agent per
           second, counted by nftables per source address outside the
           agents; RSS (VmRSS) and CPU seconds (utime+stime) per agent.

Traffic goes only to 127.0.0.0/8. Python stdlib only. Use bench/run.sh.
"""

import argparse
import json
import math
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(BENCH_DIR)
CLK_TCK = os.sysconf("SC_CLK_TCK")

BARS = {  # meshd/serf ratio must be <= this (issue 6)
    "join_s": 0.5,
    "failure_s": 0.75,
    "bytes_s": 1.0,
    "rss_mib": 0.25,
    "cpu_s": 0.5,
}


class BenchError(Exception):
    pass


class Interrupted(BaseException):
    pass


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def wait_until(pred, timeout, poll=0.1):
    """Poll pred() until it returns true or timeout; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(poll)


def run_cmd(argv, timeout=30, check=True, input_text=None):
    r = subprocess.run(argv, input=input_text, capture_output=True, text=True,
                       timeout=timeout)
    if check and r.returncode != 0:
        raise BenchError(f"{' '.join(argv)}: exit {r.returncode}: {r.stderr.strip()}")
    return r


# ---------------------------------------------------------------- nftables

class NftCounters:
    """A table of our own with one named counter per (address, protocol),
    selected through a map on the source address in the output hook on lo."""

    def __init__(self, table):
        self.table = table
        self.live = False

    def create(self, addrs):
        self.delete()
        lines = [f"table ip {self.table} {{"]
        for i, _ in enumerate(addrs):
            lines.append(f"  counter u{i} {{}}")
            lines.append(f"  counter t{i} {{}}")
        umap = ", ".join(f'{a} : "u{i}"' for i, a in enumerate(addrs))
        tmap = ", ".join(f'{a} : "t{i}"' for i, a in enumerate(addrs))
        lines += [
            "  chain out {",
            "    type filter hook output priority 0; policy accept;",
            f'    oifname "lo" meta l4proto udp counter name ip saddr map {{ {umap} }}',
            f'    oifname "lo" meta l4proto tcp counter name ip saddr map {{ {tmap} }}',
            "  }",
            "}",
        ]
        self.live = True
        run_cmd(["nft", "-f", "-"], input_text="\n".join(lines) + "\n")
        self.addrs = list(addrs)

    def read(self):
        """{addr: {"udp_pkts", "udp_bytes", "tcp_pkts", "tcp_bytes"}}"""
        r = run_cmd(["nft", "-j", "list", "counters", "table", "ip", self.table])
        out = {a: {"udp_pkts": 0, "udp_bytes": 0, "tcp_pkts": 0, "tcp_bytes": 0}
               for a in self.addrs}
        for obj in json.loads(r.stdout)["nftables"]:
            c = obj.get("counter")
            if not c:
                continue
            proto = "udp" if c["name"][0] == "u" else "tcp"
            a = self.addrs[int(c["name"][1:])]
            out[a][proto + "_pkts"] = c["packets"]
            out[a][proto + "_bytes"] = c["bytes"]
        return out

    def delete(self):
        subprocess.run(["nft", "delete", "table", "ip", self.table],
                       capture_output=True, timeout=30)
        self.live = False


# ------------------------------------------------------------------ /proc

def proc_sample(pid):
    """(cpu seconds utime+stime, VmRSS KiB) or None if the process is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
        with open(f"/proc/{pid}/status") as f:
            status = f.read()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    cpu = (int(fields[11]) + int(fields[12])) / CLK_TCK
    m = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
    return cpu, int(m.group(1)) if m else 0


def scrape_metrics(addr, port):
    """meshd's Prometheus counters as {(name, labels): value}, {} on error."""
    try:
        with urllib.request.urlopen(f"http://{addr}:{port}/metrics", timeout=5) as r:
            text = r.read().decode()
    except (OSError, ValueError):
        return {}
    out = {}
    for line in text.splitlines():
        m = re.match(r"^(\w+)(\{[^}]*\})?\s+([0-9.eE+-]+)$", line)
        if m:
            out[(m.group(1), m.group(2) or "")] = float(m.group(3))
    return out


def udp_bound(addr, port):
    """True if some socket is bound to addr:port in /proc/net/udp."""
    a = addr.split(".")
    want = "%02X%02X%02X%02X:%04X" % (int(a[3]), int(a[2]), int(a[1]), int(a[0]), port)
    try:
        with open("/proc/net/udp") as f:
            return any(line.split()[1] == want for line in f.readlines()[1:])
    except OSError:
        return False


# ------------------------------------------------------------------ agents

class Agent:
    def __init__(self, idx, name, addr, wd):
        self.idx = idx
        self.name = name
        self.addr = addr
        self.evpath = os.path.join(wd, "events", name)
        self.logpath = os.path.join(wd, "logs", name + ".log")
        self.proc = None
        self.pump = None
        self.ev_off = 0
        self.ev_buf = b""
        # kind -> {member name: first timestamp}, from the hook file
        self.events = {}
        # kind -> {member name: first timestamp}, from the agent's own log
        # lines, stamped on arrival (serf: before the agent's coalescing)
        self.raw = {}
        self.raw_lock = threading.Lock()
        self.killed = False

    def poll_events(self, kinds):
        """Read new complete lines of the hook file."""
        try:
            with open(self.evpath, "rb") as f:
                f.seek(self.ev_off)
                data = f.read()
        except FileNotFoundError:
            return
        self.ev_off += len(data)
        data = self.ev_buf + data
        lines = data.split(b"\n")
        self.ev_buf = lines.pop()
        for line in lines:
            parts = line.decode(errors="replace").split()
            if len(parts) < 3:
                continue
            try:
                ts = float(parts[0])
            except ValueError:
                continue
            kind = kinds.get(parts[1], parts[1])
            # Hooks run concurrently, so lines may land out of order: keep
            # the earliest time per member.
            seen = self.events.setdefault(kind, {})
            if parts[2] not in seen or ts < seen[parts[2]]:
                seen[parts[2]] = ts

    def has(self, kind, name):
        return name in self.events.get(kind, {})

    def ts(self, kind, name):
        return self.events.get(kind, {}).get(name)

    def raw_ts(self, kind, name):
        with self.raw_lock:
            return self.raw.get(kind, {}).get(name)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None


def pump_output(agent, raw_re, raw_kinds):
    """Copy the agent's stdout+stderr to its log, each line prefixed with
    the time it arrived; note membership log lines as raw events."""
    with open(agent.logpath, "ab", buffering=0) as out:
        for line in agent.proc.stdout:
            now = time.time()
            out.write(b"%.6f " % now + line)
            if raw_re is None:
                continue
            m = raw_re.search(line.decode(errors="replace"))
            if m:
                kind = raw_kinds.get(m.group("ev"))
                if kind:
                    with agent.raw_lock:
                        agent.raw.setdefault(kind, {}).setdefault(m.group("name"), now)


class System:
    """What differs between meshd and serf: command lines and event names."""
    name = "?"
    port = 0
    kinds = {}         # hook event name -> join|failed|left
    raw_re = None      # log line regex with named groups ev and name
    raw_kinds = {}
    records_self = False

    def prepare(self, wd, agents):
        pass

    def command(self, agent, seed):
        raise NotImplementedError

    def version(self):
        return "?"


class SerfSystem(System):
    name = "serf"
    port = 7946
    kinds = {"member-join": "join", "member-failed": "failed",
             "member-leave": "left", "member-reap": "reap"}
    # Logged by serf when memberlist tells it, before the agent coalesces
    # member events for its handlers (CoalescePeriod 3 s, QuiescentPeriod
    # 1 s, hard-coded in serf's agent command).
    raw_re = re.compile(r"serf: EventMember(?P<ev>Join|Failed|Leave): (?P<name>\S+)")
    raw_kinds = {"Join": "join", "Failed": "failed", "Leave": "left"}
    records_self = True

    def __init__(self, binary, log_level, encrypt):
        self.binary = binary
        self.log_level = log_level
        self.encrypt = encrypt
        self.key = None

    def prepare(self, wd, agents):
        if self.encrypt and self.key is None:
            self.key = run_cmd([self.binary, "keygen"], timeout=10).stdout.strip()

    def command(self, agent, seed):
        hook = os.path.join(BENCH_DIR, "hooks", "serf-event.sh")
        argv = [self.binary, "agent", "-node", agent.name,
                "-bind", f"{agent.addr}:{self.port}",
                "-rpc-addr", f"{agent.addr}:7373",
                f"-log-level={self.log_level}",
                "-event-handler", f"{hook} {agent.evpath}"]
        if self.key:
            argv += ["-encrypt", self.key]
        if seed is not None:
            argv += ["-join", f"{seed.addr}:{self.port}"]
        return argv

    def version(self):
        try:
            return run_cmd([self.binary, "version"], timeout=10).stdout.split("\n")[0]
        except (BenchError, OSError, subprocess.TimeoutExpired):
            return "?"


class MeshdSystem(System):
    name = "meshd"
    port = 51821
    # MESHD_EVENT values (meshd(8), EVENT HOOK)
    kinds = {"join": "join", "added": "join", "failed": "failed", "left": "left",
             "removed": "removed", "suspect": "suspect", "alive": "alive",
             "update": "update"}
    # agent/membership.c logs "member NAME EVENT ..." at info when the engine
    # reports a change, before the hook is queued.
    raw_re = re.compile(r"member (?P<name>\S+) (?P<ev>\w+)")
    raw_kinds = {"join": "join", "added": "join", "failed": "failed", "left": "left"}
    records_self = False

    def __init__(self, meshd, meshctl, log_level, extra_args, metrics_port=0):
        self.metrics_port = metrics_port
        self.meshd = meshd
        self.meshctl = meshctl
        self.log_level = log_level
        self.extra = extra_args

    def prepare(self, wd, agents):
        self.keyfile = os.path.join(wd, "network.key")
        key = None
        if self.meshctl:
            r = run_cmd([self.meshctl, "network-key"], timeout=10, check=False)
            if r.returncode == 0 and r.stdout.strip():
                key = r.stdout.strip()
        if key is None:
            raise BenchError("meshctl network-key failed; cannot make a network key")
        fd = os.open(self.keyfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(key + "\n")
        os.makedirs(os.path.join(wd, "hooks"), exist_ok=True)
        os.makedirs(os.path.join(wd, "state"), exist_ok=True)
        hook = os.path.join(BENCH_DIR, "hooks", "meshd-event.sh")
        for a in agents:
            # One wrapper per agent so the hook needs no argument from meshd.
            path = os.path.join(wd, "hooks", a.name)
            with open(path, "w") as f:
                f.write(f"#!/bin/sh\nexec {hook} {a.evpath}\n")
            os.chmod(path, 0o755)

    def command(self, agent, seed):
        wd = os.path.dirname(os.path.dirname(agent.evpath))
        argv = [self.meshd, "--backend", "none",
                "--interface", f"bench{agent.idx}",
                "--name", agent.name,
                "--bind", agent.addr,
                "--network-key", self.keyfile,
                "--state-dir", os.path.join(wd, "state", agent.name),
                "--socket", os.path.join(wd, "state", agent.name + ".sock"),
                "--event-hook", os.path.join(wd, "hooks", agent.name)]
        if self.log_level:
            argv += ["--log-level", self.log_level]
        if self.metrics_port:
            argv += ["--metrics", f"{agent.addr}:{self.metrics_port}"]
        if seed is not None:
            argv += ["--join", f"{seed.addr}:{self.port}"]
        return argv + self.extra

    def version(self):
        try:
            r = run_cmd([self.meshd, "--version"], timeout=10, check=False)
            v = (r.stdout or r.stderr).strip().split("\n")[0]
        except (OSError, subprocess.TimeoutExpired):
            v = "?"
        rev = subprocess.run(["git", "-C", REPO_DIR, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=10).stdout.strip()
        built = time.strftime("%Y-%m-%d %H:%M", time.localtime(os.path.getmtime(self.meshd)))
        return f"{v} (binary built {built}; tree at git {rev})"


# ---------------------------------------------------------------- one run

class Run:
    """One system, N agents, one repetition of all three scenarios."""

    def __init__(self, system, n, args, base_wd, subnet, rng, registry):
        self.sys = system
        self.n = n
        self.args = args
        self.rng = rng
        self.registry = registry  # pid file shared with run.sh's trap
        self.wd = tempfile.mkdtemp(prefix=f"{system.name}-{n}-", dir=base_wd)
        for d in ("events", "logs"):
            os.makedirs(os.path.join(self.wd, d))
        # N agents plus the joiner; .1 is the seed.
        self.agents = [Agent(i, f"n{i:03d}", f"127.0.{subnet}.{i + 1}", self.wd)
                       for i in range(n + 1)]
        self.nft = NftCounters(args.nft_table)
        self.result = {"system": system.name, "n": n, "notes": []}

    # -- process handling
    def spawn(self, agent, seed):
        argv = self.sys.command(agent, seed)
        agent.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                      stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT,
                                      start_new_session=True, cwd=self.wd)
        with open(self.registry, "a") as f:
            f.write(f"{agent.proc.pid}\n")
        agent.pump = threading.Thread(target=pump_output,
                                      args=(agent, self.sys.raw_re, self.sys.raw_kinds),
                                      daemon=True)
        agent.pump.start()

    def kill_all(self):
        for a in self.agents:
            if a.alive():
                try:
                    os.killpg(a.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        for a in self.agents:
            if a.proc is not None:
                try:
                    a.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    log(f"warning: {a.name} pid {a.proc.pid} did not exit")
        for a in self.agents:
            if a.pump is not None:
                a.pump.join(timeout=2)

    def cleanup(self):
        self.kill_all()
        self.nft.delete()
        if self.args.keep or not os.path.isdir(self.wd):
            return
        if "error" in self.result and self.args.keep_failed:
            dest = os.path.join(self.args.keep_failed, os.path.basename(self.wd))
            os.makedirs(self.args.keep_failed, exist_ok=True)
            for d in ("events", "logs"):
                shutil.copytree(os.path.join(self.wd, d), os.path.join(dest, d),
                                dirs_exist_ok=True)
            log(f"  kept the failed run's events and logs in {dest}")
        shutil.rmtree(self.wd, ignore_errors=True)

    def check_alive(self, agents, what):
        dead = [a for a in agents
                if a.proc is not None and not a.killed and not a.alive()]
        if dead:
            a = dead[0]
            tail = ""
            try:
                with open(a.logpath, "rb") as f:
                    tail = f.read()[-1500:].decode(errors="replace")
            except OSError:
                pass
            raise BenchError(f"{self.sys.name}: {len(dead)} agent(s) exited during "
                             f"{what} (first {a.name}, rc {a.proc.returncode}); "
                             f"log tail:\n{tail}")

    def poll(self, agents):
        for a in agents:
            a.poll_events(self.sys.kinds)

    def first_seen(self, o, kind, name, raw_ok):
        """When observer o recorded name: hook time, or with raw_ok the
        earlier of hook and log-line time."""
        t = o.ts(kind, name)
        if raw_ok:
            r = o.raw_ts(kind, name)
            if r is not None and (t is None or r < t):
                t = r
        return t

    def missing(self, observers, kind, names, raw_ok=False):
        """Number of (observer, name) pairs not yet recorded. raw_ok also
        accepts the agent's log line: for bootstrap and the joiner's view,
        where a burst of events may overflow a hook queue (meshd keeps 32)
        or serf's coalescer may fold a join into another event; the timed
        scenarios use the hook alone."""
        self.poll(observers)
        miss = 0
        for o in observers:
            for nm in names:
                if nm == o.name and not self.sys.records_self:
                    continue
                if self.first_seen(o, kind, nm, raw_ok) is None:
                    miss += 1
        return miss

    def wait_recorded(self, observers, kind, names, timeout, what, raw_ok=False):
        def done():
            self.check_alive(self.agents, what)
            return self.missing(observers, kind, names, raw_ok) == 0
        ok = wait_until(done, timeout, poll=self.args.poll)
        if not ok:
            m = self.missing(observers, kind, names, raw_ok)
            self.result["notes"].append(f"{what}: timeout after {timeout:.0f} s, "
                                        f"{m} (agent, member) records missing")
        return ok

    # -- scenarios
    def start_cluster(self):
        seed = self.agents[0]
        members = self.agents[:self.n]
        t0 = time.time()
        self.spawn(seed, None)
        if not wait_until(lambda: udp_bound(seed.addr, self.sys.port) or not seed.alive(),
                          15, 0.05) or not seed.alive():
            self.check_alive([seed], "seed start")
            raise BenchError(f"{self.sys.name}: seed did not bind {seed.addr}:{self.sys.port}")
        t1 = time.time()
        for a in members[1:]:
            self.spawn(a, seed)
            time.sleep(self.args.stagger)
        timeout = self.args.converge_timeout or max(60.0, 1.0 * self.n)
        ok = self.wait_recorded(members, "join", [a.name for a in members], timeout,
                                "bootstrap", raw_ok=True)
        if not ok:
            raise BenchError(f"{self.sys.name} N={self.n}: cluster did not converge; "
                             + self.result["notes"][-1])
        last = max(self.first_seen(o, "join", a.name, True) or 0
                   for o in members for a in members
                   if a is not o or self.sys.records_self)
        self.result["bootstrap_s"] = last - t1
        log(f"  {self.sys.name} N={self.n}: {self.n} agents converged "
            f"{last - t1:.2f} s after the seed was up (seed start {t1 - t0:.2f} s)")

    def steady(self):
        members = self.agents[:self.n]
        time.sleep(self.args.settle)
        self.check_alive(members, "settle")
        hook_miss = self.missing(members, "join", [a.name for a in members])
        if hook_miss:
            self.result["notes"].append(f"bootstrap: {hook_miss} joins in agent logs "
                                        "never reached the hook")
        before_ev = self.event_count(members)
        mport = getattr(self.sys, "metrics_port", 0)
        # Scraped outside the window: the HTTP replies must not be counted.
        m0 = {a.name: scrape_metrics(a.addr, mport) for a in members} if mport else None
        c0 = self.nft.read()
        p0 = {a.name: proc_sample(a.proc.pid) for a in members}
        t0 = time.monotonic()
        deadline = t0 + self.args.steady_seconds
        while time.monotonic() < deadline:
            time.sleep(min(1.0, max(0.0, deadline - time.monotonic())))
            self.check_alive(members, "steady window")
        c1 = self.nft.read()
        p1 = {a.name: proc_sample(a.proc.pid) for a in members}
        dt = time.monotonic() - t0
        if mport:
            m1 = {a.name: scrape_metrics(a.addr, mport) for a in members}
            self.own_counters(members, m0, m1, c0, c1, dt)
        after_ev = self.event_count(members)
        if after_ev != before_ev:
            self.result["notes"].append(
                f"steady: {after_ev - before_ev} membership events during the window")
        per = []
        for a in members:
            d = {k: c1[a.addr][k] - c0[a.addr][k] for k in c0[a.addr]}
            cpu = p1[a.name][0] - p0[a.name][0]
            per.append({"name": a.name, "cpu_s": cpu, "rss_kib": p1[a.name][1], **d})
        n = len(members)
        tot = {k: sum(p[k] for p in per) for k in per[0] if k != "name"}
        r = self.result
        r["steady_window_s"] = dt
        r["bytes_s"] = (tot["udp_bytes"] + tot["tcp_bytes"]) / n / dt
        r["udp_bytes_s"] = tot["udp_bytes"] / n / dt
        r["tcp_bytes_s"] = tot["tcp_bytes"] / n / dt
        r["dgrams_s"] = tot["udp_pkts"] / n / dt
        r["tcp_pkts_s"] = tot["tcp_pkts"] / n / dt
        r["max_agent_bytes_s"] = max(p["udp_bytes"] + p["tcp_bytes"] for p in per) / dt
        r["rss_mib"] = tot["rss_kib"] / n / 1024
        r["max_rss_mib"] = max(p["rss_kib"] for p in per) / 1024
        # CPU over the window, scaled to 60 s when the window is shorter
        # (quick mode) so the column means the same thing.
        r["cpu_s"] = tot["cpu_s"] / n * 60.0 / dt
        r["per_agent"] = per
        log(f"  {self.sys.name} N={self.n}: steady {r['bytes_s']:.0f} B/agent/s, "
            f"{r['dgrams_s']:.2f} dgram/agent/s, RSS {r['rss_mib']:.1f} MiB, "
            f"CPU {r['cpu_s']:.3f} s/60 s")

    def own_counters(self, members, m0, m1, c0, c1, dt):
        """meshd's own counters over (about) the window vs nft's."""
        n = len(members)
        by_type = {}
        own_dgrams = 0.0
        for a in members:
            for (name, labels), v in m1[a.name].items():
                d = v - m0[a.name].get((name, labels), 0.0)
                if 'direction="out"' not in labels:
                    continue
                if name == "meshd_udp_datagrams_total":
                    own_dgrams += d
                t = re.search(r'type="(\w+)"', labels)
                if t and name in ("meshd_datagrams_total", "meshd_bytes_total"):
                    k = "msgs" if name == "meshd_datagrams_total" else "plain_bytes"
                    by_type.setdefault(t.group(1), {"msgs": 0.0, "plain_bytes": 0.0})[k] += d
        nft_dgrams = sum(c1[a.addr]["udp_pkts"] - c0[a.addr]["udp_pkts"] for a in members)
        r = self.result
        r["own_dgrams_s"] = own_dgrams / n / dt
        r["own_vs_nft_dgrams"] = own_dgrams / nft_dgrams if nft_dgrams else None
        r["by_type"] = {t: {k: v / n / dt for k, v in d.items()}
                        for t, d in by_type.items() if d["msgs"]}
        log(f"  {self.sys.name} N={self.n}: own counters {r['own_dgrams_s']:.2f} "
            f"dgram/agent/s (nft/own {1 / r['own_vs_nft_dgrams'] if r['own_vs_nft_dgrams'] else 0:.3f}); "
            "per type msgs/s, plaintext B/s: "
            + ", ".join(f"{t} {d['msgs']:.2f} {d['plain_bytes']:.0f}"
                        for t, d in sorted(r["by_type"].items())))

    def event_count(self, agents):
        self.poll(agents)
        return sum(len(v) for a in agents for v in a.events.values())

    def join(self):
        members = self.agents[:self.n]
        seed = self.agents[0]
        joiner = self.agents[self.n]
        t0 = time.time()
        self.spawn(joiner, seed)
        ok = self.wait_recorded(members, "join", [joiner.name], self.args.join_timeout,
                                "join")
        ts = [o.ts("join", joiner.name) for o in members]
        got = [t - t0 for t in ts if t is not None]
        if ok:
            self.result["join_s"] = max(got)
            self.result["join_p50_s"] = statistics.median(got)
        else:
            # Counts as slower than anything measured (median stays honest).
            self.result["join_s"] = math.inf
        raw = [o.raw_ts("join", joiner.name) for o in members]
        if self.sys.raw_re is not None and all(t is not None for t in raw):
            self.result["join_raw_s"] = max(raw) - t0
        log(f"  {self.sys.name} N={self.n}: join recorded by {len(got)}/{len(members)} "
            f"agents, all by {self.result.get('join_s', float('nan')):.3f} s"
            + (f" (log lines: {self.result['join_raw_s']:.3f} s)"
               if "join_raw_s" in self.result else ""))
        # Before the failure scenario the joiner must know everybody, or it
        # could not record anyone as failed.
        ok = self.wait_recorded([joiner], "join", [a.name for a in members], 30,
                                "joiner full view", raw_ok=True)
        time.sleep(self.args.settle_join)

    def failure(self):
        victim = self.agents[self.rng.randrange(1, self.n)]
        survivors = [a for a in self.agents if a is not victim]
        self.result["victim"] = victim.name
        t0 = time.time()
        victim.killed = True
        os.killpg(victim.proc.pid, signal.SIGKILL)
        victim.proc.wait(timeout=10)
        ok = self.wait_recorded(survivors, "failed", [victim.name],
                                self.args.failure_timeout, "failure")
        ts = [o.ts("failed", victim.name) for o in survivors]
        got = [t - t0 for t in ts if t is not None]
        if ok:
            self.result["failure_s"] = max(got)
            self.result["failure_p50_s"] = statistics.median(got)
        else:
            self.result["failure_s"] = math.inf
        raw = [o.raw_ts("failed", victim.name) for o in survivors]
        if self.sys.raw_re is not None and all(t is not None for t in raw):
            self.result["failure_raw_s"] = max(raw) - t0
        log(f"  {self.sys.name} N={self.n}: {victim.name} failed recorded by "
            f"{len(got)}/{len(survivors)}, all by "
            f"{self.result.get('failure_s', float('nan')):.3f} s"
            + (f" (log lines: {self.result['failure_raw_s']:.3f} s)"
               if "failure_raw_s" in self.result else ""))

    def execute(self):
        self.result["loadavg_start"] = os.getloadavg()[0]
        try:
            self.sys.prepare(self.wd, self.agents)
            self.nft.create([a.addr for a in self.agents])
            self.start_cluster()
            self.steady()
            self.join()
            self.failure()
            fails = sum(1 for a in self.agents if a is not self.agents[0]
                        for nm in a.events.get("failed", {})
                        if nm != self.result.get("victim"))
            if fails:
                self.result["notes"].append(f"{fails} false failure records "
                                            "(live members recorded failed)")
        except BenchError as e:
            self.result["error"] = str(e)
            log(f"  ERROR {e}")
        finally:
            self.result["loadavg_end"] = os.getloadavg()[0]
            self.cleanup()
        return self.result


# ------------------------------------------------------------------ output

METRICS = [
    # key, label, format, bar key
    ("join_s", "join_s (all agents recorded)", "{:.3f}", "join_s"),
    ("failure_s", "failure_s (all survivors recorded)", "{:.3f}", "failure_s"),
    ("bytes_s", "steady bytes/agent/s (UDP+TCP)", "{:.0f}", "bytes_s"),
    ("dgrams_s", "steady datagrams/agent/s", "{:.2f}", None),
    ("rss_mib", "RSS MiB/agent", "{:.2f}", "rss_mib"),
    ("cpu_s", "CPU s/agent per 60 s steady", "{:.3f}", "cpu_s"),
]
EXTRA = [
    ("join_p50_s", "join_s, median agent", "{:.3f}"),
    ("join_raw_s", "join_s from agent log lines (uncoalesced)", "{:.3f}"),
    ("failure_p50_s", "failure_s, median survivor", "{:.3f}"),
    ("failure_raw_s", "failure_s from agent log lines (uncoalesced)", "{:.3f}"),
    ("bootstrap_s", "bootstrap: N agents converged after seed up", "{:.2f}"),
    ("udp_bytes_s", "steady UDP bytes/agent/s", "{:.0f}"),
    ("tcp_bytes_s", "steady TCP bytes/agent/s", "{:.0f}"),
    ("tcp_pkts_s", "steady TCP segments/agent/s", "{:.2f}"),
    ("max_agent_bytes_s", "steady bytes/s, busiest agent", "{:.0f}"),
    ("max_rss_mib", "RSS MiB, largest agent", "{:.2f}"),
]


def median_of(results, key):
    vals = [r[key] for r in results if key in r]
    return (statistics.median(vals) if vals else None), len(vals)


def fmt(v, f):
    if v is None:
        return "-"
    if math.isinf(v):
        return "timeout"
    return f.format(v)


def table_for(n, by_sys, runs_wanted):
    """Text table for one N: medians over runs, ratio, bar, met."""
    m = by_sys.get("meshd", [])
    s = by_sys.get("serf", [])
    out = []
    hdr = f"{'metric':<48} {'meshd':>10} {'serf':>10} {'ratio':>7} {'bar':>6}  met"
    out.append(hdr)
    out.append("-" * len(hdr))
    verdict = {}
    for key, label, f, bar in METRICS:
        mv, mc = median_of(m, key)
        sv, sc = median_of(s, key)
        ratio = mv / sv if mv is not None and sv and not math.isinf(sv) else None
        barv = BARS.get(bar) if bar else None
        met = "-"
        if barv is not None and ratio is not None:
            met = "yes" if ratio <= barv else "NO"
            verdict[key] = (ratio, barv, met)
        cnt = ""
        if (m and mc < len(m)) or (s and sc < len(s)):
            cnt = f"  (runs ok: meshd {mc}/{len(m)}, serf {sc}/{len(s)})"
        out.append(f"{label:<48} {fmt(mv, f):>10} {fmt(sv, f):>10} "
                   f"{fmt(ratio, '{:.2f}'):>7} {fmt(barv, '<={:.2f}'):>6}  {met}{cnt}")
    out.append("")
    out.append("informative (medians):")
    for key, label, f in EXTRA:
        mv, _ = median_of(m, key)
        sv, _ = median_of(s, key)
        if mv is None and sv is None:
            continue
        ratio = mv / sv if mv is not None and sv else None
        out.append(f"  {label:<46} {fmt(mv, f):>10} {fmt(sv, f):>10} "
                   f"{fmt(ratio, '{:.2f}'):>7}")
    out.append("")
    out.append("per run (join_s / failure_s / bytes_s / rss_mib / cpu_s):")
    for name, rs in (("meshd", m), ("serf", s)):
        for i, r in enumerate(rs):
            vals = " / ".join(fmt(r.get(k), f) for k, _, f, _ in METRICS if k != "dgrams_s")
            extra = ""
            if "error" in r:
                extra += "  ERROR: " + r["error"].split("\n")[0]
            if r.get("notes"):
                extra += "  notes: " + "; ".join(r["notes"])
            out.append(f"  {name} run {i + 1}: {vals}  load {r.get('loadavg_start', 0):.2f}"
                       f"  victim {r.get('victim', '-')}{extra}")
            if r.get("by_type"):
                out.append("    own counters, per agent per s (msgs, plaintext bytes): "
                           + ", ".join(f"{t} {d['msgs']:.2f} {d['plain_bytes']:.0f}"
                                       for t, d in sorted(r["by_type"].items()))
                           + f"; UDP datagrams own/nft "
                           f"{fmt(r.get('own_vs_nft_dgrams'), '{:.3f}')}")
    return "\n".join(out), verdict


# -------------------------------------------------------------------- main

def find_binary(explicit, names):
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    for n in names:
        p = os.path.join(REPO_DIR, n)
        if os.access(p, os.X_OK):
            return p
    return None


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--nodes", default="32 64 128", help='e.g. "32 64 128"')
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--steady-seconds", type=float, default=60.0)
    p.add_argument("--only", choices=["meshd", "serf"])
    p.add_argument("--quick", action="store_true",
                   help="N=8, 1 run, 10 s steady window: tests the harness")
    p.add_argument("--settle", type=float, default=10.0,
                   help="seconds between convergence and the steady window")
    p.add_argument("--settle-join", type=float, default=3.0,
                   help="seconds between the join and the kill")
    p.add_argument("--stagger", type=float, default=0.02,
                   help="seconds between agent starts at bootstrap")
    p.add_argument("--poll", type=float, default=0.1)
    p.add_argument("--converge-timeout", type=float, default=0.0,
                   help="bootstrap convergence timeout (default max(60, N) s)")
    p.add_argument("--join-timeout", type=float, default=60.0)
    p.add_argument("--failure-timeout", type=float, default=180.0)
    p.add_argument("--seed", type=int, default=1, help="random seed (victims)")
    p.add_argument("--serf", default=shutil.which("serf") or "/usr/bin/serf")
    p.add_argument("--serf-log-level", default="info",
                   help="info lets the harness stamp serf's own member log "
                        "lines (uncoalesced figure); err for the quietest agent")
    p.add_argument("--serf-encrypt", action="store_true",
                   help="run serf with -encrypt (AES-GCM), as meshd always seals")
    p.add_argument("--meshd", help="meshd binary (default: build-bench/...)")
    p.add_argument("--meshctl", help="meshctl binary (default: build-bench/...)")
    p.add_argument("--meshd-log-level", default="",
                   help="passed as --log-level if set")
    p.add_argument("--meshd-metrics", action="store_true",
                   help="run meshd with --metrics ADDR:9821 and cross-check the "
                        "nft counters against meshd's own, with a per-type "
                        "breakdown (scraped outside the window)")
    p.add_argument("--meshd-arg", action="append", default=[],
                   help="extra meshd argument (repeatable)")
    p.add_argument("--subnet-meshd", type=int, default=110,
                   help="meshd agents use 127.0.SUBNET.1..")
    p.add_argument("--subnet-serf", type=int, default=120)
    p.add_argument("--results-dir", default=None)
    p.add_argument("--tag", default=None, help="file name prefix (default: date)")
    p.add_argument("--workdir", default=None, help="temporary directory to use")
    p.add_argument("--registry", default=None,
                   help="file to append agent pids to (run.sh's trap reads it)")
    p.add_argument("--nft-table", default=f"meshbench{os.getpid()}")
    p.add_argument("--keep", action="store_true", help="keep agent logs/work dirs")
    p.add_argument("--keep-failed", default="/tmp/meshbench-failed",
                   help="copy events and logs of a failed run here ('' = no)")
    p.add_argument("--command", default=None, help="command line to record")
    a = p.parse_args(argv)
    if a.quick:
        a.nodes, a.runs, a.steady_seconds, a.settle = "8", 1, 10.0, 3.0
    a.node_list = [int(x) for x in a.nodes.replace(",", " ").split()]
    if any(n < 3 or n > 250 for n in a.node_list):
        p.error("--nodes: each N must be in 3..250 (one /24 of loopback per system)")
    if a.results_dir is None:
        a.results_dir = os.path.join(BENCH_DIR, "results", "quick" if a.quick else "")
    return a


def main(argv):
    args = parse_args(argv)
    if os.geteuid() != 0:
        print("meshbench: needs root (nftables counters)", file=sys.stderr)
        return 2

    def on_signal(signum, frame):
        raise Interrupted(signal.Signals(signum).name)
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, on_signal)

    systems = []
    if args.only != "serf":
        meshd = find_binary(args.meshd, ["build-bench/agent/meshd", "build-bench/meshd",
                                         "build-bench/bin/meshd"])
        meshctl = find_binary(args.meshctl, ["build-bench/agent/meshctl",
                                             "build-bench/meshctl", "build-bench/bin/meshctl"])
        if not meshd:
            print("meshbench: no meshd binary; build it:\n  cmake -S . -B build-bench "
                  "-DCMAKE_BUILD_TYPE=Release && cmake --build build-bench --target "
                  "meshd meshctl -j2\nor pass --only serf", file=sys.stderr)
            return 2
        systems.append(MeshdSystem(meshd, meshctl, args.meshd_log_level, args.meshd_arg,
                                   9821 if args.meshd_metrics else 0))
    if args.only != "meshd":
        if not os.access(args.serf, os.X_OK):
            print(f"meshbench: no serf at {args.serf}", file=sys.stderr)
            return 2
        systems.append(SerfSystem(args.serf, args.serf_log_level, args.serf_encrypt))
    subnet = {"meshd": args.subnet_meshd, "serf": args.subnet_serf}

    own_wd = args.workdir is None
    base_wd = args.workdir or tempfile.mkdtemp(prefix="meshbench.")
    os.makedirs(base_wd, exist_ok=True)
    registry = args.registry or os.path.join(base_wd, "pids")
    rng = random.Random(args.seed)
    tag = args.tag or time.strftime("%Y-%m-%d")
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    versions = {s.name: s.version() for s in systems}
    command = args.command or "bench/meshbench.py " + " ".join(argv)
    header = [
        f"command: {command}",
        f"started: {started}; host: {os.cpu_count()} CPUs, "
        f"kernel {os.uname().release}; loopback, root network namespace",
        "versions: " + "; ".join(f"{k} {v}" for k, v in versions.items())
        + ("; serf with -encrypt" if args.serf_encrypt else "; serf unencrypted"),
        f"runs per N: {args.runs}; steady window {args.steady_seconds:.0f} s after "
        f"{args.settle:.0f} s settle; figures are medians over runs",
    ]
    log("; ".join(header[1:]))
    all_results = {n: {s.name: [] for s in systems} for n in args.node_list}
    interrupted = None
    try:
        for n in args.node_list:
            for r in range(args.runs):
                for s in systems:  # interleaved so both see the same load
                    log(f"{s.name} N={n} run {r + 1}/{args.runs}")
                    run = Run(s, n, args, base_wd, subnet[s.name], rng, registry)
                    try:
                        res = run.execute()
                    except BaseException:
                        run.cleanup()
                        raise
                    res["run"] = r + 1
                    all_results[n][s.name].append(res)
    except Interrupted as e:
        interrupted = str(e)
        log(f"interrupted ({interrupted}); cleaned up, writing what was measured")
    finally:
        if own_wd and not args.keep:
            shutil.rmtree(base_wd, ignore_errors=True)

    # Output: one file per N, a combined summary, raw JSON. An interrupted
    # run must not overwrite a complete one of the same day.
    if interrupted:
        tag += "-interrupted"
    os.makedirs(args.results_dir, exist_ok=True)
    summary = list(header)
    if interrupted:
        summary.append(f"INTERRUPTED ({interrupted}): incomplete")
    summary.append("")
    verdicts = {}
    for n in args.node_list:
        if not any(all_results[n].values()):
            continue
        text, verdict = table_for(n, all_results[n], args.runs)
        verdicts[n] = verdict
        body = "\n".join(header) + f"\n\nN = {n}\n\n" + text + "\n"
        path = os.path.join(args.results_dir, f"{tag}-{n}.txt")
        with open(path, "w") as f:
            f.write(body)
        summary.append(f"N = {n}")
        summary.append(text)
        summary.append("")
        print(f"\nN = {n}\n{text}")
    if verdicts:
        summary.append("bars (ratio meshd/serf <= bar):")
        for key, _, _, bar in METRICS:
            if not bar:
                continue
            cells = []
            for n in sorted(verdicts):
                v = verdicts[n].get(key)
                cells.append(f"N={n}: " + (f"{v[0]:.2f} {v[2]}" if v else "-"))
            summary.append(f"  {key:<10} <= {BARS[bar]:.2f}   " + ", ".join(cells))
    spath = os.path.join(args.results_dir, f"{tag}-summary.txt")
    with open(spath, "w") as f:
        f.write("\n".join(summary) + "\n")
    with open(os.path.join(args.results_dir, f"{tag}-raw.json"), "w") as f:
        json.dump({"header": header, "results": all_results}, f, indent=1)
    if verdicts:
        print("\n" + "\n".join(summary[summary.index("bars (ratio meshd/serf <= bar):"):]))
    log(f"results: {spath}")
    if interrupted:
        return 130
    errors = sum(1 for n in all_results for rs in all_results[n].values()
                 for r in rs if "error" in r)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
