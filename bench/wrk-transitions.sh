#!/usr/bin/env bash
# Transition throughput measured with wrk (a C load generator that needs little CPU),
# against a real `triage serve` on a fresh SQLite file. Needs wrk (Debian: apt-get
# install wrk) and a release build: cargo build --release -p triage
# Usage: bench/wrk-transitions.sh [SECONDS] [CONNECTIONS]
set -euo pipefail
seconds="${1:-10}"
connections="${2:-32}"
here="$(cd "$(dirname "$0")" && pwd)"
triage="${TRIAGE_BIN:-$here/../target/release/triage}"
dir="$(mktemp -d)"
trap 'kill "$server" 2>/dev/null || true; rm -rf "$dir"' EXIT

export TRIAGE_TOKEN="$("$triage" admin bootstrap --db "$dir/bench.db" --email bench@example.com | tail -n 1)"
# The server's first line says where it listens; read it as soon as it is written.
exec 3< <(RUST_LOG=warn exec "$triage" serve --db "$dir/bench.db" --listen 127.0.0.1:0)
server=$!
read -r listening <&3
export TRIAGE_URL="$(grep -o 'http://[0-9.:]*' <<< "$listening")"

keys=()
for _ in $(seq 1 64); do
  key="$("$triage" create --summary "wrk incident" --priority P2)"
  "$triage" transition "$key" --name Investigating > /dev/null
  "$triage" transition "$key" --name "In Progress" > /dev/null
  keys+=("$key")
done

KEYS="$(IFS=,; echo "${keys[*]}")" TOKEN="$TRIAGE_TOKEN" THREADS=2 \
  wrk -t 2 -c "$connections" -d "${seconds}s" --latency -s "$here/transitions.lua" "$TRIAGE_URL"
echo "incidents moved: $(for k in "${keys[@]}"; do "$triage" show "$k" --json; done | grep -c '"version"')"
