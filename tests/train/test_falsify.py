"""train/falsify.py: each perturbation changes what one figure is said to be, and only that."""

from __future__ import annotations

import random

import pytest

import metrics
from train.falsify import falsified_post, swap_values, wrong_athlete, wrong_statistic
from wsl_env.schema import Task

CONTEXT = ("Heat 3, Quarterfinals at Bells Beach: Kai Moana 17.10 (9.10 + 8.00) def. Leo Santos 13.65 "
           "(7.15 + 6.50).")
POST = "1. Kai Moana won with a 17.10 heat total.\n2. Leo Santos posted 13.65.\n#WSL"


def _task() -> Task:
    return Task.from_dict({"id": "falsify-1", "category": "recap", "instruction": "Recap the heat in 2 bullets.",
                           "context": CONTEXT, "expected_behavior": "answer",
                           "constraints": {"bullets": 2, "min_hashtags": 1, "max_hashtags": 2}})


def test_swap_values_trades_two_numbers() -> None:
    assert swap_values(POST, random.Random(0)) == (
        "1. Kai Moana won with a 13.65 heat total.\n2. Leo Santos posted 17.10.\n#WSL"
    )
    assert swap_values("Kai scored 17.10.", random.Random(0)) is None  # one number: nothing to swap
    assert swap_values("17.10 and 17.10", random.Random(0)) is None  # equal values: a swap changes nothing


def test_wrong_statistic_renames_a_statistic() -> None:
    assert wrong_statistic(POST, random.Random(0)) == POST.replace("heat total", "best single wave")
    assert wrong_statistic("Kai won.", random.Random(0)) is None


def test_wrong_athlete_names_another_athlete_of_the_context() -> None:
    changed = wrong_athlete(POST, _task(), random.Random(0))
    assert changed is not None and changed != POST
    assert changed in (POST.replace("Kai Moana", "Leo Santos", 1), POST.replace("Leo Santos", "Kai Moana", 1))
    assert wrong_athlete("No names here: 17.10.", _task(), random.Random(0)) is None


@pytest.mark.parametrize("seed", range(8))
def test_falsified_post_is_judged_false_by_the_claims_metric(seed: int) -> None:
    task = _task()
    assert not any(c.is_false for c in metrics.claims(task, POST))
    made = falsified_post(POST, task, random.Random(seed))
    assert made is not None
    changed, kind = made
    assert kind in ("swapped_values", "wrong_statistic", "wrong_athlete") and changed != POST
    assert any(c.is_false for c in metrics.claims(task, changed))


def test_falsified_post_none_when_nothing_applies() -> None:
    assert falsified_post("What a day at the beach!", _task(), random.Random(0)) is None
