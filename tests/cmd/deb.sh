#!/bin/sh
# The Debian package (make deb): it builds, lintian finds no error, it holds
# the expected files, its units verify, its maintainer scripts keep an
# armed machine armed and a running receiver running across an upgrade,
# and its scripts, run from the built
# package against made-up targets, do their job: salvage-collect saves a raw
# and an fs dump as vmcore + dmesg.txt and marks them collected, keeps a
# partial one as partial, sends one to a real receiver when SERVER is set
# (and keeps it when the server does not answer); the kernel hook builds the crash initramfs of a
# fake kernel in a temp root; salvage-load refuses without a reservation and
# rebuilds a stale image. No QEMU. Run from the project root.
set -u
S=build/salvage
MK=build/mkstream
W=build/cmdtests-deb
. tests/cmd/lib.sh

if ! command -v dpkg-buildpackage > /dev/null || ! [ -x /usr/bin/dh ] ||
	! command -v lintian > /dev/null; then
	skip "deb" "no debhelper or lintian (make setup installs them)"
	summary
	exit
fi

t "make deb"                0   "salvage_.*_amd64.deb"   make -s deb
DEB=$(ls build/salvage_*_amd64.deb | head -n 1)
t "lintian: no error"       0   "^no errors$" sh -c "lintian -I --pedantic '$DEB' > $W/lintian 2>&1; grep '^E:' $W/lintian || echo no errors"
# the license is not chosen yet (debian/copyright says so): nothing to say
t "lintian: copyright"      0   "^no tag$" sh -c "grep -i copyright $W/lintian || echo no tag"
# Built-Using: musl as installed, the libraries as scripts/deps.sh built them
dpkg-deb -f "$DEB" Built-Using > "$W/built-using"
re() { printf '%s' "$1" | sed 's/[].+*?^$()[]/\\&/g'; }
musl=$(re "$(dpkg-query -W -f='${source:Version}' musl-dev)")
t "built-using: musl"       0   "(^|, )musl \(= $musl\)(,|$)" cat "$W/built-using"
for d in bearssl lz4 zlib; do
	v=$(re "$(sed -n "s/^$d (= \(.*\))$/\1/p" build/deps/built-using)")
	t "built-using: $d"     0   "(^|, )$d \(= $v\)(,|$)" sh -c "[ -n '$v' ] && cat $W/built-using"
done
R=$W/root
mkdir -p "$R"
dpkg-deb -x "$DEB" "$R"
dpkg-deb -c "$DEB" > "$W/files"
for f in usr/bin/salvage usr/bin/salvage-mkinitramfs usr/share/salvage/drivers-list/block-virtio \
	usr/share/salvage/drivers-list/ext4 etc/salvage.conf etc/default/salvage \
	etc/kernel/postinst.d/salvage usr/lib/salvage/salvage-load usr/lib/salvage/salvage-collect \
	usr/lib/systemd/system/salvage-load.service usr/lib/systemd/system/salvage-collect.service \
	usr/lib/systemd/system/salvage-receive.service usr/share/man/man8/salvage.8.gz \
	usr/share/man/man8/salvage-mkinitramfs.8.gz usr/share/man/man5/salvage.conf.5.gz \
	usr/lib/udev/rules.d/90-salvage-hotplug.rules usr/lib/systemd/system/salvage-hotplug@.service; do
	t "holds $f"            0   " \./$f\$"               cat "$W/files"
