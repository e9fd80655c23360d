#!/usr/bin/env bash
# Benchmarks/standalone-verify.sh — `custody standalone-verify` against `skopeo standalone-verify`
# (skopeo 1.9.3 + GPGME + GnuPG 2.2) on the same simple-signing signature, for an RSA-3072 and an
# Ed25519 key.
#
#     bash Benchmarks/standalone-verify.sh [--check] [--static]
#
# Goal: custody_mean / skopeo_mean <= 0.3 for each key, i.e. checking one signature with custody
# (a process start, reading the key file, native OpenPGP) costs under a third of what skopeo spends
# (a process start, GPGME, then a `gpg --verify` child process reading the GnuPG keyring).
# The ratios are printed; with --check the script exits 1 when either is above the goal.
# With --static, custody is built the way it should be deployed: --static-swift-stdlib and linked
# as a non-PIE executable (into its own scratch path, $BENCH_WORK/build-static-nopie, so the
# normal .build is not rebuilt). That removes the dynamic loader's work and the ~120k start-up
# relocations of a position-independent binary; Docs/benchmarks.md has both figures.
#
# What it does:
#   1. swift build -c release --product custody   (from the repository root; with --static:
#      swift build -c release --product custody --static-swift-stdlib -Xswiftc -Xclang-linker -Xswiftc -no-pie
#      --scratch-path $BENCH_WORK/build-static-nopie)
#   2. In a temporary GNUPGHOME (removed on exit, its gpg-agent stopped), creates two GnuPG keys
#      without passphrase: `gpg --quick-gen-key … rsa3072 sign` and `… ed25519 sign`; exports each
#      public key (armored) to $BENCH_WORK/standalone-verify/<key>.pub.asc (default BENCH_WORK is
#      Benchmarks/.work, which is gitignored); writes a compact OCI manifest there (manifest.json)
#      and signs it once per key with `skopeo standalone-sign manifest.json REF FPR -o <key>.sig`.
#      Keys and signatures are new on every run.
#   3. Checks that both tools accept each signature and report the same digest.
#   4. hyperfine -N --warmup 3 --runs 30 (no shell, so neither side pays for one; nothing pinned,
#      since skopeo's work is spread over its Go runtime and the gpg child), GNUPGHOME exported for
#      skopeo (custody ignores it):
#        custody standalone-verify manifest.json REF FPR <key>.sig --public-key-file <key>.pub.asc
#        skopeo standalone-verify manifest.json REF FPR <key>.sig
#      and exports the timings to $BENCH_WORK/standalone-verify.json (-static.json with --static).
#   5. Prints custody_mean / skopeo_mean per key.
#
# Needs: swift, hyperfine, skopeo, gpg + gpgconf (GnuPG 2.2), python3.
set -euo pipefail

die() { echo "standalone-verify.sh: error: $*" >&2; exit 1; }

CHECK=0
STATIC=0
for argument in "$@"; do
  case $argument in
    --check) CHECK=1 ;;
    --static) STATIC=1 ;;
    *) die "usage: standalone-verify.sh [--check] [--static]" ;;
  esac
done

GOAL=0.3
REF=registry.example.com/custody/bench:v1
RUNS=30

for tool in swift hyperfine skopeo gpg gpgconf python3; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found in PATH (apt-get install hyperfine skopeo gnupg python3)"
done

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
cd -- "$ROOT"
WORK=${BENCH_WORK:-$ROOT/Benchmarks/.work}
mkdir -p -- "$WORK"
WORK=$(cd -- "$WORK" && pwd -P)
DATA=$WORK/standalone-verify
rm -rf -- "$DATA"
mkdir -p -- "$DATA"

# 1. Release build.
BUILD_FLAGS=(-c release)
if [[ $STATIC == 1 ]]; then
  BUILD_FLAGS+=(--static-swift-stdlib -Xswiftc -Xclang-linker -Xswiftc -no-pie --scratch-path "$WORK/build-static-nopie")
fi
echo "== swift build ${BUILD_FLAGS[*]} --product custody" >&2
swift build "${BUILD_FLAGS[@]}" --product custody
CUSTODY="$(swift build "${BUILD_FLAGS[@]}" --show-bin-path)/custody"
[[ -x $CUSTODY ]] || die "release binary not found at $CUSTODY"

# 2. Keys, manifest, signatures. The GNUPGHOME is short and under /tmp: gpg-agent puts its socket
#    there when /run/user/UID does not exist, and socket paths must stay under 108 bytes.
GNUPGHOME=$(mktemp -d /tmp/custody-sv-XXXXXX)
export GNUPGHOME
chmod 700 "$GNUPGHOME"
cleanup() {
  gpgconf --kill gpg-agent >/dev/null 2>&1 || true
  rm -rf -- "$GNUPGHOME"
}
trap cleanup EXIT

