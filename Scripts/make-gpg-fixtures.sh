#!/usr/bin/env bash
# make-gpg-fixtures.sh OUTDIR — build OpenPGP "simple signing" fixtures with GnuPG 2.2 and skopeo.
#
# Used by the test suite (Tests/CustodyTestSupport/GPGFixtures.swift runs it once per test process
# into a fresh temporary directory). Needs gpg (GnuPG 2.2), gpgconf, skopeo, umoci (for the dir: image,
# via Scripts/make-fixtures.sh), python3 and coreutils;
# installs nothing (Scripts/test.sh does that). Takes about 10-20 seconds (two RSA-3072 keys are the
# slow part). If OUTDIR exists it is deleted and recreated. Keys are random, so fingerprints and
# signatures differ on every run: tests must read the .fpr files, never hard-code anything.
#
# Everything happens in a throwaway keyring, OUTDIR/gnupghome (mode 700), which is left in place
# (it holds every public and secret key, with "revoked" already revoked) so that tests can point
# GNUPGHOME at it. The gpg-agent started for it is killed when the script exits.
# Passphrase of the protected keys: "custody-test" (also in OUTDIR/keys/passphrase.txt, no newline).
#
# Layout (all names below relative to OUTDIR):
#
#   manifest.json       a small OCI image manifest (compact JSON, no trailing newline)
#   manifest.digest     "sha256:<hex>" of manifest.json (no newline)
#   other-manifest.json, other-manifest.digest   a second manifest (for replayed.sig)
#   claim.json          the exact claim containers/image writes, no trailing newline:
#                       {"critical":{"identity":{"docker-reference":"docker.io/library/busybox:latest"},
#                        "image":{"docker-manifest-digest":"<manifest.digest>"},"type":"atomic container signature"},
#                        "optional":{"creator":"atomic 5.23.1","timestamp":1700000000}}
#   claim-replayed.json same, naming other-manifest.digest
#   claim-wrong-identity.json  same as claim.json but docker.io/library/other:latest
#   reference.txt       "docker.io/library/busybox:latest" (no newline)
#
#   keys/<name>.pub.asc   public key, ASCII armored     keys/<name>.pub.gpg  public key, binary
#   keys/<name>.sec.asc   secret key, ASCII armored     keys/<name>.fpr      primary fingerprint (40 uppercase hex, no newline)
#   keys/<name>.packets.txt  `gpg --list-packets` of <name>.sec.asc (every key; shows the S2K of protected keys)
#     rsa          RSA-3072 primary (sign+cert), no passphrase. Created with faked time 2020-01-01 (no expiry),
#                  so that sigexpired.sig can be made in the past with it.
#     ed25519      EdDSA Ed25519 primary (legacy v4 key, algo 22), no passphrase
#     rsa-pass     like rsa but protected with "custody-test" (created now)
#     ed25519-pass like ed25519 but protected with "custody-test"
#     p256, p384   ECDSA nistp256 / nistp384 primaries (algo 19), no passphrase
#     subkey       Ed25519 primary with usage CERT only, plus a separate Ed25519 SIGNING subkey;
#                  keys/subkey.subkey.fpr holds the subkey fingerprint
#     expired      Ed25519, created 2020-01-01 (faked time) with a 1 year expiry: expired now
#     revoked      Ed25519; its revocation certificate (openpgp-revocs.d) was imported, and the
#                  public key was exported AFTER that (so .pub.* carry the revocation signature)
#     other        an unrelated Ed25519 key
#
#   messages/*.sig      OpenPGP messages over claim.json (see the table in README.txt), e.g.
#     rsa.sig ed25519.sig p256.sig p384.sig subkey.sig rsa-pass.sig   `gpg --sign` (binary, ZIP)
#     rsa.z0.sig rsa.zlib.sig rsa.bzip2.sig rsa.sha512.sig rsa.sha1.sig rsa.armor.sig
#     rsa.clearsign.sig rsa.detached.sig unsigned.sig two.sig sigexpired.sig expired-key.sig
#     revoked.sig other.sig tampered-payload.sig tampered-signature.sig truncated.sig garbage.sig
#     replayed.sig wrong-identity.sig
#     skopeo-rsa.sig skopeo-ed25519.sig    `skopeo standalone-sign` of manifest.json
#     (gpg-made messages carry the literal-data file name "claim.json"; skopeo's carry "".)
#   skopeo-signed-rsa/, skopeo-signed-ed25519/   dir: images written by `skopeo copy --sign-by`
#                       (signature-1 made by skopeo). skopeo-signed.identity holds the identity skopeo
#                       put in signature-1 (no newline).
#   README.txt          what each message is, and what gpg --verify and skopeo standalone-verify
#                       (GNUPGHOME=OUTDIR/gnupghome, which trusts nothing in particular) say about it.
#   expectations.tsv    machine-readable form: file<TAB>expected-signer-key<TAB>gpg-result<TAB>skopeo-result
#
# Usage: bash Scripts/make-gpg-fixtures.sh /tmp/gpg-fixtures
set -euo pipefail

