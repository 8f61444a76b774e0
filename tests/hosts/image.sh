#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Build (or reuse) the Debian 12 image the host fleet boots: systemd as
# PID 1, openssh-server, python3 (+ python3-apt for Ansible's apt module),
# Debian's linux-image-amd64, wireguard-tools and meshd's runtime libraries
# (the machines have no route to an archive, so the .deb's dependencies
# must be there already). Built with mmdebstrap from the Debian mirror of
# /etc/apt/sources.list into an ext4 file system (mke2fs -d: no loop
# mounts), converted to qcow2 and cached in
# ${MESHD_HOSTS_CACHE:-/var/cache/meshd-hosts}/img-HASH, HASH covering the
# package list, this script and guest/. Prints that directory: root.qcow2
# (every machine boots its own overlay on it), vmlinuz, initrd.img.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${MESHD_HOSTS_CACHE:-/var/cache/meshd-hosts}
log() { echo "hosts-image: $*" >&2; }
die() { log "$*"; exit 1; }

pkgs=(systemd systemd-sysv udev dbus openssh-server python3 python3-apt
	linux-image-amd64 initramfs-tools zstd kmod iproute2 iputils-ping procps netbase
	wireguard-tools libsodium23 libmnl0 libevent-core-2.1-7 libevent-extra-2.1-7)
suite=bookworm

hash=$( { printf '%s\n' "$suite" "${pkgs[@]}"; cat "$0" "$here"/guest/meshhost-setup*; } |
	sha256sum | cut -c1-16)
mkdir -p "$cache"
out=$cache/img-$hash
exec 8>"$cache/.lock"
flock 8
if [ -e "$out/.complete" ]; then
	echo "$out"
	exit 0
fi

command -v mmdebstrap >/dev/null || {
	log "installing mmdebstrap"
	apt-get install -y -q --no-install-recommends mmdebstrap >&2 || die "cannot install mmdebstrap"
}
command -v qemu-img >/dev/null || apt-get install -y -q --no-install-recommends qemu-utils >&2 || die "qemu-img missing (qemu-utils)"
command -v mke2fs >/dev/null || die "mke2fs missing (e2fsprogs)"

# The host's Debian mirrors (deb822 or one-line), main only.
mirrors=$(
	{ grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
		awk '{ for (i = 2; i <= NF; i++) print $i }'
	  grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		sed -E 's/\[[^]]*\] *//' | awk '{ print $2 }'
	} | grep -E '/debian/?$' | grep -v security | head -n 1 || true)
security=$(
	{ grep -hE '^URIs:' /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
		awk '{ for (i = 2; i <= NF; i++) print $i }'
	  grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		sed -E 's/\[[^]]*\] *//' | awk '{ print $2 }'
	} | grep -E '/debian-security/?$' | head -n 1 || true)
mirror=${mirrors:-http://deb.debian.org/debian}
security=${security:-http://deb.debian.org/debian-security}

start=$(date +%s)
tmp=$cache/build-$hash.$$
rm -rf "$tmp"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
log "building $out from $mirror (one time; a few minutes)"
list=$(IFS=,; echo "${pkgs[*]}")
mmdebstrap --variant=apt --include="$list" \
	--customize-hook="install -m 0755 '$here/guest/meshhost-setup' \"\$1/usr/local/sbin/\"" \
	--customize-hook="install -m 0644 '$here/guest/meshhost-setup.service' \"\$1/etc/systemd/system/\"" \
	--customize-hook='echo "/dev/vda / ext4 rw,errors=remount-ro 0 1" >"$1/etc/fstab"' \
	--customize-hook='echo meshhost >"$1/etc/hostname"' \
	--customize-hook='printf "PasswordAuthentication no\nUseDNS no\n" >"$1/etc/ssh/sshd_config.d/meshhost.conf"' \
	--customize-hook='chroot "$1" systemctl enable systemd-networkd.service meshhost-setup.service' \
	--customize-hook='chroot "$1" systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer systemd-networkd-wait-online.service' \
	--customize-hook='mkdir -p "$1/etc/systemd/journald.conf.d" && printf "[Journal]\nStorage=volatile\n" >"$1/etc/systemd/journald.conf.d/meshhost.conf"' \
	--customize-hook='rm -f "$1"/etc/ssh/ssh_host_*' \
	--customize-hook='printf "[Unit]\nBefore=ssh.service\n[Service]\nType=oneshot\nExecStart=/usr/bin/ssh-keygen -A\n[Install]\nWantedBy=ssh.service\n" >"$1/etc/systemd/system/meshhost-hostkeys.service" && chroot "$1" systemctl enable meshhost-hostkeys.service' \
	"$suite" "$tmp/root" \
	"deb $mirror $suite main" "deb $mirror $suite-updates main" \
	"deb $security $suite-security main" >&2 || die "mmdebstrap failed"

k=$(ls "$tmp"/root/boot/vmlinuz-* | sort -V | tail -n 1)
i=$(ls "$tmp"/root/boot/initrd.img-* | sort -V | tail -n 1)
[ -f "$k" ] && [ -f "$i" ] || die "no kernel or initrd in the image"
mkdir -p "$tmp/out"
cp "$k" "$tmp/out/vmlinuz"
cp "$i" "$tmp/out/initrd.img"
truncate -s 3G "$tmp/root.raw"
mke2fs -q -t ext4 -L root -d "$tmp/root" -F "$tmp/root.raw" >&2 || die "mke2fs failed"
qemu-img convert -O qcow2 "$tmp/root.raw" "$tmp/out/root.qcow2" || die "qemu-img convert failed"
printf '%s\n' "${pkgs[@]}" >"$tmp/out/packages"
basename "$k" >"$tmp/out/kernel"
echo "$(( $(date +%s) - start ))" >"$tmp/out/build_secs"
rm -rf "$out"
mv "$tmp/out" "$out"
date -u +%FT%TZ >"$out/.complete"
# Older images are dead weight.
for old in "$cache"/img-*; do
	[ "$old" = "$out" ] || rm -rf "$old"
done
log "built in $(cat "$out/build_secs") s: $out"
echo "$out"
