#!/bin/sh
# The dump channel between real processes on loopback: salvage receive and
# salvage send (and a misbehaving client, build/rawclient) over pinned-key
# TLS. Wrong keys, garbage, oversized frames and stalls are refused with
# clear errors while the receiver keeps serving others; 16 clients upload at
# once; a transfer cut at 10 random points resumes to a byte-identical dump;
# a full file system is reported and the partial dump kept; SIGTERM stops
# the receiver cleanly. Last line: N passed, N failed, N skipped.
set -u
S=build/salvage
W=build/cmdtests-transfer
umount "$W/rfull" 2>/dev/null || true   # a tmpfs an interrupted run left
. tests/cmd/lib.sh
. tests/cmd/netlib.sh
RAW=build/rawclient
MK=build/mkstream
base=$((23000 + $$ % 500 * 4))

# Keys: the receiver's, two clients it knows, one it does not.
netkeys receiver web01 web02 stranger
cat "$W/web01.fp" "$W/web02.fp" > "$W/authorized"
$S keygen "$W/impostor" > /dev/null

# Streams: one per crash (the crash time names the dump).
mkdir -p "$W/a.d" "$W/b.d"
$MK synth --crashtime 1700000001 "$W/a.salvage" "$W/a.d" > /dev/null
$MK synth --crashtime 1700000002 "$W/b.salvage" "$W/b.d" > /dev/null

trap 'kill $(jobs -p) 2>/dev/null' EXIT INT TERM
same() { cmp "$1" "$2" && echo same; }

# --- one good upload, then everything that must be refused ---
R=$W/r1
receiver "$R" $base --timeout 2 --min-rate 1K
t send-ok 0 "stored by" send $base web01 "$W/a.salvage"
d=$(stored "$R" web01)
$S convert "$W/a.salvage" "$W/a.vmcore" > /dev/null 2>&1
t stored-vmcore-identical 0 "same" same "$d/vmcore" "$W/a.vmcore"
t stored-dmesg 0 "sysrq: Trigger a crash" cat "$d/dmesg.txt"
t stored-meta 0 "client.release=6.1.0-salvage-test" cat "$d/salvage.meta"
t stored-no-stream-left 0 "^vmcore, no stream$" sh -c "[ -n '$d' ] && [ -f '$d/vmcore' ] && \
	! ls '$d' | grep -q vmcore.salvage && echo 'vmcore, no stream'"
t stored-mode 0 "^-rw-------" ls -l "$d/vmcore"
t send-again-is-idempotent 0 "stored by" send $base web01 "$W/a.salvage"
t receiver-says-again 0 "complete.*\(again\)" cat "$R.log"
t send-third-time 0 "stored by" send $base web01 "$W/a.salvage"
t stored-state-kept 0 "^state=stored" cat "$d/salvage.meta"
t fat-hello 0 "HELLO_ACK" $RAW 127.0.0.1:$base "$W/receiver.pub" "$W/web02.key" fat-hello
t fat-hello-meta-whole 0 "^bytes_crc32c=" sh -c "grep -l '^client.a=b' $R/web02/*/salvage.meta | xargs cat"
t fat-hello-meta-capped 0 "^[1-9][0-9]?$" sh -c "grep -l '^client.a=b' $R/web02/*/salvage.meta | xargs grep -c '^client.a'"
t wrong-server-key 111 "TLS_SERVER_KEY" $S send --server 127.0.0.1:$base --server-key "$W/impostor.pub" \
	--client-key "$W/web01.key" "$W/b.salvage"
t unknown-client 111 "TLS_REFUSED|TLS_PROTOCOL" send $base stranger "$W/b.salvage"
t unknown-client-logged 0 "TLS_NOT_AUTHORISED" cat "$R.log"
t garbage 0 "ERROR PROTO_BAD_FRAME" $RAW 127.0.0.1:$base "$W/receiver.pub" "$W/web02.key" garbage
t oversize 0 "ERROR PROTO_TOO_BIG" $RAW 127.0.0.1:$base "$W/receiver.pub" "$W/web02.key" oversize
t data-before-hello 0 "ERROR PROTO_UNEXPECTED" $RAW 127.0.0.1:$base "$W/receiver.pub" "$W/web02.key" data-first
t stall-after-handshake 0 "ERROR TIMEOUT|closed" $RAW 127.0.0.1:$base "$W/receiver.pub" "$W/web02.key" stall
t stall-after-hello 0 "HELLO_ACK" $RAW 127.0.0.1:$base "$W/receiver.pub" "$W/web02.key" hello-stall
t stall-after-hello-cut 0 "ERROR (TIMEOUT|PROTO_TOO_SLOW)" cat "$W/last"
t stall-kept-partial 0 "^state=interrupted" sh -c "cat $R/web02/*/salvage.meta"
t trickle-too-slow 0 "ERROR PROTO_TOO_SLOW" $RAW 127.0.0.1:$base "$W/receiver.pub" "$W/web02.key" trickle
t plain-tcp 0 "closed|answered" $RAW 127.0.0.1:$base "$W/receiver.pub" "$W/web02.key" plain
t still-serving 0 "stored by" send $base web02 "$W/b.salvage"
# web02's stalled uploads (rawclient's dump id) stay interrupted: b.salvage,
# another dump, got a directory of its own, and stored there
db=$(stored "$R" web02)
t stalled-then-new-dump 0 "web02 \(.*\): new dump web02/${db##*/}$" cat "$R.log"
t truncated-stream 111 "STREAM_TRUNCATED" sh -c "head -c 1000000 $W/b.salvage > $W/cut.salvage && \
	$S send --server 127.0.0.1:$base --server-key $W/receiver.pub --client-key $W/web02.key $W/cut.salvage"