die() { echo "make-gpg-fixtures.sh: error: $*" >&2; exit 1; }
note() { echo "make-gpg-fixtures: $*" >&2; }

[[ $# -eq 1 && -n "$1" ]] || die "usage: make-gpg-fixtures.sh OUTDIR"

for tool in gpg gpgconf skopeo umoci python3 sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || die "required tool '$tool' not found in PATH (apt-get install gnupg skopeo umoci python3)"
done

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
OUT=$1
rm -rf -- "$OUT"
mkdir -p -- "$OUT"
OUT=$(cd -- "$OUT" && pwd -P)
KEYS=$OUT/keys
MSG=$OUT/messages
SCRATCH=$OUT/.scratch
mkdir -p "$KEYS" "$MSG" "$SCRATCH"

export GNUPGHOME=$OUT/gnupghome
mkdir -m 700 "$GNUPGHOME"
# The agent socket lives in GNUPGHOME (or /run/user/UID/gnupg/d.*); kill the agent on exit.
cleanup() { gpgconf --kill gpg-agent >/dev/null 2>&1 || true; rm -rf -- "$SCRATCH"; }
trap cleanup EXIT
cat >"$GNUPGHOME/gpg-agent.conf" <<'EOF'
allow-loopback-pinentry
EOF

PASS=custody-test
printf '%s' "$PASS" >"$KEYS/passphrase.txt"
PAST_CREATE=20200101T000000!     # creation time of "rsa" and "expired"
PAST_SIGN=20200601T000000!       # when sigexpired.sig and expired-key.sig were made

g() { gpg --batch --no-tty --quiet --pinentry-mode loopback "$@"; }
gp() { g --passphrase "$PASS" "$@"; }   # for the protected keys
fpr_of_status() { awk '$2 == "KEY_CREATED" { print $4 }' "$1" | tail -n 1; }

# genkey NAME ALGO USAGE EXPIRE PROTECTED [extra gpg options…]: create a key, record its fingerprint.
genkey() {
  local name=$1 algo=$2 usage=$3 expire=$4 protected=$5
  shift 5
  local status=$SCRATCH/$name.status
  local uid="Custody Test $name <$name@custody.test>"
  if [[ $protected == yes ]]; then
    gp "$@" --status-file "$status" --quick-gen-key "$uid" "$algo" "$usage" "$expire"
  else
    g --passphrase '' "$@" --status-file "$status" --quick-gen-key "$uid" "$algo" "$usage" "$expire"
  fi
  local fpr
  fpr=$(fpr_of_status "$status")
  [[ $fpr =~ ^[0-9A-F]{40}$ ]] || die "no fingerprint for key $name (status: $(cat "$status"))"
  printf '%s' "$fpr" >"$KEYS/$name.fpr"
}
fpr() { cat "$KEYS/$1.fpr"; }

# ---------------------------------------------------------------------------------------------
note "keys"
genkey rsa rsa3072 sign never no --faked-system-time "$PAST_CREATE"
genkey ed25519 ed25519 sign never no
genkey rsa-pass rsa3072 sign never yes
genkey ed25519-pass ed25519 sign never yes
genkey p256 nistp256 sign never no
genkey p384 nistp384 sign never no
genkey subkey ed25519 cert never no
g --passphrase '' --status-file "$SCRATCH/subkey-add.status" --quick-add-key "$(fpr subkey)" ed25519 sign never
SUBFPR=$(g --with-colons --fingerprint --fingerprint --list-keys "$(fpr subkey)" \
  | awk -F: '$1 == "sub" { want = 1; next } want && $1 == "fpr" { print $10; exit }')
[[ $SUBFPR =~ ^[0-9A-F]{40}$ ]] || die "no subkey fingerprint"
printf '%s' "$SUBFPR" >"$KEYS/subkey.subkey.fpr"
genkey expired ed25519 sign 1y no --faked-system-time "$PAST_CREATE"
genkey revoked ed25519 sign never no
genkey other ed25519 sign never no

# ---------------------------------------------------------------------------------------------
note "manifest and claims"
python3 - "$OUT" <<'PY'
import hashlib, json, sys
out = sys.argv[1]

def dumps(o):
    return json.dumps(o, separators=(",", ":"), sort_keys=True).encode()

def write(name, data):
    with open(f"{out}/{name}", "wb") as f:
        f.write(data)

def manifest(text):
    layer = text.encode()
    return dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": "sha256:" + hashlib.sha256(b"{}").hexdigest(),
            "size": 2,
        },
        "layers": [{
            "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
            "digest": "sha256:" + hashlib.sha256(layer).hexdigest(),
            "size": len(layer),
        }],
    })