done
# nothing in an aliased directory of a merged /usr (trixie's lintian:
# aliased-location, an error; bookworm's does not know it)
t "nothing in /lib, /bin, /sbin" 0 "^none$"              sh -c "grep -E ' \./(lib|lib64|bin|sbin)/' $W/files || echo none"
t "static binary"           0   "statically linked"      file "$R/usr/bin/salvage"
dpkg-deb -e "$DEB" "$W/control"
t "conffile"                0   "^/etc/salvage.conf$"    cat "$W/control/conffiles"
t "postinst: system user"   0   "adduser --system"       cat "$W/control/postinst"
t "postinst: load enabled"  0   "salvage-load.service"   cat "$W/control/postinst"
# The maintainer scripts as dpkg runs them on a machine booted with systemd
# (/run/systemd/system made the test's own directory), the commands they
# call on services logged: an upgrade must leave an armed machine armed
# and a running receiver running; a removal stops both.
FB=$W/fakebin
mkdir -p "$FB" "$W/run-systemd"
for c in deb-systemd-invoke deb-systemd-helper systemctl adduser getent install; do
	printf '#!/bin/sh\necho "%s $*" >> %s/services\n' "$c" "$W" > "$FB/$c"
	chmod +x "$FB/$c"
done
# maint SCRIPT ARGS...: the package's SCRIPT run so (t runs a function
# as a command): what it did to services ("systemctl ACTION UNITS"), then "."
maint() {
	sed "s|/run/systemd/system|$W/run-systemd|g" "$W/control/$1" > "$W/maint"
	shift
	: > "$W/services"
	PATH=$FB:$PATH sh "$W/maint" "$@" || echo "failed: $?"
	sed -n 's/^deb-systemd-invoke /systemctl /p; /^systemctl /p' "$W/services" | grep -v daemon-reload
	echo .
}
upgrade_stops() { { maint prerm upgrade 0.2; maint preinst upgrade 0.1; } | grep -E 'stop.*salvage-(load|receive)' || echo none; }
installed() { maint postinst configure | grep -v '^\.$' || echo nothing; }
t "upgrade: load, receive not stopped" 0 "^none$"        upgrade_stops
t "upgrade: load re-armed"  0   "^systemctl try-restart salvage-load.service$" maint postinst configure 0.1
t "upgrade: receive restarted" 0 "^systemctl try-restart salvage-receive.service$" maint postinst configure 0.1
t "install: nothing started" 0  "^nothing$"               installed
t "remove: both stopped"    0   "^systemctl stop salvage-receive.service salvage-load.service$" maint prerm remove
# purge: what postinst made goes when empty (piuparts: nothing left);
# dumps and keys stay (the paths of the script moved under $W/pr)
purge() {
	P=$W/pr
	sed -e "s|/var/lib/salvage|$P/var/lib/salvage|g; s|/var/crash|$P/var/crash|g; s|/etc/salvage|$P/etc/salvage|g" \
		"$W/control/postrm" > "$W/postrm"
	PATH=$FB:$PATH sh "$W/postrm" purge || echo "failed: $?"
	(cd "$P" && find . | LC_ALL=C sort | tr '\n' ' ')
}
printf '#!/bin/sh\nexit 1\n' > "$FB/dpkg-query"
chmod +x "$FB/dpkg-query"
mkdir -p "$W/pr/var/lib/salvage" "$W/pr/var/crash/salvage" "$W/pr/etc/salvage"
: > "$W/pr/var/lib/salvage/initrd-9.9.9.img"
t "purge: nothing left"     0   "^\. \./etc \./var \./var/lib $" purge
mkdir -p "$W/pr/var/lib/salvage" "$W/pr/var/crash/salvage/web01/20261101T000000Z" "$W/pr/var/crash/20261102-000000" "$W/pr/etc/salvage"
: > "$W/pr/var/crash/20261102-000000/vmcore"
: > "$W/pr/etc/salvage/receiver.key"
t "purge: dumps, keys kept" 0   "^\. \./etc \./etc/salvage \./etc/salvage/receiver\.key \./var \./var/crash \./var/crash/20261102-000000 \./var/crash/20261102-000000/vmcore \./var/crash/salvage \./var/crash/salvage/web01 \./var/crash/salvage/web01/20261101T000000Z \./var/lib $" purge
# every key salvage help lists (but the test-only ones) is in the conffile
$S help 2>&1 | sed -n '/conf keys/,$p' | sed 1d | awk '{print $1}' | grep -v '^swap-test' > "$W/keys"
t "conf: every key"         0   "^all keys$" sh -c "while read k; do grep -Eq \"^#?\$k \" $R/etc/salvage.conf || echo missing \$k; done < $W/keys | grep . || echo all keys"

