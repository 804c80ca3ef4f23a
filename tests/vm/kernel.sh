#!/usr/bin/env bash
# Usage: kernel.sh FLAVOUR VMDIR [SERIES]
# Makes VMDIR/FLAVOUR (VMDIR/SERIES-FLAVOUR for a SERIES other than 6.1)
# hold the newest Debian 12 kernel of that series (default 6.1; 6.12 from
# bookworm's updates) and flavour (amd64, cloud-amd64, rt-amd64), extracted,
# never installed on the host, with modules.dep generated. Prints that
# directory and the kernel release. A second run with the same package version reuses the tree.
set -euo pipefail
flavour=$1 vmdir=$2 series=${3:-6.1}
dir=$vmdir/$flavour
[ "$series" = 6.1 ] || dir=$vmdir/$series-$flavour

# The newest version that has an unsigned image of this flavour (not every ABI
# in the archive does): 6.1.0-57-amd64, 6.12.115+deb12-amd64. The part before
# the flavour ends in a digit, so amd64 does not match cloud-amd64.
pkg=$(apt-cache search --names-only \
	"^linux-image-${series//./\\.}\\.[0-9]+[-+][0-9a-z]*[0-9]-${flavour}-unsigned\$" |
	awk '{print $1}' | sort -V | tail -n 1)
[ -n "$pkg" ] || { echo "kernel.sh: no linux-image-$series*-$flavour-unsigned in apt (run apt-get update)" >&2; exit 1; }
ver=$(apt-cache policy "$pkg" | awk '/Candidate:/ {print $2}')
want="$pkg $ver"

if [ -f "$dir/.package" ] && [ "$(cat "$dir/.package")" = "$want" ]; then
	echo "$dir $(ls "$dir/lib/modules")"
	exit 0
fi

echo "kernel.sh: fetching $want" >&2
dl=$dir.download
rm -rf "$dir" "$dl"
mkdir -p "$dl" "$dir"
# apt-get download writes into the current directory.
(cd "$dl" && apt-get download -q "$pkg=$ver" >&2)
dpkg-deb -x "$dl"/*.deb "$dir"
rm -rf "$dl"
kver=$(ls "$dir/lib/modules")
# The package has no modules.dep (the postinst runs depmod); the guest's modprobe needs it.
depmod -b "$dir" "$kver"
echo "$want" > "$dir/.package"
echo "$dir $kver"
