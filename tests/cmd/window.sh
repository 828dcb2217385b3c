#!/bin/sh
# The sender's resume window (docs/protocol.md#resume-window), between real
# processes on loopback, with tests/cmd/cutproxy.py breaking connections: a
# cut is mended from the window (the producer runs once) or, when the
# receiver's offset lies before it, by producing the stream again; the
# stored stream is the source's, byte for byte, either way.
# The finish note (#note): kept through conversion, on a resumed
# connection too, one bounded printable line whatever the client sends.
# Last line: N passed, N failed, N skipped.
set -u
S=build/salvage
W=build/cmdtests-window
. tests/cmd/lib.sh
. tests/cmd/netlib.sh
MK=build/mkstream
base=$((24000 + $$ % 500 * 4))

netkeys receiver web01
cat "$W/web01.fp" > "$W/authorized"
mkdir -p "$W/a.d"
$MK synth --crashtime 1700000101 "$W/a.salvage" "$W/a.d" > /dev/null
sha=$(sha256sum "$W/a.salvage" | cut -d' ' -f1)

trap 'kill $(jobs -p) 2>/dev/null' EXIT INT TERM

# proxy CUT...: cutproxy.py from base+1 to the receiver on base ($ppid)
proxy() {
	python3 tests/cmd/cutproxy.py $((base + 1)) $base "$@" > "$W/proxy.log" 2>&1 &
	ppid=$!
	i=0
	while [ $i -lt 50 ] && ! grep -q ready "$W/proxy.log"; do sleep 0.1; i=$((i + 1)); done
}
# the stored dump's metadata once converted: its stream is the source's
stored_meta() { d=$(stored "$R" web01) && [ -n "$d" ] && cat "$d/salvage.meta"; }
# a receiver in a new directory behind a new proxy
fresh() { # NAME RECEIVER-OPTIONS -- PROXY-CUTS
	R=$W/$1
	shift
	ropts=""
	while [ "$1" != -- ]; do ropts="$ropts $1"; shift; done
	shift
	# shellcheck disable=SC2086
	receiver "$R" $base $ropts
	proxy "$@"
}
stop() {
	kill $ppid 2>/dev/null; wait $ppid 2>/dev/null
	kill -TERM $rpid 2>/dev/null; wait $rpid 2>/dev/null
}

# --- a cut mended from the window: the producer ran once ---
fresh rwin -- 1500000
t window-cut 0 "stored by .* 2 connections" send $((base + 1)) web01 "$W/a.salvage" --window 64M \
	--note "swap lent=4096 reads=1 writes=2 repairs=0 errors=0"
t window-cut-from-window 0 "1 resumes from the window \([1-9][0-9]* bytes sent again\), 0 regenerations" cat "$W/last"
t window-cut-identical 0 "^sha256=$sha$" stored_meta
t window-cut-note 0 "^note=swap lent=4096 reads=1 writes=2 repairs=0 errors=0$" stored_meta
stop

# --- the same cut without a window: the producer runs again ---
fresh rnowin -- 1500000
t nowindow-cut 0 "stored by .* 2 connections" send $((base + 1)) web01 "$W/a.salvage"
t nowindow-cut-regenerated 0 "0 resumes from the window .*, 1 regenerations" cat "$W/last"
t nowindow-cut-identical 0 "^sha256=$sha$" stored_meta
stop

# --- the receiver's offset before the window: 1 MB went to the proxy and
# never arrived, a 256 KiB window cannot cover it ---
fresh rbefore -- 1500000+1000000
t before-window 0 "not in the resume window" send $((base + 1)) web01 "$W/a.salvage" --window 256K
t before-window-regenerated 0 "0 resumes from the window .*, 1 regenerations" cat "$W/last"
t before-window-identical 0 "^sha256=$sha$" stored_meta
stop

