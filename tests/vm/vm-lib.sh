# SPDX-License-Identifier: MIT
# Helpers for run-vm.sh (sourced; uses its variables: here, build_dir,
# cache, out_dir, test_timeout, work). Split out so run-vm.sh reads as
# the sequence of steps.

# Install what the harness needs, only if something is missing, so a
# prepared machine never touches apt.
ensure_tools() {
	local pkgs=()
	command -v qemu-system-x86_64 >/dev/null || pkgs+=(qemu-system-x86)
	# Debian's dynamic busybox would need its libraries in the guest.
	if ! [ -x /bin/busybox ] || ldd /bin/busybox >/dev/null 2>&1; then
		pkgs+=(busybox-static)
	fi
	command -v cpio >/dev/null || pkgs+=(cpio)
	command -v xz >/dev/null || pkgs+=(xz-utils)
	command -v wg >/dev/null || pkgs+=(wireguard-tools)
	command -v strace >/dev/null || pkgs+=(strace)
	{ command -v ip >/dev/null && ip -V 2>&1 | grep -q iproute2; } || pkgs+=(iproute2)
	command -v modinfo >/dev/null || pkgs+=(kmod)
	command -v flock >/dev/null || pkgs+=(util-linux)
	command -v cc >/dev/null || pkgs+=(gcc)
	[ -e /usr/lib/x86_64-linux-gnu/libc.a ] || pkgs+=(libc6-dev)
	[ ${#pkgs[@]} -eq 0 ] && return 0
	[ "$(id -u)" = 0 ] || die "missing ${pkgs[*]}: install them or run as root"
	log "installing ${pkgs[*]}"
	apt-get install -y -q --no-install-recommends "${pkgs[@]}" >&2 ||
		{ apt-get update -q >&2 &&
		  apt-get install -y -q --no-install-recommends "${pkgs[@]}" >&2; } ||
		die "apt-get install ${pkgs[*]} failed"
}

# Debian 12's metapackage names the current ABI, e.g. linux-image-6.1.0-56-amd64.
resolve_kernel_pkg() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }'
}

