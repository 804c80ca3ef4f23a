#!/bin/busybox sh
# /init of the vmtest initramfs (busybox). Loads the 9p/virtiofs and overlay
# modules, mounts the host's / (9p or virtiofs, read-only) under a tmpfs overlay so the guest can
# write anywhere, mounts the results share, then switches to that root and
# runs the script named by vmtest.run= on the kernel command line.
/bin/busybox --install -s /bin
export PATH=/bin

fail() {
	echo "vmtest init: $*"
	echo o > /proc/sysrq-trigger  # power off: the host sees no result
	sleep 10
}

mount -t devtmpfs devtmpfs /dev
mount -t proc proc /proc
mount -t sysfs sysfs /sys
exec </dev/console >/dev/console 2>&1

for m in $(cat /modules); do
	insmod "/mod/$m" || fail "insmod $m failed"
done

# The command line carries key=value words: vmtest.run, vmtest.repo, ...
for w in $(cat /proc/cmdline); do
	case $w in vmtest.*=*) k=${w%%=*}; k=${k#vmtest.}; eval "export vm_$k=\${w#*=}" ;; esac
done
[ -n "${vm_run:-}" ] || fail "no vmtest.run= on the kernel command line"

# vmtest.fs: 9p, or virtiofs for a kernel without 9p.
# msize: larger 9p messages, far fewer round trips for reads of big files.
opts=trans=virtio,version=9p2000.L,msize=512000
if [ "${vm_fs:-9p}" = virtiofs ]; then
	mount -t virtiofs -o ro hostroot /lower || fail "mounting the host root (virtiofs) failed"
else
	mount -t 9p -o "$opts,ro,cache=loose" hostroot /lower || fail "mounting the host root failed"
fi
mount -t tmpfs -o mode=755 tmpfs /upper
mkdir -p /upper/u /upper/w
mount -t overlay overlay -o lowerdir=/lower,upperdir=/upper/u,workdir=/upper/w /newroot ||
	fail "mounting the overlay failed"
mkdir -p /newroot/vmresults
if [ "${vm_fs:-9p}" = virtiofs ]; then
	mount -t virtiofs results /newroot/vmresults || fail "mounting the results share failed"
else
	mount -t 9p -o "$opts,cache=none" results /newroot/vmresults || fail "mounting the results share failed"
fi

for d in dev proc sys; do
	mount --move /$d /newroot/$d
done
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8
exec switch_root /newroot /bin/bash "$vm_run"
