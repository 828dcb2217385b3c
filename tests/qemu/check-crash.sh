#!/bin/sh
# tests/qemu/check-crash.sh VMLINUX DUMPFILE
# Opens DUMPFILE (ELF vmcore or kdump-compressed) with crash(8) and the
# matching debug vmlinux, runs sys, bt, log, ps and kmem -i, then files,
# foreach files, mount, net, dev and kmem -s (walks through slab memory),
# non-interactively, and checks what each prints. One line per check ("ok:
# ...", "FAIL: ...", "skip: ..." for a walk this crash cannot do); exits 1
# if any check fails, 2 on usage errors. The whole crash output is kept in
# ${CHECK_CRASH_OUT:-DUMPFILE.crash.txt}.
#
# Failure signatures looked for in every command's output: "page excluded"
# (the filter dropped a page the kernel needs), "seek error", "read error",
# "invalid kernel virtual address", and error lines, which crash prefixes
# with "crash: " or with the command's name ("kmem: ...").
#
# Known limitation: crash 8.0.2 (Debian 12) cannot build the task table of
# kernels where struct pid ends in a flexible array (upstream 6.5, and
# Debian's 6.1.19x through a stable backport): it warns "active task ... not
# found in PID hash" and ps shows only the idle and the panic task. Fixed in
# crash 8.0.4 (commit 8858006). The ps check then accepts the panic task
# alone and says so. crash 8.0.2 does not open 6.12 dumps at all.
# crash 9.0.2 (Debian sid) opens 7.x dumps but cannot walk their SLUB caches
# (kmem -s: "invalid structure member offset: kmem_cache_local_node", the
# unfiltered vmcore alike): the slab check then says "skip" and the walks
# of every task's open files (foreach files) and of the mounts remain.
set -u

if [ $# -ne 2 ]; then
	echo "usage: sh tests/qemu/check-crash.sh VMLINUX DUMPFILE" >&2
	exit 2
fi
vmlinux=$1 dump=$2
for f in "$vmlinux" "$dump"; do
	[ -r "$f" ] || { echo "FAIL: cannot read $f"; exit 2; }
done
command -v crash >/dev/null 2>&1 || { echo "FAIL: crash not installed"; exit 2; }

out=${CHECK_CRASH_OUT:-$dump.crash.txt}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# "!echo" runs a shell command: it marks where each command's output starts
cat > "$tmp/cmds" <<'EOF'
!echo "@@@ sys"
sys
!echo "@@@ bt"
bt
!echo "@@@ log"
log
!echo "@@@ ps"
ps
!echo "@@@ kmem"
kmem -i
!echo "@@@ files"
files
!echo "@@@ allfiles"
foreach files
!echo "@@@ mount"
mount
!echo "@@@ net"
net
!echo "@@@ dev"
dev
!echo "@@@ slab"
kmem -s
!echo "@@@ end"
exit
EOF

t0=$(date +%s)
crash -s "$vmlinux" "$dump" < "$tmp/cmds" > "$out" 2>&1
rc=$?
# crash 9.0.2 stops in module_init on 7.x kernels with a module loaded:
# their struct module has no num_gpl_syms. Again without the module list
# (--no_modules), said below
nomod=0
if [ "$rc" != 0 ] && grep -q "invalid structure member offset: module_num_gpl_syms" "$out"; then
	nomod=1
	crash -s --no_modules "$vmlinux" "$dump" < "$tmp/cmds" > "$out" 2>&1
	rc=$?
fi
t1=$(date +%s)

fails=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fails=$((fails + 1)); }

# section NAME: the output of one command (between its marker and the next)
section() {
	awk -v s="@@@ $1" '/^@@@ / { on = ($0 == s); next } on' "$out"
}
# startup: everything before the first marker
awk '/^@@@ /{exit} {print}' "$out" > "$tmp/startup"

# errors FILE NAME: the failure signatures in FILE, as one line
errors() {
	grep -E "page excluded|seek error|read error|invalid kernel virtual address|^crash: |^$2: " "$1" |
		grep -v "WARNING: active task .* not found in PID hash" | head -1
}

