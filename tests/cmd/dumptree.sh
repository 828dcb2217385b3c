# A made-up receiver directory for tests/cmd/list.sh, index.sh and
# retention.sh, sourced after tests/cmd/lib.sh:
#   dumptree DIR   DIR/<host>/<UTC time>/ as salvage receive leaves them:
#                  salvage.meta, dmesg.txt from tests/data/panic, and a
#                  1 MiB file (vmcore, vmcore.salvage or .partial)
#
#   web01/20261101T000000Z  stored       sysrq 6.12     -+
#   web01/20261102T000000Z  stored       sysrq 7.3       | one signature
#   web02/20261104T000000Z  stored       sysrq 7.3      -+
#   web01/20261103T000000Z  unconverted  OOM 6.1
#   web02/20261105T000000Z  interrupted  (no log)
#   db01/20261106T000000Z   receiving    (no log)
#   db01/20261030T000000Z   stored       signature in salvage.meta only
#   evil<script>alert(1)</20261107T000000Z  stored  a panic text with HTML in it
#   q"uote\back/20261108T000000Z            stored  initcall 7.3
P=tests/data/panic

# onedump DIR HOST NAME STATE FILE [LOG]
onedump() {
	d="$1/$2/$3"
	mkdir -p "$d/../.by-id"
	printf 'dump_id=%s\nhost=%s\nstarted=%s\nstate=%s\n' "$(printf %s "$2$3" | md5sum | cut -c1-32)" \
		"$2" "$3" "$4" > "$d/salvage.meta"
	dd if=/dev/zero of="$d/$5" bs=64k count=16 2> /dev/null
	[ -z "${6:-}" ] || cp "$6" "$d/dmesg.txt"
}

dumptree() {
	mkdir -p "$1"
	onedump "$1" web01 20261101T000000Z stored vmcore $P/sysrq-6.12.log
	onedump "$1" web01 20261102T000000Z stored vmcore $P/sysrq-7.3.log
	onedump "$1" web01 20261103T000000Z unconverted vmcore.salvage $P/oom-6.1-console.log
	onedump "$1" web02 20261104T000000Z stored vmcore $P/sysrq-7.3.log
	onedump "$1" web02 20261105T000000Z interrupted vmcore.salvage.partial
	onedump "$1" db01 20261106T000000Z receiving vmcore.salvage.partial
	onedump "$1" db01 20261030T000000Z stored vmcore
	printf 'signature=0123456789ab\nsignature_title=BUG: made up & <b>bold</b>\nsignature_frames=f1 f2\n' \
		>> "$1/db01/20261030T000000Z/salvage.meta"
	printf '[ 1.0] Kernel panic - not syncing: <script>alert(1)</script> & "more"\n' > "$W/hostile.log"
	onedump "$1" 'evil<script>alert(1)<' 20261107T000000Z stored vmcore "$W/hostile.log"
	onedump "$1" 'q"uote\back' 20261108T000000Z stored vmcore $P/initcall-7.3-console.log
}
