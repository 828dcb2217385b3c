#!/bin/sh
# bench/window.sh: what the sender's resume window (docs/protocol.md#resume-window)
# saves. A measurement, not a test: it prints and asserts nothing.
# `salvage send --vmcore LEVEL` captures the 2 GB Debian 6.1 vmcore of the
# QEMU tests as the crash kernel captures /proc/vmcore, through
# tests/cmd/cutproxy.py, which cuts the connection once, at 60 % of the
# stream, to a local `salvage receive` (ACK every 32 MiB and 2 s, its
# defaults). For each dump level and window: the time from the cut to the
# receiver's FIN_ACK (the dump stored and verified), how the break was
# mended, the sender's CPU time (user + system: what a second capture
# costs, whatever else the machine runs) and peak resident memory; then
# the same send with no cut. Each case runs twice.
set -eu
S=build/salvage
w=build/bench/window
v=build/qemu/crash-6.1-raw-elf/out/vmcore
rm -rf "$w"
mkdir -p "$w"
[ -f "$v" ] || sh tests/qemu/crash.sh 6.1 raw-elf > /dev/null
$S keygen "$w/receiver" > /dev/null
$S keygen "$w/client" > "$w/authorized"
port=$((26000 + $$ % 1000 * 2))
trap 'kill $(jobs -p) 2>/dev/null' EXIT INT TERM

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

# run LEVEL WINDOW [CUT]: one send, one line of figures
run() {
	level=$1 win=$2 cut=${3:-}
	r=$w/r-$level-$win-${cut:-nocut}-$$-$(date +%s%N)
	mkdir -p "$r"
	$S receive --listen 127.0.0.1:$port --dir "$r" --key "$w/receiver.key" \
		--authorized "$w/authorized" --min-free 0 > "$r.receive.log" 2>&1 &
	rpid=$!
	# shellcheck disable=SC2086
	python3 tests/cmd/cutproxy.py $((port + 1)) $port $cut > "$r.proxy.log" 2>&1 &
	ppid=$!
	i=0
	while [ $i -lt 50 ] && ! { grep -qs listening "$r.receive.log" && grep -qs ready "$r.proxy.log"; }; do
		sleep 0.1
		i=$((i + 1))
	done
	start=$(now)
	/usr/bin/time -f "%M %U %S" -o "$r.time" $S send --server 127.0.0.1:$((port + 1)) --server-key "$w/receiver.pub" \
		--client-key "$w/client.key" --window "$win" --vmcore "$level" "$v" > "$r.send.log" 2>&1
	end=$(now)
	kill $ppid
	kill -TERM $rpid
	wait $rpid || true
	read -r kib user sys < "$r.time"
	cpu="sender CPU $(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }') s, peak RSS $((kib >> 10)) MiB"
	t=$(sed -n 's/^cut 1 at .*(clock \(.*\))$/\1/p' "$r.proxy.log")
	how=$(sed -n 's/^salvage: send: \(.* regenerations\)$/\1/p' "$r.send.log")
	if [ -n "$cut" ]; then
		echo "level $level, window $win: cut at $((cut >> 20)) MiB, stored $(secs "$t" "$end") s later; $how; $cpu"
	else
		echo "level $level, window $win, no cut: stored in $(secs "$start" "$end") s; $cpu"
	fi
}

echo "== $v: $(($(stat -L -c %s "$v") >> 20)) MiB"
for level in 31 1; do
	start=$(now)
	$S dump -d $level -o "$w/stream" "$v" 2> /dev/null
	size=$(stat -c %s "$w/stream")
	echo "-- dump level $level: a $((size >> 20)) MiB stream, captured alone in $(secs "$start" "$(now)") s"
	for k in 1 2; do
		for win in 0 64M 16M; do
			run $level $win $((size * 6 / 10))
		done
		for win in 0 64M; do
			run $level $win
		done
	done
done
