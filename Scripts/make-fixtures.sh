#!/usr/bin/env bash
# make-fixtures.sh OUTDIR — build real container-image fixtures with umoci and skopeo.
#
# Used by the test suite (Tests/CustodyTestSupport/Fixtures.swift runs it once per test process
# into a fresh temporary directory). Needs umoci, skopeo, python3 and coreutils; installs nothing
# (Scripts/test.sh does that). Takes a few seconds. If OUTDIR exists it is deleted and recreated.
#
# The fixtures are deterministic: every timestamp (config "created", history, tar mtimes) is pinned
# to 2024-01-01T00:00:00Z and file contents are fixed, so the same umoci/skopeo versions give the
# same digests on every run. Tests must still compute expected digests with skopeo, never hard-code
# them.
#
# Fixtures (the image reference strings that address them, with OUTDIR written as $OUT):
#
#   oci-single          oci:$OUT/oci-single:v1  (also oci:$OUT/oci-single: index.json has one entry)
#                       OCI image layout made by umoci. One OCI image manifest (umoci 0.4.7 writes it
#                       WITHOUT a top-level "mediaType" field), config os=linux architecture=amd64,
#                       exactly TWO gzip layers: layer 1 = /etc/custody/hello.txt (tiny text),
#                       layer 2 = /opt/custody/data.bin (16 KiB incompressible bytes; the largest layer).
#   dir-single          dir:$OUT/dir-single
#                       `skopeo copy oci:…/oci-single:v1 dir:…` — manifest.json holds the same bytes as
#                       the OCI manifest (same digest), blobs stored as files named by their hex digest.
#   dir-single-v2s2     dir:$OUT/dir-single-v2s2
#                       `skopeo copy --format v2s2` of oci-single: Docker schema 2 manifest
#                       (application/vnd.docker.distribution.manifest.v2+json). Blobs are unchanged, so
#                       the manifest digest differs from oci-single's but config/layer digests do not.
#   oci-multi           oci:$OUT/oci-multi:multi  (also oci:$OUT/oci-multi)
#                       OCI layout whose index.json has exactly ONE entry: an OCI image INDEX
#                       (application/vnd.oci.image.index.v1+json, ref.name "multi"). The index blob
#                       (compact JSON written by this script) lists two manifests, in this order:
#                         linux/amd64     (config os linux, architecture amd64)
#                         linux/arm64/v8  (config os linux, architecture arm64, variant v8)
#                       Each instance has two layers: a shared base layer (/etc/custody/base.txt, the
#                       same blob in both) and a platform layer (/etc/custody/platform.txt).
#                       The instances were built by umoci under their own tags; those tags are REMOVED
#                       from index.json so `oci:$OUT/oci-multi` (no tag) resolves to the index.
#                       umoci 0.4.7 has no --variant option, so the arm64 config gets "variant":"v8"
#                       added by this script (new config blob, new manifest blob).
#   dir-multi           dir:$OUT/dir-multi
#                       `skopeo copy --all oci:…/oci-multi:multi dir:…` — manifest.json is the index
#                       (same bytes), each instance manifest is <hex>.manifest.json.
#   dir-docker-list     dir:$OUT/dir-docker-list
#                       Docker schema 2 manifest LIST (application/vnd.docker.distribution.manifest.list.v2+json)
#                       with schema 2 instance manifests, same platforms and order as oci-multi.
#                       Made by `skopeo copy --all --format v2s2`. If that skopeo refuses to convert the
#                       list, the script falls back to: per-instance `skopeo copy --format v2s2` into
#                       scratch dirs, then assembles the list in python (reported on stderr).
#   oci-tampered        oci:$OUT/oci-tampered:v1
#                       Copy of oci-single with ONE byte flipped (XOR 0xff) in the middle of the largest
#                       layer blob (file name unchanged). The sibling file $OUT/oci-tampered.TAMPERED holds
#                       that blob's digest string "sha256:<hex>" (no newline).
#   dir-tampered        dir:$OUT/dir-tampered
#                       Same tampering applied to a copy of dir-single; digest in $OUT/dir-tampered.TAMPERED.
#   oci-missing-blob    oci:$OUT/oci-missing-blob:v1
#                       Copy of oci-single with its FIRST layer blob deleted. The sibling file
#                       $OUT/oci-missing-blob.MISSING holds that blob's digest string (no newline).
#
# Usage: bash Scripts/make-fixtures.sh /tmp/fixtures
set -euo pipefail

die() { echo "make-fixtures.sh: error: $*" >&2; exit 1; }

