#!/usr/bin/env bash
# Runs a deployment of two confer nodes on this machine (docs/cluster.md),
# on the local PostgreSQL and NATS, until Ctrl-C:
#
#   scripts/two-nodes.sh [BIN]      # BIN: a built confer (default: go run)
#
# node-1 answers on http://127.0.0.1:8081, node-2 on :8082; open
# /r/demo on both and the two tabs meet on one node. The database
# confer_two_nodes is made if missing and kept between runs.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-}
if [ -z "$BIN" ]; then
	BIN=$(mktemp -d)/confer
	CGO_ENABLED=0 go build -o "$BIN" ./cmd/confer
fi
bash scripts/test-deps.sh >/dev/null
PG=${CONFER_TEST_PG:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
psql "$PG" -tAc "SELECT 1 FROM pg_database WHERE datname = 'confer_two_nodes'" | grep -q 1 ||
	psql "$PG" -qc "CREATE DATABASE confer_two_nodes"
export CONFER_DB=${PG/\/postgres\?/\/confer_two_nodes?}
export CONFER_CLUSTER=${CONFER_TEST_NATS:-nats://127.0.0.1:4222}
export CONFER_CLUSTER_NAME=two-nodes
export CONFER_CLUSTER_SECRET=two-nodes-on-one-machine-not-a-secret
DATA=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' EXIT INT TERM
for i in 1 2; do
	"$BIN" serve --dev --data "$DATA/node-$i" --http 127.0.0.1:808$i --media-port 789$i \
		--node-id node-$i --node-url http://127.0.0.1:808$i &
	pids+=($!)
	sleep 1
done
wait
