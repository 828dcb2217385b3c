#!/bin/sh
# Fetches a Debian kernel package and unpacks it (not installed on the host)
# into build/kernels/KVER/ with a ready modules.dep, for booting under QEMU.
#
#   sh scripts/kernel.sh 6.1        bookworm's kernel (what linux-image-amd64
#                                   depends on, via the host's apt lists)
#   sh scripts/kernel.sh 6.12       newest linux-image-6.12.*-amd64 in
#                                   bookworm-backports (private apt config)
#   sh scripts/kernel.sh 7          the newest 7.x in trixie-backports or sid
#                                   (private apt config) that has its kernel,
#                                   modules and -dbg packages all in the lists
#   sh scripts/kernel.sh 6.1 dbg    also the -dbg package's vmlinux, as
#                                   build/kernels/KVER/vmlinux
#
# From 7.x on, linux-image-KVER is an empty package that depends on
# linux-binary-KVER (vmlinuz), linux-modules-KVER and linux-base-KVER: those
# three are unpacked.
#
# Run from the project root. The last line of stdout is the KVER only, e.g.
#   kver=$(sh scripts/kernel.sh 6.1 | tail -1)
# Layout: build/kernels/$kver/boot/vmlinuz-$kver, .../boot/config-$kver,
#         build/kernels/$kver/lib/modules/$kver/modules.dep, [.../vmlinux]
# Progress goes to stderr. Downloads are kept in ${SALVAGE_CACHE:-/var/cache/salvage}
# (outside the clone): debs/, vmlinux/, apt-backports/ and apt-7/ (the private
# apt states for bookworm-backports and for trixie-backports + sid, whose
# lists are refreshed at most once a day).
set -eu

prog=kernel.sh
say() { echo "$prog: $*" >&2; }
die() { echo "$prog: error: $*" >&2; exit 1; }

usage() {
	echo "usage: sh scripts/kernel.sh 6.1|6.12|7 [dbg]" >&2
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
6.1 | 6.12 | 7) ;;
*) die "unknown kernel series '$series' (known: 6.1, 6.12, 7)" ;;
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
# configuration, a private set of -o options for other suites.
APT=""

# private_apt NAME SUITE...: APT for a private state in $cache/apt-NAME that
# reads only the main component of these suites of Debian's archive
private_apt() {
	a=$cache/apt-$1
	shift
	mkdir -p "$a/lists/partial" "$a/cache/archives/partial" \
		"$a/sources.list.d" "$a/preferences.d"
	[ -f "$a/status" ] || : >"$a/status"
	for suite in "$@"; do
		echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $suite main"
	done >"$a/sources.list.new"
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
	have_lists=1
	for suite in "$@"; do
		ls "$a/lists/"*"_${suite}_main_binary-amd64_Packages"* >/dev/null 2>&1 ||
			have_lists=0
	done
	if [ "$have_lists" = 1 ] && [ -f "$stamp" ] &&
		[ -n "$(find "$stamp" -mtime -1 2>/dev/null)" ]; then
		return 0
	fi
	say "refreshing $* package lists in $a"
	# --error-on=any: a failed fetch is an error, not a warning
	# shellcheck disable=SC2086
	if apt-get $APT -qq --error-on=any update >&2; then
		touch "$stamp"
	elif [ "$have_lists" = 1 ]; then
		say "warning: apt-get update failed; using the older lists in $a/lists"
	else
		die "apt-get update for $* failed (is deb.debian.org reachable?)"
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
	private_apt backports bookworm-backports
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
7)
	private_apt 7 trixie-backports sid
	# trixie-backports keeps only linux-binary for some builds: a
	# candidate needs all four packages at one version
	# shellcheck disable=SC2086
	list=$(apt-cache $APT dumpavail 2>/dev/null | awk '
		/^Package: / { p = $2 }
		/^Version: / {
			if (match(p, /^linux-(image|binary|modules)-7\.[^-]*-amd64(-dbg)?$/)) {
				k = p; sub(/^linux-[a-z]*-/, "", k); sub(/-dbg$/, "", k)
				kind = p ~ /-dbg$/ ? "dbg" : substr(p, 7, 3)
				have[k " " $2] = have[k " " $2] " " kind
			}
		}
		END { for (kv in have) if (have[kv] ~ /ima/ && have[kv] ~ /bin/ &&
			have[kv] ~ /mod/ && have[kv] ~ /dbg/) print kv }')
	[ -n "$list" ] ||
		die "no 7.x kernel with linux-binary, linux-modules and -dbg in trixie-backports or sid"
	while read -r k v; do
		if [ -z "$ver" ] || dpkg --compare-versions "$v" gt "$ver"; then
			pkg=linux-image-$k
			ver=$v
		fi
	done <<EOT
$list
EOT
	;;
esac
kver=${pkg#linux-image-}
say "$series: $pkg $ver (KVER $kver)"
# what holds vmlinuz and the modules
case $series in
7) debpkgs="linux-binary-$kver linux-modules-$kver linux-base-$kver" ;;
*) debpkgs=$pkg ;;
esac

