#!/bin/sh
# Builds mkboot's test initramfs: a gzip'd newc cpio with a static busybox
# (busybox-static), every applet as a symlink, the static mkboot tool and
# tools/initrd/init.
#   tools/initrd/build.sh OUT MKBOOT [BUSYBOX]      e.g. build/initrd.img build/mkboot
# File times are set to 0 and owners to root, so the same inputs give the same bytes.
set -eu

out=${1:-}
mkboot=${2:-}
busybox=${3:-/bin/busybox}
here=$(dirname "$0")
if [ -z "$out" ] || [ -z "$mkboot" ]; then
	echo "usage: tools/initrd/build.sh OUT MKBOOT [BUSYBOX]" >&2
	exit 2
fi
die() { echo "initrd: error: $*" >&2; exit 1; }

# Nothing in the initramfs has a dynamic loader or libraries to load.
for f in "$busybox" "$mkboot"; do
	[ -x "$f" ] || die "$f: missing (busybox: apt-get install busybox-static; mkboot: make build/mkboot)"
	if readelf -l "$f" 2>/dev/null | grep -q 'program interpreter'; then
		die "$f is dynamically linked: the initramfs has no libraries (want busybox-static)"
	fi
done

root=$(mktemp -d "${TMPDIR:-/tmp}/mkboot-initrd.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" "$root/tmp"
cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
	[ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
done
# Debug info is for the host: stripped, the tool is a quarter of the size.
strip -o "$root/bin/mkboot" "$mkboot" 2>/dev/null || cp "$mkboot" "$root/bin/mkboot"
cp "$here/init" "$root/init"
chmod 755 "$root/init" "$root/bin/mkboot" "$root/bin/busybox"
# The kernel opens /dev/console for init before any devtmpfs is mounted, and ash
# opens /dev/null for every background job.  Without the nodes (a non-root
# build) init still works: it reopens the console after mounting devtmpfs.
if ! mknod "$root/dev/console" c 5 1 2>/dev/null || ! mknod "$root/dev/null" c 1 3 2>/dev/null; then
	echo "initrd: note: no /dev/console or /dev/null node in the archive (not root)"
fi
find "$root" -exec touch -h -d @0 {} +

mkdir -p "$(dirname "$out")"
(cd "$root" && find . | LC_ALL=C sort | "$busybox" cpio -o -H newc -R 0:0 2>/dev/null) |
	gzip -9n >"$out.tmp"
mv -f "$out.tmp" "$out"
echo "initrd: $out: $(find "$root" | wc -l) entries, $(stat -c %s "$out") bytes" \
	"($("$busybox" | head -n 1 | sed 's/ multi-call.*//'), $mkboot)"
