#!/bin/sh
# Every rename that publishes a file (lib/io.c: io_commit, io_publish) is
# followed by a sync of the directory that holds the new name, or the
# rename may not survive a crash. Seen with strace: salvage convert (OUT
# with and without a directory), salvage collect, the fs target (the unit
# test that writes one), and the receiver storing a dump (metadata, the
# .by-id link, the stream, the vmcore of its conversion) and building a
# missing .by-id. tests/cmd/dirsync.py reads the traces. Without strace
# every case is skipped, and says so. Last line: N passed, N failed, N skipped.
set -u
S=build/salvage
MK=build/mkstream
W=build/cmdtests-durable
. tests/cmd/lib.sh
. tests/cmd/netlib.sh
port=$((30000 + $$ % 500 * 2))

if ! command -v strace > /dev/null || ! strace -o /dev/null true 2> /dev/null; then
	skip durable "no working strace: directory syncs after renames unchecked"
	summary
	exit
fi

TR=$(pwd)/$W
# trace NAME CMD...: CMD under strace, the traces in $W/NAME.tr.PID
trace() {
	tr=$1
	shift
	strace -ff -qq -y -o "$TR/$tr.tr" -e trace=rename,renameat,renameat2,fsync,fdatasync "$@"
}
# in_dir DIR CMD...: CMD run in DIR
in_dir() { (cd "$1" && shift && "$@"); }
# synced NAME [DIR]: dirsync.py on NAME's traces (commands run in DIR)
synced() { python3 tests/cmd/dirsync.py "${2:-.}" "$W/$1.tr" | tee "$W/$1.sync"; }

mkdir -p "$W/a" "$W/o"
$MK synth --crashtime 1700000001 "$W/a.salvage" "$W/a" > /dev/null

t convert                0 "converted"                    trace convert $S convert "$W/a.salvage" "$W/o/a.kdump"
t convert-synced         0 "^1 renames, 0 without"        synced convert
t convert-cwd            0 "converted"                    in_dir "$W" trace convert-cwd ../salvage convert a.salvage b.kdump
t convert-cwd-synced     0 "^1 renames, 0 without"        synced convert-cwd "$W"

mkdir -p "$W/fs/20260101-000000"
cp "$W/a.salvage" "$W/fs/20260101-000000/vmcore.salvage"
t collect                0 "saved"                        trace collect $S collect "$W/fs" "$W/col"
t collect-synced         0 "col/vmcore.salvage, directory synced" synced collect
t collect-all-synced     0 "^1 renames, 0 without"        cat "$W/collect.sync"

if [ -x build/unit-tests ]; then
	t target-fs          0 "^1 passed, 0 failed"          trace target-fs build/unit-tests target_fs_write
	t target-fs-synced   0 "/vmcore, directory synced"    synced target-fs
	t target-fs-all      0 " renames, 0 without"          cat "$W/target-fs.sync"
else
	skip target-fs "no build/unit-tests (make build/unit-tests)"
fi

# The receiver under strace; its pid from the shell it replaces.
netkeys receiver web01
cp "$W/web01.fp" "$W/authorized"
R=$W/r
mkdir -p "$R"
trace receive sh -c 'echo $$ > "$0"; exec "$@"' "$W/receive.pid" $S receive --listen 127.0.0.1:$port \
	--dir "$R" --key "$W/receiver.key" --authorized "$W/authorized" --min-free 0 > "$R.log" 2>&1 &
trap 'kill $(cat "$W/receive.pid") 2>/dev/null' EXIT INT TERM
i=0
while [ $i -lt 100 ] && ! grep -q "listening" "$R.log"; do sleep 0.1; i=$((i + 1)); done
t receive-send           0 "stored by"                    send $port web01 "$W/a.salvage"
t receive-stored         0 "vmcore"                       ls "$(stored "$R" web01)"
rm -rf "$R/web01/.by-id"
t receive-send-again     0 "stored by"                    send $port web01 "$W/a.salvage"
kill "$(cat "$W/receive.pid")"
wait
trap - EXIT INT TERM
t receive-synced         0 " renames, 0 without"          synced receive
t receive-meta           0 "/salvage.meta, directory synced"   cat "$W/receive.sync"
t receive-index          0 "/web01/.by-id, directory synced"  cat "$W/receive.sync"
t receive-index-link     0 "/.by-id/[0-9a-f]{32}, directory synced" cat "$W/receive.sync"
t receive-stream         0 "/vmcore.salvage, directory synced" cat "$W/receive.sync"
t receive-vmcore         0 "/vmcore, directory synced"    cat "$W/receive.sync"

summary
