#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Send hex payloads (one per line, from a file or stdin) to HOST:PORT.
import socket, sys

host, port = sys.argv[1].rsplit(":", 1)
src = open(sys.argv[2]) if len(sys.argv) > 2 else sys.stdin
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
n = 0
for line in src:
    line = line.strip()
    if line:
        s.sendto(bytes.fromhex(line), (host, int(port)))
        n += 1
print(f"sent {n} datagrams to {host}:{port}", file=sys.stderr)
