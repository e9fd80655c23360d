#!/usr/bin/env bash
# Makes the TLS material for Custody's admission webhook (`custody webhook serve`) with openssl
# only: a throwaway CA (EC P-256, 1 year) and a server certificate for the webhook Service's DNS
# names, signed by it. Writes ca.crt, tls.crt and tls.key into the output directory, prints the
# command that stores them as the Secret custody-webhook-tls and the base64 caBundle, and with
# --patch-manifests writes a copy of webhooks.yaml with the caBundle filled in.
#
# The CA's private key is never written: to renew, run this again (with --force) and apply the
# new Secret and the new caBundle together.
set -euo pipefail

readonly SERVICE=custody-webhook
readonly NAMESPACE=custody-system
readonly SECRET=custody-webhook-tls
readonly DAYS=365

usage() {
    cat <<EOF
Usage: $(basename "$0") [--out DIR] [--san SAN]... [--force] [--patch-manifests FILE]

Makes a CA and a server certificate for the Custody webhook Service
(${SERVICE}.${NAMESPACE}.svc and ${SERVICE}.${NAMESPACE}.svc.cluster.local),
both EC P-256 and valid for ${DAYS} days.

  --out DIR               where to write ca.crt, tls.crt and tls.key
                          (default: ./custody-webhook-certs)
  --san SAN               an extra subjectAltName, repeatable: DNS:name or IP:address
                          (a bare value is taken as an IP address if it looks like one,
                          else as a DNS name), e.g. --san IP:127.0.0.1
  --force                 overwrite files already in DIR
  --patch-manifests FILE  write DIR/<name of FILE>, a copy of FILE (webhooks.yaml) with every
                          caBundle: "" replaced by the base64 CA certificate
  -h, --help              show this help

Example:
  $(basename "$0") --patch-manifests Deploy/kubernetes/webhooks.yaml
EOF
}

die() {
    printf '%s: %s\n' "$(basename "$0")" "$*" >&2
    exit 1
}

out=./custody-webhook-certs
force=false
manifest=
extra_sans=()

