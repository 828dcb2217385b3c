#!/bin/sh
# bench/crashkernel.sh SERIES TARGET: the smallest crashkernel= (in 8 MiB
# steps) with which the 2 GB test guest still dumps, found by bisection
# with tests/qemu/crash.sh (TARGET raw, fs) or tests/qemu/net.sh (TARGET
# net: DHCP and TLS to a receiver on the host). A measurement, not a test.
set -u
series=${1:-6.1} kind=${2:-fs}
lo=64 hi=256 # lo: known to fail (the kernel alone unpacks to ~64 MiB)
export QEMU_TIMEOUT=${QEMU_TIMEOUT:-180}
ok() {
	if [ "$kind" = net ]; then
		CRASHKERNEL=${1}M sh tests/qemu/net.sh "$series" > build/bench-ck.log 2>&1
	else
		CRASHKERNEL=${1}M sh tests/qemu/crash.sh "$series" "$kind" > build/bench-ck.log 2>&1
	fi
}
ok "$hi" || { echo "crashkernel: even ${hi}M fails"; exit 1; }
while [ $((hi - lo)) -gt 8 ]; do
	mid=$(( (lo + hi) / 2 / 8 * 8 ))
	[ "$mid" -le "$lo" ] && mid=$((lo + 8))
	# a size fails only when two runs fail: one run lost to a loaded host
	# (a timeout, the receiver's wait) once made 112M "fail" where 88M works
	if ok "$mid" || ok "$mid"; then hi=$mid; r=works; else lo=$mid; r=fails; fi
	echo "crashkernel=${mid}M: $r" >&2
done
echo "salvage $series $kind: smallest crashkernel= ${hi}M (${lo}M fails)"
echo "kdump-tools (Debian 12, same kind of guest, figures from the issue): 120M works, 112M fails"
