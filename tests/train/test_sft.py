"""train/sft.py end to end with the tiny model: adapter, manifest, curves, YAML config, SIGKILL + --resume."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from train.common import CHECKPOINTS, complete_checkpoints
from train.sft import cli
from wsl_env.artifacts import discover_adapters
from wsl_env.models import load_model

REPO = Path(__file__).resolve().parents[2]
MANIFEST_FIELDS = {"run_name", "algorithm", "base_model", "adapter_path", "data_hash", "num_rows", "trainable_params",
                   "final_metrics", "resumed_from", "git_commit", "created", "config", "distributed"}


def test_sft_end_to_end_writes_adapter_manifest_and_curves(sft_run: Path, tiny_model_dir: Path) -> None:
    manifest = json.loads((sft_run / "manifest.json").read_text())
    assert MANIFEST_FIELDS <= set(manifest)
    assert manifest["algorithm"] == "sft" and manifest["base_model"] == str(tiny_model_dir)
    assert manifest["final_metrics"]["global_step"] == 2
    assert manifest["num_rows"] == 8 and manifest["data_hash"].startswith("sha256:")
    assert manifest["trainable_params"]["trainable"] > 0 and 0 < manifest["trainable_params"]["percent"] < 100
    assert manifest["config"]["max_steps"] == 2 and manifest["config"]["lora_r"] == 16
    assert (sft_run / "curves.png").read_bytes()[:4] == b"\x89PNG"
    steps = [json.loads(line)["step"] for line in (sft_run / "log.jsonl").read_text().splitlines()]
    assert steps[:2] == [1, 2]
    assert [c.name for c in complete_checkpoints(sft_run / CHECKPOINTS)] == ["checkpoint-1", "checkpoint-2"]
    # The adapter is what the rest of the project loads: discovered, and applied by the one model loader.
    assert [a.name for a in discover_adapters(sft_run.parent)] == ["sft-tiny"]
    model, _ = load_model(str(tiny_model_dir), adapter=sft_run)
    assert type(model).__name__ == "PeftModelForCausalLM"


def test_sft_refuses_to_overwrite_a_finished_run_without_a_flag(sft_run: Path, tiny_model_dir: Path,
                                                                 task_file: Path, flags) -> None:
    from train.common import RunError

    with pytest.raises(RunError, match="--resume"):
        cli(flags(tiny_model_dir, task_file, sft_run.parent, "sft-tiny"))


def test_sft_continues_an_existing_adapter(sft_run: Path, tiny_model_dir: Path, task_file: Path, flags) -> None:
    from safetensors.torch import load_file

    manifest = cli(flags(tiny_model_dir, task_file, sft_run.parent, "sft-continued")
                   + ["--init_adapter", str(sft_run), "--max_steps", "1", "--lora_r", "4"])
    continued = sft_run.parent / "sft-continued"
    before = load_file(str(sft_run / "adapter_model.safetensors"))
    after = load_file(str(continued / "adapter_model.safetensors"))
    assert before.keys() == after.keys()  # the same LoRA (r=16, not the flag's 4): trained further, not replaced
    assert any(not (before[k] == after[k]).all() for k in before)
    assert manifest["config"]["init_adapter"] == str(sft_run) and manifest["lora"]["r"] == 16
    adapter_config = json.loads((continued / "adapter_config.json").read_text())
    assert adapter_config["r"] == 16 and adapter_config["base_model_name_or_path"] == str(tiny_model_dir)


def test_sft_from_yaml_config(tmp_path: Path, tiny_model_dir: Path, task_file: Path) -> None:
    config = tmp_path / "sft.yaml"
    config.write_text(
        f"model: {tiny_model_dir}\ntrain_file: {task_file}\nn_generated: 0\nmax_train_examples: 4\n"
        f"artifacts_root: {tmp_path}\nrun_name: yaml-run\nmax_steps: 5\nmax_length: 320\n"
        "per_device_train_batch_size: 2\nlora_r: 4\nlora_target_modules: [q_proj, v_proj]\nsave_steps: 100\n"
    )
    manifest = cli(["--config", str(config), "--max_steps", "1"])  # the flag overrides the file's 5
    assert manifest["final_metrics"]["global_step"] == 1
    adapter_config = json.loads((tmp_path / "yaml-run" / "adapter_config.json").read_text())
    assert adapter_config["r"] == 4 and sorted(adapter_config["target_modules"]) == ["q_proj", "v_proj"]


def test_sft_says_when_max_length_leaves_nothing_to_learn(tmp_path: Path, tiny_model_dir: Path, task_file: Path,
                                                          flags) -> None:
    with pytest.raises(ValueError, match="max_length"):
        cli(flags(tiny_model_dir, task_file, tmp_path, "short") + ["--max_length", "64"])


def _wait_for(predicate, timeout: float, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if proc.poll() is not None:
            raise AssertionError(f"training exited early with {proc.returncode}: {proc.stdout.read()[-2000:]}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError("timed out waiting for a checkpoint")
        time.sleep(0.05)


def test_sigkilled_run_resumes_from_its_last_checkpoint(tmp_path: Path, tiny_model_dir: Path,
                                                        task_file: Path, flags) -> None:
    max_steps = 8
    run_flags = flags(tiny_model_dir, task_file, tmp_path, "killed") + [
        "--max_steps", str(max_steps), "--max_train_examples", "8", "--max_length", "320",
        "--per_device_train_batch_size", "2", "--save_total_limit", "3", "--disable_tqdm", "true"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "train.sft", *run_flags], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    checkpoints = tmp_path / "killed" / CHECKPOINTS
    _wait_for(lambda: (checkpoints / "checkpoint-2" / "trainer_state.json").is_file(), 120, proc)
    proc.kill()  # SIGKILL: no chance to clean up
    proc.wait(timeout=30)
    proc.stdout.close()
    killed_at = int(complete_checkpoints(checkpoints)[-1].name.split("-")[1])
    assert 2 <= killed_at < max_steps
    assert not (tmp_path / "killed" / "manifest.json").exists()  # the killed run is not a finished adapter

    manifest = cli(run_flags + ["--resume"])
    assert manifest["resumed_from_step"] == killed_at  # continued from the last checkpoint, not from scratch
    assert manifest["final_metrics"]["global_step"] == max_steps
    logged = [json.loads(line) for line in (tmp_path / "killed" / "log.jsonl").read_text().splitlines()]
    resumed_steps = [r["step"] for r in logged if "loss" in r][-(max_steps - killed_at):]
    assert resumed_steps == list(range(killed_at + 1, max_steps + 1))  # only the lost steps were redone


@pytest.mark.integration
def test_sft_on_the_real_model_one_step(tmp_path: Path, task_file: Path) -> None:
    manifest = cli(["--train_file", str(task_file), "--n_generated", "0", "--max_train_examples", "2",
                    "--per_device_train_batch_size", "2", "--max_steps", "1", "--artifacts_root", str(tmp_path),
                    "--run_name", "real", "--save_steps", "100"])
    assert manifest["base_model"] == "smollm2-135m-instruct"
    # SmolLM2-135M: 30 layers; r=16 on all seven projections adds 4,884,480 parameters.
    assert manifest["trainable_params"]["trainable"] == 4_884_480
    assert 0 < manifest["final_metrics"]["train_loss"] < 5  # a pretrained chat model, not a random one


def test_padding_free_batches_give_the_padded_loss(tmp_path: Path, tiny_model_dir: Path, task_file: Path,
                                                   flags) -> None:
    # --padding_free true (TRL's collator) flattens a batch into one row with per-sequence position_ids and no
    # attention mask; transformers then builds a block-diagonal causal mask from the positions. The loss must be the
    # padded batch's loss on the same rows: same positions, no attention across rows, no label across a boundary.
    import torch

    from train.common import load_policy, parse_config
    from train.data import sft_rows, to_dataset, training_tasks
    from train.sft import SFTRunConfig, build_trainer

    torch.manual_seed(0)
    rows = to_dataset(sft_rows(training_tasks(str(task_file), 0))[:3])  # three rows of different lengths
    losses, shapes = {}, {}
    for padding_free in (False, True):
        config = parse_config(SFTRunConfig, [*flags(tiny_model_dir, task_file, tmp_path, f"pf-{padding_free}"),
                                             "--padding_free", str(padding_free).lower(),
                                             "--max_length", "None"])  # TRL: padding-free does not truncate
        model, tokenizer, _ = load_policy(config)
        trainer = build_trainer(config, model, tokenizer, rows)
        torch.manual_seed(0)  # the same LoRA initialisation both times; B = 0 at init, so perturb it
        for name, param in trainer.model.named_parameters():
            if "lora_B" in name:
                param.data.normal_(0.0, 0.05)
        batch = trainer.data_collator([trainer.train_dataset[i] for i in range(3)])
        shapes[padding_free] = tuple(batch["input_ids"].shape)
        trainer.model.eval()
        with torch.no_grad():
            losses[padding_free] = float(trainer.model(**batch).loss)
    lengths = [len(trainer.train_dataset[i]["input_ids"]) for i in range(3)]
    assert len(set(lengths)) > 1, "rows of one length would not test the padding"
    assert shapes[True] == (1, sum(lengths)) and shapes[False] == (3, max(lengths))
    assert losses[True] == pytest.approx(losses[False], rel=1e-5, abs=1e-6)
