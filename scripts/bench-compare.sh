#!/usr/bin/env bash
# Alternated comparison of server builds (docs/benchmarks.md § Method):
# runs scripts/bench-media.sh for each build in turn, ROUNDS times, with
# one load generator build, and prints every run and then each build's
# median µs per forwarded packet and RSS per participant. On a shared
# VM single runs vary by ±10 %: compare medians of the same sitting.
#
#   scripts/bench-compare.sh P S ROUNDS BUILD...
#   scripts/bench-compare.sh 50 0 4 ./confer-old ./confer-new
#   scripts/bench-compare.sh 10 40 5 ./confer          # one build: its median
#
# GEN as for bench-media.sh (default: the last build). Extra loadtest
# flags go after the builds, behind --:  … ./a ./b -- --visible 4
set -euo pipefail
P=$1 S=$2 ROUNDS=$3; shift 3
builds=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do builds+=("$1"); shift; done
[ $# -gt 0 ] && shift
[ ${#builds[@]} -gt 0 ] || { echo "no build given" >&2; exit 2; }
GEN=${GEN:-${builds[-1]}}
here=$(dirname "$0")
results=$(mktemp)
trap 'rm -f "$results"' EXIT
for r in $(seq "$ROUNDS"); do
    for b in "${builds[@]}"; do
        out=$(GEN=$GEN "$here/bench-media.sh" "$b" "$P" "$S" "$@" 2>&1 || true)
        line=$(grep '^RESULT' <<<"$out" || true)
        stolen=$(sed -n 's/^cpu time stolen by the host during the run: \([0-9.]*\) %/\1/p' <<<"$out")
        us=$(sed -n 's/.*server_us_per_pkt=\([0-9.]*\).*/\1/p' <<<"$line")
        kib=$(sed -n 's/.*server_rss_per_sub_kib=\([0-9]*\).*/\1/p' <<<"$line")
        loss=$(sed -n 's/.*loss_pct=\([0-9.]*\).*/\1/p' <<<"$line")
        echo "round $r  $b  µs/pkt ${us:-?}  KiB/participant ${kib:-?}  loss ${loss:-?} %  stolen ${stolen:-?} %"
        [ -n "$us" ] && echo "$b $us $kib" >>"$results"
    done
done
median() { sort -n | awk '{v[NR]=$1} END {if (NR==0) print "?"; else if (NR%2) print v[(NR+1)/2]; else printf "%.2f\n", (v[NR/2]+v[NR/2+1])/2}'; }
for b in "${builds[@]}"; do
    us=$(awk -v b="$b" '$1==b {print $2}' "$results" | median)
    kib=$(awk -v b="$b" '$1==b {print $3}' "$results" | median)
    echo "MEDIAN build=$b publishers=$P subscribers=$S runs=$(awk -v b="$b" '$1==b' "$results" | wc -l) server_us_per_pkt=$us server_rss_per_sub_kib=$kib"
done
