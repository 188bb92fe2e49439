#!/bin/bash
T="$(dirname "$0")/test.sh"
$T /tmp/rs6/sets/S60-calm sixth-S60-calm-a1 calm
$T /tmp/rs6/sets/SA-ep sixth-SA-ep-a1 encouraging,patient
