"""Direct Preference Optimization on on-policy preference pairs, with TRL's ``DPOTrainer`` and LoRA.

Algorithm (Rafailov et al. 2023, https://arxiv.org/abs/2305.18290; sigmoid loss, ``beta=0.1``), in two phases:

1. **Pairs.** For each training prompt, sample ``--samples_per_prompt`` (K) responses from the SFT policy
   (``LLMAgent``, temperature sampling), step each one through ``WSLAnalytics-Response-v0`` and take its reward
   (``metrics.score(...).total``, so the safety gate and the repetition/length/copy penalties count). The best and
   the worst candidate form a pair when their reward margin exceeds ``--margin_threshold``; other prompts are
   dropped. The pairs are written to ``pairs.jsonl`` in the run directory and reused by ``--resume``.
2. **DPO.** ``DPOTrainer`` with the SFT policy as the reference model.

How the reference is the SFT policy: the SFT adapter is loaded onto the base model as the *trainable* ``default``
adapter, and TRL adds a frozen copy of it as the ``ref`` adapter; reference log-probs are computed with ``ref``
active. So the reference is exactly base + SFT LoRA, training continues from the SFT weights, and the result is one
LoRA on the untouched base model, loadable like any other adapter (the SFT adapter's LoRA shape is kept; the
``--lora_*`` flags apply only without ``--sft_adapter``). We did not merge the SFT adapter into the base and train a
new LoRA on top: that adapter would only work on a merged copy of the base, which every loader would then need.
Without ``--sft_adapter`` a new LoRA is trained and the reference is the base model (adapter disabled).

Deviations from the paper: the pairs are on-policy samples ranked by a programmatic reward instead of human
preferences (as in iterative/online DPO, e.g. Xu et al. 2023, https://arxiv.org/abs/2312.16682). One call is one
round; the next round points ``--sft_adapter`` at the previous round's run, whose policy then both samples the new
pairs and is the new reference (``train/configs/dpo-long.yaml``, then ``dpo-long2.yaml``).
``--add_reference true`` (the default) adds the task's reference post as one more candidate, scored like the
samples: when the policy never gets a prompt right, the reference (off-policy) becomes the chosen response, which
keeps prompts the SFT policy fails on, most often refusals, in the data. ``pairs.jsonl`` records which pairs use it.
``--contrast_pairs true`` adds a second pair per prompt: the best candidate against a well-formed response with the
wrong behaviour (:func:`train.data.counterfactual_response`: a post on a refuse-task, a refusal on an answer-task;
with ``--contrast_off_spec``, half of the answer-tasks get an off-spec copy of the reference instead). These
rejected responses are off-policy; ``pairs.jsonl`` marks them ``"source": "contrast"``
(``train/configs/dpo-long4.yaml``). ``--greedy_pairs true`` (with ``--add_greedy``) makes the greedy response,
which is what evaluation decodes, the rejected side of one more pair: against its own structural repair
(:func:`train.data.repair_post`; the two differ only in the defect, ``"source": "repair"``) when the repair scores
higher, else against the best candidate (``"source": "greedy"``), unless that is already the sampled pair
(``train/configs/dpo-long6.yaml``). ``--claim_pairs true`` adds, for each answer-task whose best candidate the
claims metric finds all true, that candidate against a copy with one figure made false (two values swapped, a
statistic or an athlete renamed: :func:`train.falsify.falsified_post`): a minimal pair that differs only in what
one figure is said to be (``"source": "claim"``).

Usage::

    python -m train.dpo --sft_adapter artifacts/sft-smollm2-135m-instruct
    python -m train.dpo --sft_adapter artifacts/sft-a --samples_per_prompt 4 --margin_threshold 0.1 --max_steps 30
    python -m train.dpo --config train/configs/dpo.yaml --resume
    accelerate launch --multi_gpu --num_processes 2 -m train.dpo --sft_adapter artifacts/sft-a --max_steps 10
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from trl import DPOConfig

from metrics.claims import claims
from train.common import (
    RunArgs,
    build_callbacks,
    config_summary,
    configure_cpu,
    finish_run,
    load_policy,
    parse_config,
    prepare_run_dir,
    report_trainable,
)
from train.data import (
    DEFAULT_GENERATOR_SEED,
    GeneratorArgs,
    ReferenceArgs,
    counterfactual_response,
    preference_row,
    repair_post,
    to_dataset,
    training_tasks,
    write_jsonl,
)
from train.falsify import falsified_post
from train.lm_head import compact_lm_head
from train.lora import lora_config
from wsl_env.schema import Task

PAIRS_FILE = "pairs.jsonl"


@dataclass
class DPORunConfig(RunArgs, ReferenceArgs, GeneratorArgs, DPOConfig):
    """Everything ``DPOConfig``/``TrainingArguments`` offers, plus the run, sampling and LoRA fields."""

    algorithm: ClassVar[str] = "dpo"

    sft_adapter: str | None = field(
        default=None, metadata={"help": "SFT run directory: the starting policy and the reference (recommended)."}
    )
    train_file: str | None = field(default="train", metadata={"help": "Split name or JSONL path of the prompts."})
    n_generated: int = field(default=0, metadata={"help": "Generated tasks added to the prompts."})
    generator_seed: int = field(default=DEFAULT_GENERATOR_SEED, metadata={"help": "TaskGenerator seed."})
    num_prompts: int | None = field(default=96, metadata={"help": "Prompts sampled, at most (after shuffling)."})
    samples_per_prompt: int = field(default=4, metadata={"help": "K: responses sampled per prompt."})
    sample_temperature: float = field(default=1.0, metadata={"help": "Sampling temperature of the candidates."})
    sample_top_p: float = field(default=0.95, metadata={"help": "Nucleus sampling of the candidates."})
    sample_max_new_tokens: int = field(default=192, metadata={"help": "Longest sampled candidate, in tokens."})
    sample_batch_size: int = field(default=16, metadata={"help": "Prompts per generate() call while sampling."})
    margin_threshold: float = field(
        default=0.1, metadata={"help": "Keep a pair only if reward(chosen) - reward(rejected) exceeds this."}
    )
    add_reference: bool = field(
        default=True, metadata={"help": "Score the task's reference post as one more candidate."}
    )
    add_greedy: bool = field(
        default=False,
        metadata={"help": "Add the policy's greedy response as one more candidate: evaluation decodes greedily, so "
                          "the pairs then also cover greedy failures such as repetition loops."},
    )
    contrast_pairs: bool = field(
        default=False,
        metadata={"help": "Also pair each prompt's best candidate against a response with the wrong behaviour (a "
                          "post on a refuse-task, a refusal on an answer-task; train.data.counterfactual_response), "
                          "kept like any pair only if the reward margin exceeds --margin_threshold."},
    )
    contrast_off_spec: bool = field(
        default=False,
        metadata={"help": "With --contrast_pairs: half of the answer-tasks (by id) are contrasted with an off-spec "
                          "copy of their reference (train.data.off_spec_post: a hashtag where none was asked for, "
                          "a bullet repeated, hashtag spam) instead of a refusal."},
    )
    greedy_pairs: bool = field(
        default=False,
        metadata={"help": "With --add_greedy: also pair the greedy response (what evaluation decodes) as the rejected "
                          "side, against its structural repair (train.data.repair_post: repeated lines dropped, "
                          "bullets and hashtags brought to the requested counts) when that scores higher, else "
                          "against the best candidate; kept only above --margin_threshold."},
    )
    claim_pairs: bool = field(
        default=False,
        metadata={"help": "Also pair each answer-task's best candidate, when the claims metric finds every figure "
                          "in it true, against a copy with one figure made false (train.falsify.falsified_post: "
                          "two values swapped, a statistic or an athlete renamed), kept when the metric finds a "
                          "false claim in the copy and the copy's reward is lower (no --margin_threshold: one "
                          "false figure of several costs less than the usual margin)."},
    )
    # Defaults changed from DPOConfig for LoRA on a CPU.
    learning_rate: float = field(default=5e-5, metadata={"help": "AdamW learning rate."})
    max_length: int | None = field(default=640, metadata={"help": "Longest tokenized prompt + response kept."})
    per_device_train_batch_size: int = field(
        default=2, metadata={"help": "Pairs per forward pass and process (each pair is two sequences)."}
    )
    gradient_accumulation_steps: int = field(
        default=4, metadata={"help": "Forward passes per optimizer step (2 x 4 = 8 pairs per step and process)."}
    )
    num_train_epochs: float = field(default=1.0, metadata={"help": "Passes over the pairs (max_steps overrides)."})

    def __post_init__(self) -> None:
        if self.samples_per_prompt < 1 or self.samples_per_prompt + self.add_greedy + self.add_reference < 2:
            raise ValueError("need at least two candidates per prompt: samples_per_prompt >= 2, or >= 1 with "
                             "add_reference or add_greedy")
        if self.greedy_pairs and not self.add_greedy:
            raise ValueError("greedy_pairs pairs the greedy response: set add_greedy too")
        super().__post_init__()


@dataclass
class PairStats:
    """What the pair-building phase did (goes into the manifest)."""

    prompts: int = 0
    candidates: int = 0
    pairs: int = 0
    pairs_with_reference_chosen: int = 0
    contrast_pairs: int = 0
    greedy_pairs: int = 0
    repair_pairs: int = 0
    claim_pairs: int = 0
    mean_sample_reward: float = 0.0
    mean_chosen_reward: float = 0.0
    mean_rejected_reward: float = 0.0


def score_candidates(tasks: Sequence[Task], candidates: Sequence[Sequence[str]]) -> list[list[float]]:
    """The reward of each candidate, stepped through ``WSLAnalytics-Response-v0`` (one episode per candidate)."""
    import gymnasium as gym

    import wsl_env  # noqa: F401  # registers the envs

    env = gym.make("WSLAnalytics-Response-v0", tasks=list(tasks))
    rewards = []
    for task, texts in zip(tasks, candidates, strict=True):
        row = []
        for text in texts:
            env.reset(options={"task": task})
            _, reward, _, _, _ = env.step(text)
            row.append(float(reward))
        rewards.append(row)
    env.close()
    return rewards


def select_pair(texts: Sequence[str], rewards: Sequence[float], threshold: float) -> tuple[int, int] | None:
    """Indices ``(best, worst)`` when their reward margin exceeds ``threshold`` (ties: the first), else ``None``."""
    best = max(range(len(texts)), key=lambda i: rewards[i])
    worst = min(range(len(texts)), key=lambda i: rewards[i])
    if rewards[best] - rewards[worst] <= threshold or texts[best] == texts[worst]:
        return None
    return best, worst


def claim_contrast(task: Task, post: str, seed: int) -> str | None:
    """``post`` with one figure made false (:func:`train.falsify.falsified_post`), or ``None``: only for an
    answer-task whose ``post`` has claims the metric finds all true, and only when it finds a false one in the copy.
    The perturbation is drawn from ``seed`` and the task id, so every run and process makes the same copy.
    """
    if task.expected_behavior != "answer" or not post.strip():
        return None
    found = claims(task, post)
    if not found or any(c.is_false for c in found):
        return None
    made = falsified_post(post, task, random.Random(f"{seed}:{task.id}"))
    if made is None or not any(c.is_false for c in claims(task, made[0])):
        return None
    return made[0]


def sample_candidates(model: Any, tokenizer: Any, tasks: Sequence[Task], config: DPORunConfig) -> list[list[str]]:
    """K sampled responses per task from the policy (this process's share of the tasks), then its greedy
    response when ``add_greedy`` is set.
    """
    from agents.llm import LLMAgent
    from train.fast_generation import rollout_mode

    k = config.samples_per_prompt
    progress = config.process_index == 0
    with rollout_mode(model):
        agent = LLMAgent(model=(model, tokenizer), do_sample=True, temperature=config.sample_temperature,
                         top_p=config.sample_top_p, batch_size=config.sample_batch_size,
                         seed=config.seed + config.process_index)
        flat = agent.generate([t for t in tasks for _ in range(k)], max_new_tokens=config.sample_max_new_tokens,
                              progress=progress)
        candidates = [flat[i * k : (i + 1) * k] for i in range(len(tasks))]
        if config.add_greedy:
            greedy = LLMAgent(model=(model, tokenizer), batch_size=config.sample_batch_size)
            texts = greedy.generate(tasks, config.sample_max_new_tokens, progress)
            for row, text in zip(candidates, texts, strict=True):
                row.append(text)
            agent.stats.new_tokens += greedy.stats.new_tokens
            agent.stats.seconds += greedy.stats.seconds
    if agent.stats.seconds > 0:
        print(f"sampling: {agent.stats.new_tokens} tokens at {agent.stats.tokens_per_second:.1f} tokens/s", flush=True)
    return candidates


def build_pairs(model: Any, tokenizer: Any, tasks: Sequence[Task], config: DPORunConfig
                ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], PairStats]:
    """Sample, score and pair. Returns ``(dataset rows, pairs.jsonl records, stats)``, the same on every process.

    Under ``accelerate launch`` each process samples its share of the prompts and the results are gathered.
    """
    from accelerate import PartialState
    from accelerate.utils import gather_object

    state = PartialState()
    with state.split_between_processes(list(tasks)) as shard:
        candidates = sample_candidates(model, tokenizer, shard, config)
        local = list(zip(shard, candidates, strict=True))
    gathered = gather_object(local) if state.num_processes > 1 else local
    model.train()

    stats = PairStats(prompts=len(gathered))
    sample_rewards: list[float] = []
    rows, records = [], []
    all_tasks = [t for t, _ in gathered]
    all_texts = [list(texts) + ([t.reference] if config.add_reference and t.reference else [])
                 for t, texts in gathered]
    n_policy = config.samples_per_prompt + config.add_greedy  # the reference, when present, comes after these
    greedy_index = config.samples_per_prompt  # with add_greedy, the greedy response follows the samples
    # Extra responses scored after the candidates but only ever paired as one side of their own pair.
    counterfactuals = [counterfactual_response(t, off_spec=config.contrast_off_spec) if config.contrast_pairs else None
                       for t in all_tasks]
    repairs = [repair_post(texts[greedy_index], t) if config.greedy_pairs else None
               for t, texts in zip(all_tasks, all_texts, strict=True)]
    extras = [[c or "", r or ""] for c, r in zip(counterfactuals, repairs, strict=True)]
    all_rewards = score_candidates(all_tasks, [texts + extra for texts, extra in zip(all_texts, extras, strict=True)])
    bests = [max(range(len(texts)), key=lambda i, r=rewards: r[i]) for texts, rewards in zip(all_texts, all_rewards,
                                                                                              strict=True)]
    # The best candidate with one figure made false, scored on its own after the best is known.
    falsified = [claim_contrast(t, texts[b], config.seed) if config.claim_pairs else None
                 for t, texts, b in zip(all_tasks, all_texts, bests, strict=True)]
    falsified_rewards = (score_candidates(all_tasks, [[f] if f else [] for f in falsified]) if config.claim_pairs
                         else [[] for _ in all_tasks])
    for task, texts, rewards, counterfactual, repaired, best, false_post, false_reward in zip(
            all_tasks, all_texts, all_rewards, counterfactuals, repairs, bests, falsified, falsified_rewards,
            strict=True):
        stats.candidates += len(texts)
        sample_rewards.extend(rewards[: config.samples_per_prompt])
        scored = rewards[: len(texts)]
        # (chosen text, its reward, the reference is chosen, rejected text, its reward, source)
        pairs: list[tuple[str, float, bool, str, float, str]] = []
        pair = select_pair(texts, scored, config.margin_threshold)
        if pair is not None:
            pairs.append((texts[pair[0]], scored[pair[0]], pair[0] >= n_policy, texts[pair[1]], scored[pair[1]],
                          "sampled"))
        if counterfactual and scored[best] - rewards[-2] > config.margin_threshold:
            pairs.append((texts[best], scored[best], best >= n_policy, counterfactual, rewards[-2], "contrast"))
        if false_post and false_reward[0] < scored[best]:
            pairs.append((texts[best], scored[best], best >= n_policy, false_post, false_reward[0], "claim"))
        if config.greedy_pairs:
            greedy, greedy_reward = texts[greedy_index], scored[greedy_index]
            if repaired is not None and repaired != greedy and rewards[-1] - greedy_reward > config.margin_threshold:
                pairs.append((repaired, rewards[-1], False, greedy, greedy_reward, "repair"))
            elif scored[best] - greedy_reward > config.margin_threshold and pair != (best, greedy_index):
                pairs.append((texts[best], scored[best], best >= n_policy, greedy, greedy_reward, "greedy"))
        for chosen, chosen_reward, reference_chosen, rejected, rejected_reward, source in pairs:
            rows.append(preference_row(task, chosen, rejected))
            records.append({"id": task.id, "category": task.category, "chosen": chosen, "rejected": rejected,
                            "chosen_reward": chosen_reward, "rejected_reward": rejected_reward,
                            "reference_chosen": reference_chosen, "source": source,
                            "candidate_rewards": scored})
            stats.pairs += 1
            stats.pairs_with_reference_chosen += int(reference_chosen)
            stats.contrast_pairs += int(source == "contrast")
            stats.greedy_pairs += int(source in ("greedy", "repair"))
            stats.repair_pairs += int(source == "repair")
            stats.claim_pairs += int(source == "claim")
    if sample_rewards:
        stats.mean_sample_reward = sum(sample_rewards) / len(sample_rewards)
    if records:
        stats.mean_chosen_reward = sum(r["chosen_reward"] for r in records) / len(records)
        stats.mean_rejected_reward = sum(r["rejected_reward"] for r in records) / len(records)
    return rows, records, stats


def load_pairs(path: Path, tasks: Sequence[Task]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows and records from a ``pairs.jsonl`` written by an earlier start of the same run."""
    by_id = {t.id: t for t in tasks}
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [preference_row(by_id[r["id"]], r["chosen"], r["rejected"]) for r in records]
    return rows, records


def main(config: DPORunConfig) -> dict[str, Any]:
    """Build the pairs (or reuse them on ``--resume``), run DPO, save the adapter and the manifest."""
    from dataclasses import asdict

    from trl import DPOTrainer

    configure_cpu(config.malloc_mmap_threshold_kb)
    compact_lm_head(config.compact_lm_head)
    is_main = config.process_index == 0
    resume_from = prepare_run_dir(config, is_main_process=is_main)
    tasks = training_tasks(config.train_file or None, config.n_generated, config.generator_seed, config.num_prompts,
                           shuffle_seed=config.seed, reference_arithmetic=config.reference_arithmetic,
                           generator_voices=config.generator_voices,
                           generator_shapes=config.generator_shapes)
    model, tokenizer, base = load_policy(config, adapter=config.sft_adapter)
    pairs_path = config.run_dir / PAIRS_FILE
    if config.resume and pairs_path.is_file():
        rows, records = load_pairs(pairs_path, tasks)
        stats: PairStats | None = None
        print(f"dpo: reusing {len(rows)} pairs from {pairs_path}", flush=True)
    else:
        rows, records, stats = build_pairs(model, tokenizer, tasks, config)
        if is_main:
            write_jsonl(records, pairs_path)
        print(f"dpo: {stats.pairs} pairs from {stats.prompts} prompts (margin > {config.margin_threshold}; "
              f"reference chosen in {stats.pairs_with_reference_chosen}, contrast pairs {stats.contrast_pairs}, "
              f"greedy pairs {stats.greedy_pairs} of which repairs {stats.repair_pairs}, claim pairs "
              f"{stats.claim_pairs}); "
              f"mean sample reward {stats.mean_sample_reward:.3f}", flush=True)
    if not rows:
        raise RuntimeError("no preference pairs: every prompt's candidates were within --margin_threshold of each "
                           "other; lower it, raise --samples_per_prompt or --sample_temperature, or add prompts")
    print(f"dpo: {config_summary(config, ('run_name', 'beta', 'max_steps', 'num_train_epochs'))}", flush=True)
    trainer = DPOTrainer(
        model=model,
        ref_model=None,
        args=config,
        train_dataset=to_dataset(rows),
        processing_class=tokenizer,
        peft_config=None if config.sft_adapter else lora_config(config, model.config.num_hidden_layers),
        callbacks=build_callbacks(config),
    )
    trainable = report_trainable(trainer.model)
    train_output = trainer.train(resume_from_checkpoint=resume_from)
    extra = {"sft_adapter": config.sft_adapter, "pairs": asdict(stats) if stats else {"reused": len(rows)}}
    return finish_run(trainer, config, train_output, base_model=base, rows=rows, trainable=trainable,
                      resumed_from=resume_from, extra=extra)


def cli(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Parse ``--config file.yaml`` and flags into :class:`DPORunConfig`, then run :func:`main`."""
    return main(parse_config(DPORunConfig, argv))


if __name__ == "__main__":
    cli(sys.argv[1:])
