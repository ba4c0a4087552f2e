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
cat "$out"/*/trials.jsonl > "$all"
./sharptune recommend "$all" > "$docs/recommendation.txt" || true
./sharptune recommend "$all" --json > "$docs/recommendation.json" || true
./sharptune recommend "$all" --export "$docs/recommended" --force > /dev/null || true
{ echo '```text'; cat "$docs/recommendation.txt"; echo '```'; } > "$docs/recommendation.md"
./sharptune report --store "$out/study.db" --out "$docs" --cut "$(cat "$docs/CUT.md")" --recommendation "$docs/recommendation.md"
