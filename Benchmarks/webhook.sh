#!/usr/bin/env bash
# Admission webhook benchmarks, on this machine, with the load from a separate process.
#
#     bash Benchmarks/webhook.sh [cached|audit|uncached|pod8|all]   (default all)
#
# Set-up (fresh every run, in Benchmarks/.work/webhook): a CA and a server certificate for
# 127.0.0.1 (Scripts/webhook-certs.sh), a P-256 signing key pair (openssl), a Distribution
# registry (Debian's docker-registry, plain HTTP on a free 127.0.0.1 port, filesystem storage),
# the dir-single fixture (Scripts/make-fixtures.sh) pushed to it by skopeo as bench/app:v1 and
# signed by `custody sign --key` (cosign format, attached as the sha256-<hex>.sig tag), and a
# policy that rejects everything except that registry, where it requires a sigstoreSigned
# signature by the key (signedIdentity matchRepository). `custody verify` checks it once.
#
# Load: Debian's wrk (HTTPS) with Benchmarks/webhook/admission.lua, which POSTs an
# AdmissionReview v1 for a Pod with 3 containers naming the signed image (by tag), a new
# request uid each time, to `https://127.0.0.1:PORT/validate?timeout=10s`, and counts as errors
# answers that are not 200, that lack "allowed":true, or that do not echo the uid. The
# webhook's log (one line per decision, swift-log's default stderr handler) goes to a file.
#
# cached:   `custody webhook serve --tls-verify=false` with its default caches (decisions
#           300 s, tags 10 s), warmed by one curl; wrk -t2 with each of CACHED_CONNECTIONS (8: the
#           most the goal allows; 16: past saturation; 1: one admission at a time). Goal, at the
#           same time: p99 <= 5 ms and >= 5,000 admissions/s; checked for every row.
#           The tag is re-resolved every 10 s (one HEAD, single-flight).
# audit:    the same with --audit-file (a JSON line per decision, with the evidence: manifest and
#           signatures), to show what the audit trail costs.
# uncached: --cache-ttl 0 --negative-cache-ttl 0 --tag-ttl 0: every admission resolves the tag
#           and verifies against the registry; wrk with each of UNCACHED_CONNECTIONS. Goal:
#           p99 <= 50 ms. Concurrent admissions of the same image still share one resolution and
#           one verification in flight (single-flight), so with more connections fewer registry
#           requests are made per admission; the registry requests per admission come from the
#           webhook's /metrics (custody_webhook_registry_requests over the decisions counted by
#           custody_webhook_decisions_total, both as deltas over the run) and are cross-checked
#           against the registry's access log. With 1 connection nothing is shared: that is the
#           latency of one cold admission.
# pod8:     the uncached webhook, and a Pod with 8 containers naming 8 different signed images
#           (bench/app0:v1 … app7:v1, Benchmarks/webhook/pod8-review.json): 8 tag resolutions and
#           8 verifications per admission, run concurrently; wrk with each of POD8_CONNECTIONS.
#           The shape of the Kyverno report (kyverno/kyverno#16657); no goal.
#
# Each run also reports the CPU time taken over it (from /proc) by the webhook, wrk, the
# registry and everything else on the machine (other people's builds show up there: the machine
# is shared), the webhook's CPU time per admission, and its own decision-time histogram mean and
# cache counters from /metrics. The summary table ends the output; goals are checked after it.
#
# Environment: DURATION (15 s per run), THREADS (wrk threads, 2, fewer with fewer connections), CACHED_CONNECTIONS ("8 16 1"), AUDIT_CONNECTIONS (16),
# UNCACHED_CONNECTIONS ("1 4 16"), POD8_CONNECTIONS ("1 4"), CUSTODY (a custody binary to use instead of building one),
# PROFILE=1 (also `perf record -g` the webhook during each run; reports in the work directory),
# REVIEW (the review template, default Benchmarks/webhook/pod-review.json; "@IMAGE@" and "@UID@"
# are filled in).
# Every run's wrk output is kept in Benchmarks/.work/webhook/wrk-<scenario>-c<N>.txt, and the
# summary in Benchmarks/.work/webhook/summary.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
WORK="$ROOT/Benchmarks/.work/webhook"
MODE=${1:-all}
DURATION=${DURATION:-15}
THREADS=${THREADS:-2}
CACHED_CONNECTIONS=${CACHED_CONNECTIONS:-"8 16 1"}
AUDIT_CONNECTIONS=${AUDIT_CONNECTIONS:-16}
UNCACHED_CONNECTIONS=${UNCACHED_CONNECTIONS:-"1 4 16"}
POD8_CONNECTIONS=${POD8_CONNECTIONS:-"1 4"}
PROFILE=${PROFILE:-0}
REVIEW=${REVIEW:-$ROOT/Benchmarks/webhook/pod-review.json}
case $MODE in cached | audit | uncached | pod8 | all) ;; *) echo "usage: $0 [cached|audit|uncached|pod8|all]" >&2; exit 64 ;; esac

