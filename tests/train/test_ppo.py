"""train/ppo.py: the PPO arithmetic against hand-computed examples, the rollout/recompute agreement, a tiny end to
end run in both action modes, and SIGKILL + --resume."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from train.common import CHECKPOINTS, complete_checkpoints, parse_config
from train.ppo import PPORunConfig, cli
from train.ppo_math import AdaptiveKL, gae, ppo_losses, whiten
from train.ppo_rollout import claim_counts, collect, score
from train.value_head import ValueHead

REPO = Path(__file__).resolve().parents[2]


RECAP_TASK = {
    "context": "Heat 3 at Bells Beach: Kai Moana scored 17.10 (best waves 9.10 and 8.00) and beat Leo Santos on 13.65 "
               "(best waves 7.15 and 6.50).",
    "instruction": "Write a post.", "expected_behavior": "answer",
}


@pytest.mark.parametrize(("post", "expected"), [
    ("Kai Moana posted a 17.10 heat total.", (0.0, 1.0)),  # one true claim
    ("Leo Santos's best wave was a 9.10. Kai Moana won by 3.45.", (1.0, 2.0)),  # the 9.10 is Kai's; the margin holds
    ("Kai Moana beat Leo Santos.", (0.0, 0.0)),  # no figure: nothing checkable
])
def test_claim_counts_read_the_final_posts_verdicts(post: str, expected: tuple[float, float]) -> None:
    from types import SimpleNamespace

    import metrics

    # The env judged nothing (an arm without per-claim rewards): the counts still come from the final post.
    episode = SimpleNamespace(claims_false=0, claims_done=0)
    assert claim_counts(episode, metrics.score(RECAP_TASK, post)) == expected


def test_claim_counts_of_a_cut_off_post_are_the_envs_running_counts() -> None:
    from types import SimpleNamespace

    assert claim_counts(SimpleNamespace(claims_false=2, claims_done=5), None) == (2.0, 5.0)


def test_gae_matches_a_hand_computed_example() -> None:
    # one episode of 3 steps that terminated (no bootstrap), one of 2 cut off by the budget (bootstrap V = 0.5)
    rewards = torch.tensor([[0.0, 0.0, 1.0], [0.5, 0.0, 0.0]])
    values = torch.tensor([[0.2, 0.4, 0.6], [0.1, 0.3, 0.0]])
    mask = torch.tensor([[1.0, 1.0, 1.0], [1.0, 1.0, 0.0]])
    last = torch.tensor([0.0, 0.5])
    gamma, lam = 0.9, 0.8
    adv, ret = gae(rewards, values, last, mask, gamma, lam)
    # episode 0: d2 = 1 - 0.6 = 0.4; d1 = 0 + 0.9*0.6 - 0.4 = 0.14; d0 = 0 + 0.9*0.4 - 0.2 = 0.16
    a2 = 0.4
    a1 = 0.14 + gamma * lam * a2
    a0 = 0.16 + gamma * lam * a1
    # episode 1: d1 = 0 + 0.9*0.5 - 0.3 = 0.15; d0 = 0.5 + 0.9*0.3 - 0.1 = 0.67
    b1 = 0.15
    b0 = 0.67 + gamma * lam * b1
    expected = torch.tensor([[a0, a1, a2], [b0, b1, 0.0]])
    assert torch.allclose(adv, expected, atol=1e-6)
    assert torch.allclose(ret, (expected + values) * mask, atol=1e-6)


def test_ppo_losses_clip_the_ratio_and_the_values() -> None:
    mask = torch.ones(1, 2)
    old = torch.zeros(1, 2)
    new = torch.log(torch.tensor([[1.5, 0.5]]))  # ratios 1.5 and 0.5, both outside [0.8, 1.2]
    adv = torch.tensor([[1.0, -1.0]])
    losses = ppo_losses(new, old, adv, torch.tensor([[1.0, 0.0]]), torch.zeros(1, 2), torch.tensor([[1.0, 1.0]]),
                        torch.zeros(1, 2), mask, clip=0.2, value_clip=0.2)
    # policy: max(-1*1.5, -1*1.2) = -1.2 and max(1*0.5, 1*0.8) = 0.8 -> mean -0.2
    assert float(losses.policy) == pytest.approx(-0.2)
    # value: max((1-1)^2, (0.2-1)^2) = 0.64 and max((0-1)^2, (0-1)^2) = 1 -> 0.5 * mean = 0.41
    assert float(losses.value) == pytest.approx(0.41)
    assert float(losses.clip_fraction) == 1.0


def test_whiten_and_adaptive_kl() -> None:
    mask = torch.tensor([[1.0, 1.0, 0.0]])
    white = whiten(torch.tensor([[1.0, 3.0, 100.0]]), mask)
    assert torch.allclose(white, torch.tensor([[-1.0, 1.0, 0.0]]), atol=1e-4)  # padding ignored, stays 0
    kl = AdaptiveKL(0.1, target=6.0, horizon=1000)
    assert kl.update(12.0, 100) == pytest.approx(0.1 * (1 + 0.2 * 0.1))  # the error is clipped at +0.2
    assert AdaptiveKL(0.1).update(50.0, 100) == 0.1  # no target: fixed


def _policy(tiny_model_dir: Path):
    from peft import get_peft_model

    from train.lora import lora_config
    from wsl_env.models import load_model

    model, tokenizer = load_model(str(tiny_model_dir))
    config = PPORunConfig(run_name="x", output_dir="/tmp/x")
    return get_peft_model(model, lora_config(config, model.config.num_hidden_layers)), tokenizer


@pytest.mark.parametrize("action_mode", ["topk", "vocab"])
def test_recompute_matches_the_rollout_log_probs(tiny_model_dir: Path, task_file: Path, action_mode: str) -> None:
    # the masked (top-k) or full log-probs of one teacher-forced forward per sequence equal the env's candidate
    # log-probs the actions were sampled from: the ratio is 1 before the first update
    from train.ppo_loop import make_env
    from wsl_env.schema import load_tasks

    model, tokenizer = _policy(tiny_model_dir)
    config = PPORunConfig(run_name="t", output_dir="/tmp/t", num_envs=3, max_new_tokens=10, action_mode=action_mode,
                          k=4)
    env = make_env(config, model, tokenizer, load_tasks(task_file)[:4])
    episodes = collect(env, np.random.default_rng(0), seed=3)
    assert len(episodes) == 3 and all(1 <= len(a) <= 10 for a in episodes.actions)
    with torch.no_grad():
        scored = score(model, ValueHead(model.config.hidden_size), episodes, [0, 1, 2], tokenizer.eos_token_id,
                       topk=action_mode == "topk")
    for i in range(3):
        n = len(episodes.actions[i])
        rollout = torch.tensor(episodes.rollout_logprobs[i])
        assert torch.allclose(scored.logprobs[i, :n], rollout, atol=1e-4)
        assert torch.allclose(torch.exp(scored.logprobs[i, :n] - rollout), torch.ones(n), atol=1e-4)
    assert scored.values is not None and scored.values.shape == (3, scored.mask.shape[1] + 1)


def _ppo_flags(model_dir: Path, task_file: Path, artifacts: Path, run_name: str, steps: int) -> list[str]:
    return ["--model", str(model_dir), "--train_file", str(task_file), "--n_generated", "2",
            "--artifacts_root", str(artifacts), "--run_name", run_name, "--max_steps", str(steps),
            "--num_envs", "2", "--max_new_tokens", "8", "--k", "4", "--save_steps", "1", "--seed", "0",
            "--disable_tqdm", "true"]


def test_metric_weights_reach_the_env_kwargs(tmp_path: Path) -> None:
    flags = ["--run_name", "w", "--artifacts_root", str(tmp_path)]
    config = parse_config(PPORunConfig, flags + ["--metric_weights", '{"coverage_floor": 0.5}'])
    assert config.env_kwargs()["reward_weights"]["coverage_floor"] == 0.5  # the earlier total, on request
    assert parse_config(PPORunConfig, flags).env_kwargs()["reward_weights"]["coverage_floor"] == 0.0  # the default
    with pytest.raises(ValueError, match="valid names"):  # a typo fails at parse time, not at the first reward
        parse_config(PPORunConfig, flags + ["--metric_weights", '{"coverage_flor": 0.5}'])


@pytest.mark.parametrize("action_mode", ["topk", "vocab"])
def test_ppo_end_to_end(tmp_path: Path, tiny_model_dir: Path, task_file: Path, action_mode: str) -> None:
    manifest = cli(_ppo_flags(tiny_model_dir, task_file, tmp_path, "ppo-tiny", 2) + ["--action_mode", action_mode])
    run = tmp_path / "ppo-tiny"
    assert manifest["algorithm"] == "ppo" and manifest["env_id"] == "WSLAnalytics-v0"
    assert manifest["env_kwargs"]["action_mode"] == action_mode and manifest["env_kwargs"]["num_envs"] == 2
    for name in ("adapter_model.safetensors", "value_head.safetensors", "log.jsonl", "curves.png",
                 "manifest.json"):
        assert (run / name).is_file(), name
    records = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [1, 2]
    assert all(np.isfinite(r["ppo/policy"]) and "kl_coef" in r and "rewards/claims_true" in r for r in records)


def test_ppo_stops_when_its_time_budget_is_spent(tmp_path: Path, tiny_model_dir: Path, task_file: Path) -> None:
    # a budget spent by the first iteration: the run stops there and finishes as at max_steps (adapter, manifest)
    manifest = cli(_ppo_flags(tiny_model_dir, task_file, tmp_path, "budget", 5) + ["--max_minutes", "0.00001"])
    assert manifest["iterations"] == 1 and manifest["trained_seconds"] > 0
    assert (tmp_path / "budget" / "adapter_model.safetensors").is_file()
    assert [c.name for c in complete_checkpoints(tmp_path / "budget" / CHECKPOINTS)] == ["checkpoint-1"]


def _wait_for(condition, timeout: float, proc: subprocess.Popen) -> None:
    deadline = time.time() + timeout
    while not condition():
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            raise AssertionError(f"no checkpoint: {proc.stdout.read() if proc.stdout else ''}")
        time.sleep(0.05)


def test_sigkilled_ppo_run_resumes_from_its_last_checkpoint(tmp_path: Path, tiny_model_dir: Path,
                                                            task_file: Path) -> None:
    steps = 4
    flags = _ppo_flags(tiny_model_dir, task_file, tmp_path, "killed", steps)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "train.ppo", *flags], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    checkpoints = tmp_path / "killed" / CHECKPOINTS
    _wait_for(lambda: (checkpoints / "checkpoint-2" / "trainer_state.json").is_file(), 240, proc)
    proc.kill()  # SIGKILL: no chance to clean up
    proc.wait(timeout=30)
    proc.stdout.close()
    killed_at = int(complete_checkpoints(checkpoints)[-1].name.split("-")[1])
    assert 2 <= killed_at < steps and not (tmp_path / "killed" / "manifest.json").exists()
    manifest = cli(flags + ["--resume", "true"])
    assert manifest["resumed_from"].endswith(f"checkpoint-{killed_at}")
    steps_logged = [json.loads(line)["step"] for line in (tmp_path / "killed" / "log.jsonl").read_text().splitlines()]
    assert steps_logged[-(steps - killed_at):] == list(range(killed_at + 1, steps + 1))  # only the lost ones redone
