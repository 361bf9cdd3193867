"""Procedural tasks: :class:`TaskGenerator` samples unlimited, seed-deterministic tasks in every category.

Each task is built from structured facts (fictional athletes and breaks, heat totals that are the sum of the
two best waves, season snapshots, event statistics, head-to-heads), kept in ``Task.facts`` together with the
instruction template's id, so :func:`write_post` / :func:`write_refusal` (re-exported from
:mod:`wsl_env.posts`) can write a perfect response for any generated task.
"""

from __future__ import annotations

import numbers
import random
from collections.abc import Iterator
from typing import Any

from wsl_env._facts import OPTIONAL_FACTS, SAMPLERS, render_context
from wsl_env._phrasings import TEMPLATES, Template, drop_facts, shape_phrase, slots
from wsl_env._voices import DISTRACTOR_RATE, MIRRORED, add_distractor, has_fact, render_voice, request, round_phrase
from wsl_env.posts import PostError, write_post, write_reference, write_refusal
from wsl_env.schema import CATEGORIES, Constraints, Task

BULLET_CHOICES: tuple[int | None, ...] = (None, None, 2, 3, 3, 4, 5)
HASHTAG_RANGES: tuple[tuple[int, int], ...] = ((0, 0), (0, 1), (0, 2), (0, 3), (1, 1), (1, 2), (1, 3), (2, 3), (2, 4))
MAX_WORD_CHOICES: tuple[int | None, ...] = (None, None, 60, 70, 80, 100, 120, 150)
OPTIONAL_DROP_RATE = 0.2  # chance that an answer task's context leaves out each optional group of facts
VOICES: tuple[str, ...] = ("plain", "varied")
SHAPES: tuple[str, ...] = ("plain", "varied")
# shapes="varied": chance that an answer-task asks for an exact hashtag count, and the counts it asks for (the plain
# ranges hold two exact counts, none and one, so a policy can write one hashtag always and meet most of them)
EXACT_HASHTAG_RATE = 0.5
EXACT_HASHTAG_COUNTS: tuple[int, ...] = (0, 0, 1, 2, 2, 3)
VOICE_RATE = 0.6  # varied voices: chance of an extra context format, and of a varied request wording
MIRROR_RATE = 0.2  # varied voices: chance that an answer-task asks an unanswerable template's question
# Five short bullets plus a hashtag line need room; below these limits a post would be cramped or impossible.
_MIN_WORDS_FOR_BULLETS = {4: 80, 5: 100}


def sample_constraints(rng: random.Random) -> Constraints:
    """Varied but always satisfiable constraints: bullets 2-5 or none, hashtag ranges, a word limit or none."""
    bullets = rng.choice(BULLET_CHOICES)
    low, high = rng.choice(HASHTAG_RANGES)
    max_words = rng.choice(MAX_WORD_CHOICES)
    if max_words is not None and bullets in _MIN_WORDS_FOR_BULLETS:
        max_words = max(max_words, _MIN_WORDS_FOR_BULLETS[bullets])
    return Constraints(bullets=bullets, min_hashtags=low, max_hashtags=high, max_words=max_words)


def _check_count(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):  # numpy's integers too
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")