die() { echo "webhook.sh: error: $*" >&2; exit 1; }

# Tools: install what is missing (Debian packages); docker-registry's post-install script would
# start the system service on :5000, so service starts are blocked meanwhile, as Scripts/test.sh does.
missing=()
for tool in wrk:wrk skopeo:skopeo umoci:umoci openssl:openssl curl:curl python3:python3 docker-registry:docker-registry; do
  command -v "${tool%%:*}" > /dev/null 2>&1 || [ -x "/usr/bin/${tool%%:*}" ] || missing+=("${tool#*:}")
done
[ "$PROFILE" = 1 ] && ! command -v perf > /dev/null 2>&1 && missing+=(linux-perf)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}..."
  created_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# temporary, created by Benchmarks/webhook.sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 0755 /usr/sbin/policy-rc.d
    created_policy=1
  fi
  status=0
  (export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}") || status=$?
  [ $created_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
  [ $status = 0 ] || die "apt-get install ${missing[*]} failed"
fi
REGISTRY_BIN=$(command -v docker-registry || echo /usr/bin/docker-registry)

if [ -n "${CUSTODY:-}" ]; then
  [ -x "$CUSTODY" ] || die "CUSTODY=$CUSTODY is not executable"
else
  echo "building custody (release, in Benchmarks/LogBenchmarks/.build)..."
  # The same release build as Benchmarks/log.sh: LogBenchmarks depends on the root package and can build its `custody` product.
  (cd Benchmarks/LogBenchmarks && swift build -c release --product custody 2>&1 | tail -1)
  CUSTODY="$ROOT/Benchmarks/LogBenchmarks/.build/release/custody"
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

REGISTRY_PID=
WEBHOOK_PID=
PERF_PID=
cleanup() {
  for pid in $PERF_PID $WEBHOOK_PID $REGISTRY_PID; do
    kill -TERM "$pid" 2> /dev/null || true
    wait "$pid" 2> /dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rm -rf "$WORK"
mkdir -p "$WORK"

echo "== set-up in $WORK"
# TLS for the webhook, and the cosign signing key.
bash Scripts/webhook-certs.sh --out "$WORK/tls" --san IP:127.0.0.1 --force > /dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WORK/signing.pem" 2> /dev/null
openssl pkey -in "$WORK/signing.pem" -pubout -out "$WORK/signing.pub"

# The registry (plain HTTP; the access log goes to its stdout, counted per run).
REGISTRY_PORT=$(free_port)
HOST=127.0.0.1:$REGISTRY_PORT
mkdir -p "$WORK/registry/storage"
cat > "$WORK/registry/config.yml" << EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $WORK/registry/storage
http:
  addr: $HOST
  secret: custody-benchmark-$$
EOF
"$REGISTRY_BIN" serve "$WORK/registry/config.yml" > "$WORK/registry/access.log" 2> "$WORK/registry/registry.err" &
REGISTRY_PID=$!
for _ in $(seq 1 100); do
  curl -sf "http://$HOST/v2/" > /dev/null 2>&1 && break
  kill -0 "$REGISTRY_PID" 2> /dev/null || die "docker-registry exited: $(cat "$WORK/registry/registry.err")"
  sleep 0.1
done
curl -sf "http://$HOST/v2/" > /dev/null || die "docker-registry did not answer on $HOST"

# The image, pushed and signed.
bash Scripts/make-fixtures.sh "$WORK/fixtures" > "$WORK/fixtures.log" 2>&1 || die "Scripts/make-fixtures.sh failed: see $WORK/fixtures.log"
IMAGE=$HOST/bench/app:v1
skopeo --insecure-policy copy -q --dest-tls-verify=false "dir:$WORK/fixtures/dir-single" "docker://$IMAGE"
"$CUSTODY" sign "docker://$IMAGE" --key "$WORK/signing.pem" --tls-verify=false > "$WORK/sign.txt"
if [ "$MODE" = pod8 ] || [ "$MODE" = all ]; then
  for i in 0 1 2 3 4 5 6 7; do
    skopeo --insecure-policy copy -q --dest-tls-verify=false "dir:$WORK/fixtures/dir-single" "docker://$HOST/bench/app$i:v1"
    "$CUSTODY" sign "docker://$HOST/bench/app$i:v1" --key "$WORK/signing.pem" --tls-verify=false >> "$WORK/sign.txt"
  done
fi
DIGEST=$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$IMAGE")

cat > "$WORK/policy.json" << EOF
{"default":[{"type":"reject"}],"transports":{"docker":{"$HOST":[{"type":"sigstoreSigned","keyPath":"$WORK/signing.pub","signedIdentity":{"type":"matchRepository"}}]}}}
EOF
"$CUSTODY" verify "docker://$IMAGE" --policy "$WORK/policy.json" --tls-verify=false > "$WORK/verify.txt" 2>&1 ||
  die "custody verify does not allow the signed image: $(cat "$WORK/verify.txt")"
echo "image $IMAGE ($DIGEST), signed with $WORK/signing.pem; custody verify allows it"

# The review wrk sends (a template), and the same for the warm-up curl.
prepare_review() { # template
  ACTIVE_REVIEW=$1
  sed -e "s|@IMAGE@|$IMAGE|g" -e "s|@REGISTRY@|$HOST|g" -e "s|@UID@|00000000-0000-4000-8000-000000000000|" "$1" > "$WORK/review.json"
}
prepare_review "$REVIEW"

WEBHOOK_PORT=
start_webhook() { # label, extra arguments...
  local label=$1; shift
  WEBHOOK_PORT=$(free_port)
  "$CUSTODY" webhook serve --policy "$WORK/policy.json" --tls-cert "$WORK/tls/tls.crt" --tls-key "$WORK/tls/tls.key" \
    --listen "127.0.0.1:$WEBHOOK_PORT" --tls-verify=false "$@" > "$WORK/webhook-$label.log" 2>&1 &
  WEBHOOK_PID=$!
  for _ in $(seq 1 100); do
    curl -sf --cacert "$WORK/tls/ca.crt" "https://127.0.0.1:$WEBHOOK_PORT/healthz" > /dev/null 2>&1 && break
    kill -0 "$WEBHOOK_PID" 2> /dev/null || die "the webhook exited: $(tail -5 "$WORK/webhook-$label.log")"
    sleep 0.1
  done
  # The warm-up: one admission, which must be allowed.
  local answer
  answer=$(curl -sS --cacert "$WORK/tls/ca.crt" -H 'Content-Type: application/json' --data-binary "@$WORK/review.json" \
    "https://127.0.0.1:$WEBHOOK_PORT/validate?timeout=10s") || die "the warm-up request failed"
  case $answer in
    *'"allowed":true'*) return 0 ;;
    *) die "the warm-up admission was not allowed: $answer" ;;
  esac
}
stop_webhook() {
  kill -TERM "$WEBHOOK_PID" 2> /dev/null || true
  wait "$WEBHOOK_PID" 2> /dev/null || true
  WEBHOOK_PID=
}

