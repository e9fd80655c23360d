#!/usr/bin/env bash
# Transparency log benchmarks (issue 6), on this machine, with the load from separate processes.
#
#     bash Benchmarks/log.sh [appends|proofs|all]   (default all)
#
# appends: `custody log serve` (release build) takes POSTs of pre-generated, distinct, signed
#   hashedRekordRequestV002 bodies from wrk (Debian's wrk + Benchmarks/log/log-append.lua) for
#   DURATION seconds with CONNECTIONS connections, once on SQLite and once on PostgreSQL (a cluster
#   started here as the postgres user). Reported: durable appends per second (wrk's completed 201
#   answers, each one integrated and signed into a checkpoint before it is answered; the tree size
#   afterwards is printed as a cross-check) and wrk's latency percentiles (an answer comes only
#   after integration, so this is the latency until integrated).
# proofs: `log-bench populate` writes a 10,000,000-entry log into SQLite (cached in
#   Benchmarks/.work), `custody log serve` serves it, and `log-bench proofs` builds and verifies
#   inclusion proofs for random entries from tiles fetched over loopback (no client cache).
#
# Environment: DURATION (15), CONNECTIONS (256), BATCH_INTERVAL_MS (250, the server default),
# PROOF_ENTRIES (10000000), PROOF_COUNT (2000), PROOF_CACHE (warm: read the log's file into the
# OS page cache before measuring; cold: do not).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
WORK="$ROOT/Benchmarks/.work"
mkdir -p "$WORK"
MODE=${1:-all}
DURATION=${DURATION:-15}
CONNECTIONS=${CONNECTIONS:-256}
BATCH_INTERVAL_MS=${BATCH_INTERVAL_MS:-250}
PROOF_ENTRIES=${PROOF_ENTRIES:-10000000}
PROOF_COUNT=${PROOF_COUNT:-2000}
PG_BIN=/usr/lib/postgresql/15/bin

for tool in wrk:wrk python3:python3; do
  command -v "${tool%%:*}" > /dev/null || { apt-get update -qq && apt-get install -y -qq "${tool#*:}"; }
done
[ -x "$PG_BIN/postgres" ] || apt-get install -y -qq postgresql
python3 -c "import cryptography" 2> /dev/null || pip install -q cryptography

echo "building custody and log-bench (release, in Benchmarks/LogBenchmarks/.build)..."
# One release build for both: log-bench's package depends on the root package and can build its
# `custody` product, so the root package's modules are compiled once.
(cd Benchmarks/LogBenchmarks && swift build -c release --product custody 2>&1 | tail -1 && swift build -c release 2>&1 | tail -1)
CUSTODY="$ROOT/Benchmarks/LogBenchmarks/.build/release/custody"
LOGBENCH="$ROOT/Benchmarks/LogBenchmarks/.build/release/log-bench"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# A log key (Ed25519) for every server here.
LOG_KEY="$WORK/log-key.key"
[ -f "$LOG_KEY" ] || "$CUSTODY" key generate --type ed25519 --format pem --output "$WORK/log-key" > /dev/null
NAME=bench.custody.local

SERVER_PID=
start_server() { # storage
  local port; port=$(free_port)
  "$CUSTODY" log serve --storage "$1" --key "$LOG_KEY" --name "$NAME" --listen "127.0.0.1:$port" \
    --batch-interval "$BATCH_INTERVAL_MS" > "$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  # Up to 2 minutes: opening a log written before the sorted-run duplicate index converts it first
  # (45 s for the 10-million-entry log).
  for _ in $(seq 1 1200); do
    curl -sf "http://127.0.0.1:$port/healthz" > /dev/null 2>&1 && break
    sleep 0.1
  done
  URL="http://127.0.0.1:$port"
}
stop_server() { kill -TERM "$SERVER_PID" 2> /dev/null || true; wait "$SERVER_PID" 2> /dev/null || true; }

tree_size() { curl -sf "$URL/checkpoint" | sed -n 2p; }

append_load() { # label storage
  start_server "$2"
  echo "== appends, $1: wrk -t2 -c$CONNECTIONS -d${DURATION}s, batch interval ${BATCH_INTERVAL_MS} ms"
  LOG_BODIES="$BODIES" LOG_THREADS=2 wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 10s --latency -s Benchmarks/log/log-append.lua \
    "$URL" | tee "$WORK/wrk-$1.txt"
  local size; size=$(tree_size)
  local requests; requests=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$WORK/wrk-$1.txt")
  local failed; failed=$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$WORK/wrk-$1.txt")
  echo "non-2xx answers: ${failed:-0}; socket errors: $(grep -c 'Socket errors' "$WORK/wrk-$1.txt") lines"
  echo "tree size afterwards: $size (wrk completed $requests requests; every one must be a new entry)"
  stop_server
}

if [ "$MODE" = appends ] || [ "$MODE" = all ]; then
  BODIES="$WORK/bodies.txt"
  NEEDED=$(( DURATION * 25000 ))
  if [ ! -f "$BODIES" ] || [ "$(wc -l < "$BODIES")" -lt "$NEEDED" ]; then
    echo "generating $NEEDED signed requests..."
    python3 Benchmarks/log/log-entries.py "$NEEDED" "$BODIES"
  fi
  rm -f "$WORK"/append.sqlite*
  append_load sqlite "sqlite:$WORK/append.sqlite"

  PGDATA="$WORK/pgdata"
  rm -rf "$PGDATA" && mkdir -p "$PGDATA" && chown postgres "$PGDATA"
  PGPORT=$(free_port)
  runuser -u postgres -- "$PG_BIN/initdb" -D "$PGDATA" -A trust -U postgres > /dev/null
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w \
    -o "-p $PGPORT -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=100" start > /dev/null
  runuser -u postgres -- psql -h 127.0.0.1 -p "$PGPORT" -U postgres -qc "CREATE DATABASE log" > /dev/null
  append_load postgres "postgres://postgres@127.0.0.1:$PGPORT/log"
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast stop > /dev/null
fi

if [ "$MODE" = proofs ] || [ "$MODE" = all ]; then
  PROOF_DB="$WORK/proofs-$PROOF_ENTRIES.sqlite"
  if [ ! -f "$PROOF_DB.done" ]; then
    rm -f "$PROOF_DB"*
    echo "== populating a $PROOF_ENTRIES-entry log (once; cached in $PROOF_DB)"
    "$LOGBENCH" populate --sqlite "$PROOF_DB" --entries "$PROOF_ENTRIES" --key "$LOG_KEY" --name "$NAME"
    touch "$PROOF_DB.done"
  fi
  # The measurement is of the server and the client, not of this VM's disk: the log's file is read
  # once into the OS page cache first (a log serving proofs keeps its tiles cached). Without this,
  # the first runs after the file was written read random tiles from disk (p99 7-11 ms here).
  # PROOF_CACHE=cold skips it.
  if [ "${PROOF_CACHE:-warm}" = warm ]; then
    echo "reading $PROOF_DB into the page cache..."
    cat "$PROOF_DB" > /dev/null
  fi
  start_server "sqlite:$PROOF_DB"
  echo "== inclusion proofs from tiles over loopback, $PROOF_COUNT random entries"
  "$LOGBENCH" proofs --server "$URL" --key "$LOG_KEY" --name "$NAME" --count "$PROOF_COUNT"
  stop_server
fi
