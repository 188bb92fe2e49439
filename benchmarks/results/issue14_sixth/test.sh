#!/bin/bash
# test.sh SET NAME EMOTIONS : one eval on the test split (run once per candidate), as in the fourth/fifth pass
cd "$(dirname "$0")/../../.." || exit 1
export PYTHONPATH=$PWD OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
set=$1; name=$2; emo=$3; out=benchmarks/results/issue14_test/$name
mkdir -p $out
cmd=".venv/bin/emotive-agents eval --vectors $set --alphas 1 --emotions $emo --no-prompting --no-unsteered --queries benchmarks/results/issue14_sixth/splits/test.json --max-new-tokens 40 -q --out $out"
s=$(date +%s); echo "$(date -u +%T) START $name: $cmd" > $out/wall.txt
/usr/bin/time -v $cmd > $out/eval.log 2>&1; rc=$?
echo "$(date -u +%T) END $name rc=$rc wall $(( $(date +%s) - s )) s" >> $out/wall.txt
