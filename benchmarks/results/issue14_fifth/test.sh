#!/bin/bash
# test.sh NAME EMOTIONS : one eval on the test split (run once), as in the fourth pass
cd /work/wt-14-r5
export PYTHONPATH=$PWD OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
name=$1; emo=$2; out=benchmarks/results/issue14_test/$name
mkdir -p $out
cmd="/work/main/.venv/bin/emotive-agents eval --vectors vectors/smollm2-135m-trained4 --alphas 1 --emotions $emo --no-prompting --no-unsteered --queries /tmp/rs4/splits/test.json --max-new-tokens 40 -q --out $out"
s=$(date +%s); echo "$(date -u +%T) START $name: $cmd" > /tmp/rs5/logs/$name.wall
$cmd > /tmp/rs5/logs/$name.eval.log 2>&1; rc=$?
echo "$(date -u +%T) END $name rc=$rc wall $(( $(date +%s) - s )) s" >> /tmp/rs5/logs/$name.wall
