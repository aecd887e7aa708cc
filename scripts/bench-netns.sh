#!/usr/bin/env bash
# Sets up (once; idempotent) the network namespace the media benchmark's
# load tester runs in with NETNS=1 (scripts/bench-media.sh):
#
#   host side  vcb0 10.77.0.1/24  <-- veth -->  vcb1 10.77.0.2/24  namespace confer-bench
#
# Over loopback a datagram's whole receive path (IP input, the UDP
# socket lookup and queueing, segmenting a GSO batch, waking the reader)
# runs in the sender's system call, so the server is charged with its
# receivers' kernel work. Here vcb1 processes what it receives in its own
# NAPI kernel thread ("threaded" below), the part a real network and the
# participants' machines would do. TSO off on vcb0 lets every datagram
# take that path (the kernel sends a veth's TSO-capable traffic to the
# thread only when the receiver forwards UDP GRO); UDP GSO batches still
# cross whole. The reverse direction (participants to server) is left as
# over loopback: the server's own receive work runs in the load tester's
# sends, as before (1/25 to 1/50 of the packets, see benchmarks.md).
set -euo pipefail
NS=confer-bench
if [ "$(id -u)" != 0 ] || ! command -v ip >/dev/null; then
    echo "bench-netns: needs root and iproute2 (ip) to make a network namespace; run the benchmark without NETNS=1 instead" >&2
    exit 2
fi
if ip netns list | grep -qw "$NS"; then exit 0; fi
command -v ethtool >/dev/null || apt-get install -y ethtool >/dev/null
ip netns add "$NS"
ip link add vcb0 type veth peer name vcb1 netns "$NS"
ip addr add 10.77.0.1/24 dev vcb0
ip link set vcb0 up
ip -n "$NS" addr add 10.77.0.2/24 dev vcb1
ip -n "$NS" link set vcb1 up
ip -n "$NS" link set lo up
ethtool -K vcb0 tso off >/dev/null
ip netns exec "$NS" ethtool -K vcb1 gro on >/dev/null
ip netns exec "$NS" sh -c 'echo 1 > /sys/class/net/vcb1/threaded'