# metric FILE NAME: the sum of NAME's samples (every label set) in a /metrics snapshot.
metric() { awk -v name="$2" '$1 == name || index($1, name "{") == 1 { sum += $NF } END { printf "%.0f\n", sum }' "$1"; }
metric_value() { awk -v name="$2" '$1 == name || index($1, name "{") == 1 { sum += $NF } END { printf "%.9g\n", sum }' "$1"; }
snapshot() { curl -sf --cacert "$WORK/tls/ca.crt" "https://127.0.0.1:$WEBHOOK_PORT/metrics" > "$1"; }
# CPU time in clock ticks: of a process (utime + stime), of this shell's reaped children
# (cutime + cstime: wrk, once waited for), and of the whole machine (busy time of all CPUs).
process_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2> /dev/null || echo 0; }
children_ticks() { awk '{ print $16 + $17 }' "/proc/$$/stat"; }
machine_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
TICKS_PER_SECOND=$(getconf CLK_TCK)
access_lines() { grep -c '"\(GET\|HEAD\|POST\|PUT\|PATCH\|DELETE\) /v2/' "$WORK/registry/access.log" || true; }

SUMMARY="$WORK/summary.txt"
printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' scenario connections "req/s" "p50 ms" "p99 ms" errors "registry req/admission" "webhook CPU ms/admission" "other load (cores)" > "$SUMMARY"

