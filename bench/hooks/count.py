#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Count what meshd's event hooks delivered in a bench run (issue 12).

Every agent's hook (bench/hooks/meshd-event.sh) appends
"EPOCH.NANOS EVENT NAME [DROPPED]" to events/<agent name> in the run's
work directory. For each agent this counts the hook runs, the distinct
members the hook learned about (any event: coalescing may fold a join and
later changes into one run), the members it never heard of, and the
MESHD_EVENTS_DROPPED the agent reported. The bar (issue 12): 0 members
lost at an N=128 bootstrap.

  (bench/run.sh removes its work directory: call meshbench.py itself, as root)
  python3 bench/meshbench.py --only meshd --nodes 128 --runs 1 --keep --workdir /tmp/mb
  bench/hooks/count.py /tmp/mb/meshd-128-*/events      # one line per run
The agents' own meshd_hooks_total{result="coalesced"|"dropped"} give the
same from the inside.

Exit status 1 when any hook missed a member or reported drops.
"""
import os
import sys


def count(events_dir):
    agents = sorted(f for f in os.listdir(events_dir)
                    if os.path.isfile(os.path.join(events_dir, f)))
    everyone = set(agents)
    runs = lost = dropped = joins = 0
    worst = (0, None)
    for a in agents:
        learned, seen_joins = set(), set()
        with open(os.path.join(events_dir, a), errors="replace") as f:
            for line in f:
                parts = line.split()
                if len(parts) < 3:
                    continue
                runs += 1
                learned.add(parts[2])
                if parts[1] == "join":
                    seen_joins.add(parts[2])
                if len(parts) >= 4 and parts[3].isdigit():
                    dropped += int(parts[3])
        missing = (everyone - {a}) - learned
        lost += len(missing)
        joins += len(seen_joins & (everyone - {a}))
        if len(missing) > worst[0]:
            worst = (len(missing), a)
    n = len(agents)
    expected = n * (n - 1)
    print(f"HOOKS dir={events_dir} agents={n} runs={runs} "
          f"members_expected={expected} members_lost={lost} joins_seen={joins} "
          f"dropped_reported={dropped} worst_agent={worst[1] or '-'} worst_missing={worst[0]}")
    return lost == 0 and dropped == 0


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    ok = True
    for d in sys.argv[1:]:
        ok = count(d) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
