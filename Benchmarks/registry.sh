#!/usr/bin/env bash
# Benchmarks/registry.sh — Custody against skopeo 1.9.3 through a real registry (Debian's
# docker-registry, Distribution 2.8, plain HTTP on a free 127.0.0.1 port).
#
#     bash Benchmarks/registry.sh [--check]
#
# Three figures (issue 4), all measured in the same run:
#   1. Registry round trips of one warm `custody verify --gpg-key … docker://…` (simple signing,
#      lookaside from a registries.d): the HTTP requests the registry's access log records for that
#      one command. Goal: at most 3. (The lookaside is a local file:// directory, as skopeo's
#      registries.d names it; it is not a registry round trip.)
#   2. Wall time of that verification against `skopeo copy docker://… dir:…` with a policy.json
#      `signedBy` scope for the same key (skopeo verifies while pulling; a dir: copy of a small
#      image is the cheapest way to make skopeo check a registry image's signatures). Goal:
#      custody_mean / skopeo_mean <= 0.5.
#   3. A digest-verified copy of an image with one 200 MiB layer from the registry to an OCI
#      layout: `custody copy docker://… oci:DIR:v1` against `skopeo copy docker://… oci:DIR:v1`.
#      Goal: custody's throughput at least 2x skopeo's (skopeo_mean / custody_mean >= 2).
#
# Method: custody is built with `swift build -c release --product custody`. The registry, the
# images (a small single-platform image and the 200 MiB one, pushed by skopeo), an OpenPGP key
# (custody key generate), custody's signature in a lookaside directory, a registries.d and a
# policy.json are made fresh under $BENCH_WORK/registry (default Benchmarks/.work, gitignored).
# hyperfine -N --warmup 3 (no shell); each copy run starts from an empty destination
# (--prepare removes it). Timings go to $BENCH_WORK/registry-*.json.
#
# Needs: swift, hyperfine, skopeo, docker-registry, python3.
set -euo pipefail

die() { echo "registry.sh: error: $*" >&2; exit 1; }

CHECK=0
for argument in "$@"; do
  case $argument in
    --check) CHECK=1 ;;
    *) die "usage: registry.sh [--check]" ;;
  esac
done

for tool in swift hyperfine skopeo python3; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found in PATH (apt-get install hyperfine skopeo python3)"
done
REGISTRY_BIN=$(command -v docker-registry || echo /usr/bin/docker-registry)
[ -x "$REGISTRY_BIN" ] || die "docker-registry not found (apt-get install docker-registry)"

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd -- "$ROOT"
BENCH_WORK=${BENCH_WORK:-$ROOT/Benchmarks/.work}
WORK=$BENCH_WORK/registry
rm -rf "$WORK"
mkdir -p "$WORK"

echo "== building custody (release)"
swift build -c release --product custody >/dev/null
CUSTODY=$(swift build -c release --show-bin-path)/custody

echo "== starting docker-registry"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
HOST=127.0.0.1:$PORT
cat >"$WORK/config.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $WORK/storage
http:
  addr: $HOST
  secret: custody-benchmark
EOF
"$REGISTRY_BIN" serve "$WORK/config.yml" >"$WORK/access.log" 2>"$WORK/registry.err" &
REGISTRY_PID=$!
trap 'kill $REGISTRY_PID 2>/dev/null || true; wait $REGISTRY_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  python3 - "$HOST" <<'EOF' && break
import sys, urllib.request
try:
    urllib.request.urlopen("http://%s/v2/" % sys.argv[1], timeout=1)
except Exception:
    sys.exit(1)
EOF
  sleep 0.1
done

echo "== making images (a small one and one with a 200 MiB layer) and pushing them with skopeo"
python3 - "$WORK" <<'EOF'
import hashlib, json, os, sys
work = sys.argv[1]

