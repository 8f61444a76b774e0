#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# A passive outsider's tap: record the UDP payloads sent to DST_IP:PORT
# seen on an interface (run inside a namespace), one hex line each, for
# SECONDS. No key, no parsing: sealed datagrams are opaque bytes here.
# OUT is created only once the tap is bound: callers wait for it.
# usage: capture.py IFACE DST_IP PORT SECONDS OUT
import socket, struct, sys, time

ifname, dst, port, seconds, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
want = socket.inet_aton(dst)
ETH_P_IP = 0x0800
s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_IP))
s.bind((ifname, 0))
s.settimeout(0.2)
end = time.time() + seconds
n = 0
with open(out, "w") as f:
    while time.time() < end:
        try:
            pkt = s.recv(65535)
        except socket.timeout:
            continue
        if len(pkt) < 28 or pkt[0] >> 4 != 4 or pkt[9] != 17 or pkt[16:20] != want:
            continue
        ihl = (pkt[0] & 15) * 4
        if struct.unpack("!H", pkt[ihl + 2:ihl + 4])[0] != port:
            continue
        f.write(pkt[ihl + 8:].hex() + "\n")
        f.flush()
        n += 1
print(f"captured {n} datagrams to {dst}:{port} on {ifname}", file=sys.stderr)
