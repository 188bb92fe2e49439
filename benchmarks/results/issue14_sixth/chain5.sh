#!/bin/bash
G="$(dirname "$0")/go.sh"
R=/tmp/rs6/styles_eq.jsonl
B='"batch_size":8,"neutral_batch_size":0,"lr":0.02,"kl_weight":0.0,"holdout":0.1,"max_response_tokens":64,"eval_every":10,"patience":3'
until grep -q "^end" /tmp/rs6/logs/cal40-SC-calm.log 2>/dev/null; do sleep 10; done
$G S60-calm calm 1,1.25,1.5 "{\"steps\":60,$B}" --responses $R --samples 20
