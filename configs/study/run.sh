#!/usr/bin/env bash
# The whole study of issue 13 §7, resumable. Run it again after any interruption; finished trials never run twice.
#   bash configs/study/run.sh [OUT] [LANE]     OUT: default runs/study (a store OUT/study.db beside the sweeps)
# LANE splits the plan into two halves over disjoint sweeps, so two processes can run it side by side on two cores
# (each trial uses one thread): `short` = ranks + noise (250-step trials), then the data sizes (and the recipe ablation); `long` = the method
# comparison (its 20k trials take the better part of an hour each). The halves are about equal in hours.
# Within a lane the order is the priority, so a study cut short keeps every axis: seed 1 of everything first, then
# seeds 2 and 3 of the small trials, and the largest sizes' extra seeds (20k methods, 20k/50k data) last — the
# issue's rule: cut seeds and the largest sizes first.
# Then: bash configs/study/publish.sh OUT
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
out="${1:-runs/study}"
lane="${2:-all}"
mkdir -p "$out"
# --retry-failed: a failed study trial is the machine's failure (killed, lost); the plan itself was checked by --dry-run.
sweep() { ./sharptune sweep "configs/study/$1.yaml" --out "$out/$1" --store "$out/study.db" --resume --retry-failed "${@:2}"; }
short() {
  for seed in 1 2 3; do sweep ranks --only "seed=$seed"; sweep noise --only "seed=$seed"; done
  data_sizes
}
data_sizes() {
  # r=8 to 50k first (the plateau question), then r=32 to 20k, the seeds of the middle sizes, and only then the
  # 50k r=32 point (~75 min alone) and the extra seeds at 20k/50k: the issue's cut order, largest sizes last.
  sweep data-sizes --only seed=1 --only rank=8
  sweep data-sizes --only seed=1 --only train_examples=1000,2000,5000,10000,20000
  sweep recipe   # the ablation of the two r=8 recipes at 20k (configs/study/recipe.yaml)
  for seed in 2 3; do sweep data-sizes --only "seed=$seed" --only train_examples=1000,2000,5000,10000; done
  sweep data-sizes --only seed=1
  for seed in 2 3; do sweep data-sizes --only "seed=$seed"; done
}
long() {
  sweep method-comparison --only seed=1
  for seed in 2 3; do sweep method-comparison --only "seed=$seed" --only train_examples=1000; done
  for seed in 2 3; do sweep method-comparison --only "seed=$seed"; done
}
case "$lane" in
  short) short ;;
  long) long ;;
  all) short; long ;;
  *) echo "configs/study/run.sh: LANE must be short, long or all (got '$lane')" >&2; exit 2 ;;
esac
