#!/bin/bash
# PID 1 of the vmtest guest, on the overlay root. Sets up what a host has
# (bpffs, tracefs, cgroup2, lo, fd limits, the kernel's modules and config),
# runs the integration and e2e suites with CI=true, writes output, exit code
# and kernel release to the results share, and powers off.
# Its settings come from the kernel command line through guest-init.sh:
# vm_repo (the checkout), vm_build (its build dir), vm_kdir (the extracted
# kernel package), vm_noconfig (1: no /boot/config-*, HZ from jiffies_64),
# vm_timeout (seconds for the suites), vm_mode (tests, hook_cost or script:
# vm_script).
set -uo pipefail
res=/vmresults

off() {
	sync
	umount "$res" 2>/dev/null
	/bin/busybox poweroff -f
	echo o > /proc/sysrq-trigger
	sleep 60
}
trap off EXIT

set -e
# /tmp stays the overlay's (writes go to its tmpfs upper): a tmpfs mounted
# over it would hide a checkout under /tmp, as CI's clone may be.
chmod 1777 /tmp
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p /dev/pts /dev/shm
mount -t devpts -o ptmxmode=666,gid=5,mode=620 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
# devtmpfs lacks the links udev would make; bash's <(...) needs /dev/fd.
ln -sfn /proc/self/fd /dev/fd
ln -sfn /proc/self/fd/0 /dev/stdin
ln -sfn /proc/self/fd/1 /dev/stdout
ln -sfn /proc/self/fd/2 /dev/stderr
mount -t bpf bpf /sys/fs/bpf
mount -t tracefs tracefs /sys/kernel/tracing
mount -t debugfs debugfs /sys/kernel/debug
mount -t cgroup2 cgroup2 /sys/fs/cgroup
hostname vmtest
ip link set lo up

# The host's limits (hard 20000); tests raise their own soft limit above 4096.
ulimit -Hn 20000
ulimit -Sn 20000

# The extracted package's modules, for the kernel's own module loading
# (inet_diag for ss, veth, ...): /lib/modules/<release> is not on the host.
kver=$(uname -r)
mkdir -p "/lib/modules/$kver"
mount --bind "$vm_kdir/lib/modules/$kver" "/lib/modules/$kver"

# sockcost reads HZ from /proc/config.gz or /boot/config-<release>; without
# either it estimates HZ from jiffies_64 (VMTEST_NOCONFIG=1 exercises that).
rm -f /boot/config-"$kver"
if [ "${vm_noconfig:-0}" != 1 ]; then
	mkdir -p /boot
	cp "$vm_kdir/boot/config-$kver" /boot/
fi
set +e

echo "$kver" > "$res/uname"
cd "$vm_repo"
start=$(date +%s)
case ${vm_mode:-tests} in
tests)
	# No security policy in the guest refuses map iterators: the storage count must be there.
	# The image test stays on the host: its build fetches packages, and the guest has no network.
	CI=true SOCKCOST_EXPECT_STORAGE_ITER=1 timeout -k 10 "${vm_timeout:-1320}" \
		/usr/bin/python3 tests/run.py --build "$vm_build" --no-unit \
		-- --ignore=tests/integration/test_image.py \
		2>&1 | tee "$res/output.log"
	rc=${PIPESTATUS[0]} ;;
hook_cost)
	BUILD=$vm_build timeout -k 10 "${vm_timeout:-1320}" bash tests/vm/hook_cost.sh 2>&1 | tee "$res/output.log"
	rc=${PIPESTATUS[0]} ;;
script) # any script, for debugging in the guest: VMTEST_SCRIPT=/abs/path
	timeout -k 10 "${vm_timeout:-1320}" bash "$vm_script" 2>&1 | tee "$res/output.log"
	rc=${PIPESTATUS[0]} ;;
*)
	echo "unknown vm_mode ${vm_mode}" | tee "$res/output.log"; rc=2 ;;
esac
echo "guest: $(( $(date +%s) - start )) s in the suites, exit $rc"
echo $(( $(date +%s) - start )) > "$res/seconds"
echo "$rc" > "$res/rc"