if [ "$rc" != 0 ] || ! grep -q "^@@@ end" "$out"; then
	why=$(grep -m1 '^crash: ' "$out")
	[ -n "$why" ] || why=$(grep -v '^$' "$out" | tail -2 | tr '\n' ' ')
	[ -n "$why" ] || why="no output"
	bad "crash -s $vmlinux $dump: exit $rc, did not run to the end: $why"
	echo "check-crash: crash output in $out"
	exit 1
fi
[ "$nomod" = 0 ] || echo "skip: modules: this crash cannot read the module list of this kernel (no struct module num_gpl_syms): opened with --no_modules"
e=$(errors "$tmp/startup" crash)
if [ -n "$e" ]; then bad "startup: $e"; else ok "startup: crash opened the dump ($((t1 - t0)) s for all commands)"; fi
pidhash=0
grep -q "WARNING: active task .* not found in PID hash" "$tmp/startup" && pidhash=1

# check NAME DESCRIPTION EXPECTED-ERE...: the section has no error and every
# ERE matches a line of it
check() {
	name=$1 desc=$2
	shift 2
	section "$name" > "$tmp/s"
	e=$(errors "$tmp/s" "$name")
	if [ -n "$e" ]; then
		bad "$name: $e"
		return
	fi
	for re in "$@"; do
		if ! grep -qE -- "$re" "$tmp/s"; then
			bad "$name: no line matches /$re/"
			return
		fi
	done
	ok "$name: $desc"
}

check sys "panic string and release" \
	'PANIC: .*sysrq triggered crash' '^ *RELEASE: [0-9]'
check bt "the panic task's stack has panic and sysrq_handle_crash" \
	'^PID: [0-9]+ ' ' panic at ' ' sysrq_handle_crash at '
check log "the printk log holds \"sysrq triggered crash\" ($(section log | wc -l) lines)" \
	'sysrq triggered crash' 'Linux version'
# the panic task's PPID is -1 when its parent is not in the task table
nps=$(section ps | grep -cE '^[> ] +[0-9]+ +-?[0-9]+ +[0-9]+ +[0-9a-f]+ ')
if [ "$pidhash" = 1 ]; then
	check ps "$nps tasks: only the idle and the panic task (crash 8.0.2 cannot walk this kernel's PID xarray)" \
		'^> +[0-9]+ +-?[0-9]+ +[0-9]+ +[0-9a-f]+ +RU '
else
	check ps "$nps tasks" '^ +PID +PPID +CPU +TASK' '^[> ] +1 +0 '
	[ "$nps" -ge 3 ] || bad "ps: only $nps tasks"
fi
total=$(section kmem | awk '$1 == "TOTAL" && $2 == "MEM" { print $4, $5 }')
free=$(section kmem | awk '$1 == "FREE" { print $3, $4 }')
check kmem "$total of memory, $free free" 'TOTAL MEM +[0-9]+' '^ +FREE +[0-9]+'

# data-structure walks through slab memory (the task table of crash 8.0.2
# on 6.1.19x has only the panic task, so ps alone misses lost slab pages)
check files "the panic task's open files" '^ROOT: ' '^ +FD +FILE'
check allfiles "open files of $(section allfiles | grep -c '^PID: ') tasks" '^PID: ' '^ +FD +FILE'
check mount "$(section mount | grep -c '^[0-9a-f]\{16\} ') mounts" '^ +MOUNT +SUPERBLK' ' rootfs '
check net "network devices" 'NET_DEVICE +NAME' ' lo '
check dev "character devices" '^CHRDEV' ' mem '
if section slab | grep -q "invalid structure member offset: kmem_cache_local_node"; then
	echo "skip: slab: this crash cannot walk the kernel's SLUB caches (kmem_cache_local_node)"
else
	check slab "$(section slab | grep -c '^[0-9a-f]\{16\} ') slab caches" '^CACHE +OBJSIZE' ' task_struct$'
fi

echo "check-crash: crash output in $out"
if [ "$fails" != 0 ]; then
	echo "check-crash: $fails check(s) failed"
	exit 1
fi
echo "check-crash: all checks passed"
