#!/bin/sh
# Removes salvage's crash initramfs of a removed kernel.
set -eu
# the kernel's maintainer script may run it under debconf, which owns
# stdin and stdout: everything goes to stderr (Debian Kernel Handbook 8.1)
exec < /dev/null >&2
kver=${1:?usage: $0 KVER [IMAGE]}
helper=${SALVAGE_LOAD:-/usr/lib/salvage/salvage-load}
[ -x "$helper" ] || exit 0
"$helper" remove "$kver"
exit 0
