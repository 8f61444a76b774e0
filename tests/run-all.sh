#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The whole meshd test suite: what `.ci/run` and the README call.
#   1. install build and test dependencies (root, Debian 12)
#   2. build with warnings as errors; run every ctest test (unit, simulator,
#      root tests in network namespaces, end-to-end, kernel tests in a VM)
#   3. rebuild with ASan+UBSan and run the unit tests again
#   4. fuzz every decoder with clang: the network ones FUZZ_SECONDS (default 60), the rest 15 s
#   5. the fault-injection suite's short runs are ctest tests (label faults);
#      tests/faults/soak.sh is the long run, not part of this script
# Env: BUILD_DIR (default build-ci), FUZZ_SECONDS, SKIP_SANITIZE=1, SKIP_FUZZ=1.
# No silent skips: under CI=true (.ci/run sets it) a stage or a test that
# cannot run (not root, no clang, no wireguard-go, no QEMU, a ctest test
# reporting "skipped") fails the run; elsewhere each skip is printed, with
# why, and listed again at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
build=${BUILD_DIR:-$top/build-ci}
jobs=$(nproc)
passed=0
failed=0
failures=()
skips=()

# cannot_run STAGE WHY: under CI a failure of the run; elsewhere a printed skip.
cannot_run() {
	if [ "${CI:-}" = true ]; then
		failed=$((failed + 1)); failures+=("$1 (cannot run: $2)")
		echo "=== $1: FAILED: cannot run under CI: $2"
	else
		skips+=("$1: $2")
		echo "=== $1: skipped: $2"
	fi
}

stage() {  # stage NAME CMD...: run a stage, count it, keep going
	local name=$1; shift
	echo "=== $name"
	local t0=$SECONDS
	if "$@"; then
		passed=$((passed + 1)); echo "=== $name: ok ($((SECONDS - t0)) s)"
	else
		failed=$((failed + 1)); failures+=("$name"); echo "=== $name: FAILED ($((SECONDS - t0)) s)"
	fi
}

if [ "$(id -u)" -eq 0 ]; then
	./deploy/install-deps.sh
else
	cannot_run root "not root: no dependency install; every root test (namespaces, WireGuard, VM) skips"
fi

build_main() {
	cmake -S "$top" -B "$build" -DMESHD_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null &&
	cmake --build "$build" -j"$jobs"
}
stage build build_main || true
if [ "$failed" -ne 0 ]; then
	echo "build failed"; echo "suite: $passed passed, $failed failed"; exit 1
fi
# ctest counts a test that exits 77 (SKIP_RETURN_CODE) as passed; its log
# says "Skipped". Each one is listed; under CI each one fails the stage.
ctest_all() {
	local log="$build/ctest-all.log" rc=0 skipped
	ctest --test-dir "$build" --output-on-failure -j1 --timeout 1200 2>&1 | tee "$log" || rc=1
	skipped=$(sed -n '/The following tests did not run:/,/^$/p' "$log" | grep -E '\((Skipped|Not Run|Disabled)\)' || true)
	if [ -n "$skipped" ]; then
		echo "ctest: tests that did not run, with what each said:"
		while read -r _ _ name _; do
			why=$(awk -v t="$name" '$0 ~ "^[0-9]+/[0-9]+ Test: " t "$" {f=1}
				f && /^Output:/ {o=1; getline; next} o && /^<end of output>/ {exit} o {print}' \
				"$build/Testing/Temporary/LastTest.log" 2>/dev/null | tail -n 2 | paste -sd' ')
			echo "  $name: ${why:-no reason printed}"
			skips+=("ctest $name: ${why:-no reason printed}")
		done <<<"$skipped"
		if [ "${CI:-}" = true ]; then
			echo "ctest: FAILED: under CI no test may skip"
			rc=1
		fi
	fi
	return "$rc"
}
stage ctest ctest_all

if [ "${SKIP_SANITIZE:-0}" != 1 ]; then
	san() {
		cmake -S "$top" -B "$build-asan" -DMESHD_WERROR=ON -DMESHD_SANITIZE=ON \
			-DCMAKE_BUILD_TYPE=Debug >/dev/null &&
		cmake --build "$build-asan" -j"$jobs" &&
		ASAN_OPTIONS=detect_leaks=1 ctest --test-dir "$build-asan" --output-on-failure -L unit
	}
	stage sanitizers san
else
	echo "=== sanitizers: not run (SKIP_SANITIZE=1 asked for it)"
	skips+=("sanitizers: SKIP_SANITIZE=1")
fi

if [ "${SKIP_FUZZ:-0}" = 1 ]; then
	echo "=== fuzz: not run (SKIP_FUZZ=1 asked for it)"
	skips+=("fuzz: SKIP_FUZZ=1")
elif ! command -v clang >/dev/null; then
	cannot_run fuzz "clang is missing (deploy/install-deps.sh installs it)"
elif [ ! -x tests/fuzz/run-fuzz.sh ]; then
	cannot_run fuzz "tests/fuzz/run-fuzz.sh is missing"
else
	stage fuzz tests/fuzz/run-fuzz.sh "${FUZZ_SECONDS:-60}"
fi

if [ ! -f deploy/ansible/playbook.yml ]; then
	:
elif ! command -v ansible-playbook >/dev/null; then
	cannot_run ansible-syntax "ansible-playbook is missing (deploy/install-deps.sh installs ansible-core)"
else
	stage ansible-syntax env ANSIBLE_ROLES_PATH="$top/deploy/ansible/roles" \
		ansible-playbook --syntax-check -i localhost, deploy/ansible/playbook.yml
fi

if [ "${#skips[@]}" -gt 0 ]; then
	echo "skipped (${#skips[@]}):"
	printf '  %s\n' "${skips[@]}"
fi
[ "$failed" -eq 0 ] || echo "failed stages: ${failures[*]}"
echo "suite: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
