#!/bin/sh
# What the receiver stores is what the client sent, and its metadata says
# what happened (docs/protocol.md): SHA-256 of the stream at FINISH and of
# the durable prefix at resume, checked against Python's hashlib; a splice
# of two streams with the same dump id and the same CRC-32C is refused by
# both ends; every error leaves a final state naming it; a stream that
# claims more than the disk or the limit holds is kept, not converted.
# Last line: N passed, N failed, N skipped.
set -u
S=build/salvage
W=build/cmdtests-integrity
umount "$W/rsmall" "$W/rbig" "$W/rfull" 2>/dev/null || true   # tmpfs an interrupted run left
. tests/cmd/lib.sh
. tests/cmd/netlib.sh
RAW=build/rawclient
MK=build/mkstream
SUMS="python3 tests/cmd/streamsums.py"
base=$((25000 + $$ % 500 * 4))
trap 'kill $(jobs -p) 2>/dev/null' EXIT INT TERM

netkeys receiver web01 web02
cat "$W/web01.fp" "$W/web02.fp" > "$W/authorized"
for n in a c d e; do
	mkdir -p "$W/$n.d"
done
$MK synth --crashtime 1700000301 "$W/a.salvage" "$W/a.d" > /dev/null
$MK synth --crashtime 1700000303 "$W/c.salvage" "$W/c.d" > /dev/null
$MK synth --crashtime 1700000304 "$W/d.salvage" "$W/d.d" > /dev/null
$MK synth --crashtime 1700000305 "$W/e.salvage" "$W/e.d" > /dev/null
$MK synth --claim --crashtime 1700000306 "$W/claim.salvage" "$W/e.d" > /dev/null
$MK synth --claim-ram --crashtime 1700000307 "$W/ramclaim.salvage" "$W/e.d" > /dev/null
$MK synth --claim-pages 4000000 --crashtime 1700000308 "$W/claim4m.salvage" "$W/e.d" > /dev/null
# d2: d with one letter of its log changed, a valid stream of the same crash
$SUMS respell "$W/d.salvage" "$W/d2.salvage"

