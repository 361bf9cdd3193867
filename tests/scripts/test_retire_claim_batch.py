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
    return [{"id": "t1:x@h", "split": "heldout", "task": {"id": "t1"}},
            {"id": "t2:x@h", "split": "heldout", "task": {"id": "t2"}},
            {"id": "t1:base", "split": "heldout", "task": {"id": "t1"}},  # another post on a task of the batch
            {"id": "t3:base", "split": "heldout", "task": {"id": "t3"}},
            {"id": "t4:x@e", "split": "dev", "task": {"id": "t4"}}]


def test_moves_the_tagged_posts_and_their_tasks() -> None:
    table = rows()
    assert retire_claim_batch.retire(table, "h") == (2, 1)
    # the batch and the other post on its task t1 move; the held-out post on t3 stays
    assert [r["split"] for r in table] == ["dev", "dev", "dev", "heldout", "dev"]
    assert table[2]["retired_from"] == "heldout" and "retired_from" not in table[3]


@pytest.mark.parametrize(("tag", "message"), [("x", "no post has the tag @x"), ("e", "not all held-out")])
def test_refuses_an_unknown_or_dev_batch(tag: str, message: str) -> None:
    table = rows()
    with pytest.raises(ValueError, match=message):
        retire_claim_batch.retire(table, tag)
    assert table == rows()  # nothing moved