def claim(reference, digest):
    # Go json.Marshal of maps: sorted keys, no whitespace (containers/image signature/simple.go).
    return dumps({
        "critical": {
            "identity": {"docker-reference": reference},
            "image": {"docker-manifest-digest": digest},
            "type": "atomic container signature",
        },
        "optional": {"creator": "atomic 5.23.1", "timestamp": 1700000000},
    })

m = manifest("custody gpg fixture layer")
o = manifest("a different image")
d = "sha256:" + hashlib.sha256(m).hexdigest()
od = "sha256:" + hashlib.sha256(o).hexdigest()
write("manifest.json", m)
write("manifest.digest", d.encode())
write("other-manifest.json", o)
write("other-manifest.digest", od.encode())
write("reference.txt", b"docker.io/library/busybox:latest")
write("claim.json", claim("docker.io/library/busybox:latest", d))
write("claim-replayed.json", claim("docker.io/library/busybox:latest", od))
write("claim-wrong-identity.json", claim("docker.io/library/other:latest", d))
PY
REF=docker.io/library/busybox:latest
CLAIM=$OUT/claim.json
[[ "sha256:$(sha256sum "$OUT/manifest.json" | cut -d' ' -f1)" == "$(cat "$OUT/manifest.digest")" ]] || die "manifest digest"

