#!/usr/bin/env bash
# One prepared training run on a lent GPU machine (the `device` tool's `run`), within one call:
#   run(command="bash scripts/gpu_train_clip.sh", carry=[".whl"], timeout_s=600)
# It trains TinyDriveCLIP with configs/train_tiny_clip_gpu.yaml and brings the exported weights
# back under $OUT in parts (the tool returns files of at most 16 MiB); join them here with
#   cat <files_at>/export.part-* > runs/tiny_clip_gpu/export.safetensors
# and check them against <files_at>/export.sha256 before any benchmark reads them.
#
# The machine has torch but not open_clip or pydantic, and reaches no package index. Once, here:
#   echo /.whl/ >> .git/info/exclude
#   .venv/bin/python -m pip download --no-deps --only-binary=:all: --python-version 3.12 \
#     --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
#     --platform manylinux2014_x86_64 -d .whl open_clip_torch==3.3.0 ftfy==6.3.1 wcwidth==0.9.4 \
#     pydantic==2.14.4 pydantic_core==2.50.5 annotated-types==0.8.0 typing-inspection==0.4.5
#
# A 20-step smoke run goes first, so a device error costs seconds, not the lease. Anywhere
# without $OUT (a dry run on a CPU machine, with PYTHON=.venv/bin/python) files go to runs/gpu_out.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
OUT=${OUT:-runs/gpu_out}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1
if ! "$PY" -c "import drivexplain" 2>/dev/null; then
    # the checkout is the package `drivexplain` (pyproject's package-dir); no install needed
    mkdir -p /tmp/pkg && ln -sfn "$PWD" /tmp/pkg/drivexplain
    export PYTHONPATH="/tmp/pkg${PYTHONPATH:+:$PYTHONPATH}"
fi
if ! "$PY" -c "import open_clip, pydantic" 2>/dev/null; then
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .whl/*.whl
    export PYTHONPATH="/tmp/site:$PYTHONPATH"
fi
{ nvidia-smi --query-gpu=name,memory.total --format=csv 2>/dev/null || echo "no nvidia-smi";
  "$PY" -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"
  nproc; } | tee "$OUT/machine.txt"
CONFIG=${CONFIG:-configs/train_tiny_clip_gpu.yaml}
"$PY" -m drivexplain.synthworld.training.train_clip --config "$CONFIG" --max-steps 20 \
    --run-dir /tmp/gpu_smoke --export-path /tmp/gpu_smoke/export.safetensors \
    2>&1 | tee "$OUT/smoke.log"
"$PY" -m drivexplain.synthworld.training.train_clip --config "$CONFIG" ${TRAIN_ARGS:-} 2>&1 \
    | tee "$OUT/train.log"
EXPORT=$("$PY" -c "import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))['export_path'])" \
    "$CONFIG")
split -b 15M "$EXPORT" "$OUT/export.part-"
sha256sum "$EXPORT" | tee "$OUT/export.sha256"
cp "$(dirname "$EXPORT")/checkpoint.json" "$OUT/"
