#!/bin/sh
# Each command's usage is defined once (its file's CMD(), lib/cmd.h): for
# every command `salvage` lists, `salvage CMD --help` prints the same usage
# and description as the list, and a usage error (an option no command
# has) exits 100 logging that same usage line. `salvage`, `salvage --help`
# and `salvage help` print the same list. Last line: N passed, N failed,
# N skipped.
set -u
S=build/salvage
W=build/cmdtests-usage
. tests/cmd/lib.sh

$S > "$W/overview" 2>&1
echo "exit $?" >> "$W/overview.exit"

# check_cmd NAME: --help is the overview's line, the usage error its usage
check_cmd() {
	name=$1 h=$W/help.$1
	$S "$name" --help > "$h" 2>&1 || { echo "--help exits $?"; return 1; }
	[ "$(wc -l < "$h")" = 2 ] || { echo "--help is not two lines:"; cat "$h"; return 1; }
	u=$(sed -n '1s/^usage: //p' "$h")
	a=$(sed -n '2s/^  //p' "$h")
	listed=$(grep -E "^  salvage $name( |$)" "$W/overview")
	[ "  $u  $a" = "$listed" ] || { printf 'salvage lists:\n%s\n--help says:\n' "$listed"; cat "$h"; return 1; }
	$S "$name" --no-such-option > /dev/null 2> "$W/err.$name"
	r=$?
	[ $r = 100 ] || { echo "a usage error exits $r"; return 1; }
	grep -qxF "salvage: usage: $u" "$W/err.$name" || { echo "the usage error does not say: usage: $u"; cat "$W/err.$name"; return 1; }
	echo "same usage: $name"
}
same() { cmp "$1" "$2" && echo same; }

t "no args exits 100"        0 "^exit 100$"      cat "$W/overview.exit"
t "--help"                   0 "^usage: salvage COMMAND" sh -c "$S --help > $W/help.all && head -n 1 $W/help.all"
t "--help is the list"       0 "^same$"          same "$W/overview" "$W/help.all"
t "help is the list"         0 "^same$"          sh -c "$S help > $W/help.cmd && cmp $W/overview $W/help.cmd && echo same"
t "16 or more commands"     0 "^(1[6-9]|[2-9][0-9])$"          grep -c "^  salvage " "$W/overview"
for c in $(sed -n 's/^  salvage \([a-z]*\).*/\1/p' "$W/overview"); do
	t "usage: $c"            0 "^same usage: $c$" check_cmd "$c"
done
t "unknown command"          100 "unknown command frob" $S frob

summary
