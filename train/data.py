"""Training data: tasks from a split (or JSONL file) plus generated tasks, as TRL datasets.

Every prompt is built by :func:`wsl_env.prompt.build_messages`, the one way a task becomes chat messages.

- SFT rows are *conversational prompt-completion* pairs: ``prompt = build_messages(task)`` and
  ``completion = [{"role": "assistant", "content": task.reference}]``. Together they are exactly the
  ``messages`` conversation ``build_messages(task) + [assistant]``; split this way, ``SFTTrainer`` computes the loss
  on the response only (the system prompt and the context are not worth learning to predict).
- GRPO/RLOO rows are prompt-only, with the task columns the reward functions read (``constraints`` as a JSON
  string in every row, so the column has one Arrow type whatever the constraints are).
- Generated tasks come from :class:`wsl_env.generator.TaskGenerator` with a seed of their own; any that equals a
  validation or test task (same instruction and context) is dropped, so training never sees held-out tasks.
"""

from __future__ import annotations

import dataclasses
import json
import random
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from metrics.refusal import is_refusal
from metrics.structure import count_bullets, find_hashtags, line_key
from wsl_env.data.locations import SPLITS, data_dir
from wsl_env.generator import slots
from wsl_env.posts import REFUSAL_REASONS, PostError, camel_tag, write_post, write_refusal
from wsl_env.prompt import build_messages
from wsl_env.schema import Constraints, Task, load_tasks

HELDOUT_SPLITS: tuple[str, ...] = ("val", "test")
# The data pipeline builds its splits from TaskGenerator(seed=0); training draws its extra tasks elsewhere.
DEFAULT_GENERATOR_SEED = 1


def load_task_file(spec: str | Path) -> list[Task]:
    """Tasks from a split name (``train``, ``val``, ``test``: ``data/processed/<split>.jsonl``) or a JSONL path."""
    if str(spec) in SPLITS:
        path = data_dir() / f"{spec}.jsonl"
        if not path.is_file():
            raise FileNotFoundError(
                f"split '{spec}' not found at {path}: run `python -m wsl_env.data all` first, or pass a JSONL path"
            )
        return load_tasks(path)
    return load_tasks(spec)


def _key(task: Task) -> tuple[str, str]:
    return (" ".join(task.instruction.split()).lower(), " ".join(task.context.split()).lower())


def heldout_keys(splits: Sequence[str] = HELDOUT_SPLITS) -> set[tuple[str, str]]:
    """``(instruction, context)`` keys of the held-out splits that exist on disk."""
    keys: set[tuple[str, str]] = set()
    for split in splits:
        path = data_dir() / f"{split}.jsonl"
        if path.is_file():
            keys.update(_key(t) for t in load_tasks(path))
    return keys


def generated_tasks(
    n: int,
    seed: int = DEFAULT_GENERATOR_SEED,
    exclude: set[tuple[str, str]] | None = None,
    voices: str = "plain",
    shapes: str = "plain",
) -> list[Task]:
    """``n`` generated tasks (fewer if some equal an excluded task), with their reference posts; ``voices`` and
    ``shapes`` are the generator's (``"plain"`` or ``"varied"``, see :class:`wsl_env.generator.TaskGenerator`).
    """
    from wsl_env.generator import TaskGenerator

    exclude = exclude or set()
    return [t for t in TaskGenerator(seed, voices=voices, shapes=shapes).sample(n) if _key(t) not in exclude]


@dataclass
class GeneratorArgs:
    """The config field of every script that adds generated tasks."""

    generator_voices: str = field(
        default="plain",
        metadata={"help": "Voices of the generated tasks: 'plain' (one prose format, one register) or 'varied' "
                          "(blocks, stat lines, tables, cards, counts as words, varied requests, distractors; "
                          "wsl_env._voices)."},
    )
    generator_shapes: str = field(
        default="plain",
        metadata={"help": "Shape requests of the generated tasks: 'plain' (hashtag ranges, one wording each) or "
                          "'varied' (exact hashtag counts, none to three, in half the tasks; counts as words; more "
                          "wordings)."},
    )