# the man pages say what --help / salvage help say: every option of
# salvage-mkinitramfs(8) in its --help, every command of salvage help in salvage(8)
M=$R/usr/share/man/man8
zcat "$M/salvage-mkinitramfs.8.gz" | grep -oE '\\-\\-[a-z\\-]+' | tr -d '\\' | sort -u > "$W/mkopts"
t "mkinitramfs --help: man's options" 0 "^all$" sh -c "{ $R/usr/bin/salvage-mkinitramfs --help > $W/mkhelp || echo --help failed; while read o; do grep -q -- \"\$o\" $W/mkhelp || echo missing \$o; done < $W/mkopts; } | grep . || echo all"
$S help | sed -n 's/^  salvage \([a-z]*\) .*/\1/p' > "$W/cmds"
t "salvage(8): every command" 0 "^all$" sh -c "zcat $M/salvage.8.gz > $W/man8; while read c; do grep -q \"^\\.B \$c\\b\" $W/man8 || echo missing \$c; done < $W/cmds | grep . || echo all"

# the units, against the host's own (a root with both)
mkdir -p "$R/lib/systemd/system"
cp -an /lib/systemd/system/. "$R/lib/systemd/system/" 2>/dev/null
# verified, and not a word of warning either (an unknown value is a warning)
t "units verify"            0   "^verified$" sh -c "systemd-analyze verify --man=no --root=$R $R/usr/lib/systemd/system/salvage-*.service > $W/verify 2>&1 && ! grep . $W/verify && echo verified"
t "receive: hardened"       0   "^hardened$" sh -c "systemd-analyze security --offline=yes --threshold=20 --root=$R $R/usr/lib/systemd/system/salvage-receive.service > /dev/null && echo hardened"
t "receive: own user"       0   "^User=salvage$"         cat "$R/usr/lib/systemd/system/salvage-receive.service"
t "receive: writes dumps only" 0 "^ReadWritePaths=/var/crash/salvage$" cat "$R/usr/lib/systemd/system/salvage-receive.service"

