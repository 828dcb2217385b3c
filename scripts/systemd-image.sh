#!/bin/sh
# The root tree of the systemd guest (tests/qemu/systemd.sh): Debian
# bookworm from debootstrap --variant=minbase with systemd, udev, kmod, what
# the salvage package depends on and recommends, and Debian's 6.1 kernel
# (scripts/kernel.sh's .deb) installed with dpkg -i in the chroot, which
# builds its initrd with initramfs-tools.
#
#   sh scripts/systemd-image.sh DIR    DIR (emptied first) gets the tree
#
# The tree is built once and kept as a tarball in
# ${SALVAGE_CACHE:-/var/cache/salvage}/systemd-image/, named by a hash of
# the suite, the package list, the kernel package and $recipe (raise it
# when build() changes): a change to any of them builds a new one. Needs root (debootstrap, chroot) and
# deb.debian.org. Run from the project root; progress goes to stderr, the
# last line of stdout is the kernel's KVER.
set -eu

prog=systemd-image.sh
say() { echo "$prog: $*" >&2; }
die() { echo "$prog: error: $*" >&2; exit 1; }

[ $# -eq 1 ] || { echo "usage: sh scripts/systemd-image.sh DIR" >&2; exit 2; }
dir=$1
[ "$(id -u)" = 0 ] || die "needs root (debootstrap and chroot)"
command -v debootstrap > /dev/null || die "debootstrap missing (make setup)"

mirror=http://deb.debian.org/debian
suite=bookworm
# minbase plus the init system, the package's Depends and Recommends
# (adduser cpio zstd kmod; lz4 xz-utils) and what the kernel package needs
# without a network (initramfs-tools, linux-base)
pkgs="systemd systemd-sysv udev kmod adduser cpio zstd lz4 xz-utils e2fsprogs
 initramfs-tools linux-base"
# shellcheck disable=SC2086 # a word list, joined with commas
include=$(echo $pkgs | tr ' ' ',')

kver=$(sh scripts/kernel.sh 6.1 | tail -n 1)
read -r kpkg kvers < "build/kernels/$kver/.unpacked"
cache=${SALVAGE_CACHE:-/var/cache/salvage}
kdeb=$cache/debs/${kpkg}_$(echo "$kvers" | sed 's/:/%3a/g')_amd64.deb
[ -s "$kdeb" ] || die "$kdeb missing (scripts/kernel.sh 6.1)"

recipe=1
key=$( { echo "$suite $mirror"; echo "$include"; echo "$kpkg $kvers"; echo "$recipe"; } |
	sha256sum | cut -c1-16)
store=$cache/systemd-image
tarball=$store/$suite-$key.tar.zst

# build TREE: debootstrap, then the kernel in the chroot
build() {
	tree=$1
	t0=$(date +%s)
	say "debootstrap $suite minbase + $include into $tree"
	debootstrap --variant=minbase --include="$include" \
		"$suite" "$tree" "$mirror" > "$tree.debootstrap.log" 2>&1 ||
		{ tail -n 20 "$tree.debootstrap.log" >&2; die "debootstrap failed ($tree.debootstrap.log)"; }
	t1=$(date +%s)
	say "debootstrap took $((t1 - t0)) s; installing $(basename "$kdeb")"
	cp "$kdeb" "$tree/tmp/"
	mount -t proc proc "$tree/proc"
	rc=0
	chroot "$tree" env DEBIAN_FRONTEND=noninteractive dpkg -i "/tmp/$(basename "$kdeb")" \
		> "$tree.kernel.log" 2>&1 || rc=$?
	umount "$tree/proc"
	[ "$rc" = 0 ] || { tail -n 20 "$tree.kernel.log" >&2; die "dpkg -i of the kernel failed ($tree.kernel.log)"; }
	rm -f "$tree/tmp/$(basename "$kdeb")"
	[ -f "$tree/boot/initrd.img-$kver" ] || die "the kernel's initrd was not built"
	chroot "$tree" apt-get clean
	echo salvage-guest > "$tree/etc/hostname"
	say "kernel installed in $(($(date +%s) - t1)) s"
}

if [ ! -s "$tarball" ]; then
	mkdir -p "$store"
	tmp=$store/.build.$$
	rm -rf "$tmp" "$tmp".*
	trap 'umount "$tmp/proc" 2>/dev/null; rm -rf "$tmp" "$tmp".*' EXIT
	trap 'exit 1' HUP INT TERM
	t0=$(date +%s)
	build "$tmp"
	tar -C "$tmp" --numeric-owner -cf - . | zstd -q -T0 -3 -o "$tarball.new"
	mv -f "$tarball.new" "$tarball"
	rm -rf "$tmp" "$tmp".*
	trap - EXIT HUP INT TERM
	say "built $tarball ($(du -h "$tarball" | cut -f1)) in $(($(date +%s) - t0)) s"
else
	say "have $tarball"
fi

rm -rf "$dir"
mkdir -p "$dir"
zstd -q -dc "$tarball" | tar -C "$dir" --numeric-owner -xf -
echo "$kver"