@dataclass
class ReferenceArgs:
    """The config field of the scripts that train on reference posts (SFT, and DPO's reference candidate)."""

    reference_arithmetic: bool = field(
        default=True,
        metadata={"help": "Keep the computed figures (winning margins, points gaps) in generated tasks' references; "
                          "false: references that only copy numbers (train.data.copy_only_references)."},
    )


def training_tasks(
    task_file: str | None,
    n_generated: int = 0,
    generator_seed: int = DEFAULT_GENERATOR_SEED,
    max_tasks: int | None = None,
    shuffle_seed: int = 0,
    reference_arithmetic: bool = True,
    generator_voices: str = "plain",
    generator_shapes: str = "plain",
) -> list[Task]:
    """The training tasks: ``task_file`` (split name or path; ``None`` for none) plus ``n_generated`` generated ones.

    Tasks without a reference are kept (prompt-only trainers do not need one). The list is shuffled with
    ``shuffle_seed`` and cut to ``max_tasks``, so a tiny budget still mixes sources and categories. With
    ``reference_arithmetic=False`` the references go through :func:`copy_only_references`.
    """
    tasks = load_task_file(task_file) if task_file else []
    if n_generated > 0:
        tasks += generated_tasks(n_generated, generator_seed, exclude=heldout_keys(), voices=generator_voices,
                                 shapes=generator_shapes)
    if not tasks:
        raise ValueError("no training tasks: give a task file and/or a positive number of generated tasks")
    random.Random(shuffle_seed).shuffle(tasks)
    tasks = tasks[:max_tasks] if max_tasks is not None else tasks
    return tasks if reference_arithmetic else copy_only_references(tasks)


PROMPT_POOLS: tuple[str, ...] = ("all", "exact_hashtags")


def prompt_pool(tasks: Sequence[Task], pool: str = "all") -> list[Task]:
    """The prompts an online trainer samples from.

    ``"all"``: the tasks as given. ``"exact_hashtags"``: only the answer-tasks that ask for an exact hashtag count
    (``min_hashtags == max_hashtags``), so that more groups can differ in whether the post meets the count, plus the
    first refuse-tasks in the given order, as many as keep the refuse share of ``tasks`` (so the pool does not tilt
    the policy towards declining). Raises ``ValueError`` on an unknown pool, and when no answer-task is kept.
    """
    if pool not in PROMPT_POOLS:
        raise ValueError(f"prompt_pool must be one of {list(PROMPT_POOLS)}, got {pool!r}")
    if pool == "all":
        return list(tasks)
    refuse = [t for t in tasks if t.expected_behavior == "refuse"]
    exact = [t for t in tasks if t.expected_behavior != "refuse"
             and t.constraints.min_hashtags == t.constraints.max_hashtags]
    if not exact:
        raise ValueError(f"prompt_pool {pool!r}: none of the {len(tasks)} training tasks asks for an exact hashtag "
                         "count")
    keep = set(map(id, exact + refuse[:round(len(exact) * len(refuse) / (len(tasks) - len(refuse)))]))
    return [t for t in tasks if id(t) in keep]


def copy_only_references(tasks: Sequence[Task]) -> list[Task]:
    """The tasks, with every generated answer-task's reference rewritten to copy numbers only.

    :func:`wsl_env.posts.write_post` with ``arithmetic=False`` drops the figures a post computes (winning margins,
    points gaps, differences from an average): a small model imitating them writes wrong sums, which the fact
    metric counts as unsupported numbers, while a post that only copies figures can score full marks. Tasks
    without facts (the hand-written gold tasks), refuse-tasks, and the rare task whose constraints need the
    computed point keep their reference.
    """
    out = []
    for task in tasks:
        if task.expected_behavior == "answer" and task.facts and task.reference:
            try:
                post = write_post(task.facts, task.constraints, style=int(task.facts.get("style", 0)),
                                  arithmetic=False)
            except PostError:
                post = task.reference
            task = dataclasses.replace(task, reference=post)
        out.append(task)
    return out


