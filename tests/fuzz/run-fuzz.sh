#!/bin/sh
# SPDX-License-Identifier: MIT
# run-fuzz.sh [SECONDS]: build the libFuzzer targets with clang in
# build-fuzz/ and fuzz each for SECONDS (default 60) on a temporary copy
# of its seed corpus. One line per target; exits non-zero on any crash,
# sanitizer report or leak (the reproducer is kept in build-fuzz/crashes/).
set -eu
secs=${1:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$root/build-fuzz
targets="fuzz_envelope_msg fuzz_record fuzz_text"

configure() {  # configure SOURCE_DIR: a cache from the other source tree is dropped
	if [ -f "$build/CMakeCache.txt" ] &&
	   ! grep -qx "CMAKE_HOME_DIRECTORY:INTERNAL=$1" "$build/CMakeCache.txt"; then
		rm -rf "$build/CMakeCache.txt" "$build/CMakeFiles"
	fi
	CC=clang cmake -S "$1" -B "$build" -DMESHD_FUZZ=ON -DMESHD_WERROR=ON >"$build/cmake.log" 2>&1
}
mkdir -p "$build"
if ! configure "$root"; then
	# The fuzz targets need only proto/: when another module's build is
	# broken, configure a tree holding just proto/ and tests/fuzz/.
	echo "run-fuzz: full tree does not configure (see $build/cmake.log); using proto only" >&2
	shim=$build/shim
	rm -rf "$shim"
	mkdir -p "$shim/tests"
	ln -s "$root/proto" "$shim/proto"
	ln -s "$root/tests/fuzz" "$shim/tests/fuzz"
	sed -e '/add_subdirectory(\(gossip\|wgctl\|agent\))/d' \
	    -e '/pkg_check_modules(\(MNL\|EVENT\)/d' "$root/CMakeLists.txt" >"$shim/CMakeLists.txt"
	echo 'add_subdirectory(fuzz)' >"$shim/tests/CMakeLists.txt"
	configure "$shim" || { cat "$build/cmake.log" >&2; exit 1; }
fi
# shellcheck disable=SC2086
cmake --build "$build" --target $targets -j2 >"$build/build.log" 2>&1 ||
	{ tail -n 40 "$build/build.log" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
mkdir -p "$build/crashes"
status=0
for t in $targets; do
	cp -r "$root/tests/fuzz/corpus/$t" "$tmp/$t"
	log=$build/$t.log
	if "$build/tests/fuzz/$t" -max_total_time="$secs" -max_len=1300 -timeout=10 \
		-print_final_stats=1 -artifact_prefix="$build/crashes/$t-" "$tmp/$t" >"$log" 2>&1; then
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
		echo "$t: ok, ${execs:-?} execs in $secs s, $cov, corpus $(ls "$tmp/$t" | wc -l)"
	else
		echo "$t: FAILED, see $log and $build/crashes/"
		grep -m 3 -E 'ERROR|SUMMARY|deadly signal' "$log" >&2 || true
		status=1
	fi
done
exit $status
