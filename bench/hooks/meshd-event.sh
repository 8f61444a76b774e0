#!/bin/sh
# SPDX-License-Identifier: MIT
# meshd --event-hook for bench/: appends "EPOCH.NANOS EVENT NAME DROPPED" to
# the file named by $1 (bench/ writes a one-line wrapper per agent that
# passes it). meshd gives the event in MESHD_EVENT, the member in MESHD_NAME
# and runs it could not queue before this one in MESHD_EVENTS_DROPPED
# (bench/hooks/count.py adds them up).
t=$(date +%s.%N)
printf '%s %s %s %s\n' "$t" "${MESHD_EVENT:-unknown}" "${MESHD_NAME:-?}" \
	"${MESHD_EVENTS_DROPPED:-0}" >>"$1"
exit 0