# salvage-collect on a raw image: a complete dump, then again, then a partial one
mkdir -p "$W/synth"
$MK synth "$W/a.stream" "$W/synth" > /dev/null 2>&1
python3 tests/cmd/mkraw.py complete "$W/a.stream" "$W/raw.img" 1764633600
printf 'target raw:%s\n' "$(pwd)/$W/raw.img" > "$W/raw.conf"
export SALVAGE_BIN=$S SALVAGE_DEFAULTS=/dev/null
C=$R/usr/lib/salvage/salvage-collect
t "collect raw"             0   "saved .*/20251202-000000/vmcore and" env SALVAGE_CONF="$W/raw.conf" SALVAGE_CRASH_DIR="$W/crash" $C
O=$W/crash/20251202-000000
t "collect raw: kdump vmcore" 0 "Kdump compressed dump"  file "$O/vmcore"
t "collect raw: dmesg.txt"  0   "Linux version 6.1.0-salvage-test" cat "$O/dmesg.txt"
t "collect raw: no stream left" 0 "^vmcore dmesg.txt $"  sh -c "ls -t $O | sort -r | tr '\n' ' '"
# the crashed kernel's log is as private as its memory: with Debian's
# dmesg_restrict only root reads a running kernel's log
t "collect raw: vmcore root's" 0 "^600$"                 stat -c %a "$O/vmcore"
t "collect raw: dmesg.txt root's" 0 "^600$"              stat -c %a "$O/dmesg.txt"
t "collect raw: marked"     3   "collected already"      $S collect "$W/raw.img" "$W/again"
t "collect raw: magic kept" 0   "^SALVRAW1"              head -c 8 "$W/raw.img"
t "collect raw: once"       0   "collected already"      env SALVAGE_CONF="$W/raw.conf" SALVAGE_CRASH_DIR="$W/crash" $C
t "collect raw: one dir"    0   "^1$"                    sh -c "ls $W/crash | wc -l"
# the crash kernel stopped after 3 MB of the stream, stale bytes after them
python3 tests/cmd/mkraw.py writing:3000000 "$W/a.stream" "$W/part.img" 1764633700
P=$W/crash/20251202-000140-partial
t "collect partial raw"     0   "PARTIAL dump kept in .*/20251202-000140-partial" env SALVAGE_CRASH_DIR="$W/crash" $C "$W/part.img"
t "partial: said"           0   "did not finish.* whole records" cat "$P/PARTIAL"
t "partial: kept"           0   "^PARTIAL dmesg.txt vmcore.salvage.partial $" sh -c "LC_ALL=C ls $P | tr '\n' ' '"
t "partial: sound prefix"   0   "^same$" sh -c "n=\$(wc -c < $P/vmcore.salvage.partial); head -c \$n $W/a.stream | cmp -s - $P/vmcore.salvage.partial && echo same"
t "partial: its log"        0   "Linux version 6.1.0-salvage-test" cat "$P/dmesg.txt"
t "partial: marked"         3   "collected already"      $S collect "$W/part.img" "$W/again"
# the stream whole, the header never rewritten: a whole dump after all
python3 tests/cmd/mkraw.py writing "$W/a.stream" "$W/whole.img" 1764633800
t "collect raw whole, header WRITING" 0 "saved .*/20251202-000320/vmcore and" env SALVAGE_CRASH_DIR="$W/crash" $C "$W/whole.img"
# the crash kernel wrote its header and nothing more
python3 tests/cmd/mkraw.py writing:0 "$W/a.stream" "$W/none.img" 1764633900
t "collect raw, nothing readable" 0 "began a dump at 20251202-000500 UTC and wrote nothing readable" env SALVAGE_CRASH_DIR="$W/crash" $C "$W/none.img"
t "nothing readable: marked" 3  "collected already"      $S collect "$W/none.img" "$W/again"
t "nothing readable: no dir" 0  "^3$"                    sh -c "ls $W/crash | wc -l"
head -c 65536 /dev/urandom > "$W/foreign.img"
cp "$W/foreign.img" "$W/foreign.orig"
t "collect foreign device"  0   "no dump"                env SALVAGE_CRASH_DIR="$W/crash" $C "$W/foreign.img"
t "foreign device untouched" 0  "^same$"                 sh -c "cmp -s $W/foreign.img $W/foreign.orig && echo same"
# a start time date cannot show: the dump is named by the collect's time
python3 tests/cmd/mkraw.py complete "$W/a.stream" "$W/when.img" 9223372036854775807
t "collect raw, bad time"   0   "saved .*/crashwhen/[0-9]{8}-[0-9]{6}/vmcore and" env SALVAGE_CRASH_DIR="$W/crashwhen" $C "$W/when.img"
# a header COMPLETE whose dump runs past the device's end (an image
# copied in part): kept as far as it is sound, not refused at every boot
python3 tests/cmd/mkraw.py complete "$W/a.stream" "$W/cut.img" 1764634000
truncate -s 3000000 "$W/cut.img"
t "collect raw cut short"   0   "PARTIAL dump kept in .*/20251202-000640-partial" env SALVAGE_CRASH_DIR="$W/crashcut" $C "$W/cut.img"
t "cut short: said"         0   "COMPLETE but its dump does not lie within the device" cat "$W/crashcut/20251202-000640-partial/PARTIAL"
t "cut short: its log"      0   "Linux version 6.1.0-salvage-test" cat "$W/crashcut/20251202-000640-partial/dmesg.txt"
t "cut short: marked"       3   "collected already"      $S collect "$W/cut.img" "$W/again"
# a dump saved whose conversion fails (/var/crash too small for the
# vmcore): kept as its stream and marked, not copied again at every boot
printf '#!/bin/sh\n[ "$1" = convert ] && { echo "convert made to fail (test)" >&2; exit 111; }\nexec %s "$@"\n' "$(pwd)/$S" > "$W/noconvert"
chmod +x "$W/noconvert"
python3 tests/cmd/mkraw.py complete "$W/a.stream" "$W/noconv.img" 1764634100
t "convert fails: said"     1   "convert failed: the stream stays" env SALVAGE_BIN="$W/noconvert" SALVAGE_CRASH_DIR="$W/crashnc" $C "$W/noconv.img"
t "convert fails: stream kept" 0 "^dmesg.txt vmcore.salvage $" sh -c "LC_ALL=C ls $W/crashnc/20251202-000820 | tr '\n' ' '"
t "convert fails: marked"   0   "collected already"      env SALVAGE_BIN="$W/noconvert" SALVAGE_CRASH_DIR="$W/crashnc" $C "$W/noconv.img"
t "convert fails: once"     0   "^1$"                    sh -c "ls $W/crashnc | wc -l"

