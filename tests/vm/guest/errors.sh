#!/bin/sh
# SPDX-License-Identifier: MIT
# Every error names its cause: no such interface, not a WireGuard
# interface, permission denied, no WireGuard support.
. /tests/lib.sh
command -v meshwg >/dev/null || { fail meshwg-present "meshwg not in the build dir"; finish; }
trap '$IP link del dum0 2>/dev/null; $IP link del wge 2>/dev/null' EXIT

# expect_err NAME PATTERN CMD...: CMD fails and its stderr matches PATTERN.
expect_err() {
	local name=$1 pat=$2
	shift 2
	if "$@" >err.out 2>err.txt; then
		fail "$name" "succeeded: $*"
	elif grep -qi "$pat" err.txt; then
		pass "$name" "($(head -n 1 err.txt))"
	else
		fail "$name" "stderr lacks '$pat': $(head -n 3 err.txt | tr '\n' ' ')"
	fi
}
: >none
wg genkey >e.priv

expect_err dump-missing 'no such interface' $MW dump nosuchdev
expect_err apply-missing 'no such interface' $MW apply nosuchdev none
$IP link add dum0 type dummy
expect_err dump-dummy 'not a WireGuard interface' $MW dump dum0
expect_err apply-dummy 'not a WireGuard interface' $MW apply dum0 none
expect_err setup-dummy 'not a WireGuard interface' $MW setup dum0 --private-key e.priv
check dummy-untouched sh -c "$IP -d link show dum0 | grep -q dummy"
expect_err dump-lo 'not a WireGuard interface' $MW dump lo

$IP link add wge type wireguard
# Without CAP_NET_ADMIN: as nobody (busybox setpriv cannot change uid).
chmod 644 none
expect_err dump-unprivileged 'permission denied' su -p -s /bin/sh nobody -c "$MW dump wge"
expect_err apply-unprivileged 'permission denied' su -p -s /bin/sh nobody -c "$MW apply wge /tmp/none"
# auto picks the kernel when the module is loaded.
check auto-is-kernel sh -c "meshwg --backend auto dump wge >/dev/null"
$IP link del wge

# No WireGuard in the kernel at all: the message says what to install.
if rmmod wireguard; then
	expect_err kernel-missing 'wireguard' $MW setup wge --private-key e.priv
	grep -qiE 'install|module|wireguard-go' err.txt && pass kernel-missing-hint "($(head -n 1 err.txt))" ||
		fail kernel-missing-hint "no hint: $(head -n 2 err.txt | tr '\n' ' ')"
	insmod /lib/modules/wireguard.ko || fail reload-module
else
	fail rmmod-wireguard
fi
finish
