#!/usr/bin/env bash
# Benchmark: what one hooked send/receive call costs in BPF. The kernel's own
# accounting (kernel.bpf_stats_enabled: run_time_ns / run_cnt per program)
# while a loopback 64-byte request/response runs with sockcost attached,
# over RUNS fresh attachments; then the end-to-end pingpong ratio with and
# without sockcost over ABBA rounds (overhead.sh; E2E=0 skips it).
#
# The accounting wraps each run in two clock reads, which cost most of the
# 50-90 ns a program that does nothing shows on this VM (kvm-clock): every
# round also runs such a program on the same tracepoints (the floor), and
# the net cost is the difference. BASELINE=/path/to/an/older/sockcost
# measures that build in the same rounds, in alternating order. LEASE=1 adds
# a variant holding the change ring's lease, as `top` and the daemon do
# (each call then also checks its report gap, and reports once per gap):
# the live_check test helper (make test-helpers), which loads its own
# programs and holds a 60 s lease while it waits.
source "$(dirname "$0")/lib.sh"
require_root

RUNS=${RUNS:-9}
SECONDS_PER_RUN=${SECONDS_PER_RUN:-2}
SIZE=${SIZE:-64}
E2E=${E2E:-1}
BASELINE=${BASELINE:-}
PIN=--cpus
[ "$(nproc)" -ge 2 ] || PIN=

stats_was=$(sysctl -n kernel.bpf_stats_enabled)
restore_stats() { sysctl -q -w kernel.bpf_stats_enabled="$stats_was"; cleanup; }
trap restore_stats EXIT

