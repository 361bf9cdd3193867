"""The iteration loop of :mod:`train.ppo`: rollout, scoring, advantages, updates, logs and checkpoints.

A checkpoint (``checkpoints/checkpoint-<iteration>/``) holds the LoRA adapter, the value head, the optimizer, the
KL coefficient and the random state; ``trainer_state.json`` is written last, so a save cut short by SIGKILL is never
taken for a checkpoint and ``--resume`` continues from the last complete one.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from train.common import (
    CURVES_FILE,
    LOG_FILE,
    data_hash,
    git_commit,
    load_policy,
    peak_rss_mb,
    prepare_run_dir,
    report_trainable,
    write_manifest,
)
from train.data import training_tasks
from train.lora import lora_config
from train.ppo_math import AdaptiveKL, gae, ppo_losses, whiten
from train.ppo_rollout import Episodes, collect, score
from train.progress import any_process
from train.value_head import ValueHead
from wsl_env.models import write_portable_base

__all__ = ["make_env", "run"]

STATE_FILE = "trainer_state.json"  # written last in a checkpoint (train.common.complete_checkpoints looks for it)


def _episode_tensors(episodes: Episodes, steps: int, device: torch.device | str = "cpu") -> torch.Tensor:
    rewards = torch.zeros((len(episodes), steps), device=device)
    for i, r in enumerate(episodes.rewards):
        rewards[i, : len(r)] = torch.tensor(r, device=device)
    return rewards


def _save_checkpoint(path: Path, model: Any, head: ValueHead, optimizer: Any, state: dict[str, Any]) -> None:
    path.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(path), selected_adapters=["default"])
    head.save(path)
    torch.save(optimizer.state_dict(), path / "optimizer.pt")
    (path / STATE_FILE).write_text(json.dumps(state))  # last: marks the checkpoint complete


def _load_checkpoint(path: Path, model: Any, head: ValueHead, optimizer: Any) -> dict[str, Any]:
    from peft import set_peft_model_state_dict
    from safetensors.torch import load_file

    set_peft_model_state_dict(model, load_file(str(path / "adapter_model.safetensors")), adapter_name="default")
    head.load_state_dict(ValueHead.load(path).state_dict())
    # map_location: a checkpoint saved on a GPU resumes anywhere; load_state_dict moves the state to the params
    optimizer.load_state_dict(torch.load(path / "optimizer.pt", weights_only=True, map_location="cpu"))
    return json.loads((path / STATE_FILE).read_text())


def _all_reduce_grads(params: list[torch.nn.Parameter], accelerator: Any) -> None:
    if accelerator.num_processes == 1:
        return
    for param in params:
        if param.grad is not None:
            param.grad = accelerator.reduce(param.grad, reduction="mean")


def _out_of_time(trained: float, max_minutes: float | None) -> bool:
    """Whether the training-time budget is spent (the same answer on every process)."""
    return max_minutes is not None and any_process(trained >= 60.0 * max_minutes)


def make_env(config: Any, model: Any, tokenizer: Any, tasks: list[Any]) -> Any:
    """The vector env whose wrapped model is the policy being trained."""
    import gymnasium as gym

    import wsl_env  # noqa: F401  (registers the ids)

    return gym.make_vec("WSLAnalytics-v0", num_envs=config.num_envs, vectorization_mode="vector_entry_point",
                        tasks=tasks, model=(model, tokenizer), **config.env_kwargs())


def run(config: Any) -> dict[str, Any]:
    """One PPO run end to end (see :mod:`train.ppo`); returns the manifest (main process) or ``{}``."""
    from accelerate import Accelerator
    from accelerate.utils import gather_object

    from train.progress import plot_curves
    from wsl_env.models import load_model

    accelerator = Accelerator(cpu=config.use_cpu)
    main_process = accelerator.is_main_process
    resume_from = prepare_run_dir(config, is_main_process=main_process)
    accelerator.wait_for_everyone()
    torch.manual_seed(config.seed + accelerator.process_index)
    tasks = training_tasks(config.train_file or None, config.n_generated, config.generator_seed, None,
                           shuffle_seed=config.seed, generator_voices=config.generator_voices,
                           generator_shapes=config.generator_shapes)
    model, tokenizer, base = load_policy(config, adapter=config.sft_adapter)
    if config.sft_adapter is None:
        from peft import get_peft_model

        model = get_peft_model(model, lora_config(config, model.config.num_hidden_layers))
    reference = load_model(base, adapter=config.sft_adapter, dtype=config.model_dtype)[0].eval()
    head = ValueHead(model.config.hidden_size)
    device = accelerator.device  # the CPU, or this process's GPU with --use_cpu false
    model, reference, head = model.to(device), reference.to(device), head.to(device)
    trainable = [p for p in model.parameters() if p.requires_grad] + list(head.parameters())
    optimizer = torch.optim.AdamW(trainable, lr=config.learning_rate)
    kl = AdaptiveKL(config.kl_coef, config.kl_target, config.kl_horizon)
    rng = np.random.default_rng(config.seed + 1000 * accelerator.process_index)
    start, trained = 0, 0.0  # trained: seconds of iterations done so far, over every (re)start
    if resume_from is not None:
        state = _load_checkpoint(Path(resume_from), model, head, optimizer)
        start, kl.coef, trained = state["iteration"], state["kl_coef"], state.get("trained_seconds", 0.0)
        rng.bit_generator.state = state["rng"][accelerator.process_index]
    stats = report_trainable(model) if main_process else {}
    env = make_env(config, model, tokenizer, tasks)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    topk = config.action_mode == "topk"
    run_dir = config.run_dir
    started = time.time()
    from tqdm.auto import tqdm

    bar = tqdm(range(start, config.max_steps), initial=start, total=config.max_steps, desc=config.run_name,
               disable=not main_process or config.disable_tqdm)
    done = start
    for iteration in bar:
        tick = time.time()
        model.eval()
        episodes = collect(env, rng, seed=config.seed + iteration * 7919 + accelerator.process_index)
        index = list(range(len(episodes)))
        steps = max(len(a) for a in episodes.actions)
        with torch.no_grad():
            old = score(model, head, episodes, index, pad, topk)
            ref = score(reference, None, episodes, index, pad, topk)
        kl_per_token = (old.full_logprobs - ref.full_logprobs) * old.mask
        rewards = _episode_tensors(episodes, steps, device) - kl.coef * kl_per_token
        last = torch.tensor([0.0 if done else float(old.values[i, len(episodes.actions[i])])  # type: ignore[index]
                             for i, done in enumerate(episodes.terminated)], device=device)
        values = old.values[:, :-1] * old.mask  # type: ignore[index]
        advantages, returns = gae(rewards, values, last, old.mask, config.gamma, config.lam)
        advantages = whiten(advantages, old.mask)
        model.train()
        record: dict[str, float | None] = {}
        for _ in range(config.ppo_epochs):
            order = rng.permutation(len(index))
            for batch in np.array_split(order, config.num_minibatches):
                rows = batch.tolist()
                new = score(model, head, episodes, rows, pad, topk)
                width = new.mask.shape[1]
                losses = ppo_losses(new.logprobs, old.logprobs[rows, :width], advantages[rows, :width],
                                    new.values[:, :-1], values[rows, :width],  # type: ignore[index]
                                    returns[rows, :width], new.entropy, new.mask, config.clip_range,
                                    config.value_clip)
                optimizer.zero_grad(set_to_none=True)
                losses.total(config.value_coef, config.entropy_coef).backward()
                _all_reduce_grads(trainable, accelerator)
                torch.nn.utils.clip_grad_norm_(trainable, config.max_grad_norm)
                optimizer.step()
                for name in ("policy", "value", "entropy", "approx_kl", "clip_fraction"):
                    record[f"ppo/{name}"] = record.get(f"ppo/{name}", 0.0) + float(getattr(losses, name).detach()) / (
                        config.ppo_epochs * config.num_minibatches)
        tokens = int(old.mask.sum())
        mean_kl = float(kl_per_token.sum()) / len(episodes)
        kl.update(mean_kl, tokens)
        judged = sum(episodes.claims_judged)
        record.update({
            "reward": float(np.mean([sum(r) for r in episodes.rewards])),
            "rewards/total": float(np.mean(episodes.totals)),
            "rewards/claims_true": 1.0 - sum(episodes.claims_false) / judged if judged else None,  # None: no claim
            "eos_rate": float(np.mean(episodes.terminated)), "kl": mean_kl, "kl_coef": kl.coef,
            "tokens": tokens, "seconds": time.time() - tick, "trained_seconds": trained + time.time() - tick,
        })  # fmt: skip
        trained += time.time() - tick
        done = iteration + 1
        out_of_time = _out_of_time(trained, config.max_minutes)
        if main_process and (iteration + 1) % max(1, int(config.logging_steps)) == 0:
            with open(run_dir / LOG_FILE, "a", encoding="utf-8") as handle:
                handle.write(json.dumps({"step": iteration + 1, **record}) + "\n")
            bar.set_postfix(total=f"{record['rewards/total']:.3f}", kl=f"{mean_kl:.3f}")
        last_one = iteration + 1 == config.max_steps or out_of_time
        if (iteration + 1) % max(1, int(config.save_steps)) == 0 or last_one:
            rng_states = gather_object([rng.bit_generator.state])
            if main_process:
                _save_checkpoint(Path(config.output_dir) / f"checkpoint-{iteration + 1}", model, head, optimizer,
                                 {"iteration": iteration + 1, "kl_coef": kl.coef, "rng": rng_states,
                                  "trained_seconds": trained})
                plot_curves(run_dir / LOG_FILE, run_dir / CURVES_FILE, title=config.run_name)
            accelerator.wait_for_everyone()
        if out_of_time:
            print(f"ppo: the --max_minutes budget ({config.max_minutes}) is spent after iteration {iteration + 1}",
                  flush=True)
            break
    if not main_process:
        return {}
    model.save_pretrained(str(run_dir), selected_adapters=["default"])
    write_portable_base(run_dir, base)
    head.save(run_dir)
    plot_curves(run_dir / LOG_FILE, run_dir / CURVES_FILE, title=config.run_name)
    manifest = {
        "run_name": config.run_name, "algorithm": "ppo", "base_model": base, "adapter_path": str(run_dir),
        "sft_adapter": config.sft_adapter, "env_id": "WSLAnalytics-v0",
        "env_kwargs": {**config.env_kwargs(), "num_envs": config.num_envs},
        "data_hash": data_hash(t.to_dict() for t in tasks), "num_rows": len(tasks), "trainable_params": stats,
        "resumed_from": resume_from, "train_seconds": round(time.time() - started, 1),
        "trained_seconds": round(trained, 1), "iterations": done,
        "peak_rss_mb": round(peak_rss_mb(), 1), "world_size": accelerator.num_processes,
        "git_commit": git_commit(), "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "config": config.manifest_config(),
    }  # fmt: skip
    write_manifest(run_dir, **manifest)
    print(f"adapter, value head and manifest written to {run_dir}", flush=True)
    return manifest
