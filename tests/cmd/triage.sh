#!/bin/sh
# The receiver's triage (docs/receiver.md), end to end: a stored dump's
# salvage.meta has its crash signature (streams whose logs are the
# project's real panics, tests/data/panic), index.html is rewritten after
# each dump and groups the same bug from two hosts, salvage list agrees,
# and --keep 2 removes a host's oldest dump (with its .by-id link) once a
# third is stored; a --max-age or --keep-partial too large for retention's
# signed seconds is a usage error. Last line: N passed, N failed, N skipped.
set -u
S=build/salvage
W=build/cmdtests-triage
. tests/cmd/lib.sh
. tests/cmd/netlib.sh
MK=build/mkstream
P=tests/data/panic
base=$((28500 + $$ % 400 * 3))
trap 'kill $(jobs -p) 2>/dev/null' EXIT INT TERM

netkeys receiver web01 web02
cat "$W/web01.fp" "$W/web02.fp" > "$W/authorized"
mkdir -p "$W/s.d"
$MK synth --crashtime 1700000401 --log $P/sysrq-6.12.log "$W/a.salvage" "$W/s.d" > /dev/null
$MK synth --crashtime 1700000402 --log $P/sysrq-7.3.log "$W/b.salvage" "$W/s.d" > /dev/null
$MK synth --crashtime 1700000403 --log $P/oom-6.1-console.log "$W/c.salvage" "$W/s.d" > /dev/null
$MK synth --crashtime 1700000404 "$W/d.salvage" "$W/s.d" > /dev/null

# until FILE matches PATTERN (up to 10 s)
until_grep() {
	i=0
	while [ $i -lt 100 ] && ! grep -qE "$2" "$1" 2> /dev/null; do sleep 0.1; i=$((i + 1)); done
}

R=$W/r
port=$((base + 1))
receiver "$R" $port --keep 2
until_grep "$R/index.html" "salvage: 0 dumps"
t index-at-start 0 "<h1>salvage: 0 dumps, 0 signatures</h1>" cat "$R/index.html"

t send-a 0 "stored by" send $port web01 "$W/a.salvage"
A=$(stored "$R" web01)
t meta-signature 0 "^signature=04a13b57a750$" grep "^signature=" "$A/salvage.meta"
t meta-title 0 "^signature_title=Kernel panic - not syncing: sysrq triggered crash$" cat "$A/salvage.meta"
t meta-frames 0 "^signature_frames=sysrq_handle_crash __handle_sysrq write_sysrq_trigger proc_reg_write vfs_writev$" \
	cat "$A/salvage.meta"
until_grep "$R/index.html" "salvage: 1 dump,"
t index-after-first 0 "<h1>salvage: 1 dump, 1 signature</h1>" cat "$R/index.html"

# the same bug on another host (7.3's log, 6.12's path)
t send-b 0 "stored by" send $port web02 "$W/b.salvage"
until_grep "$R/index.html" "salvage: 2 dumps,"
t index-groups-hosts 0 "<span class=\"count\">2 dumps</span> <code class=\"sig\">04a13b57a750</code>" cat "$R/index.html"
t list-groups-hosts 0 "^04a13b57a750  2 dumps  Kernel panic - not syncing: sysrq triggered crash$" $S list --dir "$R"

# web01: a third dump (a log with no panic) after another one: --keep 2
t send-c 0 "stored by" send $port web01 "$W/c.salvage"
until_grep "$R/index.html" "salvage: 3 dumps,"
t send-d 0 "stored by" send $port web01 "$W/d.salvage"
until_grep "$R.log" "retention: removed web01/"
t keep-removed-oldest 0 "retention: removed web01/$(basename "$A"), complete, [0-9]+ bytes: more than --keep dumps of its host" \
	cat "$R.log"
t keep-two-left 0 "^2$" sh -c "ls '$R/web01' | wc -l"
t keep-oldest-gone 0 "^gone$" sh -c "test -d '$A' || echo gone"
t keep-index-link-gone 0 "^2$" sh -c "ls '$R/web01/.by-id' | wc -l"
until_grep "$R/index.html" "salvage: 3 dumps, 3 signatures"
t index-after-retention 0 "<h1>salvage: 3 dumps, 3 signatures</h1>" cat "$R/index.html"
t index-no-signature 0 "<code class=\"sig\">none</code> <span class=\"title\">no panic, BUG, oops or WARNING in the log</span>" \
	cat "$R/index.html"
kill -TERM $rpid; wait $rpid
t receive-usage 100 "--keep N\] \[--max-age TIME\] \[--keep-partial TIME\] \[--reclaim yes\|no\]" \
	$S receive --keep x --listen 127.0.0.1:1
# a TIME past what retention's signed seconds hold read as negative
# there: every dump over --max-age, removed at start (meant: forever)
for a in 99999999999999999999 9223372036854775808 106751991167301d; do
	t "max-age-overflow $a" 100 "bad option or value: --max-age $a" \
		$S receive --listen 127.0.0.1:1 --dir "$W" --key "$W/none" --authorized "$W/none" --max-age $a
	t "keep-partial-overflow $a" 100 "bad option or value: --keep-partial $a" \
		$S receive --listen 127.0.0.1:1 --dir "$W" --key "$W/none" --authorized "$W/none" --keep-partial $a
done
t max-age-largest 111 "none" \
	$S receive --listen 127.0.0.1:1 --dir "$W" --key "$W/none" --authorized "$W/none" --max-age 106751991167300d
summary
