#!/bin/sh
# make deb: builds build/salvage_VERSION_amd64.deb with dpkg-buildpackage
# from a copy of the tree in build/deb/ (dpkg-buildpackage writes its
# results in the parent of the source tree: here build/deb/, not beside the
# clone). The copy uses this tree's build/deps (scripts/deps.sh).
set -eu
cd "$(dirname "$0")/.."
top=$(pwd)
ver=$(dpkg-parsechangelog -l debian/changelog -S Version)
src=build/deb/salvage-$ver
rm -rf build/deb
mkdir -p "$src/build"
# tracked and new files of the work tree, mtimes kept (so build/deps/.done
# stays newer than scripts/deps.sh and the deps are not rebuilt)
git ls-files -co --exclude-standard -z | tar -cf - --null -T - | tar -xf - -C "$src"
ln -s "$top/build/deps" "$src/build/deps"
(cd "$src" && dpkg-buildpackage -b -us -uc) > build/deb/build.log 2>&1 ||
	{ tail -n 30 build/deb/build.log; echo "deb: dpkg-buildpackage failed (build/deb/build.log)" >&2; exit 1; }
cp "build/deb/salvage_${ver}_amd64.deb" build/
echo "build/salvage_${ver}_amd64.deb"
