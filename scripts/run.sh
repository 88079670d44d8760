#!/usr/bin/env bash
# The main job on the defaults: fetch the model and texts if missing, build, then evaluate the perplexity of
# SmolLM2-135M on the held-out book (Milton's Paradise Lost) by llama.cpp's protocol and by LongRoPE's document
# protocol. Extra arguments are passed to `ctxevo perplexity`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
swift build -c release --product ctxevo
ctxevo=.build/release/ctxevo
$ctxevo fetch
$ctxevo perplexity --ctx 2048 --protocol llamacpp "$@"
$ctxevo perplexity --ctx 8192 --chunks 4 --protocol document "$@"
