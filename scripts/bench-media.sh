#!/usr/bin/env bash
# Media engine benchmark (docs/benchmarks.md § Media engine): starts a
# fresh server, runs the load tester against it, prints its report.
#
#   scripts/bench-media.sh SERVER_BIN PUBLISHERS SUBSCRIBERS [loadtest flags…]
#   scripts/bench-media.sh ./confer 10 40
#   scripts/bench-media.sh ./confer 50 0          # 50 × 50: everyone publishes
#   scripts/bench-media.sh ./confer 50 0 --one-pc=false   # two PeerConnections each
#
# Environment: GEN=path of the confer binary that runs the load test
# (default: SERVER_BIN; keep one generator build when comparing servers),
# BURN=N runs N busy loops from second 15 to 25 of the run (overload),
# PPROF=1 saves a CPU profile (cpu.prof) and a heap profile (heap.prof)
# of the server taken during the window, in the current folder;
# SERVER_FLAGS="--media-ip 127.0.0.1" adds server flags (one media address,
# as on a production host with one interface);
# SERVER_LOG=file keeps the server's log (with GODEBUG=gctrace=1: every
# garbage collection and the heap at it);
# NETNS=1 puts the load tester in its own network namespace behind a veth
# pair whose receiving end runs threaded NAPI (root, iproute2 and ethtool
# needed): the participants' kernel receive work then runs in that
# device's kernel thread instead of being charged to the server, as it is
# over loopback (docs/benchmarks.md § Method).
set -euo pipefail
BIN=$1 P=$2 S=$3; shift 3
GEN=${GEN:-$BIN}
DATA=$(mktemp -d)
HOST=127.0.0.1
run=()
if [ -n "${NETNS:-}" ]; then
    "$(dirname "$0")/bench-netns.sh"
    HOST=10.77.0.1
    run=(ip netns exec confer-bench)
    SERVER_FLAGS="--media-ip $HOST ${SERVER_FLAGS:-}"
fi
trap 'kill $SP 2>/dev/null || true; [ -z "${SERVER_LOG:-}" ] || cp "$DATA/server.log" "$SERVER_LOG"; rm -rf "$DATA"' EXIT
CONFER_PPROF=${PPROF:+127.0.0.1:6060} "$BIN" serve --dev --data "$DATA" --http $HOST:18081 \
    --media-port 17883 --max-capacity 120 --log-level warn ${SERVER_FLAGS:-} >"$DATA/server.log" 2>&1 &
SP=$!
sleep 2
extra=()
[ "$S" = 0 ] && extra=(--join-concurrency 2)
if [ -n "${BURN:-}" ]; then
    (sleep 15; for _ in $(seq "$BURN"); do timeout 10 sh -c 'while :; do :; done' & done; wait) &
fi
if [ -n "${PPROF:-}" ]; then
    (sleep 14; curl -s -o cpu.prof "http://127.0.0.1:6060/debug/pprof/profile?seconds=8"
     curl -s -o heap.prof "http://127.0.0.1:6060/debug/pprof/heap?gc=1") &
fi
# Stolen time (another guest on the same host): figures from a run with
# much of it are not comparable with a quiet run's.
steal() { awk '/^cpu /{print $9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat; }
read -r st0 all0 < <(steal)
# CPU ticks of a process (utime + stime): the server, and with NETNS=1 the
# veth's NAPI thread that does the participants' kernel receive work.
ticks() { [ -n "$1" ] && awk '{print $14 + $15}' "/proc/$1/stat" || echo 0; }
NAPI=
[ -z "${NETNS:-}" ] || NAPI=$(pgrep '^napi/vcb1' | head -1)
srv0=$(ticks "$SP") napi0=$(ticks "$NAPI")
"${run[@]}" "$GEN" loadtest --url http://$HOST:18081 --room demo --publishers "$P" --subscribers "$S" \
    "${extra[@]}" --duration 20s --simulcast --layout speaker --server-pid "$SP" "$@"
read -r st1 all1 < <(steal)
awk -v s=$((st1 - st0)) -v a=$((all1 - all0)) 'BEGIN {if (a > 0) printf "cpu time stolen by the host during the run: %.1f %%\n", 100 * s / a}'
srv1=$(ticks "$SP") napi1=$(ticks "$NAPI")
metrics=$(curl -s http://$HOST:18081/metrics)
fwd=$(awk '/^confer_sfu_packets_forwarded_total/ {print $2}' <<<"$metrics")
if [ -n "$NAPI" ] && [ -n "$fwd" ]; then
    # Over the whole run (joins included), not the load tester's window.
    awk -v s=$((srv1 - srv0)) -v n=$((napi1 - napi0)) -v f="$fwd" -v hz="$(getconf CLK_TCK)" 'BEGIN {
        printf "whole run, µs CPU per forwarded packet: server %.2f, participants'"'"' kernel receive work (NAPI thread) %.2f\n", 1e6 * s / hz / f, 1e6 * n / hz / f}'
fi
grep -E '^confer_sfu_(packets_forwarded|stale_dropped|direct_paths|direct_receive_paths|packets_received|packets_received_direct|packets_spread|gso_segments|retransmitted)_total' <<<"$metrics" || true
kill "$SP" 2>/dev/null || true
wait 2>/dev/null || true
