# The shell tests' one-line case runner, sourced by tests/cmd/*.sh after
# they set W (their work directory):
#   t NAME WANT_EXIT PATTERN CMD...   runs CMD; passes when it exits
#                                     WANT_EXIT and its output matches PATTERN
#   skip NAME WHY                     a case that cannot run here: printed
#                                     and counted, never silent
# The output of the last case stays in $W/last.
rm -rf "$W"
mkdir -p "$W"
pass=0 fail=0 skipped=0

t() {
	name=$1 want=$2 pat=$3
	shift 3
	"$@" > "$W/out" 2>&1
	got=$?
	cp "$W/out" "$W/last"
	if [ "$got" = "$want" ] && grep -qE -- "$pat" "$W/out"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL $name: exit $got (want $want), output (want /$pat/):"
		sed 's/^/    /' "$W/out"
	fi
}

skip() {
	skipped=$((skipped + 1))
	echo "SKIP $1: $2"
}

# Prints the tally, the runner's last line; fails if any case did.
summary() {
	echo "$pass passed, $fail failed, $skipped skipped"
	[ "$fail" = 0 ]
}
