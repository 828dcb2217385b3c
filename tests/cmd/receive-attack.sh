#!/bin/sh
# salvage receive under attack, on loopback (issue 9): connections that
# hold the handshake slots and come back when closed must not keep a real
# client out; floods of connections and of PROGRESS lines must not grow the
# log without bound; a client that only sends PROGRESS is cut off; a fast
# upload stops at --min-free; HELLO finds a dump through the index, not by
# reading every dump of the host. Outcomes only, never timings.
# Last line: N passed, N failed, N skipped.
set -u
S=build/salvage
W=build/cmdtests-receive-attack
umount "$W/rfull" 2>/dev/null || true   # a tmpfs an interrupted run left
. tests/cmd/lib.sh
RAW=build/rawclient
MK=build/mkstream
base=$((25000 + $$ % 500 * 7))

. tests/cmd/netlib.sh
netkeys receiver web01 web02
cat "$W/web01.fp" "$W/web02.fp" > "$W/authorized"
mkdir -p "$W/a.d"
$MK synth --crashtime 1700000001 "$W/a.salvage" "$W/a.d" > /dev/null

stop_receiver() { kill -TERM $rpid; wait $rpid; }
raw() { # PORT CLIENT MODE [ARG]
	port=$1 client=$2
	shift 2
	$RAW 127.0.0.1:$port "$W/receiver.pub" "$W/$client.key" "$@"
}
trap 'kill $(jobs -p) 2>/dev/null' EXIT INT TERM
# bytes FILE MAX: the size of FILE when at most MAX, else "too big: SIZE"
bytes() { n=$(wc -c < "$1"); [ "$n" -le "$2" ] && echo "$n" || echo "too big: $n"; }

# --- lockout: N holders that never send a byte (or only the head of a
# ClientHello) and come back when closed ---
# lockout N PORT [partial]: a real send while N holders keep at it, and the
# log after
lockout() {
	n=$1 port=$2 how=${3:-}
	R=$W/lock$n$how
	receiver "$R" $port --timeout 60   # held slots outlast the send's retries
	python3 tests/cmd/holders.py $port $n 120 $how > "$W/holders$n$how.log" 2>&1 &
	hpid=$!
	i=0
	while [ $i -lt 50 ] && ! grep -qs "holding" "$W/holders$n$how.log"; do sleep 0.1; i=$((i + 1)); done
	sleep 1   # the holders fill the slots and the receiver takes them
	t lockout-$n$how-send-stored 0 "stored by" $S send --server 127.0.0.1:$port --server-key "$W/receiver.pub" \
		--client-key "$W/web01.key" --retry-for 20 "$W/a.salvage"
	t lockout-$n$how-attack-went-on 0 "^alive$" sh -c "kill -0 $hpid && echo alive"
	kill -TERM $hpid; wait $hpid
	t lockout-$n$how-holders-came-back 0 "^made [0-9]+ connections" cat "$W/holders$n$how.log"
	stop_receiver
	# the log: a line per connection turned away would be tens of MB
	t lockout-$n$how-log-bounded 0 "^[0-9]+$" bytes "$R.log" 65536
}
lockout 32 $base
lockout 40 $((base + 1))
lockout 40 $((base + 2)) partial

# --- a flood of whole ClientHellos from one address (never read, so
# each one counts as far along) churns only that address's handshake
# slots: a client from another address gets in while it goes on ---
port=$((base + 5))
R=$W/chflood
receiver "$R" $port
python3 tests/cmd/chflood.py $port 120 127.0.0.2 > "$W/flood.log" 2>&1 &
fpid=$!
i=0
while [ $i -lt 50 ] && ! grep -qs "flooding" "$W/flood.log"; do sleep 0.1; i=$((i + 1)); done
sleep 1   # the flood fills the slots
t chflood-send-stored 0 "stored by" send $port web01 "$W/a.salvage" --retry-for 20
t chflood-attack-went-on 0 "^alive$" sh -c "kill -0 $fpid && echo alive"
kill -TERM $fpid; wait $fpid
stop_receiver

# --- one authorized host holds at most 2 connections: 4 of its clients
# that keep their slots above the minimum rate leave room for another
# host ---
port=$((base + 6))
R=$W/hog
receiver "$R" $port --max-clients 4
hogs=
for h in 1 2 3 4; do
	$RAW 127.0.0.1:$port "$W/receiver.pub" "$W/web01.key" hog 0000000000000000000000000000ab0$h \
		> "$W/hog$h.log" 2>&1 &
	hogs="$hogs $!"
	sleep 0.5   # one at a time: two handshakes at once fill the handshake slots