# a server configured: the dump goes to a real receiver with salvage send
# (TLS, the pinned key), only dmesg.txt stays, the device is marked; a
# server that does not answer: after SEND_RETRY_FOR the dump is kept here
. tests/cmd/netlib.sh
trap 'kill $(jobs -p) 2>/dev/null' EXIT INT TERM
netkeys receiver client
cp "$W/client.fp" "$W/authorized"
port=$((29700 + $$ % 100 * 3))
receiver "$W/recv" $port
printf 'SERVER=127.0.0.1:%s\nSERVER_KEY=%s\nCLIENT_KEY=%s\n' $port "$W/receiver.pub" "$W/client.key" > "$W/send.defaults"
python3 tests/cmd/mkraw.py complete "$W/a.stream" "$W/send.img" 1764634200
t "collect send"            0   "sent to 127.0.0.1:$port" env SALVAGE_DEFAULTS="$W/send.defaults" SALVAGE_CRASH_DIR="$W/crashsend" $C "$W/send.img"
t "send: only the log here" 0   "^SENT dmesg.txt $"     sh -c "LC_ALL=C ls $W/crashsend/20251202-001000 | tr '\n' ' '"
A=$(stored "$W/recv" client)
t "send: stored there"      0   "^vmcore$"              ls "${A:-$W/none}"
t "send: marked"            3   "collected already"     $S collect "$W/send.img" "$W/again"
kill $rpid 2> /dev/null
wait $rpid 2> /dev/null
python3 tests/cmd/mkraw.py complete "$W/a.stream" "$W/nosend.img" 1764634300
printf 'SEND_RETRY_FOR=2\n' >> "$W/send.defaults"
t "send fails: said"        0   "sending to 127.0.0.1:$port failed: keeping the dump here" timeout 60 env SALVAGE_DEFAULTS="$W/send.defaults" SALVAGE_CRASH_DIR="$W/crashsend" $C "$W/nosend.img"
t "send fails: kept here"   0   "^dmesg.txt vmcore $"   sh -c "LC_ALL=C ls $W/crashsend/20251202-001140 | tr '\n' ' '"
t "send fails: marked"      3   "collected already"     $S collect "$W/nosend.img" "$W/again"

