#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Record every UDP payload sent to a port on one interface (run inside the
# node's namespace), so the hostile-input scenario can replay real, old
# datagrams later. Writes one hex payload per line; stops after SECONDS.
import socket, struct, sys, time

ifname, port, seconds, out = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
ETH_P_ALL = 0x0003
s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_ALL))
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
        if len(pkt) < 28 or pkt[0] >> 4 != 4 or pkt[9] != 17:
            continue
        ihl = (pkt[0] & 15) * 4
        dport = struct.unpack("!H", pkt[ihl + 2:ihl + 4])[0]
        if dport != port:
            continue
        f.write(pkt[ihl + 8:].hex() + "\n")
        f.flush()
        n += 1
print(f"captured {n} datagrams on {ifname}", file=sys.stderr)