load() { # label connections
  local label=$1 connections=$2 out="$WORK/wrk-$1-c$2.txt"
  local before="$WORK/metrics-$1-c$2.before" after="$WORK/metrics-$1-c$2.after"
  snapshot "$before"
  local registry_before; registry_before=$(access_lines)
  local threads=$(( THREADS < connections ? THREADS : connections ))
  echo "== $label: wrk -t$threads -c$connections -d${DURATION}s, webhook pid $WEBHOOK_PID"
  if [ "$PROFILE" = 1 ]; then
    perf record -F 499 -g -p "$WEBHOOK_PID" -o "$WORK/perf-$label-c$connections.data" -- sleep "$DURATION" > /dev/null 2>&1 &
    PERF_PID=$!
  fi
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  local webhook_ticks registry_ticks wrk_ticks all_ticks
  webhook_ticks=$(process_ticks "$WEBHOOK_PID") registry_ticks=$(process_ticks "$REGISTRY_PID")
  wrk_ticks=$(children_ticks) all_ticks=$(machine_ticks)
  WEBHOOK_IMAGE=$IMAGE WEBHOOK_REGISTRY=$HOST WEBHOOK_REVIEW=$ACTIVE_REVIEW wrk -t"$threads" -c"$connections" -d"${DURATION}s" --timeout 10s --latency -s Benchmarks/webhook/admission.lua \
    "https://127.0.0.1:$WEBHOOK_PORT/validate?timeout=10s" | tee "$out"
  webhook_ticks=$(( $(process_ticks "$WEBHOOK_PID") - webhook_ticks )) registry_ticks=$(( $(process_ticks "$REGISTRY_PID") - registry_ticks ))
  wrk_ticks=$(( $(children_ticks) - wrk_ticks )) all_ticks=$(( $(machine_ticks) - all_ticks ))
  if [ -n "$PERF_PID" ]; then
    wait "$PERF_PID" || true
    PERF_PID=
    perf report -i "$WORK/perf-$label-c$connections.data" --no-children --sort dso,symbol --percent-limit 0.5 --stdio 2> /dev/null |
      { command -v swift > /dev/null && swift demangle --simplified || cat; } > "$WORK/perf-$label-c$connections.txt" || true
    echo "profile: $WORK/perf-$label-c$connections.txt"
  fi
  snapshot "$after"
  local registry_after; registry_after=$(access_lines)

  local line; line=$(grep '^ADMISSION ' "$out") || die "wrk printed no ADMISSION line (see $out)"
  field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<< "$line"; }
  local decisions registry latency_sum latency_count hits misses joined
  decisions=$(( $(metric "$after" custody_webhook_decisions_total) - $(metric "$before" custody_webhook_decisions_total) ))
  registry=$(( $(metric "$after" custody_webhook_registry_requests) - $(metric "$before" custody_webhook_registry_requests) ))
  hits=$(( $(metric "$after" custody_webhook_cache_hits) - $(metric "$before" custody_webhook_cache_hits) ))
  misses=$(( $(metric "$after" custody_webhook_cache_misses) - $(metric "$before" custody_webhook_cache_misses) ))
  joined=$(( $(metric "$after" custody_webhook_cache_joined_in_flight) - $(metric "$before" custody_webhook_cache_joined_in_flight) ))
  latency_sum=$(awk -v a="$(metric_value "$after" custody_webhook_decision_duration_seconds_sum)" -v b="$(metric_value "$before" custody_webhook_decision_duration_seconds_sum)" 'BEGIN { print a - b }')
  latency_count=$(( $(metric "$after" custody_webhook_decision_duration_seconds_count) - $(metric "$before" custody_webhook_decision_duration_seconds_count) ))
  local per_admission="-"
  [ "$decisions" -gt 0 ] && per_admission=$(awk -v r="$registry" -v d="$decisions" 'BEGIN { printf "%.3f", r / d }')
  echo "webhook /metrics over the run: $decisions decisions; registry requests $registry ($per_admission per admission; the registry's access log: $((registry_after - registry_before)));" \
    "verification cache hits $hits, misses $misses, joined in flight $joined;" \
    "server-side decision time mean $(awk -v s="$latency_sum" -v c="$latency_count" 'BEGIN { if (c > 0) printf "%.3f ms", s / c * 1000; else print "n/a" }')"
  local cpu; cpu=$(awk -v w="$webhook_ticks" -v r="$registry_ticks" -v k="$wrk_ticks" -v a="$all_ticks" -v d="$decisions" -v hz="$TICKS_PER_SECOND" -v s="$(field duration_us)" 'BEGIN {
    s /= 1e6; o = a - w - r - k; if (o < 0) o = 0
    printf "CPU over the run (cores busy): webhook %.2f, wrk %.2f, registry %.2f, everything else %.2f; webhook CPU per admission %.3f ms",
      w / hz / s, k / hz / s, r / hz / s, o / hz / s, (d > 0 ? w / hz / d * 1000 : 0) }')
  echo "$cpu"
  [ "$decisions" -eq "$(field requests)" ] || echo "note: wrk counted $(field requests) answers, the webhook $decisions decisions (wrk does not count answers still in flight when it stops)"
  printf '%s\t%s\t%.0f\t%.2f\t%.2f\t%s\t%s\t%s\t%s\n' "$label" "$connections" "$(field rps)" \
    "$(awk -v v="$(field p50_us)" 'BEGIN { print v / 1000 }')" "$(awk -v v="$(field p99_us)" 'BEGIN { print v / 1000 }')" \
    "$(field errors)" "$per_admission" "$(sed 's/.*per admission \([0-9.]*\) ms/\1/' <<< "$cpu")" \
    "$(sed 's/.*everything else \([0-9.]*\);.*/\1/' <<< "$cpu")" >> "$SUMMARY"
}