# Ids of the programs process $1 holds (by its fds: another sockcost may run too).
prog_ids_of() {
	cat /proc/"$1"/fdinfo/* 2>/dev/null | awk '/^prog_id:/ { print $2 }' | sort -u
}

# "NAME RUN_CNT RUN_TIME_NS" of the program with this id.
prog_stat() {
	bpftool prog show id "$1" --json | jq -r '"\(.name) \(.run_cnt // 0) \(.run_time_ns // 0)"'
}

median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
spread() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { q1 = v[int((NR + 3) / 4)]; q3 = v[int((3 * NR + 3) / 4)]; printf "min %.0f, quartiles %.0f-%.0f, max %.0f", v[1], q1, q3, v[NR] }'; }

# The floor: a program that does nothing, loaded by a loader of our own
# (bpftool 7.1 cannot attach what it loads).
build_floor() {
	printf '%s\n' '#include "vmlinux.h"' '#include <bpf/bpf_helpers.h>' \
		'SEC("tp_btf/sock_send_length") int sc_floor_send(void *ctx) { return 0; }' \
		'SEC("tp_btf/sock_recv_length") int sc_floor_recv(void *ctx) { return 0; }' \
		'char LICENSE[] SEC("license") = "GPL";' >"$HOLDER_FIFO_DIR/floor.bpf.c"
	clang -O2 -g -target bpf -I"$ROOT" -c "$HOLDER_FIFO_DIR/floor.bpf.c" -o "$HOLDER_FIFO_DIR/floor.bpf.o"
	printf '%s\n' '#include <bpf/libbpf.h>' '#include <stdio.h>' '#include <unistd.h>' \
		'int main(int argc, char **argv) {' \
		'	struct bpf_object *o = bpf_object__open_file(argv[1], NULL);' \
		'	struct bpf_program *p;' \
		'	if (argc < 2 || !o || bpf_object__load(o)) return 1;' \
		'	bpf_object__for_each_program(p, o) if (!bpf_program__attach(p)) return 1;' \
		'	puts("watching activity"); fflush(stdout); pause(); return 0; }' >"$HOLDER_FIFO_DIR/floor.c"
	cc -O2 "$HOLDER_FIFO_DIR/floor.c" -lbpf -o "$HOLDER_FIFO_DIR/floor"
}

declare -A per_prog
# measure LABEL CMD...: starts CMD (it attaches and says 'watching activity',
# or 'ready'), runs pingpong, records ns per call of each activity program
# CMD loaded. CMD's stdin stays open and empty until it is stopped.
measure() {
	local label=$1 log=$HOLDER_FIFO_DIR/attach.log pid id name cnt ns v line
	shift
	rm -f "$HOLDER_FIFO_DIR/stdin"
	mkfifo "$HOLDER_FIFO_DIR/stdin"
	"$@" >"$log" 2>&1 <"$HOLDER_FIFO_DIR/stdin" &
	pid=$!
	HOLDER_PIDS+=("$pid")
	exec 7>"$HOLDER_FIFO_DIR/stdin"
	wait_for_line "$log" 'watching activity\|^ready' "$pid"
	trips=$("$LOADGEN" pingpong --size "$SIZE" --seconds "$SECONDS_PER_RUN" $PIN | awk '{ print $2 }')
	line="  run $r $label: $trips round trips/s"
	for id in $(prog_ids_of "$pid"); do
		read -r name cnt ns < <(prog_stat "$id")
		if ! [[ $name =~ ^sc_(tp|fexit|floor)_(send|recv)$ ]] || ((cnt == 0)); then
			continue
		fi
		v=$(awk -v t="$ns" -v c="$cnt" 'BEGIN { printf "%.1f", t / c }')
		per_prog["$label $name"]+="$v "
		line+=", $name $v ns"
	done
	echo "$line"
	# sockcost reports and detaches on SIGINT; a background job ignores it, the loader does not catch it.
	kill -INT "$pid"
	[[ $label != floor && $label != leased ]] || kill "$pid"
	wait "$pid" 2>/dev/null || true
	exec 7>&-
	forget "$pid"
	sleep 0.5
}

build_floor
variants=(current floor)
[ -n "$BASELINE" ] && variants+=(baseline)
LIVE_CHECK=$BUILD/tests/helpers/live_check
if [ "${LEASE:-0}" = 1 ]; then
	[ -x "$LIVE_CHECK" ] || { echo "LEASE=1 needs $LIVE_CHECK: make test-helpers" >&2; exit 1; }
	variants+=(leased)
fi
sysctl -q -w kernel.bpf_stats_enabled=1
echo "per-call BPF run time: pingpong --size $SIZE, $RUNS rounds of ${SECONDS_PER_RUN}s per variant (${variants[*]}), each a fresh attachment"
for ((r = 1; r <= RUNS; r++)); do
	# Rotate the order, so no variant always runs first.
	for ((k = 0; k < ${#variants[@]}; k++)); do
		case ${variants[$(( (k + r) % ${#variants[@]} ))]} in
		current) measure current "$SOCKCOST" snapshot --json --observe $((SECONDS_PER_RUN + 30)) ;;
		baseline) measure baseline "$BASELINE" snapshot --json --observe $((SECONDS_PER_RUN + 30)) ;;
		floor) measure floor "$HOLDER_FIFO_DIR/floor" "$HOLDER_FIFO_DIR/floor.bpf.o" ;;
		leased) measure leased "$LIVE_CHECK" 60000 0 ;;
		esac
	done
done
sysctl -q -w kernel.bpf_stats_enabled="$stats_was"

# paired A B: each round's A minus the same round's B (space-separated lists in round order).
paired() { awk -v a="$1" -v b="$2" 'BEGIN { n = split(a, x, " "); m = split(b, y, " "); for (i = 1; i <= n && i <= m; i++) print x[i] - y[i] }'; }
for key in "${!per_prog[@]}"; do echo "$key"; done | sort | while read -r label name; do
	# shellcheck disable=SC2086
	set -- ${per_prog["$label $name"]}
	printf '  %-8s %-14s median %6.1f ns per call (%s; %d rounds)\n' "$label" "$name" "$(median "$@")" "$(spread "$@")" "$#"
	[ "$label" != floor ] || continue
	# Net of the floor, and against the baseline: per round, so the drifts
	# of a shared VM between rounds cancel.
	floor=${per_prog["floor sc_floor_${name##*_}"]:-}
	if [ -n "$floor" ]; then
		# shellcheck disable=SC2046
		set -- $(paired "${per_prog["$label $name"]}" "$floor")
		printf '  %-8s %-14s net of the floor: median %.1f ns (%s)\n' "$label" "$name" "$(median "$@")" "$(spread "$@")"
	fi
	base=${per_prog["baseline $name"]:-}
	if [ "$label" != baseline ] && [ -n "$base" ]; then
		# shellcheck disable=SC2046
		set -- $(paired "${per_prog["$label $name"]}" "$base")
		printf '  %-8s %-14s minus the baseline: median %.1f ns (%s)\n' "$label" "$name" "$(median "$@")" "$(spread "$@")"
	fi
done

if [ "$E2E" = 1 ]; then
	echo
	bash "$(dirname "$0")/overhead.sh"
fi
