#!/usr/bin/env bash
# Publishes the study (issue 13 §7) from its sweep folders into docs/study/: the report (index.html + PNGs),
# trials.jsonl / trials.csv, the recommendation, and the recommended adapter at docs/study/recommended/.
# Safe to run while configs/study/run.sh is still going: it reads what has finished so far.
#   bash configs/study/publish.sh [OUT]        (OUT: the folder run.sh wrote; default runs/study)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
out="${1:-runs/study}"
docs=docs/study
mkdir -p "$docs"
all="$(mktemp)"; trap 'rm -f "$all"' EXIT
cat "$out"/*/trials.jsonl > "$all" 2>/dev/null || true
# What of the plan has run: counted from the sweeps' own records, so the page never claims more than there is.
sweeps=(ranks noise method-comparison data-sizes recipe)   # the plan's sweeps (configs/study/SWEEP.yaml)
{
  echo -n "Run so far: "
  for sweep in "${sweeps[@]}"; do
    f="$out/$sweep/trials.jsonl"
    planned=$(./sharptune sweep "configs/study/$sweep.yaml" --out "$out/$sweep" --dry-run | head -1 | grep -oE '[0-9]+ trials' | grep -oE '[0-9]+')
    if [[ -f "$f" ]]; then
      echo -n "$sweep $(grep -c '"status":"Finished"' "$f" || true)/$planned finished"
      failed=$(grep -c '"status":"Failed"' "$f" || true)
      if [[ "$failed" != 0 ]]; then echo -n " ($failed failed)"; fi
      echo -n "; "
    else
      echo -n "$sweep 0/$planned (not started); "
    fi
  done
  echo "trials not finished are pending (configs/study/run.sh: two lanes, ranks+noise then the data sizes, and the method comparison; seed 1 of everything first, then seeds 2–3 of the small trials, the 20k/50k trials' extra seeds last)."
  python3 configs/study/unfinished.py "$out" "${sweeps[@]}"
  cat configs/study/CUT.md
} > "$docs/CUT.md"
# The hallucination limit of the study, chosen deliberately: on the 3.9M base every configuration invents 0.11–0.19
# more unsupported content tokens than the references do (which are at 0.33 themselves), so at the documented default
# (0.10 above the references) nothing passes and nothing could be shipped. Override with STUDY_LIMITS.
limits=(${STUDY_LIMITS:---max-hallucination 0.15})
./sharptune recommend "$all" > "$docs/recommendation-default-limits.txt" || true
./sharptune recommend "$all" "${limits[@]}" > "$docs/recommendation.txt" || true
./sharptune recommend "$all" "${limits[@]}" --json > "$docs/recommendation.json" || true
rm -rf "$docs/recommended"
./sharptune recommend "$all" "${limits[@]}" --export "$docs/recommended" > /dev/null || true
{ echo "Limits: ${limits[*]} (the documented defaults otherwise; at the defaults: $(head -1 "$docs/recommendation-default-limits.txt"))"; echo; echo '```text'; cat "$docs/recommendation.txt"; echo '```'; } > "$docs/recommendation.md"
./sharptune report --store "$out/study.db" --out "$docs" --cut "$(tr '\n' ' ' < "$docs/CUT.md")" --recommendation "$docs/recommendation.md"