# salvage-collect on an fs: target (its filesystem's root given by the test)
F=$W/fs/var/crash
mkdir -p "$F/20251203-101010" "$F/20251203-111111"
cp "$W/a.stream" "$F/20251203-101010/vmcore.salvage"
head -c 3000000 "$W/a.stream" > "$F/20251203-111111/vmcore.salvage.partial"
printf 'target fs:LABEL=dumps:/var/crash\n' > "$W/fs.conf"
t "collect fs"              0   "saved .*/20251203-101010/vmcore" env SALVAGE_CONF="$W/fs.conf" SALVAGE_FS_ROOT="$W/fs" SALVAGE_CRASH_DIR="$W/crashfs" $C
t "collect fs: kdump"       0   "Kdump compressed dump"  file "$W/crashfs/20251203-101010/vmcore"
t "collect fs: partial"     0   "did not finish"         cat "$W/crashfs/20251203-111111-partial/PARTIAL"
t "collect fs: partial log" 0   "Linux version"          cat "$W/crashfs/20251203-111111-partial/dmesg.txt"
t "collect fs: marked"      0   "^2$"                    sh -c "ls $F/*/.collected | wc -l"
t "collect fs: once"        0   "^2$"                    sh -c "SALVAGE_CONF=$W/fs.conf SALVAGE_FS_ROOT=$W/fs SALVAGE_CRASH_DIR=$W/crashfs $C 2>&1; ls $W/crashfs | wc -l"
# the target's directory is the output directory: collected once only
G=$W/same/var/crash
mkdir -p "$G/20251204-000000"
cp "$W/a.stream" "$G/20251204-000000/vmcore.salvage"
t "collect fs in place"     0   "saved .*/20251204-000000-1/vmcore" env SALVAGE_CONF="$W/fs.conf" SALVAGE_FS_ROOT="$W/same" SALVAGE_CRASH_DIR="$G" $C
t "collect fs in place: once" 0 "^2$" sh -c "SALVAGE_CONF=$W/fs.conf SALVAGE_FS_ROOT=$W/same SALVAGE_CRASH_DIR=$G $C 2>&1; ls $G | wc -l"
mkdir -p "$W/crash0/.collecting.killed"
t "collect: no target"      0   "nothing to collect"     env SALVAGE_CONF=/dev/null SALVAGE_CRASH_DIR="$W/crash0" $C
t "collect: leftovers gone" 0   "^none$"                 sh -c "ls -A $W/crash0 | grep . || echo none"

# the kernel hook: a fake kernel in a temp root
K=$W/kroot
mkdir -p "$K/lib/modules/9.9.9-fake" "$K/boot"
: > "$K/lib/modules/9.9.9-fake/modules.dep"
: > "$K/boot/vmlinuz-9.9.9-fake"
export SALVAGE_ROOT=$K SALVAGE_IMAGES=$K/images SALVAGE_CONF=$W/raw.conf SALVAGE_KEYS=$K/keys \
	SALVAGE_MKINITRAMFS=$R/usr/bin/salvage-mkinitramfs SALVAGE_LOAD=$R/usr/lib/salvage/salvage-load
t "kernel hook"             0   "building .*initrd-9.9.9-fake.img" $R/etc/kernel/postinst.d/salvage 9.9.9-fake "$K/boot/vmlinuz-9.9.9-fake"
# under debconf stdout is its protocol (Debian Kernel Handbook 8.1)
t "hook: nothing on stdout" 0   "^none$" sh -c "$R/etc/kernel/postinst.d/salvage 9.9.9-fake 2> /dev/null | grep . || echo none"
t "hook: image has init"    0   "^init$"                 sh -c "zstd -dc $K/images/initrd-9.9.9-fake.img | cpio -it 2>/dev/null | grep -x init"
t "hook: image has conf"    0   "target raw:"            sh -c "zstd -dc $K/images/initrd-9.9.9-fake.img | cpio -i --to-stdout etc/salvage.conf 2>/dev/null"
t "hook: no modules, no failure" 0 "initramfs for 0.0-none was not built" $R/etc/kernel/postinst.d/salvage 0.0-none
t "postrm hook"             0   "^gone$" sh -c "$R/etc/kernel/postrm.d/salvage 9.9.9-fake && [ ! -e $K/images/initrd-9.9.9-fake.img ] && echo gone"

