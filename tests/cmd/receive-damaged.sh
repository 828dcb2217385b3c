#!/bin/sh
# salvage receive over a dump directory damaged by hand or by the disk: a
# FIFO where a file of a dump belongs must not hang the receiver; a partial
# file removed (to make room) or metadata with a bad length must neither
# fail every later HELLO of that dump nor cut its file back: the damaged
# dump is left as it is and the dump starts anew. Outcomes only.
# Last line: N passed, N failed, N skipped.
set -u
S=build/salvage
W=build/cmdtests-receive-damaged
. tests/cmd/lib.sh
RAW=build/rawclient
MK=build/mkstream
base=$((27000 + $$ % 500 * 5))

. tests/cmd/netlib.sh
netkeys receiver web01
cat "$W/web01.fp" > "$W/authorized"
mkdir -p "$W/a.d"
$MK synth --crashtime 1700000001 "$W/a.salvage" "$W/a.d" > /dev/null

raw() { # PORT MODE [ARG...]
	port=$1
	shift
	timeout 20 $RAW 127.0.0.1:$port "$W/receiver.pub" "$W/web01.key" "$@"
}
trap 'kill $(jobs -p) 2>/dev/null' EXIT INT TERM
ID=abcdef00000000000000000000000000

# --- a FIFO for salvage.meta: HELLO of that dump, then another client ---
R=$W/rfifo
port=$((base + 1))
receiver "$R" $port --timeout 3
raw $port upload "$W/a.salvage" 100000 > /dev/null
D=$(ls -d "$R"/web01/2* | head -n 1)
id=$(sed -n 's/^dump_id=//p' "$D/salvage.meta")
rm "$D/salvage.meta"
mkfifo "$D/salvage.meta"
t fifo-meta-hello 0 "HELLO_ACK" raw $port hello-time "$id"
t fifo-meta-other-client 0 "HELLO_ACK" raw $port hello-time $ID
t fifo-meta-left 0 "^p" stat -c %A "$D/salvage.meta"
kill -TERM $rpid; wait $rpid

# --- the partial file removed by hand ---
R=$W/rgone
port=$((base + 2))
receiver "$R" $port
raw $port upload "$W/a.salvage" 3000000 > /dev/null
D=$(ls -d "$R"/web01/2* | head -n 1)
rm "$D/vmcore.salvage.partial"
t partial-gone-send 0 "stored by" send $port web01 "$W/a.salvage" --retry-for 5
t partial-gone-old-left 0 "^state=interrupted" grep "^state=" "$D/salvage.meta"
kill -TERM $rpid; wait $rpid

# damaged_meta NAME PORT SED: an upload cut at 3,000,000 bytes, the
# receiver stopped, its salvage.meta edited with SED, the receiver started
# again: the dump is stored and the partial file was not cut back.
damaged_meta() {
	R=$W/r$1
	port=$((base + $2))
	receiver "$R" $port
	raw $port upload "$W/a.salvage" 3000000 > /dev/null
	kill -TERM $rpid; wait $rpid
	D=$(ls -d "$R"/web01/2* | head -n 1)
	sed -i "$3" "$D/salvage.meta"
	receiver "$R" $port
	t $1-send 0 "stored by" send $port web01 "$W/a.salvage" --retry-for 5
	t $1-file-kept 0 "^3000000$" stat -c %s "$D/vmcore.salvage.partial"
	kill -TERM $rpid; wait $rpid
}
damaged_meta bad-bytes 3 's/^bytes=.*/bytes=3O00000/'   # misread: 3
damaged_meta no-bytes 4 '/^bytes=/d'
summary
