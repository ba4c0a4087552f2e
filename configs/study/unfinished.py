#!/usr/bin/env python3
"""Lists the study's trials that have not finished, grouped by point, for docs/study/CUT.md: what a study cut short
left out, exactly, read from the sweeps' own records (OUT/SWEEP/trials.jsonl holds every planned trial, finished or not).
   python3 configs/study/unfinished.py OUT SWEEP...      (the sweeps of the plan, in publish.sh's order)"""
import json, sys
from collections import defaultdict
from pathlib import Path

# Coupled to the data size (steps, warm-up, evaluation period): they name no point of their own.
COUPLED = {"max_steps", "warmup", "eval_every"}

def main(out: Path, sweeps: list[str]) -> None:
    lines = []
    for sweep in sweeps:
        f = out / sweep / "trials.jsonl"
        if not f.exists():
            lines.append(f"{sweep}: not started")
            continue
        rows = [json.loads(l) for l in f.read_text().splitlines() if l.strip()]
        keys = sorted({k for r in rows for k in r["settings"]})
        varying = [k for k in keys if k not in COUPLED and k != "seed"
                   and len({r["settings"][k] for r in rows if k in r["settings"]}) > 1]
        seeds = defaultdict(list)
        for r in rows:
            if r["status"] == "Finished":
                continue
            s = r["settings"]
            point = " ".join(f"{k}={s[k]}" for k in varying if k in s)
            seeds[point].append(s.get("seed", "?"))
        if seeds:
            lines.append(f"{sweep}: " + "; ".join(f"{p} (seed {', '.join(sorted(v))})" for p, v in seeds.items()))
    print("Not finished: " + (" | ".join(lines) if lines else "nothing — every planned trial finished") + ".")

if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: python3 configs/study/unfinished.py OUT SWEEP...")
    main(Path(sys.argv[1]), sys.argv[2:])