def sft_rows(tasks: Sequence[Task]) -> list[dict[str, Any]]:
    """Conversational prompt-completion rows from the tasks that have a reference."""
    return [
        {"prompt": build_messages(t), "completion": [{"role": "assistant", "content": t.reference}]}
        for t in tasks
        if t.reference
    ]


def prompt_rows(tasks: Sequence[Task]) -> list[dict[str, Any]]:
    """Prompt-only rows for GRPO/RLOO: the conversational prompt plus the task columns the rewards read."""
    return [
        {
            "prompt": build_messages(t),
            "id": t.id,
            "category": t.category,
            "instruction": t.instruction,
            "context": t.context,
            "expected_behavior": t.expected_behavior,
            "constraints": json.dumps(t.constraints.to_dict(), sort_keys=True),
            "reference": t.reference,
        }
        for t in tasks
    ]


def counterfactual_response(task: Task, *, off_spec: bool = False) -> str | None:
    """A well-formed response with the *wrong behaviour* for ``task``: the contrast to its right answer.

    - Refuse-task: a post written from the task's facts, i.e. what a policy writes when it complies with a
      request it should decline (a "recap" answering an unanswerable question, a profile for a doxxing request).
      Needs ``task.facts`` (generated tasks); ``None`` without them or when no post fits the constraints.
    - Answer-task: a refusal in the generator's style, with a reason picked from the task id (so it is the same
      on every run and process) and naming the task's first athlete when the facts are there. With ``off_spec``,
      half of the answer-tasks (by task id) get :func:`off_spec_post` of the reference instead.
    """
    digest = zlib.crc32(task.id.encode("utf-8"))
    style = int(task.facts.get("style", 0)) if task.facts else digest
    if task.expected_behavior == "refuse":
        if not task.facts:
            return None
        try:
            return write_post(task.facts, task.constraints, style=style + 1)
        except PostError:
            return None
    names = slots(task.facts) if task.facts else {}
    athlete = next((names[k] for k in ("W", "A", "TH") if k in names), "the athlete")
    if off_spec and task.reference and digest % 2:
        return off_spec_post(task.reference, task.constraints, athlete)
    reason = REFUSAL_REASONS[digest % len(REFUSAL_REASONS)]
    return write_refusal({"refusal": {"reason": reason, "athlete": athlete, "subject": "that"}}, style=style)


_NUMBERED = re.compile(r"^(\s*)(\d{1,3})([.)]\s+)(.*)$")


def off_spec_post(post: str, constraints: Constraints, athlete: str = "WSL") -> str:
    """``post`` broken the way a policy breaks the requested shape (one defect per post).

    Which defect:

    - no hashtags were asked for: a hashtag line is added;
    - otherwise, when the post has numbered bullets: its last bullet is repeated verbatim under the next number
      (filling a list by repetition, which also makes the count wrong);
    - otherwise: hashtags are added beyond the allowed maximum.
    """
    tag = "#" + (camel_tag(athlete) or "WSL")
    if constraints.max_hashtags == 0:
        return f"{post}\n{tag}"
    lines = post.split("\n")
    numbered = [i for i, line in enumerate(lines) if _NUMBERED.match(line)]
    if numbered:
        indent, number, marker, text = _NUMBERED.match(lines[numbered[-1]]).groups()  # type: ignore[union-attr]
        lines.insert(numbered[-1] + 1, f"{indent}{int(number) + 1}{marker}{text}")
        return "\n".join(lines)
    spam = " ".join(f"{tag}{i}" if i else tag for i in range(constraints.max_hashtags + 2))
    return f"{post}\n{spam}"


# Hashtags a repaired post may add when it has too few: the task's athletes and event first, then these.
_GENERIC_TAGS: tuple[str, ...] = ("WSL", "Surfing", "SurfStats", "WorldSurfLeague")
_ATHLETE_SLOTS = ("W", "L", "A", "B", "TH", "TW")  # the name slots of wsl_env.generator.slots


def _is_tag_line(line: str) -> bool:
    words = line.split()
    return bool(words) and len(find_hashtags(line)) == len(words)