def layout(name, layer_bytes):
    root = os.path.join(work, name)
    blobs = os.path.join(root, "blobs", "sha256")
    os.makedirs(blobs)
    def put(data):
        digest = hashlib.sha256(data).hexdigest()
        with open(os.path.join(blobs, digest), "wb") as f:
            f.write(data)
        return {"digest": "sha256:" + digest, "size": len(data)}
    layer = put(layer_bytes)
    layer["mediaType"] = "application/vnd.oci.image.layer.v1.tar"
    config = put(json.dumps({"architecture": "amd64", "os": "linux",
                             "rootfs": {"type": "layers", "diff_ids": [layer["digest"]]}}).encode())
    config["mediaType"] = "application/vnd.oci.image.config.v1+json"
    manifest = put(json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                               "config": config, "layers": [layer]}).encode())
    manifest["mediaType"] = "application/vnd.oci.image.manifest.v1+json"
    manifest["annotations"] = {"org.opencontainers.image.ref.name": "v1"}
    with open(os.path.join(root, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [manifest]}, f)
    with open(os.path.join(root, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')

layout("small", os.urandom(64 * 1024))
layout("big", os.urandom(200 * 1024 * 1024))
EOF
mkdir -p "$WORK/rd-empty"
for image in small big; do
  skopeo --insecure-policy --registries.d "$WORK/rd-empty" copy -q --dest-tls-verify=false \
    "oci:$WORK/$image:v1" "docker://$HOST/bench/$image:v1" >/dev/null
done
rm -rf "$WORK/big"

echo "== signing the small image with custody (OpenPGP, lookaside in a registries.d)"
"$CUSTODY" key generate --type openpgp --algorithm ed25519 --uid "Custody Benchmark <bench@example.invalid>" -o "$WORK/key" >/dev/null
mkdir -p "$WORK/rd" "$WORK/lookaside"
printf 'docker:\n  %s:\n    lookaside: file://%s\n' "$HOST" "$WORK/lookaside" >"$WORK/rd/bench.yaml"
"$CUSTODY" sign "docker://$HOST/bench/small:v1" --tls-verify=false --gpg-key "$WORK/key.sec.asc" --registries.d "$WORK/rd" >/dev/null
python3 - "$WORK" "$HOST" <<'EOF'
import json, sys
work, host = sys.argv[1], sys.argv[2]
policy = {"default": [{"type": "reject"}],
          "transports": {"docker": {host + "/bench": [{"type": "signedBy", "keyType": "GPGKeys", "keyPath": work + "/key.pub.asc"}]}}}
json.dump(policy, open(work + "/policy.json", "w"))
EOF

VERIFY=("$CUSTODY" verify "docker://$HOST/bench/small:v1" --tls-verify=false --gpg-key "$WORK/key.pub.asc" --registries.d "$WORK/rd")
SKOPEO_VERIFY=(skopeo --policy "$WORK/policy.json" --registries.d "$WORK/rd" copy -q --src-tls-verify=false "docker://$HOST/bench/small:v1" "dir:$WORK/skopeo-small")

echo "== checking that both tools accept the image"
"${VERIFY[@]}" >/dev/null || die "custody verify rejected the image"
"${SKOPEO_VERIFY[@]}" >/dev/null || die "skopeo copy with the signedBy policy rejected the image"
rm -rf "$WORK/skopeo-small"

echo "== 1. registry round trips of one warm custody verify"
"${VERIFY[@]}" >/dev/null
before=$(grep -cE '"(GET|HEAD|POST|PUT|PATCH|DELETE) /v2/' "$WORK/access.log" || true)
"${VERIFY[@]}" >/dev/null
sleep 0.2
after=$(grep -cE '"(GET|HEAD|POST|PUT|PATCH|DELETE) /v2/' "$WORK/access.log" || true)
ROUND_TRIPS=$((after - before))
echo "round trips: $ROUND_TRIPS (goal <= 3); requests:"
grep -E '"(GET|HEAD|POST|PUT|PATCH|DELETE) /v2/' "$WORK/access.log" | tail -n "$ROUND_TRIPS" | sed -E 's/.*"((GET|HEAD|POST|PUT|PATCH|DELETE) [^ ]*) HTTP[^"]*" ([0-9]+).*/  \1 -> \3/'

echo "== 2. verify: custody verify vs skopeo copy with a signedBy policy"
hyperfine -N --warmup 3 --runs 30 --export-json "$BENCH_WORK/registry-verify.json" \
  --prepare "rm -rf $WORK/skopeo-small" \
  -n custody "${VERIFY[*]}" \
  -n skopeo "${SKOPEO_VERIFY[*]}"

echo "== 3. copy of a 200 MiB layer, registry -> oci:"
hyperfine -N --warmup 1 --runs 10 --export-json "$BENCH_WORK/registry-copy.json" \
  --prepare "rm -rf $WORK/copy-out" \
  -n custody "$CUSTODY copy --tls-verify=false docker://$HOST/bench/big:v1 oci:$WORK/copy-out:v1" \
  -n skopeo "skopeo --insecure-policy copy -q --src-tls-verify=false docker://$HOST/bench/big:v1 oci:$WORK/copy-out:v1"

python3 - "$BENCH_WORK" "$ROUND_TRIPS" "$CHECK" <<'EOF'
import json, sys
work, round_trips, check = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
def means(name):
    results = json.load(open("%s/registry-%s.json" % (work, name)))["results"]
    return {r["command"]: r["mean"] for r in results}
verify, copy = means("verify"), means("copy")
verify_ratio = verify["custody"] / verify["skopeo"]
copy_speedup = copy["skopeo"] / copy["custody"]
mib = 200.0
print("round trips (custody verify, warm): %d (goal <= 3)" % round_trips)
print("verify: custody %.1f ms, skopeo %.1f ms, ratio %.3f (goal <= 0.5)" % (verify["custody"] * 1000, verify["skopeo"] * 1000, verify_ratio))
print("copy 200 MiB: custody %.2f s (%.0f MiB/s), skopeo %.2f s (%.0f MiB/s), speed-up %.2fx (goal >= 2)" % (
    copy["custody"], mib / copy["custody"], copy["skopeo"], mib / copy["skopeo"], copy_speedup))
if check and (round_trips > 3 or verify_ratio > 0.5 or copy_speedup < 2):
    sys.exit(1)
EOF
