#!/bin/sh
# DIR/index.html (docs/receiver.md#index), written as the receiver writes
# it (salvage list --index) over a made-up dump directory
# (tests/cmd/dumptree.sh), rendered by a real headless browser (Debian's
# chromium, --dump-dom): the groups, counts, hosts, states and links are
# there, and host names and log text with HTML in them show as text, not
# markup; a temporary left by another writer (root) does not stop it.
# Skipped, counted, when chromium is not installed (make setup
# installs it). Last line: N passed, N failed, N skipped.
set -u
S=build/salvage
W=build/cmdtests-index
. tests/cmd/lib.sh
. tests/cmd/dumptree.sh
R=$W/dumps
dumptree "$R"

t index-written 0 "^written$" sh -c "$S list --dir '$R' --index && echo written"
t index-no-temporary 0 "^index.html$" sh -c "ls -a '$R' | grep index"
t index-escaped-source 0 "evil&lt;script&gt;alert\(1\)&lt;</td>" cat "$R/index.html"
t index-no-script-source 1 "^0$" grep -c "<script" "$R/index.html"
# the receiver's user rewrites it though root's salvage list --index,
# killed, left its temporary behind (root's, which that user cannot open)
if [ "$(id -u)" = 0 ]; then
	U=$W/userdumps
	dumptree "$U"
	: > "$U/.index.html.tmp"
	chown -R 65534:65534 "$U"
	chown 0:0 "$U/.index.html.tmp"
	t index-root-leftover 0 "^written$" sh -c "setpriv --reuid=65534 --regid=65534 --clear-groups $S list --dir '$U' --index && echo written"
	t index-root-leftover-new 0 "^65534 <h1>salvage: 9 dumps" \
		sh -c "stat -c '%u ' '$U/index.html' | tr -d '\n'; grep -o '<h1>salvage: 9 dumps' '$U/index.html'"
else
	skip index-root-leftover "not root: cannot make a file the test's user cannot open"
fi

CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROME" ]; then
	skip index-rendered "chromium is not installed (make setup installs it; apt-get install chromium)"
	summary
	exit
fi
# HOME: chromium writes its profile and crash reports there
HOME=$W timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --user-data-dir="$W/chrome" \
	--dump-dom "file://$PWD/$R/index.html" > "$W/dom.html" 2> "$W/chrome.log"
t index-rendered 0 "</html>" cat "$W/dom.html"
python3 tests/cmd/html_text.py "$W/dom.html" > "$W/page.txt"
t page-heading 0 "^h1 salvage: 9 dumps, 6 signatures$" cat "$W/page.txt"
t page-largest-group-first 0 "^group 3 dumps\|04a13b57a750\|Kernel panic - not syncing: sysrq triggered crash$" \
	sh -c "grep '^group' $W/page.txt | head -n 1"
t page-groups 0 "^6$" sh -c "grep -c '^group' $W/page.txt"
t page-no-log-group 0 "^group 2 dumps\|-\|no dmesg.txt$" cat "$W/page.txt"
t page-rows 0 "^9$" sh -c "grep -c '^row' $W/page.txt"
t page-row 0 "^row web01\|2026-11-03 00:00:00Z\|complete\|10[0-9]{5}\|web01/20261103T000000Z\|web01/20261103T000000Z/$" \
	cat "$W/page.txt"
t page-states 0 "row db01\|2026-11-06 00:00:00Z\|in progress\|.*row web02\|2026-11-05 00:00:00Z\|partial\|" \
	sh -c "tr '\n' ' ' < $W/page.txt"
t page-hostile-host-as-text 0 "^row evil<script>alert\(1\)<\|2026-11-07 00:00:00Z\|complete\|" cat "$W/page.txt"
t page-hostile-log-as-text 0 "^group 1 dump\|f00c0cfdf4aa\|Kernel panic - not syncing: <script>alert\(\)</script> & \"more\"$" \
	cat "$W/page.txt"
t page-meta-title-as-text 0 "^group 1 dump\|0123456789ab\|BUG: made up & <b>bold</b>$" cat "$W/page.txt"
t page-no-script-element 1 "^0$" grep -c "^script" "$W/page.txt"
# every link leads to its dump's directory, whatever its name
t page-links-resolve 0 "^9$" sh -c "grep '^row' $W/page.txt | awk -F'|' '{print \$NF}' |
	while IFS= read -r h; do [ -d \"$R/\$h\" ] && echo ok; done | wc -l"
summary
