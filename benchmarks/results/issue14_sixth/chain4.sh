#!/bin/bash
G40="env LIMIT=40 $(dirname "$0")/go.sh"
until grep -q "^end" /tmp/rs6/logs/SA-ep.log 2>/dev/null; do sleep 10; done
$G40 cal40-S-calm calm 1,1.25 '{}' --load /tmp/rs6/sets/S-calm --samples 40
$G40 cal40-SC-calm calm 1,1.25 '{}' --load /tmp/rs6/sets/SC-calm --samples 40
