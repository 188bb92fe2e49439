#!/bin/bash
G="$(dirname "$0")/go.sh"
R=/tmp/rs6/styles_eq.jsonl
B='"batch_size":8,"neutral_batch_size":0,"lr":0.02,"kl_weight":0.0,"holdout":0.1,"max_response_tokens":64,"eval_every":10,"patience":3'
$G SC-calm calm 1,1.5,2 "{\"steps\":30,$B,\"contrast_weight\":1.0,\"contrast_beta\":2.0}" --responses $R --samples 20
$G S-ep encouraging,patient 1,1.5,2 "{\"steps\":30,$B}" --responses $R --samples 20
$G S60-calm calm 1,1.5,2 "{\"steps\":60,$B}" --responses $R --samples 20