# ---------------------------------------------------------------------------------------------
note "messages"
# sign OUT KEY [gpg options…] -- input: gpg --sign of claim.json (or another file given last)
sign() {
  local out=$1 key=$2
  shift 2
  local runner=g
  [[ $key == *-pass ]] && runner=gp
  $runner --yes -u "$(fpr "$key")!" --output "$MSG/$out" "$@"
}
sign rsa.sig rsa --sign "$CLAIM"
sign ed25519.sig ed25519 --sign "$CLAIM"
sign p256.sig p256 --sign "$CLAIM"
sign p384.sig p384 --sign "$CLAIM"
sign rsa-pass.sig rsa-pass --sign "$CLAIM"
sign ed25519-pass.sig ed25519-pass --sign "$CLAIM"
g --yes -u "$SUBFPR!" --output "$MSG/subkey.sig" --sign "$CLAIM"
sign rsa.z0.sig rsa -z 0 --sign "$CLAIM"
sign rsa.zlib.sig rsa --compress-algo 2 --sign "$CLAIM"
sign rsa.bzip2.sig rsa --compress-algo 3 --sign "$CLAIM"
sign rsa.sha512.sig rsa --digest-algo SHA512 --sign "$CLAIM"
sign rsa.sha1.sig rsa --digest-algo SHA1 --allow-weak-digest-algos --sign "$CLAIM"
sign rsa.armor.sig rsa --armor --sign "$CLAIM"
sign rsa.clearsign.sig rsa --clearsign "$CLAIM"
sign rsa.detached.sig rsa --detach-sign "$CLAIM"
g --yes --output "$MSG/unsigned.sig" --store "$CLAIM"
g --yes -u "$(fpr rsa)!" -u "$(fpr ed25519)!" --output "$MSG/two.sig" --sign "$CLAIM"
sign sigexpired.sig rsa --faked-system-time "$PAST_SIGN" --default-sig-expire 1d --sign "$CLAIM"
sign expired-key.sig expired --faked-system-time "$PAST_SIGN" --sign "$CLAIM"
sign revoked.sig revoked --sign "$CLAIM"
sign other.sig other --sign "$CLAIM"
sign replayed.sig rsa --sign "$OUT/claim-replayed.json"
sign wrong-identity.sig rsa --sign "$OUT/claim-wrong-identity.json"

# Damaged copies, made in python so the byte positions are exact.
python3 - "$OUT" <<'PY'
import random, sys
out = sys.argv[1]
msg = f"{out}/messages"
claim = open(f"{out}/claim.json", "rb").read()
digest = open(f"{out}/manifest.digest", "rb").read()

z0 = open(f"{msg}/rsa.z0.sig", "rb").read()
assert z0.count(claim) == 1, "claim not found exactly once in the uncompressed message"

# tampered-payload: change the first hex digit of the manifest digest inside the literal packet
# (the JSON stays valid and the same length; only the signature check can catch it).
at = z0.index(claim) + claim.index(digest) + len("sha256:")
data = bytearray(z0)
data[at] = ord("0") if data[at] != ord("0") else ord("1")
open(f"{msg}/tampered-payload.sig", "wb").write(data)

# tampered-signature: flip the lowest bit of the last byte, the low end of the last MPI
# (the RSA signature value); the MPI still parses with the same bit count.
data = bytearray(z0)
data[-1] ^= 0x01
open(f"{msg}/tampered-signature.sig", "wb").write(data)

