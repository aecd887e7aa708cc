#!/usr/bin/env bash
# Where the server's CPU goes, by stage of the media path: reads a
# `perf record -g` profile of the server and sorts every sample into the
# first bucket whose functions appear in its stack (the order matters: a
# fan-out's send runs inside the read loop, so the send is looked for
# first). With µs/pkt, the server's CPU per forwarded packet from the
# load tester's RESULT line, each bucket is also shown in µs a forwarded
# packet (docs/benchmarks.md § Where the time goes).
#
#   perf record -e cpu-clock -g -p "$(pgrep -f 'confer serve')" -o perf.data -- sleep 10
#   scripts/perf-buckets.sh perf.data [µs/pkt]
set -euo pipefail
DATA=${1:-perf.data} US=${2:-0}
command -v perf >/dev/null || { echo "perf is not installed" >&2; exit 2; }
perf script -i "$DATA" 2>/dev/null | awk -v us="$US" '
BEGIN {
    RS = ""  # one sample (header and stack) a record
    # first match wins
    name[1] = "the receivers'"'"' kernel receive work (over loopback only)"
    re[1] = "net_rx_action"
    re[2] = "__sys_sendmmsg|__x64_sys_sendmmsg";      name[2] = "sendmmsg: the server'"'"'s own kernel send work"
    re[3] = "gcmSRTP\\)\\.seal";                       name[3] = "SRTP seal of forwarded packets"
    re[4] = "downTrack\\)\\.writeRTP|receiver\\)\\.forward"; name[4] = "fan-out bookkeeping (layer choice, rewrite, queueing)"
    re[5] = "fillFd";                                  name[5] = "recvmmsg"
    re[6] = "gcmSRTP\\)\\.open";                       name[6] = "SRTP open of incoming packets"
    re[7] = "pion/interceptor|fbStream|feedbackHub"; name[7] = "publisher feedback (NACKs, receiver reports, transport-cc)"
    re[8] = "srtpIn\\)\\.readRTP";                     name[8] = "per incoming packet, the rest (parse, stats, audio level, cache)"
    re[9] = "Router\\)\\.loop";                        name[9] = "the room'"'"'s periodic work (slots, allocation, reports)"
    re[10] = "runtime\\.(schedule|findRunnable|park_m|netpoll|mcall)"; name[10] = "Go scheduler and netpoller (wake-ups)"
    re[11] = "gcBgMarkWorker|gcDrain|mallocgc|bgsweep|bgscavenge"; name[11] = "garbage collection and allocation"
    re[12] = "ReadFromAddrPort";                       name[12] = "the read loop, the rest (flush grouping, RTCP, STUN)"
    nb = 12; name[nb + 1] = "everything else"
}
{
    total++
    for (i = 1; i <= nb; i++) if ($0 ~ re[i]) { cnt[i]++; next }
    cnt[nb + 1]++
}
END {
    if (total == 0) { print "no samples" > "/dev/stderr"; exit 1 }
    printf "%d samples\n", total
    for (i = 1; i <= nb + 1; i++) {
        p = 100 * cnt[i] / total
        if (us > 0) printf "%6.1f %%  %5.2f µs  %s\n", p, us * p / 100, name[i]
        else printf "%6.1f %%  %s\n", p, name[i]
    }
}'