if [ "$MODE" = cached ] || [ "$MODE" = all ]; then
  start_webhook cached
  for connections in $CACHED_CONNECTIONS; do
    load cached "$connections"
  done
  stop_webhook
fi

if [ "$MODE" = audit ] || [ "$MODE" = all ]; then
  AUDIT="$WORK/audit.jsonl"
  rm -f "$AUDIT"
  start_webhook cached-audit --audit-file "$AUDIT"
  lines_before=$(wc -l < "$AUDIT")
  for connections in $AUDIT_CONNECTIONS; do
    load cached-audit "$connections"
  done
  lines=$(( $(wc -l < "$AUDIT") - lines_before ))
  bytes=$(stat -c %s "$AUDIT")
  echo "audit file: $lines records written during the run(s); $(awk -v b="$bytes" -v l="$(wc -l < "$AUDIT")" 'BEGIN { printf "%.0f bytes per record, %.1f MiB in all", b / l, b / 1048576 }')"
  stop_webhook
fi

if [ "$MODE" = uncached ] || [ "$MODE" = all ]; then
  start_webhook uncached --cache-ttl 0 --negative-cache-ttl 0 --tag-ttl 0
  for connections in $UNCACHED_CONNECTIONS; do
    load uncached "$connections"
  done
  stop_webhook
fi

if [ "$MODE" = pod8 ] || [ "$MODE" = all ]; then
  prepare_review Benchmarks/webhook/pod8-review.json
  start_webhook uncached-8images --cache-ttl 0 --negative-cache-ttl 0 --tag-ttl 0
  for connections in $POD8_CONNECTIONS; do
    load uncached-8images "$connections"
  done
  stop_webhook
  prepare_review "$REVIEW"
fi

echo
echo "== summary ($(nproc) cores shared by wrk, the webhook and the registry; $DURATION s per run; latencies as wrk measures them, TLS included)"
column -t -s $'\t' "$SUMMARY" 2> /dev/null || cat "$SUMMARY"
echo
awk -F'\t' 'NR > 1 {
  errors = ($6 == 0) ? "no errors" : $6 " ERRORS (wrong answers; see the wrk output for the first of each thread)"
  if ($1 ~ /8images/)
    printf "%-16s c%-3s p99 %.2f ms (no goal); %s\n", $1, $2, $5, errors
  else if ($1 ~ /^cached/)
    printf "%-16s c%-3s p99 %.2f ms (goal <= 5): %s; %.0f req/s (goal >= 5000): %s; %s\n", $1, $2, $5, ($5 <= 5 ? "met" : sprintf("MISSED by %.1fx", $5 / 5)), $3, ($3 >= 5000 ? "met" : sprintf("MISSED by %.1fx", 5000 / $3)), errors
  else
    printf "%-16s c%-3s p99 %.2f ms (goal <= 50): %s; %s\n", $1, $2, $5, ($5 <= 50 ? "met" : sprintf("MISSED by %.1fx", $5 / 50)), errors
}' "$SUMMARY"
