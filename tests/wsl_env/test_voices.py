"""wsl_env/_voices.py: every extra context format and request wording gives valid tasks whose facts round-trip."""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest

import metrics
from wsl_env._facts import SAMPLERS
from wsl_env._phrasings import hashtag_phrase
from wsl_env._voices import _RENDERERS, MIRRORED, add_distractor, in_words, render_voice, request, round_phrase
from wsl_env.data.factcheck import check_facts
from wsl_env.generator import TaskGenerator
from wsl_env.schema import Task

RENDERERS = [(kind, fn) for kind, fns in _RENDERERS.items() for fn in fns]


@pytest.mark.parametrize(("kind", "renderer"), RENDERERS, ids=[f.__name__ for _, f in RENDERERS])
def test_every_format_states_exactly_its_facts(kind: str, renderer) -> None:
    # 40 samples per format, with and without a distractor: the claims reader reads back exactly the facts
    tasks = []
    for i in range(40):
        rng = random.Random(i)
        facts = SAMPLERS[kind](rng)
        if i % 2:
            add_distractor(facts, rng)
        context = renderer(facts, rng) + (f"\n{facts['distractor']['text']}" if facts.get("distractor") else "")
        tasks.append(Task(id=f"t{i}", category=kind, instruction="Write a post.", context=context,
                          expected_behavior="answer", facts=facts))
    result = check_facts(tasks)
    assert result.matched == result.checked == 40, str(result)


def test_varied_tasks_validate_and_their_references_earn_full_marks() -> None:
    tasks = TaskGenerator(3, voices="varied").sample(240)
    assert all(t.id.startswith("genv-3-") for t in tasks)
    assert check_facts(tasks).rate == 1.0
    assert all(metrics.score(t, t.reference).total == 1.0 for t in tasks)
    assert Task.from_dict(tasks[0].to_dict()) == tasks[0]  # every task round-trips through the schema


def test_varied_voices_cover_formats_requests_distractors_and_mirrored_questions() -> None:
    tasks = TaskGenerator(4, voices="varied").sample(600)
    assert sum("|" in t.context for t in tasks) > 50  # stat lines and tables
    assert sum("Winner:" in t.context for t in tasks) > 10  # result blocks
    assert sum(bool(t.facts.get("distractor")) for t in tasks) > 100
    assert sum(t.facts["template"].endswith(".mirrored") for t in tasks) > 30
    assert sum("the final" in t.instruction.lower() or "the semifinal" in t.instruction.lower() for t in tasks) > 5


def test_plain_voice_is_unchanged() -> None:
    # the varied voices draw from their own random stream: the plain generator's tasks do not move
    plain = TaskGenerator(0).task(17)
    assert plain.id == "gen-0-17" and "distractor" not in plain.facts
    with pytest.raises(ValueError, match="voices must be one of"):
        TaskGenerator(0, voices="loud")


def test_mirrored_question_is_answered_first() -> None:
    # an answer-task asking "how many podiums ..." gets a reference that leads with the podiums
    for task in TaskGenerator(5, voices="varied").sample(300):
        if task.facts["template"] == "profile.mirrored":
            body = task.reference.split("\n")[1]
            assert MIRRORED["profile"][2] in body or "No podiums" in body
            return
    raise AssertionError("no mirrored profile question in 300 tasks")


@pytest.mark.parametrize(("n", "words"), [(0, "zero"), (7, "seven"), (20, "twenty"), (34, "thirty-four"),
                                          (120, "120")])
def test_in_words(n: int, words: str) -> None:
    assert in_words(n) == words


def test_request_and_round_phrase() -> None:
    facts = SAMPLERS["recap"](random.Random(1))
    facts["round"], facts["heat"] = "Final", None
    assert round_phrase(facts) == "the final"
    text = request("recap", {"W": "A B", "L": "C D", "event": "E Pro", "break": "E", "round_phrase": "the final"},
                   random.Random(2))
    assert "{shape}" in text and "{" not in text.replace("{shape}", "")
    assert render_voice(SAMPLERS["stats"](random.Random(3)), random.Random(3))


@pytest.mark.parametrize("voices", ["plain", "varied"])
def test_varied_shapes_ask_for_exact_hashtag_counts_and_keep_perfect_references(voices: str) -> None:
    tasks = TaskGenerator(5, voices=voices, shapes="varied").sample(300)
    prefix = "gens-5-" if voices == "plain" else "genvs-5-"
    assert all(t.id.startswith(prefix) for t in tasks)
    assert check_facts(tasks).rate == 1.0
    assert all(metrics.score(t, t.reference).total == 1.0 for t in tasks)
    exact = Counter(t.constraints.max_hashtags for t in tasks
                    if t.expected_behavior == "answer" and t.constraints.min_hashtags == t.constraints.max_hashtags)
    assert exact[0] > 20 and exact[2] > 20 and exact[3] > 5  # the plain ranges hold only (0, 0) and (1, 1) exact
    assert sum(re.search(r"\b(?:two|three) hashtags\b", t.instruction) is not None for t in tasks) > 10
    # the facts and contexts are the same voices' tasks without it: only the shape requests move
    same = TaskGenerator(5, voices=voices).sample(300)
    assert [t.facts for t in tasks] == [t.facts for t in same]
    assert [t.context for t in tasks] == [t.context for t in same]


def test_varied_shapes_state_the_hashtag_count_the_constraints_hold() -> None:
    # every hashtag count a request states, as digits or words, is the task's own
    words = {"no": 0, "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4}
    checked = 0
    for t in TaskGenerator(6, shapes="varied").sample(300):
        c = t.constraints
        if m := re.search(r"(?:exactly|ending with|plus exactly) (\w+) hashtags?\b", t.instruction):
            assert c.min_hashtags == c.max_hashtags == int(words.get(m.group(1), m.group(1)))
            checked += 1
        if re.search(r"no hashtags|without hashtags|hashtag-free|leave hashtags out|skip the hashtags", t.instruction):
            assert c.max_hashtags == 0
            checked += 1
        if m := re.search(r"(?:up to|at most) (\w+) hashtags?\b", t.instruction):
            assert c.min_hashtags == 0 and c.max_hashtags == int(words.get(m.group(1), m.group(1)))
            checked += 1
    assert checked > 100
    with pytest.raises(ValueError, match="shapes must be one of"):
        TaskGenerator(0, shapes="loose")


def test_hashtag_phrase_agrees_with_its_range() -> None:
    rng = random.Random(0)
    phrases = {hashtag_phrase(2, 2, rng) for _ in range(60)}
    assert any("two" in p for p in phrases) and any("2" in p for p in phrases)
    assert all("hashtag" in hashtag_phrase(lo, hi, rng) for lo, hi in [(0, 0), (1, 1), (0, 3), (1, 3), (2, 4)])
    assert hashtag_phrase(1, 3, random.Random(1)) in {" with 1-3 hashtags", " with 1 to 3 hashtags",
                                                      " with one to three hashtags", " with between 1 and 3 hashtags",
                                                      " with between one and three hashtags"}
