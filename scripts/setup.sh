#!/bin/sh
# Installs the Debian 12 packages that building and testing salvage need, and
# a deb-src entry for bookworm where none exists (apt-get source needs it).
# Run by `make demo`, `make check` and `make bench`; safe to run again.
set -eu

need_pkgs="musl-tools gcc make cpio lz4 zstd xz-utils kmod dpkg-dev
 qemu-system-x86 e2fsprogs linux-libc-dev makedumpfile crash python3 clang libclang-rt-14-dev binutils
 python3-drgn python3-libkdumpfile time dnsmasq-base iproute2 openssl debootstrap
 debhelper lintian systemd"

missing=""
for p in $need_pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done

has_src() {
	grep -rqsE '^(deb-src|Types:.*deb-src)' /etc/apt/sources.list \
		/etc/apt/sources.list.d/ 2>/dev/null
}

updated=0
if ! has_src; then
	echo "setup: adding a deb-src entry for bookworm"
	cat > /etc/apt/sources.list.d/salvage-src.sources <<EOT
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOT
	apt-get update -qq
	updated=1
fi

if [ -n "$missing" ]; then
	echo "setup: installing$missing"
	[ "$updated" = 1 ] || apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		$missing >/dev/null
fi
# tests/cmd/index.sh renders the receiver's index.html in a headless
# browser; without one that test is skipped (and says so), nothing else
# needs it, so a failed install does not stop the setup
if ! dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q "ok installed"; then
	echo "setup: installing chromium (tests/cmd/index.sh)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null ||
		echo "setup: chromium could not be installed: tests/cmd/index.sh will skip its browser checks"
fi
echo "setup: host packages ready"
