#!/bin/sh
# bench/shim-window.sh [SERIES [SIZES]]: what the old-memory swap changes
# for the network dump's 64 MiB resume window (docs/shim.md). The 2 GB test
# guest crashes and sends through a proxy that passes 2 MB, swallows the
# next 30 MB (a receiver that lost what it had not acknowledged) and cuts:
# the resume must go 30 MB back. For each crashkernel= size (default 88M
# 96M 128M 160M 176M), once with `swap off` and once with `swap auto`:
# the window the capture got, how the resume was made (from the window, or
# by capturing again from the start), the time from the cut to the dump
# stored (console clock, TCG), the swap's counters and MB/s, and the
# capture process's peak memory. A measurement, not a test.
set -u
series=${1:-6.1}
sizes=${2:-88M 96M 128M 160M 176M}
. tests/qemu/lib.sh
qemu_kernel "$series" > /dev/null
export QEMU_TIMEOUT=${QEMU_TIMEOUT:-300}
W=$Q/bench-shim-$series
rm -rf "$W"
printf '%-6s %-5s %-10s %-22s %9s %s\n' crashk swap window resume cut-stored "swap counters / peak"
for ck in $sizes; do
	for swap in off auto; do
		w=$W/$ck-$swap
		qemu_cut_crash "$w" "crashkernel=$ck stage1=crash" "2000000+30000000" "swap $swap" > /dev/null 2>&1
		kill "$RPID" 2>/dev/null
		log=$w/console.log
		if ! grep -q "salvage: dump stored by" "$log"; then
			printf '%-6s %-5s %s\n' "$ck" "$swap" "no dump stored ($log)"
			continue
		fi
		win=$(sed -n 's/.*salvage: resume window: \([0-9]* MiB\)\( (the.*\)*$/\1/p' "$log" | tail -n 1)
		res=$(sed -n 's/.*salvage: resumes: \([0-9]*\) from the resume window.*, \([0-9]*\) by capturing again.*/window \1, again \2/p' "$log")
		t0=$(qemu_when "$log" "ECONNRESET\|EPIPE\|ETIMEDOUT")
		t1=$(qemu_when "$log" "salvage: dump stored by")
		peak=$(sed -n 's/.*peak memory of the capture process: *//p' "$log" | tail -n 1)
		sw=$(sed -n 's/.*salvage: swap lent=//p' "$log" | tail -n 1)
		printf '%-6s %-5s %-10s %-22s %8ss %s / %s\n' "$ck" "$swap" "${win:-none}" "$res" \
			"$(awk "BEGIN{printf \"%.1f\", ${t1:-0} - ${t0:-0}}")" "${sw:-no swap}" "$peak"
	done
done
