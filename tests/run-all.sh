#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The whole meshd test suite: what `.ci/run` and the README call.
#   1. install build and test dependencies (root, Debian 12)
#   2. build with warnings as errors; run every ctest test (unit, simulator,
#      root tests in network namespaces, end-to-end, kernel tests in a VM)
#   3. rebuild with ASan+UBSan and run the unit tests again
#   4. fuzz every decoder with clang: the network ones FUZZ_SECONDS (default 60), the rest 15 s
# Env: BUILD_DIR (default build-ci), FUZZ_SECONDS, SKIP_SANITIZE=1, SKIP_FUZZ=1.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
build=${BUILD_DIR:-$top/build-ci}
jobs=$(nproc)
passed=0
failed=0
failures=()

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
	echo "run-all.sh: not root: skipping dependency install; root tests will skip" >&2
fi

build_main() {
	cmake -S "$top" -B "$build" -DMESHD_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null &&
	cmake --build "$build" -j"$jobs"
}
stage build build_main || true
if [ "$failed" -ne 0 ]; then
	echo "build failed"; echo "suite: $passed passed, $failed failed"; exit 1
fi
stage ctest ctest --test-dir "$build" --output-on-failure -j1 --timeout 1200

if [ "${SKIP_SANITIZE:-0}" != 1 ]; then
	san() {
		cmake -S "$top" -B "$build-asan" -DMESHD_WERROR=ON -DMESHD_SANITIZE=ON \
			-DCMAKE_BUILD_TYPE=Debug >/dev/null &&
		cmake --build "$build-asan" -j"$jobs" &&
		ASAN_OPTIONS=detect_leaks=1 ctest --test-dir "$build-asan" --output-on-failure -L unit
	}
	stage sanitizers san
fi

if [ "${SKIP_FUZZ:-0}" != 1 ] && command -v clang >/dev/null && [ -x tests/fuzz/run-fuzz.sh ]; then
	stage fuzz tests/fuzz/run-fuzz.sh "${FUZZ_SECONDS:-60}"
fi

if command -v ansible-playbook >/dev/null && [ -f deploy/ansible/playbook.yml ]; then
	stage ansible-syntax env ANSIBLE_ROLES_PATH="$top/deploy/ansible/roles" \
		ansible-playbook --syntax-check -i localhost, deploy/ansible/playbook.yml
fi

[ "$failed" -eq 0 ] || echo "failed stages: ${failures[*]}"
echo "suite: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
