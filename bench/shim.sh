#!/bin/sh
# bench/shim.sh [SERIES...]: the swap shim's throughput. Offline, the block
# store alone against a file on this host (salvage swaptest --store-only:
# every block written, then read and verified, no NBD); then, for each
# SERIES (default 6.1), through the block device in a QEMU guest under TCG
# (tests/qemu/swap.sh: a child writing and reading back 200 MiB in 192 MiB
# of RAM, its swap-out and swap-in MB/s). A measurement, not a test: it
# prints figures and asserts nothing. TCG figures move with the host's load.
set -eu
make -s all
w=build/bench
mkdir -p "$w"
f=$w/shim-store.img
for mb in 64 512; do
	echo "store, a $mb MiB file ($((mb / 2)) MiB of blocks, two copies):"
	build/salvage swaptest --file "$f" --size-mb "$mb" --store-only 2>&1 | sed -n 's/^salvage: swaptest: /  /p'
	echo "store, the same with copy A of 5 % of the blocks damaged (repairs):"
	build/salvage swaptest --file "$f" --size-mb "$mb" --store-only --inject one=50 2>&1 |
		sed -n 's/^salvage: swaptest: /  /p; s/^salvage: shim: /  /p'
done
rm -f "$f"
[ $# -gt 0 ] || set -- 6.1
for s in "$@"; do
	sh tests/qemu/swap.sh "$s" > "$w/shim-qemu-$s.log" 2>&1 || { cat "$w/shim-qemu-$s.log"; continue; }
	echo "through /dev/nbd0 in a $s guest (TCG), per run (no injection, one copy, both copies):"
	sed -n 's/.*salvage: swaptest: \(swap-.*\)/  \1/p' "build/qemu/swap-$s/swap.log"
done