# salvage-load start: no reservation; then a stale image rebuilt before load
L=$R/usr/lib/salvage/salvage-load
echo 0 > "$W/crash_size"
t "load: no reservation"    1   "no crash kernel memory reserved .*crashkernel=" env SALVAGE_CRASH_SIZE_FILE="$W/crash_size" $L start
echo 268435456 > "$W/crash_size"
kver=$(uname -r)
mkdir -p "$K/lib/modules/$kver"
: > "$K/lib/modules/$kver/modules.dep"
: > "$K/boot/vmlinuz-$kver"
printf '#!/bin/sh\n[ "$1" = load ] && { echo "wrapped $*"; exit 0; }\nexec %s "$@"\n' "$(pwd)/$S" > "$W/loadwrap"
chmod +x "$W/loadwrap"
t "load: no target"         1   "no target in"           env SALVAGE_CRASH_SIZE_FILE="$W/crash_size" SALVAGE_CONF=/dev/null SALVAGE_BIN="$W/loadwrap" $L start
t "load: builds, arms"      0   "^wrapped load --kernel $K/boot/vmlinuz-$kver --initrd $K/images/initrd-$kver.img" env SALVAGE_CRASH_SIZE_FILE="$W/crash_size" SALVAGE_BIN="$W/loadwrap" $L start
t "load: built it"          0   "^initrd-$kver.img$"     ls "$K/images"
t "load: fresh, not rebuilt" 0  "^0$" sh -c "SALVAGE_CRASH_SIZE_FILE=$W/crash_size SALVAGE_BIN=$W/loadwrap $L start 2>&1 | grep -c building || true"
IMG=$K/images/initrd-$kver.img
touch -d '-1 hour' "$IMG"
t "load: newer conf rebuilds" 0 "building "              env SALVAGE_CRASH_SIZE_FILE="$W/crash_size" SALVAGE_BIN="$W/loadwrap" $L start
touch "$IMG"
t "load: older all, kept"   0   "^0$" sh -c "SALVAGE_CRASH_SIZE_FILE=$W/crash_size SALVAGE_BIN=$W/loadwrap $L start 2>&1 | grep -c building || true"
# salvage upgraded by dpkg, or a config put back by rsync -a: changed now,
# their mtime older than the image all the same
touch -d '-3 hours' "$W/loadwrap"
t "load: upgraded salvage rebuilds" 0 "building "        env SALVAGE_CRASH_SIZE_FILE="$W/crash_size" SALVAGE_BIN="$W/loadwrap" $L start
touch -d '-3 hours' "$W/raw.conf"
t "load: restored conf rebuilds" 0 "building "           env SALVAGE_CRASH_SIZE_FILE="$W/crash_size" SALVAGE_BIN="$W/loadwrap" $L start
mkdir -p "$K/keys"; touch "$K/keys/client.key"
t "load: newer key rebuilds" 0  "building "              env SALVAGE_CRASH_SIZE_FILE="$W/crash_size" SALVAGE_BIN="$W/loadwrap" $L start
# a kernel only where Debian's 7.x packages put it (no link in /boot)
mv "$K/boot/vmlinuz-$kver" "$K/lib/modules/$kver/vmlinuz"
t "load: kernel beside its modules" 0 "^wrapped load --kernel $K/lib/modules/$kver/vmlinuz " env SALVAGE_CRASH_SIZE_FILE="$W/crash_size" SALVAGE_BIN="$W/loadwrap" $L start
mv "$K/lib/modules/$kver/vmlinuz" "$K/tmp-vmlinuz"
t "load: no kernel at all"  1   "vmlinuz-$kver and .*/vmlinuz missing" env SALVAGE_CRASH_SIZE_FILE="$W/crash_size" SALVAGE_BIN="$W/loadwrap" $L start
mv "$K/tmp-vmlinuz" "$K/boot/vmlinuz-$kver"
# /etc/default/salvage's example: a whole crash command line in --append
printf 'LOAD_ARGS="--append \\"console=ttyS0 nr_cpus=1\\""\n' > "$W/defaults"
printf '#!/bin/sh\n[ "$1" = load ] && { printf "[%%s]" "$@"; exit 0; }\nexec %s "$@"\n' "$(pwd)/$S" > "$W/loadargs"
chmod +x "$W/loadargs"
t "load: LOAD_ARGS --append" 0  "\[--append\]\[console=ttyS0 nr_cpus=1\]$" env SALVAGE_CRASH_SIZE_FILE="$W/crash_size" SALVAGE_BIN="$W/loadargs" SALVAGE_DEFAULTS="$W/defaults" $L start
summary
