#!/bin/sh
# SPDX-License-Identifier: MIT
# run-fuzz.sh [SECONDS_MAIN [SECONDS_OTHER [TARGET...]]]
#
# Build the libFuzzer targets with clang in build-fuzz/ and fuzz each on
# a temporary copy of its seed corpus: the network decoders
# (fuzz_envelope_msg, fuzz_record) for SECONDS_MAIN (default 60), every
# other target for SECONDS_OTHER (default 15). TARGET... picks a subset.
# Targets run FUZZ_JOBS at a time (default 2: CI has two cores; the main
# two start first, one per lane, so the default run takes about two
# minutes of wall time for 255 s of fuzzing).
#
# One line per target: name, result, execs, seconds, execs/s, coverage,
# corpus size. Exits non-zero on any crash, sanitizer report, leak,
# timeout, or a target that does not build; the reproducer is kept in
# build-fuzz/crashes/ and the log in build-fuzz/TARGET.log.
set -eu
main_secs=${1:-60}
other_secs=${2:-15}
if [ $# -gt 2 ]; then shift 2; else set --; fi
jobs=${FUZZ_JOBS:-2}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$root/build-fuzz
main_targets="fuzz_envelope_msg fuzz_record"
all_targets="$main_targets fuzz_text fuzz_trust fuzz_token fuzz_ctl fuzz_config fuzz_netkeys fuzz_state fuzz_uapi fuzz_genl fuzz_peerfile fuzz_nss"
targets=${*:-$all_targets}

budget() {  # budget TARGET: seconds
	case " $main_targets " in *" $1 "*) echo "$main_secs" ;; *) echo "$other_secs" ;; esac
}

max_len() {  # max_len TARGET: the input size that reaches the target's limits
	case $1 in
	fuzz_envelope_msg|fuzz_record|fuzz_text) echo 1300 ;;  # one datagram
	fuzz_trust) echo 300 ;;       # the largest trust object (262) and its kind byte
	fuzz_token) echo 1800 ;;      # TOKEN_MAX_TEXT
	fuzz_ctl) echo 4400 ;;        # two 2048-byte control lines
	fuzz_config) echo 3200 ;;     # three 1024-byte config lines
	fuzz_netkeys) echo 300 ;;     # KEYSCHED_TEXT_MAX and a bit
	fuzz_state) echo 2600 ;;      # four record lines
	fuzz_uapi|fuzz_peerfile) echo 8192 ;;  # a peer with 64 allowed IPs, and more
	fuzz_genl) echo 8192 ;;       # several dump messages
	*) echo 4096 ;;
	esac
}

configure() {  # configure SOURCE_DIR: a cache from the other source tree is dropped
	if [ -f "$build/CMakeCache.txt" ] &&
	   ! grep -qx "CMAKE_HOME_DIRECTORY:INTERNAL=$1" "$build/CMakeCache.txt"; then
		rm -rf "$build/CMakeCache.txt" "$build/CMakeFiles"
	fi
	CC=clang cmake -S "$1" -B "$build" -DMESHD_FUZZ=ON -DMESHD_WERROR=ON >"$build/cmake.log" 2>&1
}
mkdir -p "$build"
if ! configure "$root"; then
	# The fuzz targets need proto/, agent/'s small library and wgctl/:
	# when another module's CMake is broken, configure a tree of just
	# those and tests/fuzz/ (a target whose module is missing there is
	# reported as not built).
	echo "run-fuzz: full tree does not configure (see $build/cmake.log); using proto, wgctl, agent" >&2
	shim=$build/shim
	rm -rf "$shim"
	mkdir -p "$shim/tests"
	for m in proto wgctl agent; do ln -s "$root/$m" "$shim/$m"; done
	ln -s "$root/tests/fuzz" "$shim/tests/fuzz"
	sed -e '/add_subdirectory(\(gossip\|deploy\))/d' \
	    -e '/pkg_check_modules(EVENT/d' "$root/CMakeLists.txt" >"$shim/CMakeLists.txt"
	echo 'add_subdirectory(fuzz)' >"$shim/tests/CMakeLists.txt"
	configure "$shim" || { cat "$build/cmake.log" >&2; exit 1; }
fi

# One target at a time, so a module caught mid-edit costs only its targets.
status=0
built=
: >"$build/build.log"
for t in $targets; do
	if cmake --build "$build" --target "$t" -j2 >>"$build/build.log" 2>&1; then
		built="$built $t"
	else
		echo "$t: FAILED to build, see $build/build.log"
		status=1
	fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -p "$build/crashes"

run_one() {  # run_one TARGET: fuzz it, write its summary line to $tmp/TARGET.line
	t=$1
	log=$build/$t.log
	cp -r "$root/tests/fuzz/corpus/$t" "$tmp/$t"
	t0=$(date +%s)
	if "$build/tests/fuzz/$t" -max_total_time="$(budget "$t")" -max_len="$(max_len "$t")" \
		-timeout=10 -print_final_stats=1 -artifact_prefix="$build/crashes/$t-" \
		"$tmp/$t" >"$log" 2>&1; then
		result=ok
	else
		result=FAILED
	fi
	secs=$(($(date +%s) - t0))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
	echo "$t: $result, ${execs:-0} execs in $secs s ($(( ${execs:-0} / (secs ? secs : 1) ))/s)," \
	     "${cov:-cov: ?}, corpus $(find "$tmp/$t" -type f | wc -l)" >"$tmp/$t.line"
	if [ $result != ok ]; then
		echo "  see $log and $build/crashes/$t-*" >>"$tmp/$t.line"
		grep -m 3 -E 'ERROR|SUMMARY|deadly signal|invariant failed' "$log" |
			sed 's/^/  /' >>"$tmp/$t.line" || true
	fi
}

# Lanes: target i goes to lane i mod FUZZ_JOBS, in order, so with the
# default list the two 60 s targets start at once and the rest follow.
i=0
lanes=
for t in $built; do
	lane=$((i % jobs))
	eval "lane_$lane=\"\${lane_$lane:-} $t\""
	case " $lanes " in *" $lane "*) ;; *) lanes="$lanes $lane" ;; esac
	i=$((i + 1))
done
pids=
list=
for lane in $lanes; do
	eval "list=\$lane_$lane"
	( for t in $list; do run_one "$t"; done ) &
	pids="$pids $!"
done
for p in $pids; do wait "$p" || status=1; done

for t in $built; do
	cat "$tmp/$t.line"
	case $(head -n 1 "$tmp/$t.line") in *": ok,"*) ;; *) status=1 ;; esac
done
exit $status
