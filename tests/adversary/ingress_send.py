#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Datagrams for tests/smoke/ingress.sh, from one source address:
#   replay KEYFILE HOST PORT SRC COUNT   one sealed datagram, sent COUNT times
#   sealed KEYFILE HOST PORT SRC COUNT   COUNT datagrams sealed with fresh nonces
#   junk   KEYFILE HOST PORT SRC COUNT   COUNT copies of 200 random bytes
# Sealed plaintexts are not messages: they open, then the engine refuses
# them (decode), which is what a key holder's flood costs at most.
# Prints the seconds the sending took.
import base64, ctypes, ctypes.util, os, socket, sys, time

mode, keyfile, host, port, src, count = sys.argv[1:7]
port, count = int(port), int(count)
sod = ctypes.CDLL(ctypes.util.find_library("sodium"))
if sod.sodium_init() < 0:
    sys.exit("libsodium did not initialise")
key = base64.b64decode(open(keyfile).read().strip())


def seal(plain):
    # proto/envelope.h: version (1) | nonce (24) | XChaCha20-Poly1305, version as AD
    nonce = os.urandom(24)
    out = ctypes.create_string_buffer(len(plain) + 16)
    clen = ctypes.c_ulonglong()
    sod.crypto_aead_xchacha20poly1305_ietf_encrypt(
        out, ctypes.byref(clen), plain, ctypes.c_ulonglong(len(plain)),
        b"\x01", ctypes.c_ulonglong(1), None, nonce, key)
    return b"\x01" + nonce + out.raw[:clen.value]


s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((src, 0))
t0 = time.monotonic()
if mode == "replay":
    d = seal(b"\x92\x7f" + b"A" * 32)
    for _ in range(count):
        s.sendto(d, (host, port))
elif mode == "sealed":
    for i in range(count):
        s.sendto(seal(b"\x92\x7f" + i.to_bytes(4, "big")), (host, port))
elif mode == "junk":
    d = os.urandom(200)
    for _ in range(count):
        s.sendto(d, (host, port))
else:
    sys.exit("mode: replay, sealed or junk")
print(f"{time.monotonic() - t0:.3f}")
