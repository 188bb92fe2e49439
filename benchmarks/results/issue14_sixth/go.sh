#!/bin/bash
# usage: [LIMIT=40] go.sh NAME EMOTIONS ALPHAS CFGJSON [extra args]   (dev split only)
# LIMIT: evenly spaced dev queries (20 by default; 40 = all of them, work dir /tmp/rs6w40, as the 40-query runs used)
cd "$(dirname "$0")/../../.." || exit 1
export PYTHONPATH=$PWD OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
limit=${LIMIT:-20}; work=/tmp/rs6; [ "$limit" = 40 ] && work=/tmp/rs6w40
name=$1; shift; emo=$1; shift; alphas=$1; shift; cfg=$1; shift
mkdir -p /tmp/rs6/logs
echo "start $(date -u +%T)" > /tmp/rs6/logs/$name.log
/usr/bin/time -v .venv/bin/python benchmarks/issue14/recipe_search.py --name $name --emotions $emo --alphas $alphas --limit $limit --dev benchmarks/results/issue14_sixth/splits/dev.json --work $work --cfg "$cfg" "$@" >> /tmp/rs6/logs/$name.log 2>&1
echo "end $(date -u +%T)" >> /tmp/rs6/logs/$name.log
