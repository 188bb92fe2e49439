#!/bin/bash
T=/work/wt-14/benchmarks/results/issue14_sixth/test.sh
$T /tmp/rs6/sets/S60-calm sixth-S60-calm-a1 calm
$T /tmp/rs6/sets/SA-ep sixth-SA-ep-a1 encouraging,patient
