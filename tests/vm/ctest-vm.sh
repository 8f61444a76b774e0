#!/bin/sh
# SPDX-License-Identifier: MIT
# ctest entry for vm_kernel: the harness installs packages and fetches the
# kernel, so without root the test is skipped (77), never failed.
if [ "$(id -u)" != 0 ]; then
	echo "vm_kernel: needs root (apt-get, kernel download); skipped"
	exit 77
fi
# Under ctest the figures go to the build dir, not the committed
# tests/vm/results/latest.txt (run run-vm.sh by hand to refresh that).
: "${MESHD_VM_RESULTS:=$2/vm/ctest-results.txt}"   # $1 is --build-dir
export MESHD_VM_RESULTS
exec "$(dirname "$0")/run-vm.sh" "$@"
