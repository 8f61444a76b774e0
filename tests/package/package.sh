#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Debian package: build it with CPack, install it with dpkg, check what
# an operator would (the unit's hardening, meshd --help, man meshctl, the
# example config), then purge it and check nothing is left.
# Usage: package.sh SOURCE_DIR. Root. Skips (77) when meshd is already
# installed on this machine: the test must not replace an operator's copy.
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "package: needs root (dpkg)"; exit 77; }
if dpkg-query -W -f='${Status}' meshd 2>/dev/null | grep -q 'install ok'; then
	echo "package: meshd is installed here already; not touching it"; exit 77
fi
src=$(cd "$1" && pwd)
work=$(mktemp -d /tmp/meshd-pkg.XXXXXX)
installed=0
cleanup() {
	[ "$installed" = 1 ] && dpkg -P meshd >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "package: FAIL: $*"; exit 1; }

cmake -S "$src" -B "$work/build" -DCMAKE_INSTALL_PREFIX=/usr -DMESHD_TESTS=OFF \
	-DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/build" -j"$(nproc)" >/dev/null
(cd "$work/build" && cpack -G DEB >/dev/null)
deb=$(ls "$work"/build/meshd_*.deb)
echo "package: built $(basename "$deb") ($(stat -c %s "$deb") bytes)"
# (grep -q on a pipe would SIGPIPE the writer and trip pipefail)
grep -q 'Depends:.*libsodium' <<<"$(dpkg-deb -I "$deb")" || fail "no libsodium dependency"

dpkg -i "$deb" >/dev/null; installed=1
for f in /usr/sbin/meshd /usr/bin/meshctl /lib/systemd/system/meshd@.service \
	/usr/share/doc/meshd/examples/meshd.conf.example; do
	[ -e "$f" ] || fail "$f not installed"
done
unit=$(systemd-analyze cat-config systemd/system/meshd@.service)
for want in CapabilityBoundingSet=CAP_NET_ADMIN NoNewPrivileges=yes ProtectSystem=strict \
	ProtectHome=yes StateDirectory=meshd/%i RuntimeDirectory= Restart=on-failure \
	LimitNOFILE=8192; do
	grep -q "^$want" <<<"$unit" || fail "unit lacks $want"
done
grep -q -- '--network-key' <<<"$(/usr/sbin/meshd --help)" || fail "meshd --help"
/usr/bin/meshctl --help >/dev/null || fail "meshctl --help"
grep -q 'members' <<<"$(man -P cat meshctl 2>/dev/null)" || fail "man meshctl"
grep -q 'network-key' <<<"$(man -P cat meshd 2>/dev/null)" || fail "man meshd"
nss=$(ls /usr/lib/*/libnss_meshd.so.2 /lib/*/libnss_meshd.so.2 2>/dev/null | head -n 1)
[ -n "$nss" ] || fail "libnss_meshd.so.2 not installed in the multiarch library directory"
if grep -q '^hosts:' /etc/nsswitch.conf 2>/dev/null; then
	grep -Eq '^hosts:.*[[:space:]]meshd([[:space:]]|$)' /etc/nsswitch.conf ||
		fail "postinst did not add meshd to the hosts line of /etc/nsswitch.conf"
fi
echo "package: installed: binaries, unit (hardening present), man pages, example config, $nss"

dpkg -P meshd >/dev/null; installed=0
[ ! -e /usr/sbin/meshd ] && [ ! -e /lib/systemd/system/meshd@.service ] || fail "purge left files"
[ ! -e "$nss" ] || fail "purge left $nss"
! grep -Eq '^hosts:.*[[:space:]]meshd([[:space:]]|$)' /etc/nsswitch.conf 2>/dev/null ||
	fail "postrm left meshd in the hosts line of /etc/nsswitch.conf"
echo "package: purged cleanly"
