#!/usr/bin/env bash
# Benchmark 3: churn. Opens and closes RATE loopback connections a second
# for DURATION seconds while sockcost is attached, then checks its live
# counters against ss and the load generator, and that nothing leaked.
source "$(dirname "$0")/lib.sh"
require_root

RATE=${RATE:-1000}
DURATION=${DURATION:-60}

rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
fd_count() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 | wc -l; }

# Connections that stay open through the churn, opened before sockcost
# attaches: the live count must include them (from the walk's baseline).
start_holders 500 0 $((DURATION + 120))

log=$HOLDER_FIFO_DIR/sockcost.err
doc=$HOLDER_FIFO_DIR/churn.json
"$SOCKCOST" snapshot --json --observe $((DURATION + 120)) >"$doc" 2>"$log" &
sc=$!
HOLDER_PIDS+=("$sc")
wait_for_line "$log" 'watching activity' "$sc"
rss0=$(rss_kb "$sc")
fds0=$(fd_count "$sc")

# `top` alongside, refreshing from the change ring between its walks (every
# 30 s): its count must not drift while 2,000 sockets a second come and go.
# It runs past the churn, so its last frame, from changes, sees the end state.
top_json=$HOLDER_FIFO_DIR/top.json
"$SOCKCOST" top --json -d 1 -n $((DURATION + 20)) >"$top_json" 2>"$HOLDER_FIFO_DIR/top.err" &
top_pid=$!
HOLDER_PIDS+=("$top_pid")

echo "churn: $RATE connections/s for ${DURATION}s on loopback, sockcost attached"
"$LOADGEN" churn --rate "$RATE" --seconds "$DURATION" >"$HOLDER_FIFO_DIR/churn.out" &
gen=$!
HOLDER_PIDS+=("$gen")
# One-shot snapshots meanwhile. Their memory follows the sockets they walk
# (TIME-WAIT ones pile up: 1,000 a second for 60 s), never the churned history.
snap_rss=()
snap_socks=()
while kill -0 "$gen" 2>/dev/null; do
	sleep 10
	/usr/bin/time -f '%M' -o "$HOLDER_FIFO_DIR/rss" "$SOCKCOST" snapshot --json \
		>"$HOLDER_FIFO_DIR/snap.json" 2>/dev/null
	snap_rss+=("$(tail -n 1 "$HOLDER_FIFO_DIR/rss")")
	snap_socks+=("$(jq .host.tcp_sockets "$HOLDER_FIFO_DIR/snap.json")")
done
wait "$gen"
forget "$gen"
read -r _ opened _ closed <"$HOLDER_FIFO_DIR/churn.out"
rss1=$(rss_kb "$sc")
fds1=$(fd_count "$sc")
sleep 1 # let the last closes finish their state changes
ss_est=$(ss -H -tn state established | wc -l)
wait "$top_pid" || { echo "sockcost top failed:" >&2; cat "$HOLDER_FIFO_DIR/top.err" >&2; exit 1; }
forget "$top_pid"
read -r top_frames top_walks top_min top_max top_last top_last_walked < <(jq -rs '[
	length, (map(select(.walk_age_s == 0)) | length),
	(map(.totals.connections) | min), (map(.totals.connections) | max),
	.[-1].totals.connections, (.[-1].walk_age_s == 0)] | @tsv' "$top_json")
kill -INT "$sc"
wait "$sc"
forget "$sc"
own_ns=$(stat -L -c %i /proc/self/ns/net)

read -r k_open k_close k_est4 k_est6 walk_est walk_own walk_listen records missed < <(jq -r --argjson ns "$own_ns" '[
	.counters.opened_total, .counters.closed_total,
	.counters.established_ipv4, .counters.established_ipv6,
	([.sockets[] | select(.state == "ESTAB") | .cookie] | unique | length),
	([.sockets[] | select(.state == "ESTAB" and .netns == $ns) | .cookie] | unique | length),
	([.sockets[] | select(.state == "LISTEN") | .cookie] | unique | length),
	.counters.storage_records, .counters.bpf_missed_events_total] | @tsv' "$doc")

echo "  load generator: opened $opened connections, closed $closed ($((2 * opened)) sockets each way)"
echo "  sockcost counters: opened_total $k_open, closed_total $k_close (sockets), missed events $missed"
echo "  live established: sockcost counter $((k_est4 + k_est6)), sockcost walk $walk_est ($walk_own in this namespace), ss -tn $ss_est"
echo "  records in the per-socket storage map at the end: $records (established sockets: $walk_est, listeners: $walk_listen)"
echo "  sockcost top -d 1 alongside: $top_frames frames, $top_walks of them walks, the rest from changes;"
echo "    connections between $top_min and $top_max during the churn, $top_last in the last frame (a walk: $top_last_walked)"
echo "  attached sockcost process: RSS ${rss0} KB -> ${rss1} KB, fds $fds0 -> $fds1"
echo "  one-shot snapshots during the churn, peak RSS KB: ${snap_rss[*]}"
echo "  ... walking this many sockets (mostly TIME-WAIT): ${snap_socks[*]}"
# Memory added per socket walked, from the first snapshot to each later one.
per_socket=$(for i in "${!snap_rss[@]}"; do
	d=$(( snap_socks[i] - snap_socks[0] ))
	[ "$d" -gt 1000 ] && echo $(( (snap_rss[i] - snap_rss[0]) * 1024 / d ))
done | sort -n | tail -1)
echo "  most memory per extra socket walked: ${per_socket:-n/a} bytes"

fail=0
check() { if eval "$2"; then echo "  ok: $1"; else echo "  FAIL: $1"; fail=1; fi; }
# ss sees only this namespace; the counter and the walk see all of them.
check "live count equals the walk, and ss in this namespace" "[ $((k_est4 + k_est6)) -eq $walk_est ] && [ $walk_own -eq $ss_est ]"
check "held connections are in the live count" "[ $((k_est4 + k_est6)) -ge 1000 ]"
# Other programs on the host may open a few connections meanwhile.
check "opened counter matches the generator (2 sockets each)" "[ $k_open -ge $((2 * opened)) ] && [ $k_open -le $((2 * opened + 20)) ]"
check "closed counter matches the generator" "[ $k_close -ge $((2 * closed)) ] && [ $k_close -le $((2 * closed + 20)) ]"
# Walked through the map itself: after 120,000 closed sockets, what is left
# is one record per established socket (the live-count baseline) and one per
# listener (its owner, which the sockets it accepts inherit).
if [ "$records" = null ]; then
	echo "  (storage records not counted: this kernel refuses sk_storage map iterators)"
else
	check "no storage record outlives its socket" "[ $records -eq $((walk_est + walk_listen)) ]"
fi
check "top from changes ends at the held count, as ss" "[ $top_last -eq $ss_est ] && [ $top_last_walked = false ]"
check "sockcost's fds did not grow" "[ $fds1 -le $fds0 ]"
check "sockcost's RSS grew by less than 1 MB" "[ $((rss1 - rss0)) -lt 1024 ]"
# About 500 B a socket is the snapshot's own model; anything tied to the
# 120,000 closed sockets would show up as far more.
check "one-shot snapshots grow with sockets walked, not with closed ones" "[ ${per_socket:-0} -lt 1024 ]"
exit $fail