# meta DIR KEY: the value of KEY in DIR/salvage.meta
meta() { sed -n "s/^$2=//p" "$1/salvage.meta"; }
# dumpdir DIR HOST ID: the dump directory of that dump id
dumpdir() { grep -l "^dump_id=$3" "$1"/"$2"/*/salvage.meta | head -n 1 | xargs -r dirname; }
# waitstate DIR STATE: until DIR's metadata says STATE (up to 10 s)
waitstate() {
	i=0
	while [ $i -lt 100 ] && ! grep -qs "^state=$2" "$1/salvage.meta"; do sleep 0.1; i=$((i + 1)); done
	cat "$1/salvage.meta"
}
raw() { $RAW 127.0.0.1:$port "$W/receiver.pub" "$W/web02.key" "$@"; }
lastid() { sed -n 's/^dump //p' "$W/last"; }

# --- the whole stream's SHA-256, and fields that agree -------------------
R=$W/r1
port=$base
receiver "$R" $port
t send-ok 0 "stored by" send $port web01 "$W/a.salvage"
d=$(stored "$R" web01)
set -- $($SUMS sums "$W/a.salvage")
t sha256-is-hashlibs 0 "^$1$" meta "$d" sha256
t bytes-sha256-whole 0 "^$1$" meta "$d" bytes_sha256
t crc32c-is-pythons 0 "^$2$" meta "$d" crc32c
t bytes-crc32c-agrees 0 "^$2$" meta "$d" bytes_crc32c
t bytes-is-total 0 "^$3$" meta "$d" bytes
t client-after-conversion 0 "^127\.0\.0\.1:[0-9]+$" meta "$d" client

# --- the durable prefix's SHA-256, across a receiver restart -------------
t upload-part 0 "sent up to 100003" raw upload "$W/c.salvage" 100003
d=$(dumpdir "$R" web02 "$(lastid)")
t prefix-interrupted 0 "^state=interrupted" waitstate "$d" interrupted
set -- $($SUMS sums "$W/c.salvage" 100003)
t prefix-sha256-is-hashlibs 0 "^$1$" meta "$d" bytes_sha256
t prefix-file-sha256 0 "^$1 " $SUMS sums "$d/vmcore.salvage.partial"
kill -TERM $rpid; wait $rpid
receiver "$R" $port
# the hash state kept in the metadata (at byte 99968) plus 35 bytes read
t resume-after-restart 0 "HELLO_ACK at 100003" raw upload "$W/c.salvage" 250001
t resume-whole 0 "stored by" send $port web02 "$W/c.salvage"
set -- $($SUMS sums "$W/c.salvage")
d=$(stored "$R" web02)
t resumed-sha256-is-hashlibs 0 "^$1$" meta "$d" sha256
t resumed-logged 0 "resuming .* at 250001" cat "$R.log"

# --- a splice: same dump id, same CRC-32C, other bytes -------------------
t splice-same-crc32c 0 "^same$" sh -c "[ \"\$($SUMS sums $W/d.salvage | cut -d' ' -f2)\" = \
	\"\$($SUMS sums $W/d2.salvage | cut -d' ' -f2)\" ] && echo same"
t splice-prefix 0 "sent up to 100000" raw upload "$W/d2.salvage" 100000
d=$(dumpdir "$R" web02 "$(lastid)")
waitstate "$d" interrupted > /dev/null
t splice-send-refused 111 "PROTO_PREFIX" send $port web02 "$W/d.salvage"
t splice-send-says-why 0 "SHA-256 differs" cat "$W/last"
t splice-send-meta 0 "^state=failed" waitstate "$d" failed
t splice-send-reason 0 "^reason=refused to resume: PROTO_PREFIX" cat "$d/salvage.meta"
# a client that ignores HELLO_ACK's hash: FINISH with the sums of d
t splice-raw-refused 0 "ERROR PROTO_TOTALS" raw splice "$W/d.salvage"
t splice-raw-meta 0 "^reason=PROTO_TOTALS" waitstate "$d" failed
t splice-not-complete 0 "vmcore.salvage.partial" ls "$d"

# --- every error leaves a state that names it ----------------------------
for m in oversize:PROTO_TOO_BIG garbage:PROTO_BAD_FRAME hello:PROTO_UNEXPECTED \
	offset:PROTO_OFFSET finish-empty:PROTO_TOTALS five:PROTO_TOTALS; do
	mode=${m%%:*} err=${m#*:}
	t "state-$mode" 0 "ERROR $err" raw "hello+$mode"
	d=$(dumpdir "$R" web02 "$(lastid)")
	t "state-$mode-meta" 0 "^reason=$err" waitstate "$d" failed
	t "state-$mode-failed" 0 "^failed$" meta "$d" state
done
printf abcde > "$W/five"
set -- $($SUMS sums "$W/five")
t five-bytes-crc32c 0 "^$2$" meta "$d" bytes_crc32c
t five-bytes-sha256 0 "^$1$" meta "$d" bytes_sha256
t other-version 0 "ERROR PROTO_REJECTED" raw hello-v1
t other-version-logged 0 "PROTO_VERSION: the client speaks version 1, this receiver 2" cat "$R.log"
# a conversion error is named as it is (here a directory in vmcore.partial's way)
t convert-part 0 "sent up to 100000" raw upload "$W/e.salvage" 100000
d=$(dumpdir "$R" web02 "$(lastid)")
waitstate "$d" interrupted > /dev/null
mkdir "$d/vmcore.partial"
t convert-fails-stored 0 "stored by" send $port web02 "$W/e.salvage"
t convert-error-named 0 "^reason=conversion failed \(EISDIR\)" waitstate "$d" unconverted
t convert-stream-kept 0 "^vmcore.salvage$" ls "$d"
kill -TERM $rpid; wait $rpid

# on_tmpfs DIR SIZE CASES: the CASES function with R on a tmpfs of SIZE
on_tmpfs() {
	R=$1
	mkdir -p "$R"
	if mount -t tmpfs -o size=$2 salvage-test "$R" 2>/dev/null; then
		$3
		umount "$R" || umount -l "$R"
	else
		skip "$3" "cannot mount a tmpfs (not root?)"
	fi
}

# --- conversion bounds ---------------------------------------------------
bounds() {
	port=$((base + 1))
	receiver "$R" $port
	# 2^32 pages claimed in a few KiB: 96 GiB of page descriptors
	t claim-stored 0 "stored by" send $port web01 "$W/claim.salvage"
	d=$(ls -d "$R"/web01/*)
	t claim-refused 0 "^reason=conversion failed \(CONVERT_TOO_BIG: [0-9]+ bytes of headers" \
		waitstate "$d" unconverted
	t claim-stream-kept 0 "^dmesg.txt salvage.meta vmcore.salvage $" sh -c "ls $d | tr '\n' ' '"
	t claim-logged 0 "CONVERT_TOO_BIG" cat "$R.log"
	kill -TERM $rpid; wait $rpid
	receiver "$R" $port --convert-max 64K
	t limit-stored 0 "stored by" send $port web02 "$W/a.salvage"
	d=$(ls -d "$R"/web02/*)
	t limit-refused 0 "^reason=conversion failed \(CONVERT_TOO_BIG: .* 65536 allowed" \
		waitstate "$d" unconverted
	kill -TERM $rpid; wait $rpid
}
on_tmpfs "$W/rsmall" 64m bounds

# Claims that fit the disk but that no byte of the stream backs: 2^32
# pages of RAM, none stored (1 GiB of bitmaps), and 4 million zero pages
# (96 MB of descriptors), each from under 2 KiB, are not converted by the
# receiver (a few uploads would fill its disk). Offline, salvage convert
# writes the bitmaps without holding them: 128 MiB of address space do.
mem_cap() {
	port=$((base + 4))
	receiver "$R" $port --convert-mem 128M
	t ram-claim-stored 0 "stored by" send $port web01 "$W/ramclaim.salvage"
	d=$(ls -d "$R"/web01/*)
	t ram-claim-refused 0 "^reason=conversion failed \(CONVERT_TOO_BIG: [0-9]+ bytes of headers, bitmaps" \
		waitstate "$d" unconverted
	t zero-claim-stored 0 "stored by" send $port web02 "$W/claim4m.salvage"
	d2=$(ls -d "$R"/web02/*)
	t zero-claim-refused 0 "^reason=conversion failed \(CONVERT_TOO_BIG: [0-9]+ bytes of headers, bitmaps" \
		waitstate "$d2" unconverted
	kill -TERM $rpid; wait $rpid
	t ram-claim-converted-in-128M 0 "converted" prlimit --as=134217728 $S convert "$d/vmcore.salvage" "$R/ram.vmcore"
	t ram-claim-bitmaps-written 0 "^1[0-9]{9}$" stat -c %s "$R/ram.vmcore"
}
on_tmpfs "$W/rbig" 2g mem_cap

# a full disk: the partial file given back 64 KiB; log, metadata and file agree
full_disk() {
	port=$((base + 3))
	receiver "$R" $port
	t full-disk 111 "PROTO_NO_SPACE" send $port web01 "$W/a.salvage"
	d=$(ls -d "$R"/web01/*)
	n=$(sed -n 's/.*PROTO_NO_SPACE.*; kept .* at \([0-9]*\)$/\1/p' "$R.log")
	t full-disk-logged 0 "^[0-9]+$" echo "$n"
	t full-disk-meta-bytes 0 "^$n$" meta "$d" bytes
	t full-disk-file-bytes 0 "^$n$" stat -c %s "$d/vmcore.salvage.partial"
	set -- $($SUMS sums "$W/a.salvage" "${n:-0}")
	t full-disk-meta-sha256 0 "^$1$" meta "$d" bytes_sha256
	t full-disk-meta-crc32c 0 "^$2$" meta "$d" bytes_crc32c
	t full-disk-reason 0 "^reason=PROTO_NO_SPACE" waitstate "$d" failed
	kill -TERM $rpid; wait $rpid
}
on_tmpfs "$W/rfull" 2m full_disk

# one conversion at a time: the others wait, and all are converted
R=$W/rjobs
port=$((base + 2))
receiver "$R" $port --convert-jobs 1
send $port web01 "$W/c.salvage" > /dev/null 2>&1 &
p1=$!
send $port web02 "$W/d.salvage" > /dev/null 2>&1
wait $p1
n=0
for h in web01 web02; do [ -n "$(stored "$R" $h)" ] && n=$((n + 1)); done
t jobs-one-both-stored 0 "^2$" echo $n
kill -TERM $rpid; wait $rpid
t convert-jobs-usage 100 "usage" $S receive --listen 127.0.0.1:1 --dir "$W" --key "$W/receiver.key" \
	--authorized "$W/authorized" --convert-jobs 0
summary
