#!/usr/bin/env bash
# Seeds a study folder from the published record, for a machine that lost it (sessions end; a new machine starts
# with only the repository). docs/study/trials.jsonl holds every trial of the plan run so far with its status and
# final metrics; this writes each sweep's share back as OUT/SWEEP/trials.jsonl, so configs/study/run.sh --resume
# skips the finished trials and runs the rest. A trial that was running when the record was published is set back
# to pending (its checkpoint is gone with the old machine). The old trials' per-step metrics and artifact folders
# are not in the record; the store (OUT/study.db) gets their final metrics when run.sh's first sweep starts.
#   bash configs/study/restore.sh [OUT]       (OUT: default runs/study; sweeps already in OUT are left alone)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
out="${1:-runs/study}"
record=docs/study/trials.jsonl
[[ -f "$record" ]] || { echo "configs/study/restore.sh: $record not found (nothing published yet)" >&2; exit 2; }
# Every sweep the record holds (read from it, so a sweep added to the plan needs no edit here).
for sweep in $(grep -oE '"sweep":"[^"]+"' "$record" | cut -d'"' -f4 | sort -u); do
  if [[ -f "$out/$sweep/trials.jsonl" ]]; then echo "$sweep: $out/$sweep/trials.jsonl exists, left alone"; continue; fi
  lines="$(grep -F "\"sweep\":\"$sweep\"" "$record" || true)"
  mkdir -p "$out/$sweep"
  printf '%s\n' "$lines" | sed 's/"status":"Running"/"status":"Pending"/' > "$out/$sweep/trials.jsonl.tmp"
  mv "$out/$sweep/trials.jsonl.tmp" "$out/$sweep/trials.jsonl"
  echo "$sweep: $(grep -c '"status":"Finished"' "$out/$sweep/trials.jsonl" || true) finished of $(wc -l < "$out/$sweep/trials.jsonl") restored"
done
