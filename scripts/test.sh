#!/usr/bin/env bash
# Runs the whole test suite. Numeric tests run on the real default model, so the suite is built in release
# mode (a debug build of the forward pass is ~30x slower); the model and texts are fetched first if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
# The dashboard's browser test drives Debian's chromium (headless, over the DevTools protocol).
if ! command -v chromium >/dev/null 2>&1; then
  echo "test: installing chromium for the dashboard's browser test" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
swift build -c release --product ctxevo
.build/release/ctxevo fetch
swift build -c release --build-tests
# The PostgreSQL store's tests run against a throwaway server on loopback, stopped and deleted on exit.
postgres_dir="$(mktemp -d -u "${TMPDIR:-/tmp}/ctxevo-postgres.XXXXXX")"
trap 'bash scripts/postgres-throwaway.sh stop "$postgres_dir"' EXIT
CTXEVO_TEST_POSTGRES="$(bash scripts/postgres-throwaway.sh start "$postgres_dir")"
export CTXEVO_TEST_POSTGRES
swift test -c release --skip-build "$@"