# Print the directory holding the unpacked kernel package (boot/, lib/).
# Cached per package and version; a lock keeps parallel runs from
# unpacking over each other.
ensure_kernel() {
	local pkg=${MESHD_VM_KERNEL_PKG:-} ver dir
	exec 9>"$cache/.lock"
	flock 9
	[ -n "$pkg" ] || pkg=$(resolve_kernel_pkg)
	if [ -z "$pkg" ]; then
		apt-get update -q >&2 || true
		pkg=$(resolve_kernel_pkg)
	fi
	if [ -z "$pkg" ]; then
		# Offline and no package lists: fall back to the newest cached kernel.
		dir=$(ls -d "$cache"/linux-image-* 2>/dev/null | sort -V | tail -n 1)
		[ -n "$dir" ] && [ -e "$dir/.complete" ] || die "cannot resolve linux-image-amd64"
		ensure_vmlinux "$dir"
		echo "$dir"
		return 0
	fi
	ver=$(apt-cache policy "$pkg" 2>/dev/null | awk '$1 == "Candidate:" { print $2 }')
	dir=$cache/$pkg
	if [ -e "$dir/.complete" ] &&
	   { [ -z "$ver" ] || [ "$ver" = "(none)" ] || [ "$(cat "$dir/.complete")" = "$ver" ]; }; then
		ensure_vmlinux "$dir"
		echo "$dir"
		return 0
	fi
	log "fetching $pkg $ver into $cache"
	rm -rf "$dir" "$dir.tmp"
	mkdir -p "$dir.tmp"
	# Sandbox user root: the cache dir is not readable by _apt.
	(cd "$dir.tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2) ||
		{ apt-get update -q >&2 &&
		  (cd "$dir.tmp" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2); } ||
		die "apt-get download $pkg failed"
	dpkg -x "$dir.tmp"/*.deb "$dir.tmp/x"
	mv "$dir.tmp/x" "$dir"
	rm -rf "$dir.tmp"
	echo "${ver:-unknown}" >"$dir/.complete"
	# An older ABI's tree is 400 MB of dead weight.
	for old in "$cache"/linux-image-*; do
		[ "$old" = "$dir" ] || rm -rf "$old"
	done
	ensure_vmlinux "$dir"
	echo "$dir"
}

# Unpack the xz-compressed kernel inside vmlinuz to boot/vmlinux (ELF):
# with CONFIG_PVH QEMU enters it directly, which skips the firmware's
# loader and the in-guest decompression, about 5 s under TCG. On any
# failure boot/vmlinux is absent and run-vm.sh boots vmlinuz.
ensure_vmlinux() {
	local d=$1 z off
	[ -e "$d/boot/vmlinux" ] && return 0
	z=$(ls "$d"/boot/vmlinuz-* 2>/dev/null | head -n 1)
	grep -qx 'CONFIG_PVH=y' "$d"/boot/config-* 2>/dev/null || return 0
	off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$z" 2>/dev/null | head -n 1 | cut -d: -f1)
	[ -n "$off" ] || return 0
	# tail may die of SIGPIPE once xz has its one stream: not an error.
	if { tail -c +$((off + 1)) "$z" || true; } | xz -dc --single-stream >"$d/boot/vmlinux.tmp" 2>/dev/null &&
	   [ "$(head -c 4 "$d/boot/vmlinux.tmp" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
		mv "$d/boot/vmlinux.tmp" "$d/boot/vmlinux"
	else
		rm -f "$d/boot/vmlinux.tmp"
	fi
}

# Copy an executable and the shared libraries ldd names (incl. the loader)
# to the same paths under the guest root.
copy_bin() {
	local src=$1 dst=$2 lib
	install -D -m 0755 "$src" "$root$dst"
	for lib in $(ldd "$src" 2>/dev/null | awk '/=> \// { print $3 } /^[ \t]*\// { print $1 }'); do
		[ -e "$root$lib" ] || install -D -m 0755 "$lib" "$root$lib"  # the loader must be executable
	done
}

# Put module NAME and, first, its dependencies (from modinfo) into the guest
# as plain .ko (busybox insmod cannot decompress) and append to the load order.
add_module() {
	local name=$1 src dst dep
	case " $mods_done " in *" $name "*) return 0 ;; esac
	mods_done="$mods_done $name"
	# Module names treat - and _ alike; file names use either.
	src=$(grep -E "/${name//[-_]/[-_]}\.ko(\.xz|\.zst)?$" "$work/modules.idx" | head -n 1)
	[ -n "$src" ] || die "module $name not found in the kernel package"
	dst=$root/lib/modules/$name.ko
	case $src in
	*.xz) xz -dc "$src" >"$dst" ;;
	*.zst) zstd -qdc "$src" >"$dst" ;;
	*) cp "$src" "$dst" ;;
	esac
	for dep in $(modinfo -F depends "$dst" | tr ',' ' '); do
		add_module "$dep"
	done
	echo "$name" >>"$root/etc/modules.order"
}

# build_root ROOT MODDIR SCRIPT...: lay out the guest's file system.
build_root() {
	local moddir=$2 a f s name
	shift 2
	mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,run,root,tests,lib/modules,usr/local/bin}
	mkdir -p "$root/var"
	ln -s ../run "$root/var/run"
	install -m 0755 /bin/busybox "$root/bin/busybox"
	# Every applet but ip: the tests need iproute2's (netns, veth, wireguard).
	for a in $(/bin/busybox --list); do
		[ "$a" = ip ] || [ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
	done
	copy_bin "$(readlink -f "$(command -v ip)")" /sbin/ip
	copy_bin "$(command -v wg)" /usr/bin/wg
	# strace lets the guest see how meshwg splits its netlink messages.
	copy_bin "$(command -v strace)" /usr/bin/strace
	install -m 0755 "$here/init.sh" "$root/init"
	# nobody, for the permission-denied tests (su needs the entries).
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/tmp:/bin/sh\n' >"$root/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"

	if ! [ -x "$out_dir/vmtime" ] || [ "$here/vmtime.c" -nt "$out_dir/vmtime" ]; then
		cc -static -O2 -Wall -Wextra -o "$out_dir/vmtime" "$here/vmtime.c"
	fi
	install -m 0755 "$out_dir/vmtime" "$root/usr/local/bin/vmtime"
	# The project's tools, whichever are built.
	for name in meshwg meshd meshctl; do
		f=$(find "$build_dir" -type f -name "$name" -perm -u+x -not -path '*/CMakeFiles/*' 2>/dev/null | head -n 1)
		if [ -n "$f" ]; then copy_bin "$f" "/usr/local/bin/$name"; log "guest gets $f"; fi
	done

	# MESHD_VM_EXTRA_BINS: more host tools for debugging (e.g. strace).
	for name in ${MESHD_VM_EXTRA_BINS:-}; do
		f=$(command -v "$name") || die "MESHD_VM_EXTRA_BINS: no $name on the host"
		copy_bin "$f" "/usr/bin/$name"
	done

	find "$moddir" -name '*.ko*' >"$work/modules.idx"
	: >"$root/etc/modules.order"
	mods_done=
	for name in ${MESHD_VM_MODULES:-wireguard veth dummy}; do
		add_module "$name"
	done

	install -m 0644 "$here/guest/lib.sh" "$root/tests/lib.sh"
	: >"$root/etc/vmtests"
	for s in "$@"; do
		[ -f "$s" ] || die "no such guest script: $s"
		name=$(basename "$s")
		[ "$name" != lib.sh ] && ! [ -e "$root/tests/$name" ] || die "duplicate or reserved script name: $name"
		install -m 0755 "$s" "$root/tests/$name"
		echo "$name" >>"$root/etc/vmtests"
	done
	echo "VM_TEST_TIMEOUT=$test_timeout" >"$root/etc/vmconf"
	[ -z "${MESHD_VM_REPS:-}" ] || echo "REPS=$MESHD_VM_REPS" >>"$root/etc/vmconf"
}

# report CONSOLE QEMU_RC T_START T_BOOT T_END: print results, write the
# measurements, exit 0 only for a complete run without failures.
report() {
	local con=$1 rc=$2 lines pass fail bad_scripts boot total ok=1 res
	lines=$(sed -n 's/.*\(VM[A-Z]* .*\)/\1/p' "$con")
	pass=$(grep -c '^VMTEST [^ ]* PASS' <<<"$lines" || true)
	fail=$(grep -c '^VMTEST [^ ]* FAIL' <<<"$lines" || true)
	bad_scripts=$(grep '^VMSCRIPT ' <<<"$lines" | grep -v ' rc=0 ' || true)
	boot=$(awk -v a="$4" -v b="$5" 'BEGIN { printf "%.1f", b - a }')
	total=$(awk -v a="$3" -v b="$5" 'BEGIN { printf "%.1f", b - a }')
	echo "==== VM results (console: $con)"
	grep -E '^VM(TEST|RESULT|SCRIPT) ' <<<"$lines" || true
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then log "QEMU timed out after ${vm_timeout}s"; ok=0; fi
	if grep -q 'Kernel panic' "$con"; then log "guest kernel panicked"; ok=0; fi
	if ! grep -q '^VMDONE' <<<"$lines"; then log "guest did not finish (no VMDONE)"; ok=0; fi
	if [ -n "$bad_scripts" ]; then log "scripts failed: $(tr '\n' ' ' <<<"$bad_scripts")"; ok=0; fi
	[ "$fail" = 0 ] || ok=0
	[ "$pass" -gt 0 ] || { log "no test passed"; ok=0; }

	res=$(sed -n 's/^VMRESULT //p' <<<"$lines")
	if [ -n "$res" ]; then
		{
			echo "# meshd VM measurements, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
			echo "# kernel $kver, $(qemu-system-x86_64 --version | head -n 1), TCG -cpu max"
			echo "# guest clock: $clock"
			echo "# host $(nproc) cpus, boot-to-poweroff ${boot}s; times in ms, medians"
			echo "$res"
		} >"$out_dir/results.txt"
		mkdir -p "$here/results" && cp "$out_dir/results.txt" "${MESHD_VM_RESULTS:-$here/results/latest.txt}" ||
			log "could not write results to the source tree"
	fi
	echo "==== $pass passed, $fail failed; QEMU ${boot}s (boot to poweroff), total ${total}s"
	[ "$ok" = 1 ] && echo "==== VM PASS" && exit 0
	echo "==== VM FAIL"
	exit 1
}
