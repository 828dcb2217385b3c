#!/bin/sh
# salvage list on a made-up receiver directory (tests/cmd/dumptree.sh):
# groups by signature with counts, the largest first; host, time, state,
# size; --json is valid JSON with the same content; names with quotes,
# backslashes and HTML come out as text. Last line: N passed, N failed,
# N skipped.
set -u
S=build/salvage
W=build/cmdtests-list
. tests/cmd/lib.sh
. tests/cmd/dumptree.sh
R=$W/dumps
dumptree "$R"

t list-runs 0 "" $S list --dir "$R"
cp "$W/last" "$W/list.txt"
t list-largest-group-first 0 "^04a13b57a750  3 dumps  Kernel panic - not syncing: sysrq triggered crash$" \
	head -n 1 "$W/list.txt"
t list-frames 0 "^  frames: sysrq_handle_crash __handle_sysrq write_sysrq_trigger proc_reg_write vfs_writev$" \
	sed -n 2p "$W/list.txt"
t list-group-newest-first 0 "^web02 2026-11-04 web01 2026-11-02 web01 2026-11-01 $" \
	sh -c "sed -n 3,5p $W/list.txt | awk '{printf \"%s %s \", \$1, \$2}'; echo"
t list-complete 0 "^  web01  2026-11-03 00:00:00Z  complete +10[0-9]{5}  web01/20261103T000000Z$" cat "$W/list.txt"
t list-partial 0 "^  web02  2026-11-05 00:00:00Z  partial .*web02/20261105T000000Z$" cat "$W/list.txt"
t list-in-progress 0 "^  db01  2026-11-06 00:00:00Z  in progress .*db01/20261106T000000Z$" cat "$W/list.txt"
t list-no-log-group 0 "^-  2 dumps  no dmesg.txt$" cat "$W/list.txt"
t list-meta-signature 0 "^0123456789ab  1 dump  BUG: made up & <b>bold</b>$" cat "$W/list.txt"
t list-hostile-text 0 "^  evil<script>alert\(1\)<  " cat "$W/list.txt"
t list-all-dumps 0 "^9$" sh -c "grep -c '^  [^f]' $W/list.txt"

t json-valid 0 "" sh -c "$S list --dir '$R' --json > $W/list.json && python3 -m json.tool $W/list.json"
t json-content 0 "^ok$" python3 -c "
import json, sys
j = json.load(open('$W/list.json'))
g = j['groups']
assert j['dumps'] == 9, j['dumps']
assert [x['count'] for x in g] == sorted([x['count'] for x in g], reverse=True)
assert g[0]['signature'] == '04a13b57a750' and g[0]['count'] == 3 and len(g[0]['dumps']) == 3
assert g[0]['frames'][0] == 'sysrq_handle_crash'
assert sum(x['count'] for x in g) == 9
hosts = {d['host']: d for x in g for d in x['dumps']}
assert 'q\"uote\\\\back' in hosts, hosts.keys()
assert 'evil<script>alert(1)<' in hosts
assert hosts['db01']['state'] in ('in progress', 'complete')
st = {d['dir']: d['state'] for x in g for d in x['dumps']}
assert st['db01/20261106T000000Z'] == 'in progress' and st['web02/20261105T000000Z'] == 'partial'
assert st['web01/20261103T000000Z'] == 'complete'
print('ok')"
mkdir -p "$W/empty"
t json-empty-valid 0 "\"dumps\": 0" sh -c "$S list --dir $W/empty --json | python3 -m json.tool"
t list-empty 0 "^no dumps$" $S list --dir "$W/empty"
# a salvage.meta's signature printed as text like the rest: no escape
# sequence reaches the terminal
mkdir -p "$W/esc/web01/20261101T000000Z"
printf 'state=stored\nsignature=\033[2J\033]0;x\007\n' > "$W/esc/web01/20261101T000000Z/salvage.meta"
t list-signature-text 0 "^\?\[2J\?\]0;x\?  1 dump" $S list --dir "$W/esc"
t list-no-escape 1 "^0$" sh -c "$S list --dir '$W/esc' | grep -c \"\$(printf '\033')\""
t list-bad-option 100 "usage: salvage list" $S list --bogus
t list-no-dir 111 "No such file" $S list --dir "$W/nonexistent"
summary
