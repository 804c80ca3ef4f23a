#!/usr/bin/env bash
# Usage: initramfs.sh KERNEL_DIR
# Builds KERNEL_DIR/initramfs.cpio.gz: busybox-static, /init (guest-init.sh)
# and the modules that mounting the 9p root and the overlay need, listed in
# load order in /modules. Rebuilt only when an input is newer.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
kdir=$(cd "$1" && pwd)
out=$kdir/initramfs.cpio.gz
kver=$(ls "$kdir/lib/modules")
mods=$kdir/lib/modules/$kver
busybox=/bin/busybox

if [ -f "$out" ] && [ "$out" -nt "$here/guest-init.sh" ] && [ "$out" -nt "$0" ] &&
	[ "$out" -nt "$kdir/.package" ]; then
	exit 0
fi
! ldd "$busybox" >/dev/null 2>&1 ||
	{ echo "initramfs.sh: $busybox is not static (apt-get install busybox-static)" >&2; exit 1; }

# What the guest needs before its root exists; the rest (inet_diag, veth, ...)
# the guest's modprobe loads from the extracted tree. The root comes over 9p,
# or virtiofs where the kernel has no 9p (cloud-amd64): a kernel lacking one
# of the two skips it.
wanted="virtio_pci 9pnet_virtio 9p virtiofs overlay"
optional=" 9pnet_virtio 9p virtiofs "

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"/{bin,dev,proc,sys,newroot,lower,upper,mod}
cp "$busybox" "$tmp/bin/busybox"
cp "$here/guest-init.sh" "$tmp/init"
chmod 755 "$tmp/init"

# modules.dep lists a module's dependencies deepest last: load them in reverse,
# then the module itself; a module is loaded once. A module that is built in
# is absent from modules.dep and skipped.
: > "$tmp/modules"
for m in $wanted; do
	line=$(grep -E "(^|/)${m}\.ko(\.xz|\.zst)?:" "$mods/modules.dep" || true)
	if [ -z "$line" ]; then
		grep -qE "/${m}\.ko" "$mods/modules.builtin" && continue
		case $optional in *" $m "*) continue ;; esac
		echo "initramfs.sh: module $m is neither in modules.dep nor built in" >&2
		exit 1
	fi
	self=${line%%:*}
	deps=$(echo "${line#*:}" | tr ' ' '\n' | sed '/^$/d' | tac)
	for f in $deps $self; do
		name=$(basename "$f"); name=${name%%.ko*}.ko
		grep -qx "$name" "$tmp/modules" && continue
		case $f in
		*.xz) xz -dc "$mods/$f" > "$tmp/mod/$name" ;;
		*.zst) zstd -qdc "$mods/$f" > "$tmp/mod/$name" ;;
		*) cp "$mods/$f" "$tmp/mod/$name" ;;
		esac
		echo "$name" >> "$tmp/modules"
	done
done

(cd "$tmp" && find . | LC_ALL=C sort | busybox cpio -o -H newc -R 0:0 2>/dev/null) | gzip -1 > "$out.new"
mv "$out.new" "$out"
echo "initramfs.sh: $(tr '\n' ' ' < "$tmp/modules")" >&2