while (($#)); do
    case "$1" in
        -h | --help)
            usage
            exit 0
            ;;
        --out)
            (($# >= 2)) || die "--out needs a directory"
            out=$2
            shift 2
            ;;
        --out=*)
            out=${1#--out=}
            shift
            ;;
        --san)
            (($# >= 2)) || die "--san needs a value (DNS:name or IP:address)"
            extra_sans+=("$2")
            shift 2
            ;;
        --san=*)
            extra_sans+=("${1#--san=}")
            shift
            ;;
        --force)
            force=true
            shift
            ;;
        --patch-manifests)
            (($# >= 2)) || die "--patch-manifests needs a file"
            manifest=$2
            shift 2
            ;;
        --patch-manifests=*)
            manifest=${1#--patch-manifests=}
            shift
            ;;
        *)
            usage >&2
            die "unknown argument: $1"
            ;;
    esac
done

[[ -n "$out" ]] || die "--out must not be empty"
command -v openssl >/dev/null || die "openssl not found"
if [[ -n "$manifest" ]]; then
    [[ -f "$manifest" ]] || die "no such file: $manifest"
    grep -Eq '^[^#]*caBundle:[[:space:]]*""' "$manifest" || die "$manifest has no caBundle: \"\" to fill in"
fi

# subjectAltName: the Service's names, then the extra ones.
sans="DNS:${SERVICE}.${NAMESPACE}.svc,DNS:${SERVICE}.${NAMESPACE}.svc.cluster.local"
for san in ${extra_sans[@]+"${extra_sans[@]}"}; do
    case "$san" in
        DNS:* | IP:*) ;;
        *:*:*) san="IP:$san" ;; # IPv6
        *[!0-9.]*) san="DNS:$san" ;;
        *) san="IP:$san" ;; # IPv4
    esac
    value=${san#*:}
    [[ -n "$value" && "$value" != *[[:space:],]* ]] || die "bad --san value: $san"
    [[ "$san" != DNS:*:* ]] || die "bad --san value: $san (a DNS name has no ':')"
    sans+=",$san"
done

# Refuse to overwrite unless --force.
targets=(ca.crt tls.crt tls.key)
[[ -n "$manifest" ]] && targets+=("$(basename "$manifest")")
if [[ "$force" != true ]]; then
    for f in "${targets[@]}"; do
        [[ ! -e "$out/$f" ]] || die "$out/$f exists; use --force to overwrite it"
    done
fi
if [[ -n "$manifest" ]]; then
    manifest_abs=$(cd "$(dirname "$manifest")" && pwd)/$(basename "$manifest")
    mkdir -p "$out"
    out_abs=$(cd "$out" && pwd)
    [[ "$manifest_abs" != "$out_abs/$(basename "$manifest")" ]] ||
        die "the patched copy would overwrite $manifest itself; choose another --out"
fi

umask 077
work=$(mktemp -d "${TMPDIR:-/tmp}/custody-webhook-certs.XXXXXX")
trap 'rm -rf "$work"' EXIT

cat >"$work/openssl.cnf" <<EOF
[req]
distinguished_name = dn
prompt = no

[dn]
CN = placeholder

[ca_ext]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[server_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = ${sans}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF

# The CA.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/ca.key" 2>/dev/null
openssl req -new -x509 -config "$work/openssl.cnf" -extensions ca_ext -sha256 -days "$DAYS" \
    -subj "/CN=custody-webhook-ca" -key "$work/ca.key" -out "$work/ca.crt" \
    -set_serial "0x$(openssl rand -hex 16)"

# The server certificate.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/tls.key" 2>/dev/null
openssl req -new -config "$work/openssl.cnf" -subj "/CN=${SERVICE}.${NAMESPACE}.svc" \
    -key "$work/tls.key" -out "$work/tls.csr"
openssl x509 -req -in "$work/tls.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" \
    -set_serial "0x$(openssl rand -hex 16)" -days "$DAYS" -sha256 \
    -extfile "$work/openssl.cnf" -extensions server_ext -out "$work/tls.crt" 2>/dev/null

openssl verify -CAfile "$work/ca.crt" "$work/tls.crt" >/dev/null || die "the new certificate does not verify"

ca_bundle=$(openssl base64 -A -in "$work/ca.crt")

if [[ -n "$manifest" ]]; then
    # Comment lines are left alone; base64 never contains '|', so it is a safe sed delimiter.
    sed -E "/^[[:space:]]*#/!s|caBundle:([[:space:]]*)\"\"|caBundle:\1\"${ca_bundle}\"|g" "$manifest" >"$work/manifest"
    ! grep -Eq '^[^#]*caBundle:[[:space:]]*(""|$|#)' "$work/manifest" ||
        die "a caBundle in $manifest is still empty after patching"
    chmod 644 "$work/manifest"
fi

mkdir -p "$out"
chmod 644 "$work/ca.crt" "$work/tls.crt"
chmod 600 "$work/tls.key"
mv -f "$work/ca.crt" "$work/tls.crt" "$work/tls.key" "$out/"
if [[ -n "$manifest" ]]; then
    mv -f "$work/manifest" "$out/$(basename "$manifest")"
fi

q() { printf '%q' "$1"; }
cat <<EOF
Wrote $(q "$out/ca.crt"), $(q "$out/tls.crt") and $(q "$out/tls.key") (valid ${DAYS} days).
subjectAltName: ${sans}

Store the server certificate and key (namespace ${NAMESPACE} must exist):
  kubectl create secret tls ${SECRET} --cert=$(q "$out/tls.crt") --key=$(q "$out/tls.key") -n ${NAMESPACE}
(to replace an existing Secret, append: --dry-run=client -o yaml | kubectl apply -f -)

caBundle (base64 of ca.crt) for both webhook configurations:
${ca_bundle}
EOF
if [[ -n "$manifest" ]]; then
    cat <<EOF

Wrote $(q "$out/$(basename "$manifest")"), a copy of $(q "$manifest") with the caBundle filled in:
  kubectl apply --server-side -f $(q "$out/$(basename "$manifest")")
EOF
fi