done
t hog-other-host-stored 0 "stored by" send $port web02 "$W/a.salvage" --retry-for 8
t hog-attack-went-on 0 "^alive$" sh -c "for p in $hogs; do kill -0 \$p 2>/dev/null && { echo alive; exit; }; done; echo dead"
kill -TERM $hogs 2>/dev/null; wait $hogs 2>/dev/null
stop_receiver

# --- PROGRESS: a flood is logged at most once per 2 s per client, and a
# client that sends nothing but PROGRESS is cut off ---
R=$W/rprog
receiver "$R" $((base + 3)) --timeout 10
t progress-flood-sent 0 "sent [0-9]{3,} PROGRESS" raw $((base + 3)) web01 progress-flood
stop_receiver
t progress-flood-log-bounded 0 "^[0-9]+$" bytes "$R.log" 65536
receiver "$R" $((base + 3)) --timeout 2
t progress-only-cut 0 "ERROR TIMEOUT" raw $((base + 3)) web01 progress 0102
t progress-only-cut-sent 0 "sent [0-9]+ PROGRESS lines$" cat "$W/last"
stop_receiver
# bad frames from an authorized client, over and over: at most 20 lines
# every 10 s, and every one counted (the rest when the receiver stops)
R=$W/rbad
receiver "$R" $((base + 3))
i=0
while [ $i -lt 100 ]; do raw $((base + 3)) web02 garbage > /dev/null 2>&1; i=$((i + 1)); done
stop_receiver
t garbage-flood-lines-bounded 0 "^[0-9]{1,2}$" sh -c "grep -c PROTO_BAD_FRAME $R.log"
t garbage-flood-all-counted 0 "^100$" awk '/PROTO_BAD_FRAME/ { n++ }
	/ more lines about clients/ { for (i = 2; i <= NF; i++) if ($i == "more") n += $(i - 1) }
	END { print n }' "$R.log"

# --- --min-free holds during a fast upload ---
R=$W/rfull
mkdir -p "$R"
if mount -t tmpfs -o size=16m salvage-test "$R" 2>/dev/null; then
	receiver "$R" $((base + 4)) --min-free 8M
	t min-free-upload 0 "ERROR PROTO_NO_SPACE" raw $((base + 4)) web01 data-flood 12
	# what is left of 16 MiB: never below the 8 MiB kept free
	t min-free-kept 0 "^ok" sh -c "[ \$(stat -f -c '%a * %S' $R | xargs expr) -ge 8388608 ] && echo ok; \
		stat -f -c '%a * %S' $R | xargs expr"
	t min-free-partial-kept 0 "^state=failed" sh -c "cat $R/web01/*/salvage.meta"
	stop_receiver
	umount "$R" || umount -l "$R"
else
	skip min-free-upload "cannot mount a tmpfs (not root?)"
fi

# --- the dump lookup at HELLO: through DIR/<host>/.by-id, not a scan ---
R=$W/rindex
# dumps a receiver without the index left: 50 of them
i=1
while [ $i -le 50 ]; do
	d=$R/web01/20250101T0000$(printf %02d $i)Z
	mkdir -p "$d"
	printf 'dump_id=%032x\nhost=web01\nstate=interrupted\nbytes=0\n' $i > "$d/salvage.meta"
	: > "$d/vmcore.salvage.partial"
	i=$((i + 1))
done
receiver "$R" $((base + 4))
t index-old-dump-found 0 "HELLO_ACK" raw $((base + 4)) web01 hello-time 00000000000000000000000000000011
t index-old-dump-resumed 0 "^50$" sh -c "ls $R/web01 | wc -l"
t index-built 0 "20250101T000017Z" readlink "$R/web01/.by-id/00000000000000000000000000000011"
# every other dump's metadata becomes a FIFO: a scan would block on it
for m in "$R"/web01/*/salvage.meta; do
	case $m in *T000017Z/*) continue;; esac
	rm "$m" && mkfifo "$m"
done
t index-new-dump 0 "HELLO_ACK" raw $((base + 4)) web01 hello-time 0000000000000000000000000000abcd
t index-new-dump-dir 0 "^51$" sh -c "ls $R/web01 | wc -l"
t index-new-dump-linked 0 "^2026|^20[0-9]{6}T" readlink "$R/web01/.by-id/0000000000000000000000000000abcd"
t index-old-dump-again 0 "HELLO_ACK" raw $((base + 4)) web01 hello-time 00000000000000000000000000000011
t index-same-dirs 0 "^51$" sh -c "ls $R/web01 | wc -l"
kill -9 $rpid 2>/dev/null; wait $rpid 2>/dev/null
summary
