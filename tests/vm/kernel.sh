#!/usr/bin/env bash
# Usage: kernel.sh FLAVOUR VMDIR
# Makes VMDIR/FLAVOUR hold the newest Debian 6.1 kernel of that flavour
# (amd64, cloud-amd64, rt-amd64), extracted, never installed on the host, with
# modules.dep generated. Prints the kernel release. A second run with the same
# package version reuses the extracted tree.
set -euo pipefail
flavour=$1 vmdir=$2
dir=$vmdir/$flavour

# The newest ABI number that has an unsigned image of this flavour (not every
# ABI in the archive does); the anchored regex keeps amd64 from matching cloud-amd64.
pkg=$(apt-cache search --names-only "^linux-image-6\.1\.0-[0-9]+-${flavour}-unsigned\$" |
	awk '{print $1}' | sort -V | tail -n 1)
[ -n "$pkg" ] || { echo "kernel.sh: no linux-image-6.1.0-*-$flavour-unsigned in apt (run apt-get update)" >&2; exit 1; }
ver=$(apt-cache policy "$pkg" | awk '/Candidate:/ {print $2}')
want="$pkg $ver"

if [ -f "$dir/.package" ] && [ "$(cat "$dir/.package")" = "$want" ]; then
	ls "$dir/lib/modules"
	exit 0
fi

echo "kernel.sh: fetching $want" >&2
rm -rf "$dir" "$vmdir/dl-$flavour"
mkdir -p "$vmdir/dl-$flavour" "$dir"
# apt-get download writes into the current directory.
(cd "$vmdir/dl-$flavour" && apt-get download -q "$pkg=$ver" >&2)
dpkg-deb -x "$vmdir/dl-$flavour"/*.deb "$dir"
rm -rf "$vmdir/dl-$flavour"
kver=$(ls "$dir/lib/modules")
# The package has no modules.dep (the postinst runs depmod); the guest's modprobe needs it.
depmod -b "$dir" "$kver"
echo "$want" > "$dir/.package"
echo "$kver"