[[ $# -eq 1 && -n "$1" ]] || die "usage: make-fixtures.sh OUTDIR"

# Fail loudly if a peer tool is missing (install them with Scripts/test.sh or apt-get).
for tool in umoci skopeo python3 sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || die "required tool '$tool' not found in PATH (apt-get install umoci skopeo python3)"
done

OUT=$1
rm -rf -- "$OUT"
mkdir -p -- "$OUT"
OUT=$(cd -- "$OUT" && pwd -P)   # absolute, so every reference string below is absolute
SCRATCH=$OUT/.scratch
mkdir -p "$SCRATCH"

# Pinned time for determinism.
CREATED=2024-01-01T00:00:00Z
EPOCH=1704067200

# Skopeo must not depend on the machine's /etc/containers/policy.json for local copies.
skopeo_copy() { skopeo --insecure-policy copy --quiet "$@"; }

# make_file PATH KIND: write a deterministic file. KIND is "text:<content>" or "random:<bytes>:<seed>".
make_file() {
  local path=$1 kind=$2
  mkdir -p -- "$(dirname -- "$path")"
  python3 - "$path" "$kind" <<'PY'
import random, sys
path, kind = sys.argv[1], sys.argv[2]
if kind.startswith("text:"):
    data = kind[len("text:"):].encode() + b"\n"
else:
    _, size, seed = kind.split(":")
    data = random.Random(int(seed)).randbytes(int(size))
with open(path, "wb") as f:
    f.write(data)
PY
  touch -h -d "@$EPOCH" -- "$path"
}

# umoci_layer IMAGE SRC TARGET: add SRC as a new layer at TARGET (pinned history timestamp).
umoci_layer() {
  umoci insert --rootless --history.created "$CREATED" --image "$1" "$2" "$3"
}

# ---------------------------------------------------------------------------------------------
# oci-single: umoci image with exactly two layers.
echo "make-fixtures: oci-single" >&2
make_file "$SCRATCH/single/hello.txt" "text:hello from layer one"
make_file "$SCRATCH/single/data.bin" "random:16384:1"
umoci init --layout "$OUT/oci-single"
umoci new --image "$OUT/oci-single:v1"
umoci config --no-history --image "$OUT/oci-single:v1" --created "$CREATED" --os linux --architecture amd64
umoci_layer "$OUT/oci-single:v1" "$SCRATCH/single/hello.txt" /etc/custody/hello.txt
umoci_layer "$OUT/oci-single:v1" "$SCRATCH/single/data.bin" /opt/custody/data.bin
umoci gc --layout "$OUT/oci-single"   # drop the intermediate manifests/configs umoci leaves behind

# ---------------------------------------------------------------------------------------------
echo "make-fixtures: dir-single, dir-single-v2s2" >&2
skopeo_copy "oci:$OUT/oci-single:v1" "dir:$OUT/dir-single"
skopeo_copy --format v2s2 "oci:$OUT/oci-single:v1" "dir:$OUT/dir-single-v2s2"

# ---------------------------------------------------------------------------------------------
# oci-multi: two umoci-built instances, then an index written by python.
echo "make-fixtures: oci-multi" >&2
make_file "$SCRATCH/multi/base.txt" "text:shared base layer"
make_file "$SCRATCH/multi/amd64/platform.txt" "text:linux/amd64"
make_file "$SCRATCH/multi/arm64/platform.txt" "text:linux/arm64/v8"
umoci init --layout "$OUT/oci-multi"
for arch in amd64 arm64; do
  img="$OUT/oci-multi:instance-$arch"
  umoci new --image "$img"
  umoci config --no-history --image "$img" --created "$CREATED" --os linux --architecture "$arch"
  umoci_layer "$img" "$SCRATCH/multi/base.txt" /etc/custody/base.txt
  umoci_layer "$img" "$SCRATCH/multi/$arch/platform.txt" /etc/custody/platform.txt
done

python3 - "$OUT/oci-multi" <<'PY'
import hashlib, json, os, sys

layout = sys.argv[1]
blobs = os.path.join(layout, "blobs", "sha256")

def dumps(obj):
    return json.dumps(obj, separators=(",", ":")).encode()

def read_blob(digest):
    algo, hex_ = digest.split(":", 1)
    assert algo == "sha256"
    with open(os.path.join(blobs, hex_), "rb") as f:
        return f.read()

def write_blob(data):
    hex_ = hashlib.sha256(data).hexdigest()
    with open(os.path.join(blobs, hex_), "wb") as f:
        f.write(data)
    return "sha256:" + hex_, len(data)

with open(os.path.join(layout, "index.json"), "rb") as f:
    top = json.load(f)
by_tag = {d["annotations"]["org.opencontainers.image.ref.name"]: d for d in top["manifests"]}

entries = []
for arch, variant in (("amd64", None), ("arm64", "v8")):
    desc = by_tag["instance-" + arch]
    manifest = json.loads(read_blob(desc["digest"]))
    config = json.loads(read_blob(manifest["config"]["digest"]))
    assert config["os"] == "linux" and config["architecture"] == arch, config
    platform = {"architecture": arch, "os": "linux"}
    if variant:
        # umoci 0.4.7 cannot set a variant; add it to the config and re-point the manifest.
        config["variant"] = variant
        digest, size = write_blob(dumps(config))
        manifest["config"]["digest"], manifest["config"]["size"] = digest, size
        platform["variant"] = variant
    digest, size = write_blob(dumps(manifest))
    entries.append({
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": digest,
        "size": size,
        "platform": platform,
    })

index = {
    "schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.index.v1+json",
    "manifests": entries,
}
digest, size = write_blob(dumps(index))
top["manifests"] = [{
    "mediaType": "application/vnd.oci.image.index.v1+json",
    "digest": digest,
    "size": size,
    "annotations": {"org.opencontainers.image.ref.name": "multi"},
}]
with open(os.path.join(layout, "index.json"), "wb") as f:
    f.write(dumps(top))

# Garbage-collect: keep only blobs reachable from index.json (umoci leaves intermediates behind,
# and the untagged instances' original manifests/configs are now unreachable).
reachable = set()
def walk(desc):
    reachable.add(desc["digest"])
    mt = desc.get("mediaType", "")
    if mt.endswith("index.v1+json"):
        for d in json.loads(read_blob(desc["digest"]))["manifests"]:
            walk(d)
    elif mt.endswith("manifest.v1+json"):
        m = json.loads(read_blob(desc["digest"]))
        reachable.add(m["config"]["digest"])
        for layer in m["layers"]:
            reachable.add(layer["digest"])
for d in top["manifests"]:
    walk(d)
for name in os.listdir(blobs):
    if "sha256:" + name not in reachable:
        os.remove(os.path.join(blobs, name))
PY

# ---------------------------------------------------------------------------------------------
echo "make-fixtures: dir-multi" >&2
skopeo_copy --all "oci:$OUT/oci-multi:multi" "dir:$OUT/dir-multi"

# ---------------------------------------------------------------------------------------------
# dir-docker-list: first ask skopeo to convert the whole list; fall back to assembling it.
echo "make-fixtures: dir-docker-list" >&2
if skopeo_copy --all --format v2s2 "oci:$OUT/oci-multi:multi" "dir:$OUT/dir-docker-list" 2>"$SCRATCH/list.err" \
   && python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1])).get("mediaType") != "application/vnd.docker.distribution.manifest.list.v2+json")' \
        "$OUT/dir-docker-list/manifest.json"; then
  :
