#!/usr/bin/env bash
# Coverage-guided fuzzing of SharpTune's file parsers with afl-fuzz (Debian's afl++) and SharpFuzz.
#
#   fuzz/run.sh [--seconds N] [TARGET…]      # default: every target, 300 s each
#
# Installs what is missing (afl++ from apt, the SharpFuzz.CommandLine tool from NuGet into fuzz/.work/tools),
# publishes fuzz/SharpTune.Fuzz, instruments SharpTune.dll and SharpTune.Cli.dll, builds seed inputs from the
# shipped base and ../shared/golden, runs afl-fuzz per target, then replays every saved crash and hang through
# the uninstrumented harness and prints one line per distinct outcome. Findings stay in fuzz/.work/findings/.
# The in-test mutation fuzzer (tests/SharpTune.Tests/Fuzzing) is the quick, always-on counterpart.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
shared="${SHARPTUNE_SHARED:-$repo/../shared}"
work="$here/.work"
seconds=300
targets=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    -h|--help) sed -n 2,10p "$0"; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done

if ! command -v afl-fuzz >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq afl++ >/dev/null
fi
mkdir -p "$work"
if [[ ! -x "$work/tools/sharpfuzz" ]]; then
  dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$work/tools" >/dev/null
fi

# Two builds: an instrumented one for afl and a plain one that replays findings with readable outcomes.
rm -rf "$work/bin"
dotnet publish "$here/SharpTune.Fuzz" -c Release -o "$work/bin" -nologo -v q >/dev/null
rm -rf "$work/replay"; cp -r "$work/bin" "$work/replay"
for dll in SharpTune.dll SharpTune.Cli.dll; do "$work/tools/sharpfuzz" "$work/bin/$dll" >/dev/null; done

# Companion tokenizer: the shipped base's (valid, 8k vocabulary).
export SHARPTUNE_FUZZ_TOKENIZER="$repo/models/sharptune-base"
seeds="$work/seeds"; rm -rf "$seeds"; mkdir -p "$seeds"
seed() { mkdir -p "$seeds/$1"; cp "$2" "$seeds/$1/$(basename "$(dirname "$2")")-$(basename "$2")"; }
for f in "$shared"/golden/peft/{p-tuning,prefix-tuning,rslora-r4}/adapter_model.safetensors; do seed safetensors "$f"; done
for m in llama-tiny qwen2-tiny gpt2-tiny; do seed config "$shared/golden/$m/config.json"; seed generation-config "$shared/golden/$m/generation_config.json"; done
seed config "$repo/models/sharptune-base/config.json"
for p in lora-r8 rslora-r4 p-tuning prefix-tuning prompt-tuning; do seed adapter-config "$shared/golden/peft/$p/adapter_config.json"; done
for t in mistral qwen3; do seed tokenizer-config "$shared/golden/tokenizers/$t/tokenizer_config.json"; done
seed tokenizer-config "$repo/models/sharptune-base/tokenizer_config.json"
# tokenizer.json seeds must stay small for afl (it caps inputs at 1 MB and slows with size): a 300-token BPE.
head -c 20000 "$shared/data/debian-descriptions/dev.jsonl" > "$work/corpus.txt"
rm -rf "$work/small-tokenizer"
"$repo/sharptune" tokenizer train --input "$work/corpus.txt" --vocab-size 300 --out "$work/small-tokenizer" >/dev/null
seed tokenizer "$work/small-tokenizer/tokenizer.json"
mkdir -p "$seeds/jsonl"; head -n 3 "$shared/data/debian-descriptions/dev.jsonl" > "$seeds/jsonl/pairs.jsonl"
printf '%s\n' '{"instruction":"Summarise","input":"a b c","output":"abc"}' > "$seeds/jsonl/alpaca.jsonl"
printf '%s\n' '{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]}' > "$seeds/jsonl/chat.jsonl"
mkdir -p "$seeds/options"; printf '%s\n' '{"method":"lora","rank":16,"alpha":32,"targets":["q_proj","v_proj"],"packing":true}' > "$seeds/options/lora.json"

[[ ${#targets[@]} -eq 0 ]] && mapfile -t targets < <(dotnet "$work/replay/SharpTune.Fuzz.dll" --list)
export AFL_SKIP_BIN_CHECK=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1
printf '%-18s %10s %8s %8s %8s\n' target execs paths crashes hangs
for t in "${targets[@]}"; do
  out="$work/findings/$t"; rm -rf "$out"; mkdir -p "$work/findings"
  timeout $((seconds + 120)) afl-fuzz -i "$seeds/$t" -o "$out" -t 10000 -m none -V "$seconds" -- dotnet "$work/bin/SharpTune.Fuzz.dll" "$t" \
    >"$work/afl-$t.log" 2>&1 || true
  stats="$out/default/fuzzer_stats"
  if [[ ! -f "$stats" ]]; then echo "$t: afl-fuzz did not start (see $work/afl-$t.log)"; continue; fi
  get() { awk -F: -v k="$1" '$1 ~ "^"k" *$" {gsub(/ /,"",$2); print $2}' "$stats"; }
  printf '%-18s %10s %8s %8s %8s\n' "$t" "$(get execs_done)" "$(get corpus_count)" "$(get saved_crashes)" "$(get saved_hangs)"
  shopt -s nullglob
  found=("$out"/default/crashes/id:* "$out"/default/hangs/id:*)
  if [[ ${#found[@]} -gt 0 ]]; then
    # Distinct outcomes (the exception type and first message line) of every crash and hang, replayed plainly.
    SHARPTUNE_FUZZ_TOKENIZER="$SHARPTUNE_FUZZ_TOKENIZER" timeout 600 dotnet "$work/replay/SharpTune.Fuzz.dll" "$t" "${found[@]}" \
      | cut -f2 | sed 's/[0-9]\{3,\}/N/g' | sort | uniq -c | sed 's/^/    /' || true
  fi
done
