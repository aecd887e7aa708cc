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
# garbage collection and the heap at it).
set -euo pipefail
BIN=$1 P=$2 S=$3; shift 3
GEN=${GEN:-$BIN}
DATA=$(mktemp -d)
trap 'kill $SP 2>/dev/null || true; [ -z "${SERVER_LOG:-}" ] || cp "$DATA/server.log" "$SERVER_LOG"; rm -rf "$DATA"' EXIT
CONFER_PPROF=${PPROF:+127.0.0.1:6060} "$BIN" serve --dev --data "$DATA" --http 127.0.0.1:18081 \
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
"$GEN" loadtest --url http://127.0.0.1:18081 --room demo --publishers "$P" --subscribers "$S" \
    "${extra[@]}" --duration 20s --simulcast --layout speaker --server-pid "$SP" "$@"
read -r st1 all1 < <(steal)
awk -v s=$((st1 - st0)) -v a=$((all1 - all0)) 'BEGIN {if (a > 0) printf "cpu time stolen by the host during the run: %.1f %%\n", 100 * s / a}'
curl -s http://127.0.0.1:18081/metrics | grep -E '^confer_sfu_(packets_forwarded|stale_dropped|direct_paths|direct_receive_paths|packets_received|packets_received_direct|packets_spread|gso_segments|retransmitted)_total' || true
kill "$SP" 2>/dev/null || true
wait 2>/dev/null || true
