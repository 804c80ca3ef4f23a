#!/usr/bin/env bash
# Usage: run.sh [FLAVOUR...]   (default: amd64; also cloud-amd64, rt-amd64)
# Boots Debian 12's 6.1 kernel of each flavour under qemu (TCG) on the host's
# own root and runs the BPF integration and e2e suites there with CI=true.
# Prints each guest's `uname -r`, its summary line and timings; exits non-zero
# on any failure, a missing result, or a guest that does not power off in time.
# Environment: BUILD (build dir), VMTEST_NOCONFIG=1 (no kernel config in the
# guest: sockcost takes HZ from jiffies_64), VMTEST_TIMEOUT (seconds per
# guest, default 1800), VMTEST_MODE (tests, or hook_cost: tests/vm/hook_cost.sh),
# VMTEST_SERIES (6.1, or 6.12: bookworm's newer kernels, the tracepoint hook),
# VMTEST_MODE=script VMTEST_SCRIPT=/abs/path: runs that script in the guest.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
build=$(cd "${BUILD:-$repo/build}" && pwd)
vmdir=$build/vm
timeout_s=${VMTEST_TIMEOUT:-1800}
mode=${VMTEST_MODE:-tests}
noconfig=${VMTEST_NOCONFIG:-0}
series=${VMTEST_SERIES:-6.1}
[ $# -gt 0 ] || set -- amd64

for tool in qemu-system-x86_64 busybox apt-get dpkg-deb depmod; do
	command -v "$tool" >/dev/null || { echo "run.sh: $tool is missing (make vmtest installs it)" >&2; exit 1; }
done
[ -x "$build/sockcost" ] && [ -x "$build/sockcostd" ] || { echo "run.sh: build first (make vmtest does)" >&2; exit 1; }

# The guest has no network: the e2e test's `ws` must be installed before boot.
if [ "$mode" = tests ] && [ ! -d "$repo/tests/e2e/node_modules/ws" ]; then
	(cd "$repo/tests/e2e" && npm ci --no-audit --no-fund)
fi

qpid=
vpids=()
stop_virtiofsd() {
	local p
	for p in "${vpids[@]}"; do kill "$p" 2>/dev/null || true; done
	vpids=()
}
kill_qemu() { [ -z "$qpid" ] || kill "$qpid" 2>/dev/null || true; stop_virtiofsd; }

# share_args CONFIG RESULTS: sets fs and shares (qemu arguments) for the root
# (the host's /, read-only) and the results directory: 9p where the kernel
# has it, else virtiofs (the cloud kernel), with a virtiofsd per share.
share_args() {
	local config=$1 res=$2 tag dir
	if grep -q '^CONFIG_9P_FS=[ym]' "$config"; then
		fs=9p
		shares=(-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
			-virtfs "local,path=$res,mount_tag=results,security_model=none")
		return 0
	fi
	grep -q '^CONFIG_VIRTIO_FS=[ym]' "$config" || { echo "run.sh: the kernel has neither 9p nor virtiofs" >&2; return 1; }
	fs=virtiofs
	# vhost-user needs the guest's memory shared with virtiofsd.
	shares=(-object memory-backend-memfd,id=mem,size=4G,share=on -numa node,memdev=mem)
	for tag in hostroot results; do
		dir=/; [ "$tag" = results ] && dir=$res
		# Sockets outside the results share; no rlimit raise (no CAP_SYS_RESOURCE here).
		/usr/lib/qemu/virtiofsd --socket-path="$sockdir/$tag.sock" -o source="$dir" \
			-o cache=always -o sandbox=chroot --rlimit-nofile=0 2>>"$res/virtiofsd.log" &
		vpids+=($!)
		shares+=(-chardev "socket,id=$tag,path=$sockdir/$tag.sock"
			-device "vhost-user-fs-pci,chardev=$tag,tag=$tag")
	done
	for tag in hostroot results; do # virtiofsd creates its socket once ready
		for _ in $(seq 50); do [ -S "$sockdir/$tag.sock" ] && break; sleep 0.1; done
	done
}
sockdir=$(mktemp -d /tmp/vmtest.XXXXXX)
trap 'kill_qemu; rm -rf "$sockdir"' EXIT
trap 'exit 130' INT TERM

# Called as `boot F || ...`, where set -e does not apply: each step checks.
boot() { # FLAVOUR: one guest run; returns non-zero on any failure
	local flavour=$1 kver kdir res t0 qrc rc fs shares
	read -r kdir kver < <("$here/kernel.sh" "$flavour" "$vmdir" "$series")
	[ -n "$kver" ] || return 1
	"$here/initramfs.sh" "$kdir" || return 1
	res=$vmdir/results/$kver-$(date +%Y%m%d-%H%M%S)
	mkdir -p "$res" || return 1
	share_args "$kdir/boot/config-$kver" "$res" || return 1
	echo "== vmtest $flavour: booting $kver over $fs (console: $res/console.log)"
	t0=$(date +%s)
	# The guest gets the suites' time minus boot and power-off: its own
	# timeout then still writes a result before ours kills qemu.
	timeout -k 10 "$timeout_s" qemu-system-x86_64 \
		-accel tcg,thread=multi -cpu max -smp 2 -m 4G -nic none \
		-nographic -monitor none -serial "file:$res/console.log" -no-reboot \
		-kernel "$kdir/boot/vmlinuz-$kver" -initrd "$kdir/initramfs.cpio.gz" \
		-append "console=ttyS0 loglevel=4 panic=-1 rdinit=/init vmtest.run=$here/guest-run.sh vmtest.repo=$repo vmtest.build=$build vmtest.kdir=$kdir vmtest.noconfig=$noconfig vmtest.mode=$mode vmtest.script=${VMTEST_SCRIPT:-} vmtest.fs=$fs vmtest.timeout=$((timeout_s - 180))" \
		"${shares[@]}" </dev/null &
	qpid=$!
	qrc=0
	wait "$qpid" || qrc=$?
	qpid=
	stop_virtiofsd
	echo "   wall: $(( $(date +%s) - t0 )) s (suites: $(cat "$res/seconds" 2>/dev/null || echo '?') s)"
	if [ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ]; then
		echo "   FAIL: the guest did not power off within $timeout_s s; qemu killed"
		tail -n 20 "$res/console.log"
		return 1
	fi
	echo "   guest uname -r: $(cat "$res/uname" 2>/dev/null || echo '(none)')"
	if [ ! -f "$res/rc" ]; then
		echo "   FAIL: no result from the guest (qemu exit $qrc); console tail:"
		tail -n 30 "$res/console.log"
		return 1
	fi
	rc=$(cat "$res/rc")
	if [ "$mode" = tests ]; then
		echo "   $(grep '^total:' "$res/output.log" | tail -n 1 || echo 'no summary line')"
	else
		cat "$res/output.log"
	fi
	if [ "$rc" != 0 ]; then
		echo "   FAIL: the guest's run exited $rc; failures:"
		grep -E '^(FAILED|ERROR|SKIPPED)' "$res/output.log" | sed 's/^/   /' || true
		return 1
	fi
}

failed=0
for f in "$@"; do
	boot "$f" || failed=1
done
exit "$failed"