root=build/kernels/$kver
stamp=$root/.unpacked
dbgpkg=$pkg-dbg

# debfile PKG VERSION: where the cache keeps that .deb
debfile() {
	echo "$debs/${1}_$(echo "$2" | sed 's/:/%3a/g')_amd64.deb"
}

# fetch PKG VERSION: make sure $debs/PKG_VERSION_amd64.deb exists; sets $deb
fetch() {
	deb=$(debfile "$1" "$2")
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
	for p in $debpkgs; do fetch "$p" "$ver"; done
	mkdir -p build/kernels
	tmproot=build/kernels/.tmp-$kver.$$
	rm -rf "$tmproot"
	trap 'rm -rf "$tmproot"' EXIT
	trap 'exit 1' HUP INT TERM
	t0=$(date +%s)
	for p in $debpkgs; do
		deb=$(debfile "$p" "$ver")
		say "unpacking $(basename "$deb")"
		dpkg -x "$deb" "$tmproot" || die "dpkg -x $deb failed (corrupt .deb? remove it)"
	done
	# 7.x ships vmlinuz (and config) in usr/lib/modules/KVER/ only
	for f in vmlinuz config; do
		[ -e "$tmproot/boot/$f-$kver" ] || [ ! -f "$tmproot/usr/lib/modules/$kver/$f" ] || {
			mkdir -p "$tmproot/boot"
			ln -s "../usr/lib/modules/$kver/$f" "$tmproot/boot/$f-$kver"
		}
	done
	[ -f "$tmproot/boot/vmlinuz-$kver" ] ||
		die "$debpkgs: no boot/vmlinuz-$kver"
	if [ ! -d "$tmproot/lib/modules/$kver" ]; then
		if [ -d "$tmproot/usr/lib/modules/$kver" ]; then
			# modules in /usr/lib: give depmod and callers lib/modules/KVER
			mkdir -p "$tmproot/lib/modules"
			ln -s "../../usr/lib/modules/$kver" "$tmproot/lib/modules/$kver"
		else
			die "$debpkgs: no lib/modules/$kver or usr/lib/modules/$kver"
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
# extract_vmlinux DEB DIR: DIR/vmlinux is the -dbg package's
# usr/lib/debug/boot/vmlinux-KVER. On 7.x that is a symbolic link (to
# usr/lib/debug/lib/modules/KVER/vmlinux): one pass over the 1 GB package
# takes every vmlinux* under usr/lib/debug, then the link is followed there;
# a target of another name costs a second pass.
extract_vmlinux() {
	dpkg-deb --fsys-tarfile "$1" |
		tar -x -C "$2" --wildcards "./usr/lib/debug/*vmlinux*" ||
		die "cannot extract vmlinux-$kver from $1"
	f=$2/usr/lib/debug/boot/vmlinux-$kver
	n=0
	while [ -L "$f" ] && [ $n -lt 8 ]; do
		t=$(readlink "$f")
		case $t in
		/*) f=$2$t ;;
		*) f=$(dirname "$f")/$t ;;
		esac
		f=$(realpath -m -s "$f")
		n=$((n + 1))
		if [ ! -e "$f" ] && [ ! -L "$f" ]; then
			m=./$(realpath -m -s --relative-to="$2" "$f")
			say "vmlinux-$kver is a link to $m: extracting that"
			dpkg-deb --fsys-tarfile "$1" | tar -x -C "$2" "$m" ||
				die "cannot extract $m from $1"
		fi
	done
	[ -f "$f" ] && [ ! -L "$f" ] && [ -s "$f" ] ||
		die "vmlinux-$kver in $1 is missing, empty or a broken link"
	mv -f "$f" "$2/vmlinux"
}

if [ "$dbg" = 1 ] && [ ! -s "$root/vmlinux" ]; then
	cached=$cache/vmlinux/vmlinux-$kver
	if [ -s "$cached" ]; then
		say "have $cached"
	else
		fetch "$dbgpkg" "$ver"
		t0=$(date +%s)
		say "extracting usr/lib/debug/boot/vmlinux-$kver from $(basename "$deb")"
		tmpv=$cached.tmp.$$
		trap 'rm -rf "$tmpv"' EXIT
		trap 'exit 1' HUP INT TERM
		mkdir -p "$tmpv"
		extract_vmlinux "$deb" "$tmpv"
		mv -f "$tmpv/vmlinux" "$cached"
		rm -rf "$tmpv"
		trap - EXIT HUP INT TERM
		say "extracted in $(($(date +%s) - t0)) s"
	fi
	ln -f "$cached" "$root/vmlinux" 2>/dev/null || cp "$cached" "$root/vmlinux"
fi

echo "$kver"
