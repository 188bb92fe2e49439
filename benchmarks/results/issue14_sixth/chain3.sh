#!/bin/bash
G="$(dirname "$0")/go.sh"
RA=/tmp/rs6/styles_eq_noap.jsonl
B='"batch_size":8,"neutral_batch_size":0,"lr":0.02,"kl_weight":0.0,"holdout":0.1,"max_response_tokens":64,"eval_every":10,"patience":3'
$G SA-calm calm 1,1.25,1.5,2 "{\"steps\":30,$B}" --responses $RA --samples 20
$G SA-ep encouraging,patient 1,1.25,1.5,2 "{\"steps\":30,$B}" --responses $RA --samples 20
