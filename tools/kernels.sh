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
	[ "$updated" = 1 ] && return 1
	say "refreshing the package lists (apt-get update)"
	apt-get -q update >/dev/null || die "apt-get update failed"
	updated=1
}

# The versioned package the metapackage's candidate depends on, or nothing.
resolve_pkg() {
	apt-cache depends "$meta" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-'"$flavour"'-amd64\)$/\1/p' | head -n 1
}

candidate_version() {
	apt-cache policy "$1" 2>/dev/null | sed -n 's/^ *Candidate: //p' | head -n 1
}

mkdir -p "$cache"
pkg=$(resolve_pkg)
if [ -z "$pkg" ]; then
	apt_update || true
	pkg=$(resolve_pkg)
fi
[ -n "$pkg" ] || die "cannot resolve $meta to a versioned package (is Debian's archive in sources.list?)"
ver=$(candidate_version "$pkg")
if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
	die "$pkg has no candidate version"
fi
# apt-get download names files name_version_arch.deb with ':' written as %3a.
deb="$cache/${pkg}_$(echo "$ver" | sed 's/:/%3a/g')_amd64.deb"

if [ -s "$deb" ] && dpkg-deb --info "$deb" >/dev/null 2>&1; then
	say "$pkg $ver (cached $deb, $(stat -c %s "$deb") bytes)"
else
	rm -f "$deb"
	start=$(date +%s)
	# shellcheck disable=SC2086 # apt_opts is empty or two words on purpose
	if ! (cd "$cache" && apt-get -q $apt_opts download "$pkg=$ver" >/dev/null); then
		apt_update || die "apt-get download $pkg=$ver failed"
		ver=$(candidate_version "$pkg")
		deb="$cache/${pkg}_$(echo "$ver" | sed 's/:/%3a/g')_amd64.deb"
		# shellcheck disable=SC2086
		(cd "$cache" && apt-get -q $apt_opts download "$pkg=$ver" >/dev/null) ||
			die "apt-get download $pkg=$ver failed"
	fi
	[ -s "$deb" ] || die "apt-get download left no $deb"
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
