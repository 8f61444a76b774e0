#!/bin/sh
# SPDX-License-Identifier: MIT
# smoke.sh BIN_DIR CORPUS_DIR TARGET...: run each fuzz target once over
# every seed of its corpus (libFuzzer runs file arguments without
# mutating). Fails on the first crash, sanitizer report or leak.
set -eu
bin=$1 corpus=$2
shift 2
for t in "$@"; do
	set -- "$corpus/$t"/*
	[ -e "$1" ] || { echo "$t: no seeds in $corpus/$t" >&2; exit 1; }
	"$bin/$t" "$@" >/dev/null 2>"$bin/$t.smoke.log" || {
		echo "$t: FAILED" >&2
		tail -n 40 "$bin/$t.smoke.log" >&2
		exit 1
	}
	echo "$t: ok, $# seeds"
done