# truncated: the first half of the ZIP-compressed rsa.sig.
full = open(f"{msg}/rsa.sig", "rb").read()
open(f"{msg}/truncated.sig", "wb").write(full[: len(full) // 2])

# garbage: 300 deterministic random bytes whose first byte has bit 7 clear (not a packet header).
data = bytearray(random.Random(20240101).randbytes(300))
data[0] &= 0x7F
open(f"{msg}/garbage.sig", "wb").write(data)
PY

# ---------------------------------------------------------------------------------------------
note "skopeo standalone-sign and copy --sign-by"
for key in rsa ed25519; do
  skopeo standalone-sign "$OUT/manifest.json" "$REF" "$(fpr "$key")" -o "$MSG/skopeo-$key.sig"
done

bash "$SCRIPT_DIR/make-fixtures.sh" "$SCRATCH/images" >"$SCRATCH/make-fixtures.log" 2>&1 \
  || die "make-fixtures.sh failed: $(tail -n 5 "$SCRATCH/make-fixtures.log")"
COPY_NOTE=""
for key in rsa ed25519; do
  dest=$OUT/skopeo-signed-$key
  if skopeo --insecure-policy copy --quiet --sign-by "$(fpr "$key")" \
       "dir:$SCRATCH/images/dir-single" "dir:$dest" 2>"$SCRATCH/copy.err"; then
    COPY_NOTE="skopeo copy --sign-by to a dir: destination worked without --sign-identity."
  else
    COPY_NOTE="skopeo copy --sign-by to a dir: destination refused without --sign-identity: $(tr '\n' ' ' <"$SCRATCH/copy.err")
so the images were made with --sign-identity $REF."
    rm -rf -- "$dest"
    skopeo --insecure-policy copy --quiet --sign-by "$(fpr "$key")" --sign-identity "$REF" \
      "dir:$SCRATCH/images/dir-single" "dir:$dest"
  fi
  [[ -f $dest/signature-1 ]] || die "skopeo copy did not write $dest/signature-1"
done
# The identity skopeo wrote (read back with gpg; the payload is the claim JSON).
g --decrypt --output "$SCRATCH/copy-claim.json" "$OUT/skopeo-signed-rsa/signature-1" 2>/dev/null
python3 - "$SCRATCH/copy-claim.json" "$OUT/skopeo-signed.identity" <<'PY'
import json, sys
claim = json.load(open(sys.argv[1], "rb"))
open(sys.argv[2], "w").write(claim["critical"]["identity"]["docker-reference"])
PY

# ---------------------------------------------------------------------------------------------
note "revoking 'revoked'"
REVFPR=$(fpr revoked)
REVCERT=$GNUPGHOME/openpgp-revocs.d/$REVFPR.rev
[[ -f $REVCERT ]] || die "no auto-generated revocation certificate at $REVCERT"
# gpg prefixes the armor header with ':' so the file cannot be imported by accident.
sed 's/^:-----BEGIN PGP PUBLIC KEY BLOCK-----/-----BEGIN PGP PUBLIC KEY BLOCK-----/' "$REVCERT" >"$KEYS/revoked.rev.asc"
g --import "$KEYS/revoked.rev.asc"
g --with-colons --list-keys "$REVFPR" | grep -q '^pub:r:' || die "key 'revoked' is not revoked after import"

# ---------------------------------------------------------------------------------------------
note "exports"
for name in rsa ed25519 rsa-pass ed25519-pass p256 p384 subkey expired revoked other; do
  f=$(fpr "$name")
  g --armor --export "$f" >"$KEYS/$name.pub.asc"
  g --export "$f" >"$KEYS/$name.pub.gpg"
  if [[ $name == *-pass ]]; then
    gp --armor --export-secret-keys "$f" >"$KEYS/$name.sec.asc"
  else
    g --armor --export-secret-keys "$f" >"$KEYS/$name.sec.asc"
  fi
  [[ -s $KEYS/$name.pub.gpg && -s $KEYS/$name.sec.asc ]] || die "export of $name is empty"
  gpg --batch --list-packets "$KEYS/$name.sec.asc" >"$KEYS/$name.packets.txt" 2>&1 || true
done

# ---------------------------------------------------------------------------------------------
note "checking every message with gpg and skopeo"
# expected signer (whose fingerprint is passed to skopeo standalone-verify) and a description.
# "skopeo-signed-*/signature-1" are checked too (same manifest bytes as dir-single, identity from
# skopeo-signed.identity).
cat >"$SCRATCH/list.tsv" <<'EOF'
rsa.sig	rsa	gpg --sign (binary, ZIP), RSA-3072
ed25519.sig	ed25519	gpg --sign, EdDSA Ed25519
p256.sig	p256	gpg --sign, ECDSA P-256
p384.sig	p384	gpg --sign, ECDSA P-384
rsa-pass.sig	rsa-pass	gpg --sign, passphrase-protected RSA key
ed25519-pass.sig	ed25519-pass	gpg --sign, passphrase-protected Ed25519 key
subkey.sig	subkey	signed by the signing SUBKEY; skopeo is given the PRIMARY fingerprint
rsa.z0.sig	rsa	-z 0 (no compression packet)
rsa.zlib.sig	rsa	--compress-algo 2 (ZLIB)
rsa.bzip2.sig	rsa	--compress-algo 3 (BZIP2)
rsa.sha512.sig	rsa	--digest-algo SHA512
rsa.sha1.sig	rsa	--digest-algo SHA1 --allow-weak-digest-algos
rsa.armor.sig	rsa	--armor
rsa.clearsign.sig	rsa	--clearsign (cleartext signature framework)
rsa.detached.sig	rsa	--detach-sign (no payload inside)
unsigned.sig	rsa	gpg --store (literal data only)
two.sig	rsa	-u rsa -u ed25519 (two signatures)
sigexpired.sig	rsa	made at 2020-06-01 with --default-sig-expire 1d
expired-key.sig	expired	made at 2020-06-01 by a key that expired 2021-01-01
revoked.sig	revoked	made by a key revoked afterwards
other.sig	rsa	signed by 'other'; skopeo is given rsa's fingerprint
tampered-payload.sig	rsa	rsa.z0.sig with one hex digit of the digest changed in the literal packet
tampered-signature.sig	rsa	rsa.z0.sig with the last bit of the RSA MPI flipped
truncated.sig	rsa	first half of rsa.sig
garbage.sig	rsa	300 random bytes
replayed.sig	rsa	valid rsa signature of a claim naming other-manifest.digest
wrong-identity.sig	rsa	valid rsa signature of a claim naming docker.io/library/other:latest
skopeo-rsa.sig	rsa	skopeo standalone-sign
skopeo-ed25519.sig	ed25519	skopeo standalone-sign
EOF

# gpg_result FILE: the gpg --verify verdict as "exit N: STATUS…" (status-fd tokens, minus the noise;
# gpg's first message when there are none).
gpg_result() {
  local status=$SCRATCH/verify.status err=$SCRATCH/verify.err rc=0
  gpg --batch --no-tty --status-file "$status" --verify "$1" </dev/null >/dev/null 2>"$err" || rc=$?
  local tokens
  tokens=$(awk '$1 == "[GNUPG:]" && $2 !~ /^(NEWSIG|KEY_CONSIDERED|SIG_ID|TRUST_.*|PLAINTEXT.*|NOTATION_.*|POLICY_URL|BEGIN_.*|END_.*|IMPORT_.*|PROGRESS)$/ {
      t = $2; if ($2 == "ERRSIG") t = t "(rc=" $8 ")"; if ($2 == "ERROR" || $2 == "FAILURE") t = t "(" $3 " " $4 ")";
      if ($2 == "VALIDSIG") t = t "(" substr($3, 1, 8) "…,primary " substr($12, 1, 8) "…)";
      out = out (out ? " " : "") t } END { print out }' "$status")
  [[ -n $tokens ]] || tokens="(no status) $(head -n 1 "$err")"
  printf 'exit %s: %s' "$rc" "$tokens"
}
# skopeo_result MANIFEST REF FPR FILE
skopeo_result() {
  local rc=0 out
  out=$(skopeo standalone-verify "$1" "$2" "$3" "$4" 2>&1 </dev/null) || rc=$?
  out=$(printf '%s' "$out" | tr '\n' ' ' | sed -E 's/time="[^"]*" level=fatal msg="//; s/"[[:space:]]*$//')
  # gpgme.Signature dumps are long; keep the informative part.
  out=$(printf '%s' "$out" | sed -E 's/(Invalid GPG signature: ).*(Summary:[0-9]+).*(Status:[^}]*\}).*/\1… \2 … \3 …/')
  if ((${#out} > 160)); then out="${out:0:160}…"; fi
  printf 'exit %s: %s' "$rc" "$out"
}

{
  printf 'file\texpected-signer\tgpg\tskopeo\n'
  while IFS=$'\t' read -r file key _; do
    printf '%s\t%s\t%s\t%s\n' "$file" "$key" "$(gpg_result "$MSG/$file")" \
      "$(skopeo_result "$OUT/manifest.json" "$REF" "$(fpr "$key")" "$MSG/$file")"
  done <"$SCRATCH/list.tsv"
  # subkey.sig with the subkey's own fingerprint (what skopeo 1.9.3 actually matches).
  printf '%s\t%s\t%s\t%s\n' "subkey.sig(subkey-fpr)" "subkey.subkey" "$(gpg_result "$MSG/subkey.sig")" \
    "$(skopeo_result "$OUT/manifest.json" "$REF" "$SUBFPR" "$MSG/subkey.sig")"
  IDENTITY=$(cat "$OUT/skopeo-signed.identity")
  for key in rsa ed25519; do
    d=$OUT/skopeo-signed-$key
    printf '%s\t%s\t%s\t%s\n' "skopeo-signed-$key/signature-1" "$key" "$(gpg_result "$d/signature-1")" \
      "$(skopeo_result "$d/manifest.json" "$IDENTITY" "$(fpr "$key")" "$d/signature-1")"
  done
} >"$OUT/expectations.tsv"

# What gpg --decrypt prints for the clearsigned message (the cleartext framework may alter the payload).
CLEAR_OUT=$(g --decrypt "$MSG/rsa.clearsign.sig" 2>/dev/null | od -An -c | tail -n 2 | tr -s ' ' | tr '\n' ' ')
if g --decrypt "$MSG/rsa.clearsign.sig" 2>/dev/null | cmp -s - "$CLAIM"; then
  CLEAR_NOTE="gpg --decrypt of rsa.clearsign.sig gives exactly claim.json"
else
  CLEAR_NOTE="gpg --decrypt of rsa.clearsign.sig does NOT give exactly claim.json (last bytes: $CLEAR_OUT)"
fi

# Packet summaries of a few messages, for reference.
PACKETS=""
for f in rsa.sig ed25519.sig p256.sig p384.sig subkey.sig skopeo-rsa.sig; do
  algos=$(gpg --batch --list-packets "$MSG/$f" 2>/dev/null | awk '/^:compressed packet/ || /^:signature packet/ || /digest algo/ { gsub(/^[[:space:]]+/, ""); printf "%s; ", $0 }')
  PACKETS+="  $f: ${algos}"$'\n'
done
S2K=$(for n in rsa-pass ed25519-pass; do
  printf '  %s: %s; %s\n' "$n" "$(grep -m1 -E 'S2K' "$KEYS/$n.packets.txt" | sed -E 's/^[[:space:]]+//')" \
    "$(grep -m1 -E 'protect count' "$KEYS/$n.packets.txt" | sed -E 's/^[[:space:]]+//')"
done)

{
  cat <<EOF
Custody OpenPGP simple-signing fixtures, made by Scripts/make-gpg-fixtures.sh
gpg: $(gpg --version | head -n 1); $(gpg --version | sed -n 2p)
skopeo: $(skopeo --version)
made: $(date -u +%Y-%m-%dT%H:%M:%SZ)

claim.json (signed in messages/*.sig, except replayed/wrong-identity): $(cat "$CLAIM")
manifest.json digest: $(cat "$OUT/manifest.digest")
reference: $REF

skopeo copy --sign-by: $COPY_NOTE
Identity skopeo wrote into skopeo-signed-*/signature-1: $(cat "$OUT/skopeo-signed.identity")
Note: skopeo 1.9.3 standalone-verify has no "any" fingerprint; it uses the whole GNUPGHOME keyring.
$CLEAR_NOTE
rsa.detached.sig verifies with gpg when claim.json is given as the data file; alone it has no payload.

Protected secret keys (export S2K, from keys/<name>.packets.txt; algo 7 = AES-128, hash 2 = SHA-1,
"SHA1 protection" = S2K usage 254, i.e. SHA-1 checksum of the secret MPIs; the iteration count is
calibrated by gpg-agent on each machine, so it varies):
$S2K
Packets:
$PACKETS
Verification results. gpg = gpg --verify FILE with GNUPGHOME=gnupghome (status tokens);
skopeo = skopeo standalone-verify MANIFEST REFERENCE FPR(expected-signer) FILE with the same GNUPGHOME.

EOF
  python3 - "$OUT/expectations.tsv" "$SCRATCH/list.tsv" <<'PY'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])][1:]
desc = {l.split("\t")[0]: l.rstrip("\n").split("\t")[2] for l in open(sys.argv[2])}
for file, key, gpg, skopeo in rows:
    print(f"{file}  [signer {key}]  {desc.get(file, '')}")
    print(f"    gpg:    {gpg}")
    print(f"    skopeo: {skopeo}")
PY
} >"$OUT/README.txt"

note "done: $OUT"
