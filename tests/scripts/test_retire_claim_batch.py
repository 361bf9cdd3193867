"""scripts/retire_claim_batch.py: a held-out batch moves to dev whole, and nothing else moves."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[2] / "scripts" / "retire_claim_batch.py"
_SPEC = importlib.util.spec_from_file_location("retire_claim_batch", _PATH)
assert _SPEC is not None and _SPEC.loader is not None
retire_claim_batch = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(retire_claim_batch)


def rows() -> list[dict[str, object]]:
    return [{"id": "a@h", "split": "heldout"}, {"id": "b@h", "split": "heldout"}, {"id": "c", "split": "heldout"},
            {"id": "d@e", "split": "dev"}]


def test_moves_only_the_tagged_posts() -> None:
    table = rows()
    assert retire_claim_batch.retire(table, "h") == 2
    assert [r["split"] for r in table] == ["dev", "dev", "heldout", "dev"]  # the untagged held-out post stays
    assert table[0]["retired_from"] == "heldout" and "retired_from" not in table[2]


@pytest.mark.parametrize(("tag", "message"), [("x", "no post has the tag @x"), ("e", "not all held-out")])
def test_refuses_an_unknown_or_dev_batch(tag: str, message: str) -> None:
    table = rows()
    with pytest.raises(ValueError, match=message):
        retire_claim_batch.retire(table, tag)
    assert table == rows()  # nothing moved
