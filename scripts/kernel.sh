#!/bin/sh
# Fetches a Debian kernel package and unpacks it (not installed on the host)
# into build/kernels/KVER/ with a ready modules.dep, for booting under QEMU.
#
#   sh scripts/kernel.sh 6.1        bookworm's kernel (what linux-image-amd64
#                                   depends on, via the host's apt lists)
#   sh scripts/kernel.sh 6.12       newest linux-image-6.12.*-amd64 in
#                                   bookworm-backports (private apt config)
#   sh scripts/kernel.sh 6.1 dbg    also the -dbg package's vmlinux, as
#                                   build/kernels/KVER/vmlinux
#
# Run from the project root. The last line of stdout is the KVER only, e.g.
#   kver=$(sh scripts/kernel.sh 6.1 | tail -1)
# Layout: build/kernels/$kver/boot/vmlinuz-$kver, .../boot/config-$kver,
#         build/kernels/$kver/lib/modules/$kver/modules.dep, [.../vmlinux]
# Progress goes to stderr. Downloads are kept in ${SALVAGE_CACHE:-/var/cache/salvage}
# (outside the clone): debs/, vmlinux/, and apt-backports/ (the private apt
# state for bookworm-backports, whose lists are refreshed at most once a day).
set -eu

prog=kernel.sh
say() { echo "$prog: $*" >&2; }
die() { echo "$prog: error: $*" >&2; exit 1; }

usage() {
	echo "usage: sh scripts/kernel.sh 6.1|6.12 [dbg]" >&2
	exit 2
}

[ $# -ge 1 ] && [ $# -le 2 ] || usage
series=$1
dbg=0
if [ $# -eq 2 ]; then
	[ "$2" = dbg ] || usage
	dbg=1
fi
case $series in
6.1 | 6.12) ;;
*) die "unknown kernel series '$series' (known: 6.1, 6.12)" ;;
esac

[ -d scripts ] && [ -f scripts/kernel.sh ] ||
	die "run me from the project root (sh scripts/kernel.sh ...)"
for t in apt-get apt-cache dpkg dpkg-deb depmod tar; do
	command -v "$t" >/dev/null 2>&1 || die "$t not found (Debian host needed)"
done

cache=${SALVAGE_CACHE:-/var/cache/salvage}
debs=$cache/debs
mkdir -p "$debs" "$cache/vmlinux" ||
	die "cannot create cache directory $cache (set SALVAGE_CACHE?)"
case $cache in /*) ;; *) cache=$(cd "$cache" && pwd); debs=$cache/debs ;; esac

# --- apt configuration -------------------------------------------------------
# APT holds the options every apt-get/apt-cache call gets: empty for the host
# configuration, a private set of -o options for bookworm-backports.
APT=""

private_apt() {
	a=$cache/apt-backports
	mkdir -p "$a/lists/partial" "$a/cache/archives/partial" \
		"$a/sources.list.d" "$a/preferences.d"
	[ -f "$a/status" ] || : >"$a/status"
	cat >"$a/sources.list.new" <<EOT
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-backports main
EOT
	mv -f "$a/sources.list.new" "$a/sources.list"
	# Only these files and directories: nothing of the host's sources,
	# preferences, package status or caches is read or written.
	APT="-o Dir::Etc::SourceList=$a/sources.list
 -o Dir::Etc::SourceParts=$a/sources.list.d
 -o Dir::Etc::Preferences=$a/preferences
 -o Dir::Etc::PreferencesParts=$a/preferences.d
 -o Dir::State::Lists=$a/lists
 -o Dir::State::Status=$a/status
 -o Dir::State::extended_states=$a/extended_states
 -o Dir::Cache=$a/cache
 -o Dir::Cache::archives=$a/cache/archives"

	stamp=$a/updated
	have_lists=0
	ls "$a/lists/"*bookworm-backports_main_binary-amd64_Packages* \
		>/dev/null 2>&1 && have_lists=1
	if [ "$have_lists" = 1 ] && [ -f "$stamp" ] &&
		[ -n "$(find "$stamp" -mtime -1 2>/dev/null)" ]; then
		return 0
	fi
	say "refreshing bookworm-backports package lists in $a"
	# --error-on=any: a failed fetch is an error, not a warning
	# shellcheck disable=SC2086
	if apt-get $APT -qq --error-on=any update >&2; then
		touch "$stamp"
	elif [ "$have_lists" = 1 ]; then
		say "warning: apt-get update failed; using the older lists in $a/lists"
	else
		die "apt-get update for bookworm-backports failed (is deb.debian.org reachable?)"
	fi
}

# apt_field PKG VERSION FIELD: one field of one exact version
apt_field() {
	# shellcheck disable=SC2086
	apt-cache $APT show "$1=$2" 2>/dev/null |
		awk -v f="$3:" '$1 == f { sub(/^[^:]*: */, ""); print; exit }'
}

