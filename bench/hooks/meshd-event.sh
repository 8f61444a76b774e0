#!/bin/sh
# SPDX-License-Identifier: MIT
# meshd --event-hook for bench/: appends "EPOCH.NANOS EVENT NAME" to the
# file named by $1 (bench/ writes a one-line wrapper per agent that passes
# it). meshd gives the event in MESHD_EVENT and the member in MESHD_NAME.
t=$(date +%s.%N)
printf '%s %s %s\n' "$t" "${MESHD_EVENT:-unknown}" "${MESHD_NAME:-?}" >>"$1"
exit 0
