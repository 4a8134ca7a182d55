#!/bin/sh
# Installs the Debian packages mkboot needs, when any is missing.
# Run as root on Debian 12; as another user it only says what is missing.
set -e
PKGS="gcc make binutils gnu-efi nasm ovmf qemu-system-x86 mtools dosfstools busybox-static
      grub-pc-bin grub-efi-amd64-bin grub-common xorriso clang llvm libclang-rt-14-dev
      python3 cpio gzip"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "mkboot: missing Debian packages:$missing (run as root, or apt-get install them)" >&2
	exit 1
fi
echo "mkboot: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# Update the package lists only when they are absent or a first install fails.
if ! ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1; then
	apt-get update -q
fi
apt-get install -y -q --no-install-recommends $missing || { apt-get update -q && apt-get install -y -q --no-install-recommends $missing; }