# --- two cuts in a row, the second while the window is resent ---
fresh rtwo -- 1500000 20000
t two-cuts 0 "stored by .* 3 connections" send $((base + 1)) web01 "$W/a.salvage" --window 64M
t two-cuts-from-window 0 "2 resumes from the window .*, 0 regenerations" cat "$W/last"
t two-cuts-identical 0 "^sha256=$sha$" stored_meta
stop

# --- a receiver restart: killed while the proxy swallows, it comes back
# cut to its last ACK (every 256 KiB), and the window covers the rest ---
restart_send() { # a send during which the receiver is killed and started again
	send $((base + 1)) web01 "$W/a.salvage" --window 64M --retry-for 60 "$@" > "$W/rs.out" 2>&1 &
	spid=$!
	i=0
	while [ $i -lt 100 ] && ! grep -q swallowing "$W/proxy.log"; do sleep 0.1; i=$((i + 1)); done
	sleep 0.5
	kill -KILL $rpid; wait $rpid 2>/dev/null
	[ -n "${TAMPER:-}" ] && $TAMPER
	receiver "$R" $base --ack-every 256K
	wait $spid
	e=$?
	cat "$W/rs.out"
	return $e
}
fresh rrestart --ack-every 256K -- 2000000+inf
t restart 0 "stored by" restart_send
t restart-from-window 0 "[1-9] resumes? from the window .*, 0 regenerations" cat "$W/last"
t restart-cut-back 0 "holds [0-9]+ bytes: resuming" cat "$W/last"
t restart-identical 0 "^sha256=$sha$" stored_meta
stop

# --- the prefix check on the window path: the receiver's last stored byte
# changed while it was down; the sender refuses to resume onto it ---
# (without bytes_sha256_mid the receiver hashes its file again)
flip_last() {
	m=$(ls "$R"/web01/*/salvage.meta)
	n=$(sed -n 's/^bytes=//p' "$m")
	sed -i '/^bytes_sha256_mid=/d' "$m"
	python3 -c "import sys; f=open(sys.argv[1],'r+b'); f.seek(int(sys.argv[2])-1); b=f.read(1); f.seek(-1,1); f.write(bytes([b[0]^1]))" \
		"${m%/salvage.meta}/vmcore.salvage.partial" "$n"
}
fresh rprefix --ack-every 256K -- 2000000+inf
TAMPER=flip_last
t window-prefix-refused 111 "PROTO_PREFIX" restart_send
TAMPER=
stop

# --- --vmcore: the capture of an ELF vmcore, run again after a cut without
# a window, stores what salvage dump writes ---
$S convert --elf "$W/a.salvage" "$W/a.elf" > /dev/null 2>&1
$S dump -d 31 -o "$W/v.salvage" "$W/a.elf" 2> /dev/null
vsha=$(sha256sum "$W/v.salvage" | cut -d' ' -f1)
fresh rvmcore -- 1500000
t vmcore-cut 0 "0 resumes from the window .*, 1 regenerations" send $((base + 1)) web01 "$W/a.elf" --vmcore 31
t vmcore-identical 0 "^sha256=$vsha$" stored_meta
stop
t vmcore-bad-level 100 "usage" send $((base + 1)) web01 "$W/a.elf" --vmcore 32

# --- the finish note from a client that does not play along ---
fresh rnote --
long=$(python3 -c "print('A' * 1000)")
t note-long 0 "stored by" send $((base + 1)) web01 "$W/a.salvage" --note "$long"
t note-long-bounded 0 "^note=A{200}$" stored_meta
stop
fresh rnote2 --
t note-binary 0 "stored by" send $((base + 1)) web01 "$W/a.salvage" \
	--note "$(printf 'x\001\033[31m\377\nstate=complete\nbytes=1')"
t note-binary-one-line 0 "^note=x\?\?\[31m\?\?state=complete\?bytes=1$" stored_meta
t note-binary-no-line-of-its-own 0 "^1 1$" sh -c "m=\$(ls $R/web01/*/salvage.meta); \
	echo \$(grep -c '^state=' \$m) \$(grep -c '^bytes=' \$m)"
stop
summary