class TaskGenerator:
    """Seeded, unlimited task sampler.

    Task ``i`` depends only on ``(seed, i)``, so ``task(i)`` is random access and :meth:`sample` continues the
    stream where the previous call stopped. Categories come in shuffled blocks of six, one of each, so every
    category is equally common and any six consecutive tasks cover them all. Ids are ``gen-<seed>-<index>``.

    ``voices="varied"`` (ids ``genv-<seed>-<index>``) writes the same facts in more than one voice
    (:mod:`wsl_env._voices`): extra context formats (blocks, stat lines, tables, cards, counts as words), varied
    request wordings that call a heat "the final", distractor figures, and answer-tasks that ask the very question an
    unanswerable template asks. The plain tasks of a seed are unchanged by it.

    ``shapes="varied"`` (an ``s`` after the id's prefix: ``gens-``, ``genvs-``) asks for an exact hashtag count
    (none, one, two or three) in half the tasks, and states the count in the request more often and in more ways
    (:func:`wsl_env._phrasings.hashtag_phrase`: digits or words, "leave hashtags out"), from a random stream of its
    own, so the facts and contexts are those of the same ``voices`` without it.

    Example::

        >>> tasks = TaskGenerator(seed=0).sample(6)
        >>> sorted(t.category for t in tasks)
        ['comparison', 'harmful', 'profile', 'recap', 'stats', 'unanswerable']
    """

    def __init__(self, seed: int = 0, voices: str = "plain", shapes: str = "plain") -> None:
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError(f"seed must be an int, got {type(seed).__name__}")
        if voices not in VOICES:
            raise ValueError(f"voices must be one of {list(VOICES)}, got {voices!r}")
        if shapes not in SHAPES:
            raise ValueError(f"shapes must be one of {list(SHAPES)}, got {shapes!r}")
        self.seed = seed
        self.voices = voices
        self.shapes = shapes
        self._next = 0

    def sample(self, n: int) -> list[Task]:
        """The next ``n`` tasks of this generator's stream."""
        _check_count("n", n)
        start, self._next = self._next, self._next + n
        return [self.task(i) for i in range(start, start + n)]

    def __iter__(self) -> Iterator[Task]:
        """Endless stream from the current position."""
        while True:
            yield self.sample(1)[0]

    def category(self, index: int) -> str:
        """The category of task ``index``."""
        _check_count("index", index)
        block = random.Random(f"wsl-gen-block:{self.seed}:{index // len(CATEGORIES)}")
        return block.sample(CATEGORIES, len(CATEGORIES))[index % len(CATEGORIES)]

    def task(self, index: int) -> Task:
        """Task number ``index`` (deterministic for this seed)."""
        _check_count("index", index)
        rng = random.Random(f"wsl-gen:{self.seed}:{index}")
        # The varied voices draw from their own stream, so the plain tasks stay exactly what they were.
        vrng = random.Random(f"wsl-voice:{self.seed}:{index}") if self.voices == "varied" else None
        srng = random.Random(f"wsl-shape:{self.seed}:{index}") if self.shapes == "varied" else None
        template = rng.choice(TEMPLATES[self.category(index)])
        facts = SAMPLERS[template.kind](rng)
        drop_facts(facts, template.drop)
        mirrored = None
        if vrng is not None and template.reason is None and vrng.random() < MIRROR_RATE:
            mirrored = MIRRORED[template.kind]
        if template.reason is None:
            for group in OPTIONAL_FACTS[template.kind]:
                if rng.random() < OPTIONAL_DROP_RATE and not (mirrored and mirrored[0] in group):
                    drop_facts(facts, group)
        if mirrored is not None and not has_fact(facts, mirrored[0]):
            mirrored = None
        constraints = sample_constraints(rng)
        variant = rng.randrange(3)
        style = rng.randrange(1_000_000)
        if vrng is not None and vrng.random() < DISTRACTOR_RATE:
            add_distractor(facts, vrng)
        if vrng is not None and vrng.random() < VOICE_RATE:
            context = render_voice(facts, vrng)
        else:
            context = render_context(facts, variant=variant)
            if facts.get("distractor"):
                context += " " + facts["distractor"]["text"]
        if mirrored is not None:
            facts["focus"] = mirrored[2]
        if template.reason is not None:
            facts["refusal"] = _refusal_facts(template, facts)
            reference = write_refusal(facts, style=style)
            behavior = "refuse"
        else:
            reference, constraints = _fitting_post(facts, _exact_hashtags(constraints, srng), style, constraints)
            behavior = "answer"
        # The shape phrase is drawn last so it describes the final constraints.
        shape = shape_phrase(constraints, rng) if srng is None else shape_phrase(constraints, srng, varied=True)
        names = slots(facts)
        text = template.text
        if vrng is not None and template.reason is None and (mirrored is not None or vrng.random() < VOICE_RATE):
            names = {**names, "round_phrase": round_phrase(facts)} if template.kind == "recap" else names
            text = request(template.kind, names, vrng, mirrored[1] if mirrored else None)
        instruction = text.format(**names, shape=shape)
        facts["template"], facts["style"] = template.id if mirrored is None else f"{template.kind}.mirrored", style
        prefix = "gen" + ("v" if self.voices == "varied" else "") + ("s" if self.shapes == "varied" else "")
        return Task(
            id=f"{prefix}-{self.seed}-{index}",
            category=template.category,
            instruction=instruction[0].upper() + instruction[1:],
            context=context,
            expected_behavior=behavior,
            constraints=constraints,
            reference=reference,
            facts=facts,
        )


def _refusal_facts(template: Template, facts: dict) -> dict:
    names = slots(facts)
    out = {"reason": template.reason}
    if template.athlete is not None:
        out["athlete"] = names[template.athlete]
    if template.subject is not None:
        out["subject"] = template.subject.format(**names)
    return out


def _exact_hashtags(constraints: Constraints, srng: random.Random | None) -> Constraints:
    """``shapes="varied"``: half the time, an exact hashtag count in place of the drawn range."""
    if srng is None or srng.random() >= EXACT_HASHTAG_RATE:
        return constraints
    n = srng.choice(EXACT_HASHTAG_COUNTS)
    return Constraints(bullets=constraints.bullets, min_hashtags=n, max_hashtags=n, max_words=constraints.max_words)


def _fitting_post(
    facts: dict, constraints: Constraints, style: int, fallback: Constraints | None = None
) -> tuple[str, Constraints]:
    """The reference post; a word limit too tight for these facts is relaxed (never below what was drawn). When even
    that fails (an exact hashtag count above the distinct hashtags these facts give), ``fallback`` is tried instead.
    """
    while True:
        try:
            return write_post(facts, constraints, style=style), constraints
        except PostError:
            if constraints.max_words is None or constraints.max_words >= 200:
                if fallback is not None and fallback != constraints:
                    return _fitting_post(facts, fallback, style)
                raise
            constraints = Constraints(bullets=constraints.bullets, min_hashtags=constraints.min_hashtags,
                                      max_hashtags=constraints.max_hashtags, max_words=constraints.max_words + 10)


__all__ = ["TaskGenerator", "sample_constraints", "slots", "write_post", "write_reference", "write_refusal"]
