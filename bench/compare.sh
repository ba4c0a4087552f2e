#!/usr/bin/env bash
# SharpTune against the plain PyTorch reference, side by side: installs Debian's python3-torch with OpenBLAS when
# missing (as root), then runs `sharptune bench compare` with the given options (default: SmolLM2-135M shape; LoRA,
# full fine-tuning and generation, 3 alternating rounds each). Example: bench/compare.sh --workload lora --rounds 5
set -euo pipefail
cd "$(dirname "$0")/.."
if ! /usr/bin/python3 -c "import torch" >/dev/null 2>&1 || ! dpkg -s libopenblas0-openmp >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: python3-torch with OpenBLAS is missing; run as root: apt-get update && apt-get install -y python3-torch libopenblas0-openmp" >&2
    exit 2
  fi
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch libopenblas0-openmp >/dev/null
fi
exec ./sharptune bench compare "$@"
