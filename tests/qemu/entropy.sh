#!/bin/sh
# tests/qemu/entropy.sh SERIES: the network dump from a crash kernel whose
# random number generator starts unseeded, as a new user meets it: a 2 GB
# guest on QEMU's default CPU model (qemu64: no RDRAND), no virtio-rng, a
# first kernel that never seeded its CRNG (stage1=unseeded: a userland
# that never blocks on randomness) armed with Debian's kexec-tools
# `kexec -s -p` (kexec_file_load, which carries a seed only from a seeded
# kernel). Checks: the first kernel's log has no "crng init done" (nor an
# unseeded urandom read) before the panic, so the condition is real; the
# crash kernel's salvage had to wait for its RNG; the receiver stored the
# dump with the panic in dmesg.txt. Prints the time the crash kernel took
# to its first randomness.
#
# kexec-tools and the libraries it links go in a second cpio archive
# appended to the first-stage initramfs (qemu_kexec_tools, lib.sh).
set -eu
series=${1:-6.1}
QEMU_CPU=qemu64
export QEMU_CPU
. tests/qemu/lib.sh
qemu_kernel "$series"
w=$Q/entropy-$series
rm -rf "$w"
mkdir -p "$w"

qemu_kexec_tools "$w" || exit 1

qemu_receiver "$w" "guest-$series"
trap 'kill $RPID 2>/dev/null || true' EXIT INT TERM
# one attempt's worth of retries: without randomness the dump fails in
# about a minute instead of five
printf 'final-action reboot\nnet-retry 60\n' > "$w/salvage.conf"
qemu_net_initramfs "$w/salvage.conf" "$w/crash.img" "$w/keys/receiver.pub" "$w/keys/guest-$series.key" \
	> "$w/mkinitramfs.out"
qemu_stage1 "$w/crash.img" "$w/stage1-base.img"
cat "$w/stage1-base.img" "$w/extra.cpio" > "$w/stage1.img"

say "$KVER entropy: unseeded first kernel, kexec -s -p, network dump (log: $w/console.log)"
qemu_net_run "$w/console.log" "$w/stage1.img" "crashkernel=${CRASHKERNEL:-256M} stage1=unseeded" || true

c=$w/console.log
grep -q "stage1: armed with kexec -s -p, kexec_crash_loaded 1" "$c" || qemu_fail "$c" "kexec -s -p did not arm the crash kernel"
grep -q "sysrq triggered crash" "$c" || qemu_fail "$c" "no panic"
sed '/sysrq triggered crash/q' "$c" > "$w/first-kernel.log"
! grep -q "crng init done" "$w/first-kernel.log" ||
	qemu_fail "$c" "the first kernel seeded its CRNG: the test does not reproduce the unseeded crash kernel"
! grep -q "uninitialized urandom read" "$w/first-kernel.log" ||
	qemu_fail "$c" "something read /dev/urandom in the first kernel"
sed '1,/sysrq triggered crash/d' "$c" > "$w/crash-kernel.log"
grep -q "salvage: dump stored by" "$w/crash-kernel.log" ||
	{ cat "$w/receive.log"; qemu_fail "$c" "the crash kernel did not send the dump"; }
grep -q "waiting for the kernel's random number generator" "$w/crash-kernel.log" ||
	qemu_fail "$c" "the crash kernel's RNG was ready at once: the condition was not reproduced"
qemu_net_stored "$w" "guest-$series" "$c"

t0=$(qemu_when "$w/crash-kernel.log" "waiting for the kernel's random number generator")
t1=$(qemu_when "$w/crash-kernel.log" "crng init done")
say "$KVER entropy: ok; the crash kernel's RNG was ready $(awk "BEGIN{print $t1 - $t0}") s after salvage asked" \
	"($(grep -o "random number generator is ready after [0-9]* ms" "$w/crash-kernel.log" | head -n 1))"
