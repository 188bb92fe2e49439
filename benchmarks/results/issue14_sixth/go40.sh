#!/bin/bash
# usage: go.sh NAME EMOTIONS ALPHAS CFGJSON [extra args]   (dev split only, all 40 queries)
cd /work/wt-14
export PYTHONPATH=$PWD OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
name=$1; shift; emo=$1; shift; alphas=$1; shift; cfg=$1; shift
echo "start $(date -u +%T)" > /tmp/rs6/logs/$name.log
/usr/bin/time -v /work/main/.venv/bin/python benchmarks/issue14/recipe_search.py --name $name --emotions $emo --alphas $alphas --limit 40 --dev benchmarks/results/issue14_sixth/splits/dev.json --work /tmp/rs6w40 --cfg "$cfg" "$@" >> /tmp/rs6/logs/$name.log 2>&1
echo "end $(date -u +%T)" >> /tmp/rs6/logs/$name.log
