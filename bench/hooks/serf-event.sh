#!/bin/sh
# SPDX-License-Identifier: MIT
# Serf -event-handler for bench/: appends "EPOCH.NANOS EVENT NAME" to the
# file named by $1, one line per member on stdin (serf passes the members
# of an event as "name<TAB>addr<TAB>role<TAB>tags" lines).
# The timestamp is taken first so the write itself is not measured.
t=$(date +%s.%N)
out=$1
while IFS='	' read -r name rest; do
	[ -n "$name" ] && printf '%s %s %s\n' "$t" "${SERF_EVENT:-unknown}" "$name" >>"$out"
done
exit 0
