#!/bin/sh
# Removes salvage's crash initramfs of a removed kernel.
set -eu
kver=${1:?usage: $0 KVER [IMAGE]}
helper=${SALVAGE_LOAD:-/usr/lib/salvage/salvage-load}
[ -x "$helper" ] || exit 0
"$helper" remove "$kver"
exit 0
