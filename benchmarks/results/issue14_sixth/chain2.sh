#!/bin/bash
G="$(dirname "$0")/go.sh"
R=/tmp/rs6/styles_eq.jsonl
RA=/tmp/rs6/styles_eq_noap.jsonl
B='"batch_size":8,"neutral_batch_size":0,"lr":0.02,"kl_weight":0.0,"holdout":0.1,"max_response_tokens":64,"eval_every":10,"patience":3'
until grep -q "^end" /tmp/rs6/logs/SC-calm.log; do sleep 10; done
$G S-ep encouraging,patient 1,1.5,2 "{\"steps\":30,$B}" --responses $R --samples 20
$G SA-calm calm 1,1.5,2 "{\"steps\":30,$B}" --responses $RA --samples 20