kill -TERM $rpid
wait $rpid
t sigterm-clean 0 "^exit 0$" echo exit $?
t sigterm-logged 0 "receive: stopped" cat "$R.log"

# --- 16 clients at once ---
R=$W/r16
: > "$W/authorized16"
i=1
while [ $i -le 16 ]; do
	$S keygen "$W/host$i" >> "$W/authorized16"
	mkdir -p "$W/s$i.d"
	$MK synth --crashtime $((1700001000 + i)) "$W/s$i.salvage" "$W/s$i.d" > /dev/null
	i=$((i + 1))
done
mkdir -p "$R"
$S receive --listen 127.0.0.1:$((base + 1)) --dir "$R" --key "$W/receiver.key" \
	--authorized "$W/authorized16" --min-free 0 > "$R.log" 2>&1 &
rpid=$!
sleep 0.5
i=1 pids=""
while [ $i -le 16 ]; do
	$S send --server 127.0.0.1:$((base + 1)) --server-key "$W/receiver.pub" --client-key "$W/host$i.key" \
		"$W/s$i.salvage" > "$W/send$i.log" 2>&1 &
	pids="$pids $!"
	i=$((i + 1))
done
sent=0
for p in $pids; do wait "$p" && sent=$((sent + 1)); done
t sixteen-sent 0 "^16$" echo $sent
# uploads overlapped: dumps started before the first one completed
t sixteen-overlapped 0 "^([2-9]|1[0-6])$" sh -c "sed -n '1,/complete/p' $R.log | grep -c 'new dump'"
i=1 ok=0
while [ $i -le 16 ]; do
	d=$(stored "$R" host$i)
	[ -n "$d" ] && cmp -s "$d/dmesg.txt" "$W/r1/web01/$(ls "$W/r1/web01" | head -n 1)/dmesg.txt" && ok=$((ok + 1))
	i=$((i + 1))
done
t sixteen-stored 0 "^16$" echo $ok
kill -TERM $rpid; wait $rpid

# --- a transfer cut at 10 random points resumes to a byte-identical dump ---
R=$W/rcut
receiver "$R" $((base + 2)) --ack-every 64K
cuts=$(python3 -c "import random; print(' '.join(str(random.randint(200, 500000)) for _ in range(10)))")
python3 tests/cmd/cutproxy.py $((base + 3)) $((base + 2)) $cuts > "$W/proxy.log" 2>&1 &
ppid=$!
sleep 0.5
t cut-ten-times 0 "stored by .* 11 connections" send $((base + 3)) web01 "$W/b.salvage" --retry-for 120
t cut-proxy-cut-ten 0 "^10$" sh -c "grep -c '^cut' $W/proxy.log"
d=$(stored "$R" web01)
$S convert "$W/b.salvage" "$W/b.vmcore" > /dev/null 2>&1
t cut-identical 0 "same" same "$d/vmcore" "$W/b.vmcore"
t cut-resumed 0 "resuming" cat "$R.log"
kill $ppid
kill -TERM $rpid; wait $rpid

# --- a full file system: reported, partial dump kept, receiver goes on ---
R=$W/rfull
mkdir -p "$R"
if mount -t tmpfs -o size=2m salvage-test "$R" 2>/dev/null; then
	receiver "$R" $((base + 2))
	t full-disk 111 "PROTO_NO_SPACE" send $((base + 2)) web01 "$W/a.salvage"
	t full-disk-partial-kept 0 "^state=failed" sh -c "cat $R/web01/*/salvage.meta"
	t full-disk-partial-file 0 "vmcore.salvage.partial" ls "$R"/web01/*/
	t full-disk-logged 0 "PROTO_NO_SPACE.*kept" cat "$R.log"
	kill -TERM $rpid; wait $rpid
	umount "$R" || umount -l "$R"
	# --min-free: refused before anything is written
	receiver "$R" $((base + 2)) --min-free 1000G
	t min-free 111 "PROTO_NO_SPACE" send $((base + 2)) web01 "$W/a.salvage"
	kill -TERM $rpid; wait $rpid
else
	echo "FAIL full-disk: cannot mount a tmpfs (not root?)"
	fail=$((fail + 1))
fi

# --- usage ---
t receive-no-args 100 "usage" $S receive
t receive-bad-authorized 111 "line 1" sh -c "echo 'nothex web01' > $W/bad.auth && \
	$S receive --listen 127.0.0.1:1 --dir $W --key $W/receiver.key --authorized $W/bad.auth"
t send-no-args 100 "usage" $S send
t send-not-a-key 111 "KEY_BAD" $S send --server 127.0.0.1:1 --server-key "$W/a.salvage" \
	--client-key "$W/web01.key" "$W/a.salvage"
summary
