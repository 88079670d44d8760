#!/usr/bin/env bash
# The main job on the defaults: fetch the model and texts if missing, build, then run the quick LongRoPE search
# (experiments/longrope-quick.yaml: SmolLM2-135M stretched from 8,192 to 16,384 tokens, bf16, under 20 minutes
# here) and print the held-out table: perplexity on Milton's Paradise Lost at 16,384 tokens, by llama.cpp's
# protocol and by LongRoPE's document protocol, for no rescaling, PI, NTK, dynamic NTK, YaRN and the factors
# found, in the search's bf16 numerics.
# The run lives in $CTXEVO_HOME/longrope-quick-16k.sqlite: run the script again after a stop and it resumes;
# watch it with `ctxevo dashboard --database $CTXEVO_HOME/longrope-quick-16k.sqlite` in another terminal.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
swift build -c release --product ctxevo
ctxevo=.build/release/ctxevo
$ctxevo fetch
home="${CTXEVO_HOME:-$HOME/.cache/ctxevo}"
database="$home/longrope-quick-16k.sqlite"
status=$( [ -f "$database" ] && $ctxevo runs list --json --database "$database" \
  | python3 -c 'import json,sys; runs=json.load(sys.stdin); print(runs[0]["status"] if runs else "none")' || echo none)
case "$status" in
  none) $ctxevo run experiments/longrope-quick.yaml --database "$database" ;;
  finished) echo "run 1 of $database is finished" ;;
  *) $ctxevo resume 1 --database "$database" ;;
esac
$ctxevo runs show 1 --database "$database"
$ctxevo longrope evaluate --lengths 16384 --run 1 --database "$database" --no-passkey --numerics bf16 "$@"
