#!/usr/bin/env bash
# Benchmark 1: `sockcost snapshot --json` against `ss -tn` and `ss -tnp` at
# 10K, 50K and 100K established loopback connections (2 sockets each), 5% of
# them active; the table (per-process and per-port summary, no per-socket
# output) shows the cost of attribution alone. At 100K it also asserts the
# snapshot is right. Medians of RUNS runs (ss -tnp runs once).
source "$(dirname "$0")/lib.sh"
require_root

SIZES=${SIZES:-"10000 50000 100000"}
RUNS=${RUNS:-3}

check_correctness() {
	local doc=$1 n=$2 pid fds ss_est snap_est held
	local own_ns
	own_ns=$(stat -L -c %i /proc/self/ns/net)
	ss_est=$(ss -H -tn state established | wc -l)
	# ss sees only this network namespace.
	snap_est=$(jq --argjson ns "$own_ns" \
		'[.sockets[] | select(.state == "ESTAB" and .netns == $ns) | .cookie] | unique | length' "$doc")
	echo "  check: ESTABLISHED sockets: snapshot $snap_est, ss -tn $ss_est"
	[ "$snap_est" -eq "$ss_est" ] || { echo "  FAIL: counts differ" >&2; return 1; }
	held=0
	for pid in "${HOLDERS[@]}"; do
		fds=$(find /proc/"$pid"/fd -mindepth 1 -maxdepth 1 | wc -l)
		# Each holder: its listener plus 2 sockets a pair, every one attributed.
		jq -e --argjson pid "$pid" --argjson fds "$fds" \
			'[.processes[] | select(.pid == $pid)][0] | .fds == $fds and .connections == .tcp_sockets - 1' \
			"$doc" >/dev/null || { echo "  FAIL: process $pid fds or attribution" >&2; return 1; }
		held=$(( held + $(jq --argjson pid "$pid" '[.processes[] | select(.pid == $pid)][0].connections' "$doc") ))
	done
	echo "  check: holders' fds equal /proc/PID/fd; holders hold $held established sockets (expected $((2 * n)))"
	[ "$held" -eq $((2 * n)) ] || { echo "  FAIL: attribution" >&2; return 1; }
}

for n in $SIZES; do
	start_holders "$n" 5 600
	echo "connections=$n sockets=$((2 * n)) processes=${#HOLDERS[@]}"
	median_timed sc "$RUNS" "$SOCKCOST" snapshot --json
	median_timed tbl "$RUNS" "$SOCKCOST" snapshot
	median_timed tn "$RUNS" ss -tn
	timed tnp ss -tnp
	read -r sc_s sc_kb <<<"$sc"
	read -r tbl_s tbl_kb <<<"$tbl"
	read -r tn_s tn_kb <<<"$tn"
	read -r tnp_s tnp_kb <<<"$tnp"
	printf '  sockcost snapshot --json  %6.2f s  peak RSS %6d KB\n' "$sc_s" "$sc_kb"
	printf '  sockcost snapshot (table) %6.2f s  peak RSS %6d KB\n' "$tbl_s" "$tbl_kb"
	printf '  ss -tn                    %6.2f s  peak RSS %6d KB\n' "$tn_s" "$tn_kb"
	printf '  ss -tnp                   %6.2f s  peak RSS %6d KB\n' "$tnp_s" "$tnp_kb"
	echo "  ss -tnp / sockcost = $(ratio "$tnp_s" "$sc_s")x   ss -tn / sockcost = $(ratio "$tn_s" "$sc_s")x"
	if [ "$n" = "${SIZES##* }" ]; then # the largest size
		doc=$HOLDER_FIFO_DIR/snapshot.json
		"$SOCKCOST" snapshot --json >"$doc"
		check_correctness "$doc" "$n"
	fi
	stop_holders
done
