#!/usr/bin/env bash
# Runs the whole test suite. Numeric tests run on the real default model, so the suite is built in release
# mode (a debug build of the forward pass is ~30x slower); the model and texts are fetched first if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
swift build -c release --product ctxevo
.build/release/ctxevo fetch
swift build -c release --build-tests
swift test -c release --skip-build "$@"
