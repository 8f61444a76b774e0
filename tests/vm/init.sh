#!/bin/sh
# SPDX-License-Identifier: MIT
# /init of the test VM (busybox sh, PID 1). Mounts the basics, loads the
# modules run-vm.sh listed in dependency order, runs each guest test and
# powers off. The host reads the serial console: VMTEST/VMRESULT lines come
# from the tests, VMSCRIPT gives each test's exit status and VMDONE proves
# the run finished (its absence means a hang, crash or panic).
export PATH=/usr/local/bin:/bin:/sbin:/usr/bin:/usr/sbin
export LD_LIBRARY_PATH=/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu
export HOME=/root TMPDIR=/tmp

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
# Kernel messages share the console with the result lines; only
# emergencies (panics) may interleave.
dmesg -n 1

set -a   # settings from the host (e.g. REPS) reach the tests
. /etc/vmconf
set +a
echo "VMBOOT kernel=$(uname -r) uptime=$(cut -d' ' -f1 /proc/uptime)"

for m in $(cat /etc/modules.order); do
	insmod "/lib/modules/$m.ko" || echo "VMTEST boot/insmod-$m FAIL"
done
/sbin/ip link set lo up

for t in $(cat /etc/vmtests); do
	name=${t%.sh}
	t0=$(cut -d' ' -f1 /proc/uptime)
	# A hung test is killed so later tests still run and report.
	timeout -s KILL "$VM_TEST_TIMEOUT" sh "/tests/$t" </dev/null 2>&1
	rc=$?
	echo "VMSCRIPT $name rc=$rc secs=$(awk -v a="$t0" '{ printf "%.1f", $1 - a }' /proc/uptime)"
done

echo "VMDONE uptime=$(cut -d' ' -f1 /proc/uptime)"
sync
poweroff -f
# poweroff returning is a bug; PID 1 exiting panics and -no-reboot ends QEMU.
exit 1