# --- 1. resolve package name and version --------------------------------------
pkg=""
ver=""
case $series in
6.1)
	# the host's apt lists (bookworm, bookworm-updates, bookworm-security)
	dep=$(apt-cache show --no-all-versions linux-image-amd64 2>/dev/null |
		sed -n 's/^Depends: *//p' | head -1)
	[ -n "$dep" ] ||
		die "no linux-image-amd64 in the host's apt lists (run apt-get update?)"
	# "linux-image-6.1.0-56-amd64 (= 6.1.192-2)"
	pkg=$(echo "$dep" | sed -n 's/^\(linux-image-[^ ,(]*\) *(= *\([^)]*\)).*/\1/p')
	ver=$(echo "$dep" | sed -n 's/^\(linux-image-[^ ,(]*\) *(= *\([^)]*\)).*/\2/p')
	[ -n "$pkg" ] && [ -n "$ver" ] ||
		die "cannot parse linux-image-amd64's Depends: '$dep'"
	case $pkg in
	linux-image-6.1.*-amd64) ;;
	*) die "linux-image-amd64 depends on $pkg, not a 6.1 kernel" ;;
	esac
	;;
6.12)
	private_apt
	# every (name, version) of linux-image-6.12.*-amd64 (not -cloud/-rt/
	# -dbg/-unsigned), newest version wins
	# shellcheck disable=SC2086
	list=$(apt-cache $APT dumpavail 2>/dev/null | awk '
		/^Package: / { p = ($2 ~ /^linux-image-6\.12\.[^-]*-amd64$/) ? $2 : "" }
		/^Version: / { if (p != "") print p, $2; p = "" }')
	[ -n "$list" ] ||
		die "no linux-image-6.12.*-amd64 package in bookworm-backports"
	while read -r p v; do
		if [ -z "$ver" ] || dpkg --compare-versions "$v" gt "$ver"; then
			pkg=$p
			ver=$v
		fi
	done <<EOT
$list
EOT
	;;
esac
kver=${pkg#linux-image-}
say "$series: $pkg $ver (KVER $kver)"

root=build/kernels/$kver
stamp=$root/.unpacked
dbgpkg=$pkg-dbg

# fetch PKG VERSION: make sure $debs/PKG_VERSION_amd64.deb exists; sets $deb
fetch() {
	deb=$debs/${1}_$(echo "$2" | sed 's/:/%3a/g')_amd64.deb
	if [ -s "$deb" ]; then
		say "have $(basename "$deb")"
		return 0
	fi
	size=$(apt_field "$1" "$2" Size)
	[ -n "$size" ] || die "no package $1 version $2 in the apt lists"
	say "downloading $1 $2 ($((size / 1048576)) MB) into $debs"
	tmp=$debs/.dl.$$
	rm -rf "$tmp"
	mkdir -p "$tmp"
	chown _apt "$tmp" 2>/dev/null || true # lets apt's sandbox user write
	t0=$(date +%s)
	# shellcheck disable=SC2086
	if ! (cd "$tmp" && apt-get $APT -q download "$1=$2" >&2); then
		rm -rf "$tmp"
		die "download of $1 $2 failed (stale apt lists? try apt-get update)"
	fi
	got=$(ls "$tmp"/*.deb 2>/dev/null | head -1)
	[ -n "$got" ] && [ -s "$got" ] || {
		rm -rf "$tmp"
		die "apt-get download of $1 $2 left no .deb"
	}
	mv -f "$got" "$deb"
	rm -rf "$tmp"
	say "downloaded $(basename "$deb") in $(($(date +%s) - t0)) s"
}

# --- 2.-3. download, unpack, depmod -------------------------------------------
if [ -f "$stamp" ] && [ -f "$root/boot/vmlinuz-$kver" ] &&
	[ -f "$root/lib/modules/$kver/modules.dep" ]; then
	say "$root already unpacked"
else
	fetch "$pkg" "$ver"
	mkdir -p build/kernels
	tmproot=build/kernels/.tmp-$kver.$$
	rm -rf "$tmproot"
	trap 'rm -rf "$tmproot"' EXIT
	trap 'exit 1' HUP INT TERM
	t0=$(date +%s)
	say "unpacking $(basename "$deb")"
	dpkg -x "$deb" "$tmproot" || die "dpkg -x $deb failed (corrupt .deb? remove it)"
	[ -f "$tmproot/boot/vmlinuz-$kver" ] ||
		die "$pkg has no boot/vmlinuz-$kver"
	if [ ! -d "$tmproot/lib/modules/$kver" ]; then
		if [ -d "$tmproot/usr/lib/modules/$kver" ]; then
			# modules in /usr/lib: give depmod and callers lib/modules/KVER
			mkdir -p "$tmproot/lib/modules"
			ln -s "../../usr/lib/modules/$kver" "$tmproot/lib/modules/$kver"
		else
			die "$pkg has no lib/modules/$kver or usr/lib/modules/$kver"
		fi
	fi
	depmod -b "$tmproot" "$kver" || die "depmod -b $tmproot $kver failed"
	for f in modules.dep modules.softdep modules.alias modules.builtin; do
		[ -f "$tmproot/lib/modules/$kver/$f" ] || die "depmod made no $f"
	done
	printf '%s %s\n' "$pkg" "$ver" >"$tmproot/.unpacked"
	# keep a vmlinux extracted earlier for the same kver
	[ -e "$root/vmlinux" ] && mv -f "$root/vmlinux" "$tmproot/vmlinux"
	rm -rf "$root"
	mv "$tmproot" "$root"
	trap - EXIT HUP INT TERM
	say "unpacked into $root in $(($(date +%s) - t0)) s"
fi

# --- dbg: only the debug vmlinux ----------------------------------------------
if [ "$dbg" = 1 ] && [ ! -s "$root/vmlinux" ]; then
	cached=$cache/vmlinux/vmlinux-$kver
	if [ -s "$cached" ]; then
		say "have $cached"
	else
		fetch "$dbgpkg" "$ver"
		t0=$(date +%s)
		say "extracting usr/lib/debug/boot/vmlinux-$kver from $(basename "$deb")"
		tmpv=$cached.tmp.$$
		trap 'rm -f "$tmpv"' EXIT
		trap 'exit 1' HUP INT TERM
		dpkg-deb --fsys-tarfile "$deb" |
			tar -xO "./usr/lib/debug/boot/vmlinux-$kver" >"$tmpv" ||
			die "cannot extract vmlinux-$kver from $deb"
		[ -s "$tmpv" ] || die "vmlinux-$kver in $deb is missing or empty"
		mv -f "$tmpv" "$cached"
		trap - EXIT HUP INT TERM
		say "extracted in $(($(date +%s) - t0)) s"
	fi
	ln -f "$cached" "$root/vmlinux" 2>/dev/null || cp "$cached" "$root/vmlinux"
fi

echo "$kver"
