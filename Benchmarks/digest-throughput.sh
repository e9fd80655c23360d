#!/usr/bin/env bash
# Benchmarks/digest-throughput.sh — SHA-256 throughput of `custody digest --verify-blobs`
# against `openssl dgst -sha256` on the same 200 MiB blob, both pinned to one CPU.
#
#     bash Benchmarks/digest-throughput.sh [--check]
#
# Goal: openssl_mean / custody_mean >= 0.95, i.e. verifying an image costs at most ~5% more than
# hashing its largest blob with OpenSSL (custody also reads index.json, the manifest and config).
# The ratio is printed; with --check the script exits 1 when it is below the goal.
#
# What it does:
#   1. swift build -c release --product custody   (from the repository root)
#   2. Creates, unless already present, an OCI image layout in $BENCH_WORK/layout
#      (default Benchmarks/.work, which is gitignored) holding ONE 200 MiB layer of random bytes,
#      a config, a manifest and index.json (tag "bench"); all JSON is compact and written here.
#   3. hyperfine --warmup 2 --runs 10 (both commands under `taskset -c 0`, page cache warm):
#        custody digest --verify-blobs oci:<layout>:bench
#        openssl dgst -sha256 <the layer blob>
#      and exports the timings to $BENCH_WORK/digest-throughput.json.
#   4. Prints openssl_mean / custody_mean (a throughput ratio) and each tool's MiB/s.
#
# Needs: swift, hyperfine, openssl, python3, taskset (util-linux), sha256sum (coreutils).
set -euo pipefail

die() { echo "digest-throughput.sh: error: $*" >&2; exit 1; }

CHECK=0
case "${1:-}" in
  "") ;;
  --check) CHECK=1 ;;
  *) die "usage: digest-throughput.sh [--check]" ;;
esac

GOAL=0.95
LAYER_BYTES=$((200 * 1024 * 1024))

for tool in swift hyperfine openssl python3 taskset sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found in PATH (apt-get install hyperfine openssl util-linux)"
done

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd -- "$ROOT"
WORK=${BENCH_WORK:-$ROOT/Benchmarks/.work}
mkdir -p -- "$WORK"
WORK=$(cd -- "$WORK" && pwd -P)
LAYOUT=$WORK/layout

# 1. Release build.
echo "== swift build -c release --product custody" >&2
swift build -c release --product custody
CUSTODY="$(swift build -c release --show-bin-path)/custody"
[[ -x $CUSTODY ]] || die "release binary not found at $CUSTODY"

# 2. The benchmark image, built in a temporary directory and then renamed; the marker file
#    $WORK/layout.layer-digest (outside the layout, so the layout holds only OCI files) is written
#    last, so a half-written layout is never reused.
MARKER=$WORK/layout.layer-digest
if [[ ! -f $MARKER || ! -d $LAYOUT ]]; then
  echo "== creating $LAYOUT (one $((LAYER_BYTES / 1024 / 1024)) MiB random layer)" >&2
  rm -rf -- "$MARKER" "$LAYOUT" "$LAYOUT.tmp"
  mkdir -p -- "$LAYOUT.tmp/blobs/sha256"
  head -c "$LAYER_BYTES" /dev/urandom >"$LAYOUT.tmp/layer"
  layer_hex=$(sha256sum -- "$LAYOUT.tmp/layer" | cut -d' ' -f1)
  mv -- "$LAYOUT.tmp/layer" "$LAYOUT.tmp/blobs/sha256/$layer_hex"
  python3 - "$LAYOUT.tmp" "$layer_hex" "$LAYER_BYTES" <<'PY'
import hashlib, json, os, sys

layout, layer_hex, layer_size = sys.argv[1], sys.argv[2], int(sys.argv[3])
blobs = os.path.join(layout, "blobs", "sha256")

def dumps(obj):
    return json.dumps(obj, separators=(",", ":")).encode()

def put(obj):
    data = dumps(obj)
    hex_ = hashlib.sha256(data).hexdigest()
    with open(os.path.join(blobs, hex_), "wb") as f:
        f.write(data)
    return {"digest": "sha256:" + hex_, "size": len(data)}

layer_digest = "sha256:" + layer_hex
# The layer is declared uncompressed, so its diff_id is its own digest.
config = put({
    "architecture": "amd64",
    "os": "linux",
    "rootfs": {"type": "layers", "diff_ids": [layer_digest]},
})
manifest = put({
    "schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", **config},
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer_digest, "size": layer_size}],
})
index = {
    "schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.index.v1+json",
    "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        **manifest,
        "annotations": {"org.opencontainers.image.ref.name": "bench"},
    }],
}
with open(os.path.join(layout, "index.json"), "wb") as f:
    f.write(dumps(index))
with open(os.path.join(layout, "oci-layout"), "wb") as f:
    f.write(dumps({"imageLayoutVersion": "1.0.0"}))
PY
  mv -- "$LAYOUT.tmp" "$LAYOUT"
  printf 'sha256:%s' "$layer_hex" >"$MARKER"
fi
layer_digest=$(cat -- "$MARKER")
BLOB=$LAYOUT/blobs/sha256/${layer_digest#sha256:}
IMAGE="oci:$LAYOUT:bench"

# Sanity: custody must succeed on the image before it is timed.
"$CUSTODY" digest --verify-blobs "$IMAGE" >/dev/null || die "custody digest --verify-blobs $IMAGE failed"

# 3. Time both, pinned to CPU 0.
RESULTS=$WORK/digest-throughput.json
echo "== hyperfine" >&2
hyperfine --warmup 2 --runs 10 --export-json "$RESULTS" \
  --command-name custody "taskset -c 0 '$CUSTODY' digest --verify-blobs '$IMAGE'" \
  --command-name openssl "taskset -c 0 openssl dgst -sha256 '$BLOB'"

# 4. The ratio.
python3 - "$RESULTS" "$LAYER_BYTES" "$GOAL" "$CHECK" <<'PY'
import json, sys

results, size, goal, check = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4] == "1"
means = {r["command"]: r["mean"] for r in json.load(open(results))["results"]}
custody, openssl = means["custody"], means["openssl"]
ratio = openssl / custody
mib = size / (1024 * 1024)
print(f"custody digest --verify-blobs: {custody:.3f} s mean ({mib / custody:.0f} MiB/s)")
print(f"openssl dgst -sha256:          {openssl:.3f} s mean ({mib / openssl:.0f} MiB/s)")
print(f"throughput ratio openssl_mean/custody_mean = {ratio:.3f} (goal >= {goal}): "
      + ("meets goal" if ratio >= goal else "BELOW GOAL"))
sys.exit(1 if check and ratio < goal else 0)
PY
