# SPDX-License-Identifier: MIT
# Sourced by every guest test (busybox sh in the VM). Result lines are what
# the host parses: "VMTEST <test>/<check> PASS|FAIL [detail]" and
# "VMRESULT <key>=<value>".

# iproute2's ip by full path: busybox's own ip applet has no netns/veth.
IP=/sbin/ip
T=${0##*/}
T=${T%.sh}
FAILS=0

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
		      else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
finish() { [ "$FAILS" = 0 ]; exit $?; }
