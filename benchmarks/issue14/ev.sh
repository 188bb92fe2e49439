#!/bin/bash
# ev.sh WAIT_FOR_DIR OUT ARGS... : wait for a vector set, then run one eval (niced, one thread)
cd "$(dirname "$0")/../.."
export PYTHONPATH=$PWD OMP_NUM_THREADS=1 MKL_NUM_THREADS=1
wait_for=$1; out=$2; shift 2
while [ -n "$wait_for" ] && [ ! -f "$wait_for/metadata.json" ]; do sleep 10; done
start=$(date +%s)
nice -n 5 ${PYTHON:-python} -m emotive_agents eval --max-new-tokens 32 --out "$out" "$@"
echo "wall $(( $(date +%s) - start )) s"
