#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A userspace Ethernet switch with per-port impairment (netem in userspace).

tests/faults/lib.sh runs it in the bridge namespace when FAULT_SWITCH=1 (the
default where the kernel has no sch_netem, as on this project's CI VMs):
the bridge-side veth ends are its ports, not a kernel bridge's. Each frame a
node sends (what its veth delivers to the port) is, by that node's settings:
dropped with probability `loss`; delayed by `delay` +- `jitter` seconds
(normal distribution, cut at 0); sent at once, ahead of the delayed ones, with
probability `reorder`; sent twice with probability `dup`. Then it is forwarded
like a learning switch (known MAC: its port; else every other port).

    impair_switch.py CONFIG PORT1 PORT2 ...

CONFIG is a JSON file read again whenever it changes:
    {"ports": {"PORT1": {"loss": 0.1, "delay": 0.1, "jitter": 0.05,
                         "dup": 0.01, "reorder": 0.05}, ...},
     "seed": 1}
Ports missing from it (or an empty file) forward untouched. SIGTERM ends it
and it prints its counters (frames in, dropped, duplicated, reordered).
"""
import heapq
import json
import os
import random
import select
import signal
import socket
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def main():
    cfg_path, names = sys.argv[1], sys.argv[2:]
    socks = {}
    for name in names:
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.bind((name, 0))
        s.setblocking(False)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 21)
        socks[s.fileno()] = (name, s)
    by_name = {n: s for (n, s) in socks.values()}
    macs = {}            # MAC -> port name
    pending = []         # heap of (due, seq, out_port_or_None, src_port, frame)
    seq = 0
    cfg, cfg_mtime = {}, None
    rng = random.Random(1)
    stats = {"in": 0, "dropped": 0, "duplicated": 0, "reordered": 0, "out": 0}
    running = [True]

    def stop(*_):
        running[0] = False
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    def load():
        nonlocal cfg, cfg_mtime, rng
        try:
            m = os.stat(cfg_path).st_mtime_ns
        except OSError:
            if cfg_mtime is not None:
                cfg, cfg_mtime = {}, None
            return
        if m == cfg_mtime:
            return
        cfg_mtime = m
        try:
            with open(cfg_path) as f:
                text = f.read()
            c = json.loads(text) if text.strip() else {}
        except (OSError, ValueError):
            return   # half-written: the next change reloads it
        cfg = c.get("ports", {})
        if "seed" in c:
            rng = random.Random(c["seed"])

    def forward(src, frame):
        dst = frame[0:6]
        out = macs.get(dst)
        targets = [out] if out and out != src and not (dst[0] & 1) else \
            [n for n in by_name if n != src]
        for t in targets:
            try:
                by_name[t].send(frame)
                stats["out"] += 1
            except OSError:
                pass

    last_load = 0.0
    poller = select.poll()
    for fd in socks:
        poller.register(fd, select.POLLIN)
    while running[0]:
        now = time.monotonic()
        if now - last_load > 0.2:
            load()
            last_load = now
        timeout = 200
        if pending:
            timeout = max(0, min(timeout, int((pending[0][0] - now) * 1000) + 1))
        try:
            events = poller.poll(timeout)
        except InterruptedError:
            continue
        for fd, _ in events:
            name, s = socks[fd]
            for _ in range(64):
                try:
                    frame, addr = s.recvfrom(65535)
                except (BlockingIOError, InterruptedError):
                    break
                except OSError:
                    break
                if addr[2] == PACKET_OUTGOING:
                    continue
                stats["in"] += 1
                macs[frame[6:12]] = name
                p = cfg.get(name)
                if not p:
                    forward(name, frame)
                    continue
                if rng.random() < p.get("loss", 0):
                    stats["dropped"] += 1
                    continue
                copies = 2 if rng.random() < p.get("dup", 0) else 1
                if copies == 2:
                    stats["duplicated"] += 1
                for _c in range(copies):
                    if rng.random() < p.get("reorder", 0):
                        stats["reordered"] += 1
                        forward(name, frame)
                        continue
                    d = max(0.0, rng.gauss(p.get("delay", 0), p.get("jitter", 0)))
                    if d <= 0:
                        forward(name, frame)
                    else:
                        seq += 1
                        heapq.heappush(pending, (time.monotonic() + d, seq, name, frame))
        now = time.monotonic()
        while pending and pending[0][0] <= now:
            _, _, src, frame = heapq.heappop(pending)
            forward(src, frame)
    print("impair_switch: " + " ".join(f"{k}={v}" for k, v in stats.items()), flush=True)


if __name__ == "__main__":
    main()
