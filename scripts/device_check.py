"""Check the library's accelerator paths on a tiny random-weight Llama, one check at a time, and report each.

    python scripts/device_check.py                      # every check on CUDA
    python scripts/device_check.py --device cpu --checks engine env   # the same logic on the CPU (the tests do)

Checks (each runs on its own; one failing does not stop the others):

- ``engine``: ``LLMAgent`` greedy posts from the rolling-cache engine (batched) against Hugging Face ``generate``
  (batch 1), equal in float32 and counted in bfloat16; seeded sampling (reproducible, unlike greedy); the hashtag
  cap on a model that wants "#" at every step (uncapped over the limits, capped within them); the figure guard on a
  model that wants digits (both backends alike, every number a context figure);
- ``env``: whole episodes of ``WSLAnalytics-v0``, where ``LLMAgent.act`` on the same model must pick the env's top
  candidate, and of its vector env, with the model on the device;
- ``sft``, ``dpo``, ``grpo``, ``rloo``, ``ppo``: two optimizer steps of each training script with
  ``--use_cpu false`` (DPO and GRPO from the SFT run), the adapter written and, on a GPU, memory allocated beyond
  what earlier checks left.

It needs the tokenizer only (the embedded model's, from its conversion cache), never model weights, so it fits a
machine the real model cannot be copied to. Run it from a checkout with the dev extras: it builds the tests' tiny
Llama (tests/conftest.py imports pytest). A JSON report (``--out``) lists the versions and each check's status,
seconds, figures and, for a failure, the traceback. Exit status 1 if any check failed.
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import json
import math
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout, ahead of any installed copy

import torch  # noqa: E402

from tests.conftest import build_tiny_llama, stray_numbers  # noqa: E402

CHECKS = ("engine", "env", "sft", "dpo", "grpo", "rloo", "ppo")
TRAINERS = ("sft", "dpo", "grpo", "rloo", "ppo")


class Context:
    """What the checks share: the device, a scratch directory, the tokenizer, the tiny model and its directory."""

    def __init__(self, device: str, workdir: Path) -> None:
        from wsl_env.generator import TaskGenerator
        from wsl_env.models import load_tokenizer
        from wsl_env.schema import dump_tasks

        self.device = device
        self.workdir = workdir
        self.tokenizer = load_tokenizer()
        self.model_dir = workdir / "tiny-llama"
        build_tiny_llama(self.tokenizer).save_pretrained(self.model_dir)
        self.tokenizer.save_pretrained(self.model_dir)
        self.task_file = workdir / "tasks.jsonl"
        dump_tasks(TaskGenerator(seed=11).sample(12), self.task_file)
        self.artifacts = workdir / "artifacts"
        self.cuda_baseline = 0  # bytes allocated on the GPU when the current check began

    def model(self, dtype: torch.dtype = torch.float32, hashtag_bonus: float = 0.0, digit_bonus: float = 0.0) -> Any:
        """The tiny Llama on the device; ``hashtag_bonus`` adds that much to every one-"#" token's logit, and
        ``digit_bonus`` to every digit token's.
        """
        model = build_tiny_llama(self.tokenizer).to(device=self.device, dtype=dtype)
        bonus = torch.zeros(model.config.vocab_size, dtype=dtype, device=self.device)
        if hashtag_bonus:
            from wsl_env.rollout.guards import hash_marks

            marks = hash_marks(self.tokenizer, model.config.vocab_size).to(self.device)
            bonus += (marks == 1).to(dtype) * hashtag_bonus
        if digit_bonus:
            bonus[[self.tokenizer.convert_tokens_to_ids(d) for d in "0123456789"]] += digit_bonus
        if hashtag_bonus or digit_bonus:
            model.lm_head.register_forward_hook(lambda module, args, output: output + bonus)
        return model

    def flags(self, run_name: str, model: bool = True) -> list[str]:
        """The tests' tiny-run flags (tests/train/conftest.py) on the device; ``model=False`` leaves the base model
        to the SFT adapter's manifest (DPO).
        """
        flags = ["--model", str(self.model_dir)] if model else []
        flags += ["--train_file", str(self.task_file), "--n_generated", "2", "--artifacts_root", str(self.artifacts),
                  "--run_name", run_name, "--max_steps", "2", "--save_steps", "1", "--seed", "0"]
        return flags + ["--use_cpu", "false" if self.device != "cpu" else "true"]


def check_engine(ctx: Context) -> dict[str, Any]:
    from agents.llm import LLMAgent
    from wsl_env.generator import TaskGenerator
    from wsl_env.rollout.figure_guard import context_figures

    tasks = TaskGenerator(seed=3).sample(6)
    figures: dict[str, Any] = {}
    for dtype in (torch.float32, torch.bfloat16):
        pair = (ctx.model(dtype), ctx.tokenizer)
        engine = LLMAgent(pair, backend="engine", batch_size=len(tasks)).generate(tasks, max_new_tokens=32)
        hf = LLMAgent(pair, backend="hf", batch_size=1).generate(tasks, max_new_tokens=32)
        equal = sum(a == b for a, b in zip(engine, hf, strict=True))
        figures[f"greedy_equal_{str(dtype).removeprefix('torch.')}"] = f"{equal}/{len(tasks)}"
        if dtype == torch.float32 and engine != hf:
            raise AssertionError(f"float32 greedy posts differ from generate: {figures}")
    pair = (ctx.model(), ctx.tokenizer)
    greedy = LLMAgent(pair).generate(tasks, max_new_tokens=32)
    sampled = LLMAgent(pair, do_sample=True, seed=0).generate(tasks, max_new_tokens=32)
    again = LLMAgent(pair, do_sample=True, seed=0).generate(tasks, max_new_tokens=32)
    if sampled != again:
        raise AssertionError("sampling with one seed is not reproducible on the device")
    if sampled == greedy:
        raise AssertionError("sampled posts equal the greedy ones: the sampler did not sample")
    figures["sampled_unlike_greedy"] = f"{sum(s != g for s, g in zip(sampled, greedy, strict=True))}/{len(tasks)}"
    # A model that wants "#" at every step: uncapped it writes more than each limit, capped never more.
    limited = [t for t in tasks if t.constraints.max_hashtags is not None]
    hashy = (ctx.model(hashtag_bonus=100.0), ctx.tokenizer)
    free = LLMAgent(hashy).generate(limited, max_new_tokens=16)
    capped = LLMAgent(hashy, hashtag_cap=True).generate(limited, max_new_tokens=16)
    limits = [t.constraints.max_hashtags for t in limited]
    over = [(p.count("#"), n) for p, n in zip(capped, limits, strict=True) if p.count("#") > n]
    free_over = sum(p.count("#") > n for p, n in zip(free, limits, strict=True))
    if not limited or over or not free_over:
        raise AssertionError(f"hashtag cap: {len(limited)} limited tasks, {free_over} uncapped posts over their "
                             f"limit, capped posts over it: {over}")
    figures["capped_within_limit"] = f"{len(limited)}/{len(limited)}"
    # A model that wants a digit at every step: under the figure guard both backends write the same posts, and
    # every number is one of the context's figures (the last may be cut short by the token budget).
    answers = [t for t in tasks if t.expected_behavior == "answer"]
    digity = (ctx.model(digit_bonus=50.0), ctx.tokenizer)
    guarded = {backend: LLMAgent(digity, backend=backend, figure_guard="claims").generate(answers, max_new_tokens=24)
               for backend in ("engine", "hf")}
    if guarded["engine"] != guarded["hf"]:
        raise AssertionError("figure guard: the engine's and generate's guarded posts differ")
    strays = [n for task, post in zip(answers, guarded["engine"], strict=True)
              for n in stray_numbers(post, context_figures(task.context))]
    if not answers or strays:
        raise AssertionError(f"figure guard: {len(answers)} answer-tasks, numbers the contexts lack: {strays}")
    figures["figure_guard_backends_equal"] = f"{len(answers)}/{len(answers)}"
    return figures


def check_env(ctx: Context) -> dict[str, Any]:
    import gymnasium as gym

    import wsl_env  # noqa: F401  (registers the envs)
    from agents.llm import LLMAgent

    pair = (ctx.model(), ctx.tokenizer)
    agent = LLMAgent(pair)
    env = gym.make("WSLAnalytics-v0", model=pair, tasks="generated", max_new_tokens=12, policy_logprobs=True)
    obs, info = env.reset(seed=0)
    steps, total, done, agreed = 0, 0.0, False, 0
    while not done:
        agreed += agent.act(obs) == 0  # the same model's own next token is the env's top candidate
        obs, reward, terminated, truncated, info = env.step(0)
        steps, total, done = steps + 1, total + float(reward), terminated or truncated
    if not math.isfinite(total) or agreed != steps:
        raise AssertionError(f"episode return {total}; LLMAgent.act chose the top candidate {agreed}/{steps} times")
    venv = gym.make_vec("WSLAnalytics-v0", num_envs=2, model=pair, tasks="generated", max_new_tokens=12)
    venv.reset(seed=0)
    vector_steps = 0
    for _ in range(24):
        _, rewards, _, _, _ = venv.step([0, 0])
        vector_steps += 1
        if not all(math.isfinite(float(r)) for r in rewards):
            raise AssertionError(f"vector rewards {rewards}")
    env.close()
    venv.close()
    return {"episode_steps": steps, "episode_return": round(total, 4), "act_top_candidate": f"{agreed}/{steps}",
            "vector_steps": vector_steps}


def _trained(name: str, manifest: dict[str, Any], ctx: Context) -> dict[str, Any]:
    run = ctx.artifacts / name
    step = manifest["iterations"] if name == "ppo" else manifest.get("final_metrics", {}).get("global_step")
    written = (run / "adapter_model.safetensors").is_file()
    if step != 2 or not written:
        raise AssertionError(f"{name}: global_step {step}, adapter written: {written}")
    figures: dict[str, Any] = {"global_step": step}
    if ctx.device == "cuda":
        peak = torch.cuda.max_memory_allocated()
        figures["cuda_peak_mib"] = round(peak / 2**20, 1)
        if peak <= ctx.cuda_baseline:  # nothing allocated beyond what earlier checks left: it trained on the CPU
            raise AssertionError(f"{name} allocated nothing on the GPU ({peak} bytes at peak, {ctx.cuda_baseline} "
                                 "before it): it trained on the CPU")
    return figures


def check_sft(ctx: Context) -> dict[str, Any]:
    from train.sft import cli

    manifest = cli(ctx.flags("sft") + ["--max_train_examples", "8", "--max_length", "384",
                                       "--per_device_train_batch_size", "2"])
    return _trained("sft", manifest, ctx)


def _sft_adapter(ctx: Context) -> str:
    if not (ctx.artifacts / "sft" / "adapter_model.safetensors").is_file():
        check_sft(ctx)
    return str(ctx.artifacts / "sft")


def check_dpo(ctx: Context) -> dict[str, Any]:
    from train.dpo import cli

    manifest = cli(ctx.flags("dpo", model=False) + ["--sft_adapter", _sft_adapter(ctx), "--num_prompts", "4",
                                           "--samples_per_prompt", "2", "--sample_max_new_tokens", "8",
                                           "--max_length", "384", "--per_device_train_batch_size", "2"])
    return _trained("dpo", manifest, ctx)


def check_grpo(ctx: Context) -> dict[str, Any]:
    from train.grpo import cli

    manifest = cli(ctx.flags("grpo") + ["--sft_adapter", _sft_adapter(ctx), "--max_train_examples", "4",
                                        "--num_generations", "2", "--per_device_train_batch_size", "2",
                                        "--max_completion_length", "8", "--mask_truncated_completions", "false"])
    figures = _trained("grpo", manifest, ctx)
    figures["engine_generation_batches"] = manifest.get("engine_generation_batches")
    return figures


def check_rloo(ctx: Context) -> dict[str, Any]:
    from train.rloo import cli

    manifest = cli(ctx.flags("rloo") + ["--max_train_examples", "4", "--num_generations", "2",
                                        "--per_device_train_batch_size", "2", "--max_completion_length", "8"])
    return _trained("rloo", manifest, ctx)


def check_ppo(ctx: Context) -> dict[str, Any]:
    from train.ppo import cli

    manifest = cli(ctx.flags("ppo") + ["--num_envs", "2", "--max_new_tokens", "8", "--k", "4",
                                       "--disable_tqdm", "true"])
    return _trained("ppo", manifest, ctx)


RUNNERS: dict[str, Callable[[Context], dict[str, Any]]] = {
    "engine": check_engine, "env": check_env, "sft": check_sft, "dpo": check_dpo, "grpo": check_grpo,
    "rloo": check_rloo, "ppo": check_ppo,
}


def run_checks(device: str, checks: list[str], workdir: Path) -> list[dict[str, Any]]:
    """Run each named check on ``device``; one dict per check: name, status, seconds, figures or error."""
    unknown = sorted(set(checks) - set(RUNNERS))
    if unknown:
        raise ValueError(f"unknown checks {unknown}; choose from {list(CHECKS)}")
    ctx = Context(device, workdir)
    report = []
    for name in checks:
        start = time.perf_counter()
        entry: dict[str, Any] = {"check": name}
        if device == "cuda":  # each check's peak is its own, measured above what earlier checks left allocated
            gc.collect()
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
            ctx.cuda_baseline = torch.cuda.memory_allocated()
        try:
            entry["figures"] = RUNNERS[name](ctx)
            entry["status"] = "pass"
        except Exception as error:  # noqa: BLE001  (every failure is reported, and the other checks still run)
            entry["status"] = "fail"
            entry["error"] = f"{type(error).__name__}: {error}"
            entry["traceback"] = traceback.format_exc()
        entry["seconds"] = round(time.perf_counter() - start, 1)
        print(f"CHECK {name}: {entry['status']} ({entry['seconds']} s) {entry.get('figures', entry.get('error'))}",
              flush=True)
        if entry["status"] == "fail":
            print(entry["traceback"], flush=True)
        report.append(entry)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cuda", choices=("cuda", "cpu"),
                        help="cuda (the current GPU; the trainers use accelerate's) or cpu (default: cuda)")
    parser.add_argument("--checks", nargs="+", default=list(CHECKS), choices=CHECKS, metavar="CHECK",
                        help=f"which checks to run (default: all of {', '.join(CHECKS)})")
    parser.add_argument("--out", type=Path, help="write the JSON report here")
    args = parser.parse_args(argv)
    if args.device == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda: torch sees no CUDA device (use --device cpu to run the checks on the CPU)")
    device_name = torch.cuda.get_device_name() if args.device == "cuda" else "cpu"
    environment = {"device": args.device, "device_name": device_name,
                   **{name: importlib.metadata.version(name) for name in ("torch", "transformers", "trl", "peft")}}
    print(json.dumps(environment), flush=True)
    with tempfile.TemporaryDirectory() as scratch:
        report = run_checks(args.device, args.checks, Path(scratch))
    if args.out:
        args.out.write_text(json.dumps({"environment": environment, "checks": report}, indent=1))
    return 1 if any(entry["status"] == "fail" for entry in report) else 0


if __name__ == "__main__":
    sys.exit(main())
