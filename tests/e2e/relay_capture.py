#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# On the relay (address ME): every IPv4 UDP datagram on one interface to or
# from one of its ports that is neither WireGuard's nor gossip's (the
# relay's pair ports), tallied
# by the WireGuard message type of its payload (first byte, 3 zero bytes
# after it). Prints "type=N count" lines and "other count": anything but
# WireGuard types 1-4 would mean the relay moved something else.
import socket, struct, sys, time, collections

ifname, me, skip, seconds = sys.argv[1], socket.inet_aton(sys.argv[2]), \
    {int(p) for p in sys.argv[3].split(",")}, float(sys.argv[4])
s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0003))
s.bind((ifname, 0))
s.settimeout(0.2)
end = time.time() + seconds
tally = collections.Counter()
while time.time() < end:
    try:
        pkt = s.recv(65535)
    except socket.timeout:
        continue
    if len(pkt) < 28 or pkt[0] >> 4 != 4 or pkt[9] != 17:
        continue
    ihl = (pkt[0] & 15) * 4
    sport, dport = struct.unpack("!HH", pkt[ihl:ihl + 4])
    # The relay's own port of the datagram: its destination coming in, source going out.
    if (dport if pkt[16:20] == me else sport) in skip:
        continue
    p = pkt[ihl + 8:]
    if len(p) >= 4 and 1 <= p[0] <= 4 and p[1:4] == b"\0\0\0":
        tally["type=%d" % p[0]] += 1
    else:
        tally["other"] += 1
for k in sorted(tally):
    print(k, tally[k])
if "other" not in tally:
    print("other 0")