MANIFEST=$DATA/manifest.json
printf '%s' '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:413df803af34f58b689a244bfabfc1ad9771c3563fbdfcffe56d2775dc66a14c","size":519},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:7235a8d5c0def791c4d10d02d645fd2d01c162689fe4cbecd22583dc5e3bb63d","size":16599}]}' >"$MANIFEST"

declare -A FPR
for key in rsa ed25519; do
  case $key in
    rsa) algo=rsa3072; uid="Custody Bench RSA <bench-rsa@example.invalid>" ;;
    ed25519) algo=ed25519; uid="Custody Bench Ed25519 <bench-ed25519@example.invalid>" ;;
  esac
  echo "== gpg --quick-gen-key $algo" >&2
  gpg --batch --no-tty --quiet --passphrase '' --quick-gen-key "$uid" "$algo" sign never 2>/dev/null \
    || die "gpg --quick-gen-key $algo failed"
  fpr=$(gpg --batch --no-tty --with-colons --list-keys "$uid" | awk -F: '/^fpr:/ { print $10; exit }')
  [[ ${#fpr} -eq 40 ]] || die "no fingerprint for $uid"
  FPR[$key]=$fpr
  gpg --batch --no-tty --armor --export "$fpr" >"$DATA/$key.pub.asc"
  skopeo standalone-sign "$MANIFEST" "$REF" "$fpr" -o "$DATA/$key.sig" || die "skopeo standalone-sign ($key) failed"
  printf '%s' "$fpr" >"$DATA/$key.fpr"
done

# 3. Both tools must accept both signatures, with the same digest, before anything is timed.
for key in rsa ed25519; do
  custody_out=$("$CUSTODY" standalone-verify "$MANIFEST" "$REF" "${FPR[$key]}" "$DATA/$key.sig" --public-key-file "$DATA/$key.pub.asc") \
    || die "custody standalone-verify rejected the $key signature"
  skopeo_out=$(skopeo standalone-verify "$MANIFEST" "$REF" "${FPR[$key]}" "$DATA/$key.sig") \
    || die "skopeo standalone-verify rejected the $key signature"
  [[ ${custody_out##*digest } == "${skopeo_out##*digest }" ]] \
    || die "digests differ for $key: custody '$custody_out', skopeo '$skopeo_out'"
  echo "$key: custody: $custody_out" >&2
  echo "$key: skopeo:  $skopeo_out" >&2
done

# 4. Time all four.
RESULTS=$WORK/standalone-verify.json
[[ $STATIC == 1 ]] && RESULTS=$WORK/standalone-verify-static.json
echo "== hyperfine" >&2
hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$RESULTS" \
  --command-name custody-rsa3072 \
  "'$CUSTODY' standalone-verify '$MANIFEST' $REF ${FPR[rsa]} '$DATA/rsa.sig' --public-key-file '$DATA/rsa.pub.asc'" \
  --command-name skopeo-rsa3072 \
  "skopeo standalone-verify '$MANIFEST' $REF ${FPR[rsa]} '$DATA/rsa.sig'" \
  --command-name custody-ed25519 \
  "'$CUSTODY' standalone-verify '$MANIFEST' $REF ${FPR[ed25519]} '$DATA/ed25519.sig' --public-key-file '$DATA/ed25519.pub.asc'" \
  --command-name skopeo-ed25519 \
  "skopeo standalone-verify '$MANIFEST' $REF ${FPR[ed25519]} '$DATA/ed25519.sig'"

# 5. The ratios.
echo "custody binary: $CUSTODY" >&2
python3 - "$RESULTS" "$GOAL" "$CHECK" <<'PY'
import json, sys

results, goal, check = sys.argv[1], float(sys.argv[2]), sys.argv[3] == "1"
stats = {r["command"]: (r["mean"], r["stddev"] or 0.0) for r in json.load(open(results))["results"]}
failed = False
for key in ("rsa3072", "ed25519"):
    (c, cs), (s, ss) = stats[f"custody-{key}"], stats[f"skopeo-{key}"]
    ratio = c / s
    ok = ratio <= goal
    failed |= not ok
    print(f"{key:8} custody {c * 1e3:7.2f} ms ± {cs * 1e3:5.2f}   skopeo {s * 1e3:7.2f} ms ± {ss * 1e3:5.2f}   "
          f"custody_mean/skopeo_mean = {ratio:.3f} (goal <= {goal}): " + ("meets goal" if ok else "ABOVE GOAL"))
sys.exit(1 if check and failed else 0)
PY
