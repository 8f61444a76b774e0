#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Run guest test scripts on Debian's kernel (real WireGuard) in QEMU/TCG.
#
#   tests/vm/run-vm.sh [--build-dir DIR] [--keep] SCRIPT...
#
# The host kernel here has no WireGuard and no KVM, so we boot Debian's
# linux-image under TCG with a throw-away busybox initramfs that carries
# iproute2's ip, wg, the project's binaries from DIR and the scripts. The
# guest prints VMTEST/VMRESULT lines on the serial console; this script
# tees it to DIR/vm/console.log, prints the results and exits 0 only if
# every test passed and the guest finished (no timeout, no panic).
# Installs what it lacks (needs root then); the kernel package is cached
# in $MESHD_VM_CACHE (default ${XDG_CACHE_HOME:-/var/cache}/meshd-vm).
# Env: MESHD_VM_TIMEOUT (600 s, whole run), MESHD_VM_TEST_TIMEOUT (300 s,
# each script), MESHD_VM_MEM (MiB), MESHD_VM_MODULES, MESHD_VM_EXTRA_BINS
# (host tools to add, e.g. gdb), MESHD_VM_RESULTS (measurements file),
# MESHD_VM_REPS (benchmark repetitions, default 5), MESHD_VM_QEMU_ARGS,
# MESHD_VM_ICOUNT (see below; "off" for real-time TCG).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build_dir=$(cd "$here/../.." && pwd)/build
keep=0
usage() { echo "usage: $0 [--build-dir DIR] [--keep] SCRIPT..." >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--build-dir) [ $# -ge 2 ] || usage; build_dir=$2; shift 2 ;;
	--keep) keep=1; shift ;;
	-h|--help) usage ;;
	--) shift; break ;;
	-*) usage ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || usage

cache=${MESHD_VM_CACHE:-${XDG_CACHE_HOME:-/var/cache}/meshd-vm}
vm_timeout=${MESHD_VM_TIMEOUT:-600}          # whole QEMU run, seconds
test_timeout=${MESHD_VM_TEST_TIMEOUT:-300}   # each guest script, seconds
vm_mem=${MESHD_VM_MEM:-768}
# The guest clock counts instructions (2^3 ns each) instead of following the
# host: this 2-core host is shared, and real-time TCG figures swung 2x
# between runs, while icount figures repeat to 0.1 %. Guest times are then
# "virtual ms": a slow in-order CPU, right for ratios, not for absolutes.
icount=${MESHD_VM_ICOUNT-3}
clock="real-time TCG"
icount_args=()
if [ -n "$icount" ] && [ "$icount" != off ]; then
	icount_args=(-icount "shift=$icount,sleep=off")
	clock="icount shift=$icount: virtual time, $((1 << icount)) ns per guest instruction"
fi
out_dir=$build_dir/vm
export DEBIAN_FRONTEND=noninteractive
log() { echo "run-vm: $*" >&2; }
die() { log "$*"; exit 1; }

. "$here/vm-lib.sh"

mkdir -p "$out_dir"
# Without root /var/cache is read-only; the build dir always works.
mkdir -p "$cache" 2>/dev/null && [ -w "$cache" ] || cache=$build_dir/vm-cache
mkdir -p "$cache"
work=$(mktemp -d "${TMPDIR:-/tmp}/meshd-vm.XXXXXX")
cleanup() {
	if [ "$keep" = 1 ]; then log "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

t_start=$(date +%s.%N)
ensure_tools
kdir=$(ensure_kernel)
kver=$(ls "$kdir/lib/modules")
kimg=$kdir/boot/vmlinux
[ -e "$kimg" ] || kimg=$kdir/boot/vmlinuz-$kver
log "kernel $kver: $kimg"

root=$work/root
build_root "$root" "$kdir/lib/modules/$kver" "$@"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$work/initrd"
log "initramfs $(($(stat -c %s "$work/initrd") / 1024)) KiB"

console=$out_dir/console.log
t_boot=$(date +%s.%N)
set +e
# Uncompressed initrd and no devices: TCG is slow, so boot as little as
# possible. stdin from /dev/null: CI has none and QEMU must not read a tty.
timeout -k 10 "$vm_timeout" qemu-system-x86_64 -accel tcg -cpu max -m "$vm_mem" \
	-smp 1 -nodefaults -no-user-config -display none -no-reboot \
	"${icount_args[@]}" -serial stdio ${MESHD_VM_QEMU_ARGS:-} -kernel "$kimg" -initrd "$work/initrd" \
	-append "console=ttyS0 panic=-1 oops=panic quiet loglevel=1 mitigations=off" \
	</dev/null 2>&1 | tr -d '\r' | tee "$console"
qemu_rc=${PIPESTATUS[0]}
set -e
t_end=$(date +%s.%N)

report "$console" "$qemu_rc" "$t_start" "$t_boot" "$t_end"
