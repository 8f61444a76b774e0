#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Install, from Debian 12's archive, everything meshd needs to build, run
# its demo and run its whole test suite. Safe to run again.
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "install-deps.sh: run as root (apt-get)" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
pkgs=(
	build-essential cmake pkg-config clang libclang-rt-14-dev
	libsodium-dev libmnl-dev libevent-dev libmsgpack-dev libcmocka-dev
	wireguard-go wireguard-tools iproute2 iputils-ping procps psmisc
	nftables conntrack jq curl python3 iperf3
	qemu-system-x86 qemu-utils busybox-static cpio xz-utils mmdebstrap e2fsprogs openssh-client
	serf ansible-core file dpkg-dev man-db
	faketime stress-ng util-linux ethtool
)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
