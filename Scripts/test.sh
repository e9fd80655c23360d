#!/usr/bin/env bash
# Scripts/test.sh — THE test command of the project. README and CI run exactly:
#
#     bash Scripts/test.sh [extra `swift test` arguments, e.g. --filter SkopeoInterop]
#
# 1. Installs the peer tools the tests use when they are missing (Debian 12, as root):
#    umoci, skopeo, docker-registry, gnupg, openssl, hyperfine, postgresql (the server binaries;
#    tests start their own cluster as the postgres user), and libsodium23 (the shared library
#    CustodyKeys loads at run time for Ed25519ph). `apt-get update` runs once, and
#    only when something is missing. While installing, service starts are blocked with a
#    temporary /usr/sbin/policy-rc.d (exit 101), because docker-registry's post-install script
#    would otherwise start a system registry on :5000. Tests start their own registry instead.
#    Also installs the Python packages the tests use (cryptography, pynacl, bcrypt for the
#    registry's htpasswd file, jsonpatch as an independent RFC 6902 implementation) with pip
#    when they cannot be imported.
# 2. Runs `swift test "$@"` from the repository root and exits with its status; on failure it
#    repeats the failing lines at the end of the output.
#
# Under CI (CI=true) tests that need a peer tool fail instead of skipping when it is missing.
set -euo pipefail

# Debian package -> what it provides, used to decide whether the package is present: a command
# name, looked up with `command -v`, or an absolute path (starting with "/"), checked with
# `[[ -e ]]` so that a file that is not executable (a shared library) works too.
PACKAGES=(
  "umoci:umoci"
  "skopeo:skopeo"
  "docker-registry:docker-registry"
  "gnupg:gpg"
  "openssl:openssl"
  "hyperfine:hyperfine"
  "postgresql:/usr/lib/postgresql/15/bin/postgres"
  "libsodium23:/usr/lib/x86_64-linux-gnu/libsodium.so.23"
)

# True when $1 (a PACKAGES entry's second part) is present: a path exists, or a command is found.
provided() {
  if [[ $1 == /* ]]; then
    [[ -e $1 ]]
  else
    command -v "$1" >/dev/null 2>&1
  fi
}

install_missing_packages() {
  local missing=() entry pkg cmd
  for entry in "${PACKAGES[@]}"; do
    pkg=${entry%%:*}
    cmd=${entry#*:}
    provided "$cmd" || missing+=("$pkg")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0

  echo "test.sh: installing missing packages: ${missing[*]}" >&2
  if [[ $(id -u) -ne 0 ]]; then
    echo "test.sh: error: must run as root to install ${missing[*]} (or install them first)" >&2
    exit 1
  fi
  command -v apt-get >/dev/null 2>&1 || {
    echo "test.sh: error: apt-get not found; install ${missing[*]} by hand" >&2
    exit 1
  }

  # Block service starts during installation, but never replace an existing policy-rc.d.
  local policy=/usr/sbin/policy-rc.d created_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\n# temporary, created by Scripts/test.sh\nexit 101\n' >"$policy"
    chmod 0755 "$policy"
    created_policy=1
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi

  local status=0
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q || status=$?
  if [[ $status -eq 0 ]]; then
    apt-get install -y -q --no-install-recommends "${missing[@]}" || status=$?
  fi

  if [[ $created_policy -eq 1 ]]; then
    rm -f "$policy"
    trap - EXIT
  fi
  if [[ $status -ne 0 ]]; then
    echo "test.sh: error: apt-get failed (status $status) installing: ${missing[*]}" >&2
    exit 1
  fi

  # Fail loudly if a package installed but its command (or file) is still missing.
  for entry in "${PACKAGES[@]}"; do
    cmd=${entry#*:}
    provided "$cmd" || {
      echo "test.sh: error: '$cmd' still missing after installing ${entry%%:*}" >&2
      exit 1
    }
  done
}

# Python packages the interop tests use as independent implementations, as
# "import-name:pip-package" (PyPI; installed with pip only when the import fails).
PYTHON_PACKAGES=(
  "cryptography:cryptography"
  "nacl:pynacl"
  "bcrypt:bcrypt"
  "jsonpatch:jsonpatch"
)

install_missing_python_packages() {
  local missing=() entry module package
  for entry in "${PYTHON_PACKAGES[@]}"; do
    module=${entry%%:*}
    package=${entry#*:}
    python3 -c "import $module" >/dev/null 2>&1 || missing+=("$package")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  echo "test.sh: installing missing Python packages: ${missing[*]}" >&2
  python3 -m pip install --quiet "${missing[@]}" || {
    echo "test.sh: error: pip failed installing: ${missing[*]}" >&2
    exit 1
  }
  for entry in "${PYTHON_PACKAGES[@]}"; do
    python3 -c "import ${entry%%:*}" >/dev/null 2>&1 || {
      echo "test.sh: error: Python module '${entry%%:*}' still missing after installing ${entry#*:}" >&2
      exit 1
    }
  done
}

install_missing_packages
install_missing_python_packages

# Run from the repository root (this script lives in <root>/Scripts).
cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.."

# The whole output goes to the terminal as it comes and to a log file. When `swift test` fails,
# the lines that say what failed are printed again at the end, because a CI system often keeps
# only the tail of a long output. The exit status is that of `swift test`.
log=$(mktemp -t custody-test.XXXXXX.log)
status=0
swift test "$@" 2>&1 | tee "$log" || status=$?
if [[ $status -ne 0 ]]; then
  echo
  echo "test.sh: swift test failed (status $status). What failed (from $log):"
  grep -E '✘|error:|Fatal error|fatalError|Assertion failed|signal [0-9]+|Exited with' "$log" \
    | grep -v '^.*✘ Test run with' | head -n 80 || true
  grep -E '✘ Test run with' "$log" | tail -n 1 || true
fi
exit "$status"