else
  echo "make-fixtures: skopeo did not convert the list to v2s2 ($(tr '\n' ' ' <"$SCRATCH/list.err")); assembling it in python" >&2
  rm -rf "$OUT/dir-docker-list"
  # Tag each instance in a scratch layout so skopeo can address it, then convert it alone.
  cp -a "$OUT/oci-multi" "$SCRATCH/multi-tagged"
  python3 - "$SCRATCH/multi-tagged" <<'PY'
import json, os, sys
layout = sys.argv[1]
top = json.load(open(os.path.join(layout, "index.json")))
idx = top["manifests"][0]
index = json.load(open(os.path.join(layout, "blobs", "sha256", idx["digest"].split(":")[1])))
for i, d in enumerate(index["manifests"]):
    d = dict(d); d.pop("platform", None)
    d["annotations"] = {"org.opencontainers.image.ref.name": "instance-%d" % i}
    top["manifests"].append(d)
json.dump(top, open(os.path.join(layout, "index.json"), "w"), separators=(",", ":"))
PY
  count=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["manifests"]))' "$OUT/dir-multi/manifest.json")
  for ((i = 0; i < count; i++)); do
    skopeo_copy --format v2s2 "oci:$SCRATCH/multi-tagged:instance-$i" "dir:$SCRATCH/v2s2-$i"
  done
  python3 - "$OUT/dir-multi/manifest.json" "$SCRATCH" "$OUT/dir-docker-list" "$count" <<'PY'
