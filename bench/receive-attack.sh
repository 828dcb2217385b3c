#!/bin/sh
# bench/receive-attack.sh [SALVAGE]: the receiver under the loopback
# attacks of issue 9, measured (tests/cmd/receive-attack.sh checks the
# outcomes). A measurement, not a test: it prints and asserts nothing.
#  - lockout: how long a real salvage send takes to be stored while 0, 32 or
#    40 holders (tests/cmd/holders.py: connections that never send a byte
#    and come back when closed) attack for at most 40 s;
#  - the log's growth in bytes per second under those floods and under a
#    PROGRESS flood;
#  - HELLO to HELLO_ACK of a new dump with 0 and 1,500 dumps of the host
#    (the first HELLO after an upgrade builds the index; the median of the
#    next 9 is the steady state), on a tmpfs when it can mount one.
# SALVAGE is the binary to measure (build/salvage by default), so an older
# build can be measured with the same clients.
set -u
S=${1:-build/salvage}
RAW=build/rawclient
w=build/bench/receive-attack
rm -rf "$w"
mkdir -p "$w"
port=$((26000 + $$ % 500 * 4))
for k in receiver web01; do $S keygen "$w/$k" > "$w/$k.fp"; done
cp "$w/web01.fp" "$w/authorized"
mkdir -p "$w/a.d"
build/mkstream synth --crashtime 1700000001 "$w/a.salvage" "$w/a.d" > /dev/null

receiver() { # DIR [OPTIONS]
	d=$1
	shift
	mkdir -p "$d"
	$S receive --listen 127.0.0.1:$port --dir "$d" --key "$w/receiver.key" \
		--authorized "$w/authorized" --min-free 0 "$@" > "$d.log" 2>&1 &
	rpid=$!
	while ! grep -q listening "$d.log"; do sleep 0.1; done
}
stop() { kill -TERM $rpid; wait $rpid; port=$((port + 1)); }
now() { date +%s.%N; }
since() { echo "$(now) $1" | awk '{ printf "%.1f", $1 - $2 }'; }

for n in 0 32 40; do
	receiver "$w/lock$n" --timeout 30
	python3 tests/cmd/holders.py $port $n 40 > "$w/holders$n.log" &
	hpid=$!
	while ! grep -qs holding "$w/holders$n.log"; do sleep 0.1; done
	sleep 1
	t0=$(now)
	if $S send --server 127.0.0.1:$port --server-key "$w/receiver.pub" --client-key "$w/web01.key" \
		--retry-for 37 "$w/a.salvage" > "$w/send$n.log" 2>&1; then
		echo "lockout, $n holders: stored after $(since $t0) s"
	else
		echo "lockout, $n holders: not stored in $(since $t0) s (locked out)"
	fi
	wait $hpid
	stop
	echo "  log: $(wc -c < "$w/lock$n.log") bytes in the 40 s of the attack, holders $(tail -n 1 "$w/holders$n.log")"
done

receiver "$w/prog" --timeout 10
$RAW 127.0.0.1:$port "$w/receiver.pub" "$w/web01.key" progress-flood
stop
echo "PROGRESS flood: log $(wc -c < "$w/prog.log") bytes in 3 s"

hello() { # ID: the milliseconds HELLO_ACK took
	$RAW 127.0.0.1:$port "$w/receiver.pub" "$w/web01.key" hello-time "$1" | sed -n 's/^answered in \([0-9]*\) ms/\1/p'
}
for dumps in 0 1500; do
	R=$w/dumps$dumps
	mkdir -p "$R"
	# on a tmpfs when it can: fsync costs nothing there, and what is left
	# is the lookup (on a disk shared with other work, fsync's noise hides it)
	mount -t tmpfs -o size=64m salvage-bench "$R" 2>/dev/null && on=" (tmpfs)" || on=""
	mkdir -p "$R/web01"
	i=1
	while [ $i -le $dumps ]; do
		d=$R/web01/20250101T$(printf %06d $i)Z
		mkdir "$d"
		printf 'dump_id=%032x\nhost=web01\nstate=interrupted\nbytes=0\n' $i > "$d/salvage.meta"
		i=$((i + 1))
	done
	sync
	receiver "$R"
	first=$(hello aaaa0)
	i=1 all=""
	while [ $i -le 9 ]; do all="$all $(hello aaaa$i)"; i=$((i + 1)); done
	sorted=$(echo $all | tr ' ' '\n' | sort -n | tr '\n' ' ')
	echo "HELLO -> HELLO_ACK, new dumps, $dumps dumps of the host$on: first $first ms;" \
		"then median $(echo $sorted | cut -d' ' -f5) ms of 9 ($sorted)"
	stop
	[ -z "$on" ] || umount "$R"
done
