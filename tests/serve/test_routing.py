from __future__ import annotations

from collections import Counter

import pytest

from serve.routing import Router, UnknownVersionError

VERSIONS = ["base", "v1", "v2"]


@pytest.mark.parametrize(
    ("requested", "expected"),
    [
        ("v2", "v2"),  # a named version is served as asked, whatever the default
        ("base", "base"),  # the base model can always be pinned
        (None, "v1"),  # no choice: the default
        ("auto", "v1"),  # 'auto' routes like no choice
        ("my-model", "v1"),  # so does a configured alias (the base model's name)
    ],
)
def test_choose_explicit_and_default(requested: str | None, expected: str) -> None:
    router = Router(VERSIONS, default="v1", aliases=["my-model"])
    assert router.choose(requested) == expected


def test_unknown_version_lists_the_served_ones() -> None:
    with pytest.raises(UnknownVersionError, match="v1"):
        Router(VERSIONS).choose("v9")


def test_ab_split_follows_the_weights() -> None:
    router = Router(VERSIONS, weights=[("v1", 0.8), ("v2", 0.2)], seed=1)
    counts = Counter(router.choose() for _ in range(4000))
    assert set(counts) == {"v1", "v2"}  # 'base' has no weight, so it never serves routed requests
    assert abs(counts["v1"] / 4000 - 0.8) < 0.03
    assert router.choose("base") == "base"  # pinning still wins over the split


def test_ab_split_is_reproducible_by_seed() -> None:
    def draws(seed: int) -> list[str]:
        router = Router(VERSIONS, weights=[("v1", 1), ("v2", 1)], seed=seed)
        return [router.choose() for _ in range(50)]

    assert draws(3) == draws(3)
    assert draws(3) != draws(4)


def test_zero_weight_versions_are_never_drawn() -> None:
    router = Router(VERSIONS, weights=[("v1", 0.0), ("v2", 1.0)])
    assert {router.choose() for _ in range(200)} == {"v2"}
    assert router.describe()["ab_split"] == {"v2": 1.0}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weights": [("v9", 1.0)]}, "unknown"),  # A/B names a version that is not served
        ({"weights": [("v1", 0.0)]}, "zero"),  # every weight zero
        ({"default": "v9"}, "default"),  # default not served
    ],
)
def test_router_rejects_bad_setups(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Router(VERSIONS, **kwargs)  # type: ignore[arg-type]


def test_aliases_never_shadow_a_version() -> None:
    # An adapter that happens to be named like the alias stays pinnable.
    router = Router(VERSIONS, default="v2", aliases=["v1"])
    assert router.choose("v1") == "v1"
