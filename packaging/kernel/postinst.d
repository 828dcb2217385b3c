#!/bin/sh
# Rebuilds salvage's crash initramfs for a newly installed kernel
# (run by the kernel package as: salvage KVER [/boot/vmlinuz-KVER]).
# A failure is reported but does not fail the kernel's installation:
# salvage-load.service builds a missing image at the next boot.
set -eu
# the kernel's maintainer script may run it under debconf, which owns
# stdin and stdout: everything goes to stderr (Debian Kernel Handbook 8.1)
exec < /dev/null >&2
kver=${1:?usage: $0 KVER [IMAGE]}
helper=${SALVAGE_LOAD:-/usr/lib/salvage/salvage-load}
[ -x "$helper" ] || exit 0    # the package was removed, not purged
"$helper" build "$kver" ||
	echo "salvage: the crash initramfs for $kver was not built" >&2
exit 0
