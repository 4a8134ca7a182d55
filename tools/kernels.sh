#!/bin/sh
# Fetches a Debian kernel for the QEMU tests without installing it:
#   tools/kernels.sh FLAVOUR OUT        FLAVOUR: cloud | rt    OUT: e.g. build/vmlinuz
#
# linux-image-FLAVOUR-amd64 is a metapackage; its Depends names the current
# versioned package (linux-image-6.1.0-NN-FLAVOUR-amd64), whose .deb holds
# ./boot/vmlinuz-*.  The .deb is kept in $MKBOOT_CACHE (default
# ~/.cache/mkboot/debs), outside build/, so `make clean` and CI reruns do not
# download it again.  Package lists are refreshed (apt-get update) only when
# they are missing or a download fails.
set -eu

flavour=${1:-}
out=${2:-}
case "$flavour" in
cloud | rt) ;;
*)
	echo "usage: tools/kernels.sh cloud|rt OUT" >&2
	exit 2
	;;
esac
[ -n "$out" ] || { echo "usage: tools/kernels.sh cloud|rt OUT" >&2; exit 2; }

cache=${MKBOOT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mkboot/debs}
meta="linux-image-$flavour-amd64"
say() { echo "kernels: $flavour: $*"; }
die() { echo "kernels: $flavour: error: $*" >&2; exit 1; }

# Root downloads into a root-only folder: apt's _apt sandbox user could not write there.
apt_opts=""
[ "$(id -u)" = 0 ] && apt_opts="-o APT::Sandbox::User=root"

updated=0
apt_update() {
	[ "$updated" = 0 ] || return 1
	updated=1
	say "refreshing the package lists (apt-get update)"
	apt-get -q update >/dev/null || { say "apt-get update failed"; return 1; }
}

# Sets pkg, ver and deb from the package lists: the versioned package the
# metapackage's candidate depends on, its candidate version, its cache file.
resolve() {
	pkg=$(apt-cache depends "$meta" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-'"$flavour"'-amd64\)$/\1/p' | head -n 1)
	[ -n "$pkg" ] || return 1
	ver=$(apt-cache policy "$pkg" 2>/dev/null | sed -n 's/^ *Candidate: //p' | head -n 1)
	if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
		return 1
	fi
	# apt-get download names files name_version_arch.deb with ':' written as %3a.
	deb="$cache/${pkg}_$(echo "$ver" | sed 's/:/%3a/g')_amd64.deb"
}

cached() { [ -s "$deb" ] && dpkg-deb --info "$deb" >/dev/null 2>&1; }

download() {
	cached && return 0
	rm -f "$deb"
	# shellcheck disable=SC2086 # apt_opts is empty or two words on purpose
	(cd "$cache" && apt-get -q $apt_opts download "$pkg=$ver" >/dev/null) && cached
}

# Offline without package lists: the highest version of this flavour fetched before.
newest_cached() {
	deb=""
	ver=""
	for f in "$cache"/linux-image-[0-9]*-"$flavour"-amd64_*_amd64.deb; do
		[ -f "$f" ] || continue
		v=$(basename "$f" | cut -d_ -f2 | sed 's/%3a/:/g')
		if [ -z "$deb" ] || dpkg --compare-versions "$v" gt "$ver"; then
			deb=$f
			ver=$v
		fi
	done
	[ -n "$deb" ]
}

mkdir -p "$cache"
if ! resolve && ! { apt_update && resolve; }; then
	newest_cached || die "cannot resolve $meta to a versioned package (is Debian's archive in sources.list?)"
	say "no package lists: using the cached $deb"
elif cached; then
	say "$pkg $ver (cached $deb, $(stat -c %s "$deb") bytes)"
else
	start=$(date +%s)
	if ! download && ! { apt_update && resolve && download; }; then
		die "apt-get download $pkg=$ver failed"
	fi
	say "$pkg $ver (downloaded $(stat -c %s "$deb") bytes in $(($(date +%s) - start)) s to $deb)"
fi

# Only ./boot/vmlinuz-* leaves the archive; nothing is installed.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mkboot-kernel.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './boot/vmlinuz-*' ||
	die "no ./boot/vmlinuz-* in $deb"
set -- "$tmp"/boot/vmlinuz-*
if [ $# != 1 ] || [ ! -f "$1" ]; then
	die "expected one ./boot/vmlinuz-* in $deb, found $#"
fi
mkdir -p "$(dirname "$out")"
cp "$1" "$out.tmp"
mv -f "$out.tmp" "$out"
say "$(basename "$1") -> $out ($(stat -c %s "$out") bytes)"