def _tag_pool(task: Task) -> list[str]:
    facts = task.facts or {}
    names = [camel_tag(name) for key, name in (slots(facts) if facts else {}).items() if key in _ATHLETE_SLOTS]
    names += [camel_tag(str(facts[key])) for key in ("event", "break") if facts.get(key)]
    return [tag for tag in names if tag] + list(_GENERIC_TAGS)


def _repair_hashtags(lines: list[str], task: Task) -> list[str]:
    """Tag lines merged into one last line holding between ``min_hashtags`` and ``max_hashtags`` distinct tags.

    Hashtags inside sentences are left alone (removing them would break the sentence); they count towards the
    minimum, and when they alone exceed the maximum nothing is changed.
    """
    low, high = task.constraints.min_hashtags, task.constraints.max_hashtags
    body = [line for line in lines if not _is_tag_line(line)]
    inline = {t.lower() for line in body for t in find_hashtags(line)}
    if len(find_hashtags("\n".join(body))) > high:  # occurrences, so duplicates count too
        return lines
    tags: list[str] = []
    seen = set(inline)
    for tag in (t for line in lines if _is_tag_line(line) for t in find_hashtags(line)):
        if len(inline) + len(tags) < high and tag.lower() not in seen:
            seen.add(tag.lower())
            tags.append(tag)
    for tag in _tag_pool(task):
        if len(inline) + len(tags) >= low:
            break
        if tag.lower() not in seen:
            seen.add(tag.lower())
            tags.append(tag)
    return body + ([" ".join(f"#{t}" for t in tags)] if tags else [])


def repair_post(post: str, task: Task) -> str:
    """``post`` with its structural defects mended, its content untouched: the minimal fix of a policy's response.

    - a line that repeats an earlier one verbatim (as :func:`metrics.structure.repetition` compares lines) is
      dropped;
    - numbered bullets beyond ``constraints.bullets`` are dropped (the first ones are kept), and the bullets are
      renumbered 1, 2, ... in their own marker style; with ``bullets == 0`` the markers are removed;
    - hashtag lines are merged into one last line with the allowed number of distinct tags: extra tags dropped
      (the first kept), missing ones added from the task's athletes and event, then generic tour tags.

    Too few bullets and an overlong post are left as they are (no content is invented or cut). Refusals and
    refuse-tasks are returned unchanged: a repair mends the shape of a post, not its behaviour.
    """
    if task.expected_behavior != "answer" or not post.strip() or is_refusal(post):
        return post
    lines, seen = [], set()
    for line in post.split("\n"):
        key = line_key(line)
        if len(key) >= 3 and not _is_tag_line(line):
            if key in seen:
                continue
            seen.add(key)
        lines.append(line)
    wanted = task.constraints.bullets
    kept, number = [], 0
    for line in lines:
        match = _NUMBERED.match(line)
        if match is None or not count_bullets(line):
            kept.append(line)
            continue
        number += 1
        indent, _, marker, text = match.groups()
        if wanted == 0:
            kept.append(f"{indent}{text}")
        elif wanted is None or number <= wanted:
            kept.append(f"{indent}{number}{marker}{text}")
    return "\n".join(_repair_hashtags(kept, task))


def preference_row(task: Task, chosen: str, rejected: str) -> dict[str, Any]:
    """A conversational preference row for ``DPOTrainer``."""
    return {
        "prompt": build_messages(task),
        "chosen": [{"role": "assistant", "content": chosen}],
        "rejected": [{"role": "assistant", "content": rejected}],
    }


def to_dataset(rows: Sequence[dict[str, Any]]) -> Any:
    """A ``datasets.Dataset`` from rows (raises on an empty list, which no trainer can use)."""
    from datasets import Dataset

    if not rows:
        raise ValueError("the training dataset is empty")
    return Dataset.from_list(list(rows))


def write_jsonl(rows: Sequence[dict[str, Any]], path: str | Path) -> None:
    """Write rows as JSONL atomically (for inspecting what a run trained on)."""
    from wsl_env.io import atomic_write_text

    atomic_write_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