import hashlib, json, os, shutil, sys
oci_index_path, scratch, out, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
oci_index = json.load(open(oci_index_path))
os.makedirs(out)
entries = []
for i in range(count):
    src = os.path.join(scratch, "v2s2-%d" % i)
    raw = open(os.path.join(src, "manifest.json"), "rb").read()
    hex_ = hashlib.sha256(raw).hexdigest()
    for name in os.listdir(src):
        if name not in ("manifest.json", "version"):
            shutil.copyfile(os.path.join(src, name), os.path.join(out, name))
    shutil.copyfile(os.path.join(src, "manifest.json"), os.path.join(out, hex_ + ".manifest.json"))
    entries.append({
        "mediaType": json.loads(raw)["mediaType"],
        "size": len(raw),
        "digest": "sha256:" + hex_,
        "platform": oci_index["manifests"][i]["platform"],
    })
lst = {"schemaVersion": 2,
       "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
       "manifests": entries}
open(os.path.join(out, "manifest.json"), "wb").write(json.dumps(lst, separators=(",", ":")).encode())
shutil.copyfile(os.path.join(scratch, "v2s2-0", "version"), os.path.join(out, "version"))
PY
fi

# ---------------------------------------------------------------------------------------------
# Broken copies. The marker files sit NEXT TO the fixture so the fixture stays a valid layout.
echo "make-fixtures: oci-tampered, dir-tampered, oci-missing-blob" >&2
cp -a "$OUT/oci-single" "$OUT/oci-tampered"
cp -a "$OUT/dir-single" "$OUT/dir-tampered"
cp -a "$OUT/oci-single" "$OUT/oci-missing-blob"

python3 - "$OUT" <<'PY'
import json, os, sys
out = sys.argv[1]

def oci_manifest(layout):
    top = json.load(open(os.path.join(layout, "index.json")))
    (desc,) = top["manifests"]
    return json.load(open(os.path.join(layout, "blobs", "sha256", desc["digest"].split(":")[1])))

def flip_middle_byte(path):
    with open(path, "r+b") as f:
        data = bytearray(f.read())
        data[len(data) // 2] ^= 0xFF
        f.seek(0)
        f.write(data)

def largest_layer(manifest):
    return max(manifest["layers"], key=lambda l: l["size"])["digest"]

# oci-tampered
digest = largest_layer(oci_manifest(os.path.join(out, "oci-tampered")))
flip_middle_byte(os.path.join(out, "oci-tampered", "blobs", "sha256", digest.split(":")[1]))
open(os.path.join(out, "oci-tampered.TAMPERED"), "w").write(digest)

# dir-tampered
manifest = json.load(open(os.path.join(out, "dir-tampered", "manifest.json")))
digest = largest_layer(manifest)
flip_middle_byte(os.path.join(out, "dir-tampered", digest.split(":")[1]))
open(os.path.join(out, "dir-tampered.TAMPERED"), "w").write(digest)

# oci-missing-blob
digest = oci_manifest(os.path.join(out, "oci-missing-blob"))["layers"][0]["digest"]
os.remove(os.path.join(out, "oci-missing-blob", "blobs", "sha256", digest.split(":")[1]))
open(os.path.join(out, "oci-missing-blob.MISSING"), "w").write(digest)
PY

# ---------------------------------------------------------------------------------------------
# Self-check: every intact fixture must be readable by skopeo, and every blob in the intact
# layouts/dirs must hash to its name (catches a broken build early, with a clear message).
echo "make-fixtures: self-check" >&2
for ref in "oci:$OUT/oci-single:v1" "dir:$OUT/dir-single" "dir:$OUT/dir-single-v2s2" \
           "oci:$OUT/oci-multi:multi" "dir:$OUT/dir-multi" "dir:$OUT/dir-docker-list"; do
  skopeo inspect --raw "$ref" >/dev/null || die "skopeo cannot read fixture $ref"
done
for d in oci-single/blobs/sha256 oci-multi/blobs/sha256 dir-single dir-single-v2s2 dir-multi dir-docker-list; do
  for f in "$OUT/$d"/*; do
    name=$(basename -- "$f")
    [[ $name =~ ^[0-9a-f]{64}$ ]] || continue
    actual=$(sha256sum -- "$f" | cut -d' ' -f1)
    [[ $actual == "$name" ]] || die "blob $d/$name hashes to $actual"
  done
done

rm -rf "$SCRATCH"
echo "make-fixtures: done: $OUT" >&2
