# SPDX-License-Identifier: MIT
# Sourced by every guest test (busybox sh in the VM). Result lines are what
# the host parses: "VMTEST <test>/<check> PASS|FAIL [detail]" and
# "VMRESULT <key>=<value>".

# iproute2's ip by full path: busybox's own ip applet has no netns/veth.
IP=/sbin/ip
T=${0##*/}
T=${T%.sh}
FAILS=0
umask 077    # wg genkey warns about world-readable key files otherwise
cd /tmp || exit 1   # scratch files live in the VM's tmpfs

pass() { echo "VMTEST $T/$1 PASS${2:+ $2}"; }
fail() {
	echo "VMTEST $T/$1 FAIL${2:+ $2}"
	FAILS=$((FAILS + 1))
}
# check NAME CMD...: PASS if CMD succeeds, else FAIL and show its output.
check() {
	local name=$1
	shift
	if "$@" >/tmp/check.out 2>&1; then
		pass "$name"
	else
		fail "$name" "($*)"
		head -n 20 /tmp/check.out | sed 's/^/    /'
	fi
}
result() { echo "VMRESULT $1=$2"; }
# median of numbers on stdin, one a line
median() {
	sort -n | awk '{ v[NR] = $1 }
		END { if (NR == 0) print "nan"
		      else if (NR % 2) print v[(NR + 1) / 2]
		      else { m = (v[NR / 2] + v[NR / 2 + 1]) / 2
			     if (m == int(m)) print m; else printf "%.3f\n", m } }'
}
finish() { [ "$FAILS" = 0 ]; exit $?; }

# meshwg always with the kernel backend: these tests are about netlink.
MW="meshwg --backend kernel"

# norm_dump FILE: canonical form of `wg show IF dump` text so two dumps
# compare equal regardless of peer order and allowed-IP order (the kernel
# keeps insertion order, meshwg may sort). The device line stays first.
norm_dump() {
	head -n 1 "$1"
	tail -n +2 "$1" | awk 'BEGIN { FS = OFS = "\t" } {
		n = split($4, a, ",")
		for (i = 2; i <= n; i++) {       # insertion sort, n is small
			v = a[i]
			for (j = i - 1; j > 0 && a[j] > v; j--) a[j + 1] = a[j]
			a[j + 1] = v
		}
		s = a[1]
		for (i = 2; i <= n; i++) s = s "," a[i]
		$4 = s
		print
	}' | sort
}

# same_dump IF: meshwg's dump of IF equals `wg show IF dump` (normalized).
same_dump() {
	$MW dump "$1" >/tmp/sd.mw || return 1
	wg show "$1" dump >/tmp/sd.wg || return 1
	norm_dump /tmp/sd.mw >/tmp/sd.mw.n
	norm_dump /tmp/sd.wg >/tmp/sd.wg.n
	[ "$(wc -l </tmp/sd.wg)" -gt 0 ] && diff /tmp/sd.wg.n /tmp/sd.mw.n
}

# peers_to_wgconf: meshwg peer-file lines -> wg(8) [Peer] sections, so wg
# setconf gets exactly the peers meshwg applies.
peers_to_wgconf() {
	awk 'NF >= 3 && $1 !~ /^#/ {
		print "[Peer]"
		print "PublicKey = " $1
		if ($2 != "-") print "Endpoint = " $2
		print "AllowedIPs = " $3
		if (NF >= 4 && $4 > 0) print "PersistentKeepalive = " $4
		print ""
	}'
}

# field NAME: value of NAME=value from meshwg's output on stdin
field() { tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1; }
