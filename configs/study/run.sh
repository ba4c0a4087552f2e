#!/usr/bin/env bash
# The whole study of issue 13 §7, resumable: seed 1 of every sweep first, then seed 2, then seed 3, so a study cut
# short (or still running) has every axis. Run it again after any interruption; finished trials never run twice.
#   bash configs/study/run.sh [OUT]          (OUT: default runs/study; a store OUT/study.db beside the sweeps)
# Then: ./sharptune report OUT/ranks --out docs/study …  (see docs/study/README.md)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
out="${1:-runs/study}"
mkdir -p "$out"
for seed in 1 2 3; do
  for sweep in ranks noise method-comparison data-sizes; do
    ./sharptune sweep "configs/study/$sweep.yaml" --out "$out/$sweep" --store "$out/study.db" --only "seed=$seed" --resume
  done
done
