#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The package's nsswitch.conf handling (issue 14), on copies: postinst's
# nsswitch_add puts `meshd` before `dns` in the hosts line (at the end
# without dns), a second run changes nothing; postrm's nsswitch_remove
# restores the original. The functions are taken from the maintainer
# scripts themselves.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/meshd-nsswitch.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "nsswitch: FAIL: $*"; exit 1; }
fn() { sed -n "/^$1() {/,/^}/p" "$src/deploy/debian/$2"; }
eval "$(fn nsswitch_add postinst)"
eval "$(fn nsswitch_remove postrm)"
export MESHD_NSSWITCH=$work/nsswitch.conf

check() {  # check ORIGINAL_HOSTS_LINE WANT_AFTER_ADD
	printf 'passwd:         files\n%s\nnetworks:       files\n' "$1" >"$MESHD_NSSWITCH"
	cp "$MESHD_NSSWITCH" "$work/orig"
	nsswitch_add
	got=$(grep '^hosts:' "$MESHD_NSSWITCH")
	[ "$got" = "$2" ] || fail "add: '$1' -> '$got', want '$2'"
	nsswitch_add
	[ "$(grep '^hosts:' "$MESHD_NSSWITCH")" = "$2" ] || fail "second add changed '$2'"
	grep -q '^passwd:         files$' "$MESHD_NSSWITCH" || fail "other lines changed"
	nsswitch_remove
	cmp -s "$MESHD_NSSWITCH" "$work/orig" || fail "remove did not restore '$1': $(grep '^hosts:' "$MESHD_NSSWITCH")"
	nsswitch_remove
	cmp -s "$MESHD_NSSWITCH" "$work/orig" || fail "second remove changed '$1'"
}
check 'hosts:          files dns' 'hosts:          files meshd dns'
check 'hosts:          files mdns4_minimal [NOTFOUND=return] dns myhostname' \
      'hosts:          files mdns4_minimal [NOTFOUND=return] meshd dns myhostname'
check 'hosts:          files myhostname' 'hosts:          files myhostname meshd'
check 'hosts: files dns mdns' 'hosts: files meshd dns mdns'
# An operator who placed meshd already keeps that order.
printf 'hosts: meshd files dns\n' >"$MESHD_NSSWITCH"
nsswitch_add
[ "$(cat "$MESHD_NSSWITCH")" = 'hosts: meshd files dns' ] || fail "moved the operator's meshd"
# No nsswitch.conf: nothing to do, no error.
rm -f "$MESHD_NSSWITCH"
nsswitch_add
nsswitch_remove
[ ! -e "$MESHD_NSSWITCH" ] || fail "created nsswitch.conf"
echo "nsswitch: ok"
