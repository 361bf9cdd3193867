"""``scripts/build_claim_batch.py``: which tasks a dev or a held-out batch may take posts from."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
sys.path.insert(0, str(_SCRIPTS))  # the script imports its sibling build_claim_set
_SPEC = importlib.util.spec_from_file_location("build_claim_batch", _SCRIPTS / "build_claim_batch.py")
assert _SPEC is not None and _SPEC.loader is not None
build_claim_batch = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(build_claim_batch)


def test_dev_and_held_out_batches_take_disjoint_tasks() -> None:
    tasks = {f"gen-9500-{i}" for i in range(40)}
    labelled = [{"split": "heldout", "task": {"id": "written-001"}}, {"split": "dev", "task": {"id": "written-002"}}]
    no_dev_posts = build_claim_batch.split_tasks(labelled, tasks | {"written-001", "written-002"}, "heldout")
    no_heldout_posts = build_claim_batch.split_tasks(labelled, tasks | {"written-001", "written-002"}, "dev")
    # by hash, half each: every task is kept out of exactly one kind of batch
    for tid in tasks:
        assert (tid in no_dev_posts) != (tid in no_heldout_posts)
    assert 10 < len(no_dev_posts & tasks) < 30  # the hash splits roughly in half
    # a task the labelled set already has keeps its split: no dev posts on a held-out one, and the reverse
    assert "written-001" in no_dev_posts and "written-002" in no_heldout_posts
