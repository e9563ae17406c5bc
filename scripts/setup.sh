#!/usr/bin/env bash
# One-shot set-up on a fresh machine: a virtual environment with drivexplain and its test
# tools, plus Debian's Chromium for the report's browser test. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
# torch/torchvision are pinned in pyproject.toml (2.14.1 / 0.29.1).
.venv/bin/python -m pip install --quiet -e '.[dev,mcap,rerun]'
# LeGrad's own package (operators/baselines.py); --no-deps because its metadata pins
# open-clip-torch<=2.23 and opencv-python (see pyproject.toml).
.venv/bin/python -m pip install --quiet --no-deps 'legrad_torch==1.1'

if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 \
    && [ "$(id -u)" = "0" ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
        >/dev/null 2>&1 || echo "setup: could not install chromium; the browser test will skip"
fi
echo "setup: ready (.venv)"
