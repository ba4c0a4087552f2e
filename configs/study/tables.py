#!/usr/bin/env python3
"""The tables of docs/study/README.md, printed as Markdown from the report's points.csv (mean ± sd over seeds, n).

    python3 configs/study/tables.py [docs/study/points.csv]                  # print them
    python3 configs/study/tables.py docs/study/points.csv --splice docs/study/README.md
                                      # replace the table right under each "## Methods (", "## Data sizes (", "## Ranks (",
                                      # "## Noise (" header of the README with the fresh one; the prose stays as written

A write-up aid, not part of SharpTune: the numbers come from `sharptune report` (points.csv); this only lays them
out per sweep, so the README quotes the report instead of averaging trials by hand. Python's standard library
only (csv), so it runs wherever the repository is checked out.
"""
import csv
import os
import sys

args = sys.argv[1:]
splice = None
if "--splice" in args:
    at = args.index("--splice")
    splice = args[at + 1]
    del args[at:at + 2]
path = args[0] if args else "docs/study/points.csv"
points = list(csv.DictReader(open(path, newline="", encoding="utf-8")))


def has(p, **want):
    return all((p.get(k) or "") == v for k, v in want.items())


def cell(p, metric, digits=4):
    """mean ± sd — sd only when more than one seed ran."""
    if p is None or not p.get(metric + "_mean"):
        return "—"
    mean = float(p[metric + "_mean"])
    sd = p.get(metric + "_sd")
    return f"{mean:.{digits}f}" + (f" ± {float(sd):.{digits}f}" if sd else "")


def one(rows, **want):
    found = [p for p in rows if has(p, **want)]
    return found[0] if found else None


def n(p):
    return p["n"] if p else "0"


def table(header, lines):
    """A Markdown table as a list of lines."""
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + ["| " + " | ".join(line) + " |" for line in lines]


# README section header → (title when printed, table lines)
sections = {}

methods = [("prompt-tuning", {}), ("p-tuning", {}), ("prefix-tuning", {}), ("lora", {"rank": "8"}),
           ("lora", {"rank": "32"}), ("unfreeze", {}), ("full", {})]
names = {"prompt-tuning": "prompt tuning", "p-tuning": "P-tuning", "prefix-tuning": "prefix tuning", "unfreeze": "unfreeze last 2 layers",
         "full": "full fine-tuning"}
comparison = [p for p in points if p.get("max_length") == "320" and not p.get("warmup")]  # not the recipe ablation
rows = []
for size in ("1000", "20000"):
    for method, extra in methods:
        p = one(comparison, method=method, train_examples=size, **extra)
        label = names.get(method, f"LoRA r={extra.get('rank')}")
        rows.append([f"{int(size):,}", label, n(p), cell(p, "rougeL"), cell(p, "chrf", 2), cell(p, "dev_loss", 3),
                     cell(p, "unsupported_token_rate", 3), cell(p, "injection_success_rate", 3),
                     f"{int(float(p['trainable_parameters_mean'])):,}" if p else "—"])
sections["## Methods ("] = ("Methods (mean ± sd over seeds)", table(["pairs", "method", "n", "ROUGE-L", "chrF", "dev loss", "unsupported tokens", "injection", "trainable params"], rows))

sizes = [p for p in points if p.get("method") == "lora" and not p.get("scaling") and not p.get("noise") and not p.get("max_length")]
rows = []
for size in ("1000", "2000", "5000", "10000", "20000", "50000"):
    line = [f"{int(size):,}"]
    for rank in ("8", "32"):
        p = one(sizes, rank=rank, train_examples=size)
        line += [n(p), cell(p, "rougeL"), cell(p, "dev_loss", 3), cell(p, "unsupported_token_rate", 3)]
    rows.append(line)
sections["## Data sizes ("] = ("Data sizes (LoRA, one epoch)", table(["pairs", "r=8 n", "r=8 ROUGE-L", "r=8 dev loss", "r=8 unsupported", "r=32 n", "r=32 ROUGE-L", "r=32 dev loss", "r=32 unsupported"], rows))

ranks = [p for p in points if p.get("scaling")]
rows = []
for rank in ("4", "8", "16", "32", "64", "128", "256", "512"):
    line = [rank]
    for scaling in ("classic", "rslora"):
        p = one(ranks, rank=rank, scaling=scaling)
        line += [n(p), cell(p, "rougeL"), cell(p, "dev_loss", 3)]
    rows.append(line)
sections["## Ranks ("] = ("Ranks (2,000 pairs, 250 steps)", table(["rank", "classic n", "classic ROUGE-L", "classic dev loss", "rsLoRA n", "rsLoRA ROUGE-L", "rsLoRA dev loss"], rows))

noise = [p for p in points if p.get("noise")]
rows = []
for label, want in (("LoRA r=8", {"method": "lora", "rank": "8"}), ("LoRA r=32", {"method": "lora", "rank": "32"}),
                    ("LoRA r=128", {"method": "lora", "rank": "128"}), ("full fine-tuning", {"method": "full"})):
    for level in ("0", "0.1", "0.2"):
        p = one(noise, noise=level, **want)
        rows.append([label, f"{float(level):.0%}", n(p), cell(p, "rougeL"), cell(p, "noise_memorisation_rate", 3),
                     cell(p, "canary_leak_rate", 3)])
sections["## Noise ("] = ("Noise (2,000 pairs)", table(["config", "noise", "n", "ROUGE-L", "memorisation of corrupted labels", "canary leaks on clean dev"], rows))

if not splice:
    for title, lines in sections.values():
        print("\n".join([f"### {title}", *lines, ""]))
else:
    readme = open(splice, encoding="utf-8").read().split("\n")
    out, i = [], 0
    while i < len(readme):
        out.append(readme[i])
        hit = [h for h in sections if readme[i].startswith(h)]
        i += 1
        if hit:
            while i < len(readme) and readme[i].startswith("|"):
                i += 1
            out.extend(sections[hit[0]][1])
    tmp = splice + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join(out))
    os.replace(tmp, splice)  # atomic: a half-written README is never left behind
