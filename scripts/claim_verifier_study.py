"""Second stages for the claims metric's verdicts, tried on dev labels only: learned verifiers and abstention.

    python scripts/claim_verifier_study.py                      # fit on the other dev batches, test on n and q
    python scripts/claim_verifier_study.py --test-batches m k
    python scripts/claim_verifier_study.py --leave-one-out      # the best setting on n and q, on each dev batch
    python scripts/claim_verifier_study.py --cross-encoder      # a fine-tuned MiniLM instead (~23 min on 2 cores)
    PYTHONPATH=/tmp/at-32358d2 python scripts/claim_verifier_study.py   # with the rules before n and q were read

The rules read new context formats worse with each new batch (docs/metrics.md). Three fixes were tried:

- a **learned verifier**: a logistic regression over the rules' verdict and name-independent features of where the
  claimed number sits in the context (how often it occurs there; whether the claim's athlete is named on its line
  or is the last one named before it in its sentence; how much of the post's text around it is copied from the
  context; the post sentence's words near it; the share of context numbers the reader gave an owner and a
  statistic), fitted on some dev batches and tested on others;
- a **cross-encoder**: all-MiniLM-L6-v2 (the ``refusal`` extra's model) fine-tuned, with a linear head on its
  mean-pooled output, on pairs of the post's sentence and the context's lines where the value occurs (the number
  marked ``<< >>`` in both, the context's athletes written "surfer a", "surfer b" in both), for claims whose value
  the context holds; its call alone, and with the rules' (false when both say so, or when either does);
- **abstention**: a ``misattributed`` verdict made ``unverifiable`` (not penalised) where the reader is unsure, to
  bring false positives down.

A test batch is fairest when the rules never read it. Batches n and q were read for rules in the nineteenth session,
so run the script with ``PYTHONPATH`` set to a checkout of 32358d2 (``git worktree add /tmp/at-32358d2 32358d2``) to
test on them as they were first met. Only posts whose ``split`` is ``dev`` are read: none of the three beat the
rules on dev (docs/metrics.md), so none was measured on held-out claims.
Prints JSON: for each test batch, the rules' figures, the verifier's at each regularisation and threshold, and what
each abstention policy would remove (false positives) and lose (false claims caught); with ``--cross-encoder``, the
model's figures alone and combined with the rules at four logit thresholds.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from metrics._task import read_task
from metrics.claims import FALSE_VERDICTS, Claim, context_facts
from metrics.entities import ATHLETE, context_entities, find_mentions
from metrics.numbers import NumberMention, extract_numbers

VERDICTS = ("supported", "derived", "misattributed", "unsupported", "unverifiable", "missing")
FALSE_LABELS = frozenset({"misattributed", "unsupported"})
_WORD = re.compile(r"[a-z]{3,}")
_BOUNDARY = re.compile(r"[.!?](?=\s|$)|\n")
_COPY_CAP = 24  # characters of copied text either side of a number that count


def _this_checkouts(module: str) -> Any:
    """``metrics.<module>`` of this checkout, loaded from its file: with ``PYTHONPATH`` at another checkout, the
    labels and how they are read stay this one's while the rules (``metrics.claims`` and what it reads) are that
    one's.
    """
    path = Path(__file__).resolve().parents[1] / "metrics" / f"{module}.py"
    spec = importlib.util.spec_from_file_location(f"_this_checkouts_{module}", path)
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


_labels = _this_checkouts("claim_labels")
batch_of, load_labelled, matched_claims = _labels.batch_of, _labels.load_labelled, _labels.matched_claims
LABELLED: Path = _labels.DEFAULT_PATH
# the setting that did best on n and q, with the rules both before and after they read them: agreement up, false
# positives never; --leave-one-out tests it on every dev batch
SETTING = (30.0, 0.5)
_CROSSED = ("only_other_near", "only_other_line", "copied", "low_coverage", "repeated", "two_names", "overlap")


def _round_half_up(value: int, quantum: int) -> int:
    return ((value + quantum // 2) // quantum) * quantum


def _shows(post: NumberMention, context: NumberMention) -> bool:
    """Whether a context number rounds to the post's number at the precision the post shows."""
    return any(cq <= q and _round_half_up(cv, q) == _round_half_up(v, q)
               for v, q in post.readings for cv, cq in context.readings)


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around ``text[start:end]``: a full stop ends one only before a space (not "17.10")."""
    begin = 0
    for boundary in _BOUNDARY.finditer(text, 0, start):
        begin = boundary.end()
    stop = _BOUNDARY.search(text, end)
    return begin, len(text) if stop is None else stop.start()


def _line(text: str, start: int) -> tuple[int, int]:
    stop = text.find("\n", start)
    return text.rfind("\n", 0, start) + 1, len(text) if stop < 0 else stop


def _copied(a: str, i: int, b: str, j: int, step: int) -> int:
    """Characters equal (case-folded) in ``a`` from ``i`` and ``b`` from ``j``, walking by ``step`` (-1: leftwards)."""
    n = 0
    while n < _COPY_CAP:
        x, y = (i - n - 1, j - n - 1) if step < 0 else (i + n, j + n)
        if not (0 <= x < len(a) and 0 <= y < len(b)) or a[x].lower() != b[y].lower():
            break
        n += 1
    return n


def claim_features(task: object, response: str, claim: Claim | None) -> dict[str, float]:
    """The features of one labelled number: the rules' verdict, and where its value sits in the context.

    Every feature compares names rather than reading them, so renaming the athletes leaves it unchanged.
    """
    verdict = "missing" if claim is None else claim.verdict
    x = {f"verdict={v}": float(verdict == v) for v in VERDICTS}
    x["no_subject"] = float(claim is None or claim.subject is None)
    x["no_statistic"] = float(claim is None or claim.statistic is None)
    if claim is None:
        return x
    fields = read_task(task)
    context = fields.context
    entities = context_entities(context, fields.instruction)
    numbers = extract_numbers(context, context=True)
    post = next((n for n in extract_numbers(response) if n.start == claim.start), None)
    found = [n for n in numbers if post is not None and _shows(post, n)]
    athletes = [m for m in find_mentions(context, entities)[0] if m.kind == ATHLETE and m.name]
    names = {w.lower() for a in entities.athletes for w in a.split()}
    begin, stop = _sentence(response, claim.start, claim.end)
    words = set(_WORD.findall(response[begin:stop].lower())) - names
    own_line = other_line = own_near = other_near = 0.0
    left = right = 0
    overlap = 0.0
    for n in found:
        line_start, line_end = _line(context, n.start)
        sentence_start, _ = _sentence(context, n.start, n.start + len(n.text))
        on_line = {m.name for m in athletes if line_start <= m.start < line_end}
        before = [m for m in athletes if sentence_start <= m.start < n.start]
        if claim.subject in entities.athletes:
            own_line = max(own_line, float(claim.subject in on_line))
            other_line = max(other_line, float(bool(on_line - {claim.subject})))
            own_near = max(own_near, float(bool(before) and before[-1].name == claim.subject))
            other_near = max(other_near, float(bool(before) and before[-1].name != claim.subject))
        left = max(left, _copied(response, claim.start, context, n.start, -1))
        right = max(right, _copied(response, claim.end, context, n.start + len(n.text), 1))
        near = set(_WORD.findall(context[max(sentence_start, n.start - 40): n.start + 40].lower())) - names
        if near and words:
            overlap = max(overlap, len(near & words) / len(near | words))
    named = sum(1 for f in context_facts(context, fields.instruction).facts
                if f.statistic is not None and f.subject is not None)
    in_sentence = {m.name for m in find_mentions(response[begin:stop], entities)[0] if m.kind == ATHLETE and m.name}
    x.update({
        "absent": float(not found), "once": float(len(found) == 1), "repeated": float(len(found) > 1),
        "athlete_subject": float(claim.subject in entities.athletes),
        "own_line": own_line, "only_other_line": float(other_line and not own_line),
        "own_near": own_near, "only_other_near": float(other_near and not own_near),
        "copied_left": left / _COPY_CAP, "copied_right": right / _COPY_CAP, "copied": float(left >= 8 and right >= 3),
        "overlap": overlap, "two_names": float(len(in_sentence) > 1),
        "numbers_in_sentence": min(sum(1 for n in extract_numbers(response) if begin <= n.start < stop), 6) / 6,
        "decimal": float("." in claim.text), "large": float(claim.value >= 1000),
        "table": float("|" in context or context.count(",") > 10),
        "coverage": named / max(1, len(numbers)),
    })
    x["low_coverage"] = float(x["coverage"] < 0.6)
    for name in _CROSSED:  # the verifier is linear: what a feature means depends on the verdict it qualifies
        for verdict in ("supported", "misattributed", "unverifiable"):
            x[f"{verdict}*{name}"] = x[f"verdict={verdict}"] * x[name]
    return x


def labelled_claims(rows: Sequence[dict[str, Any]], key: str = "features",
                    describe: Callable[[object, str, Claim | None], Any] = claim_features) -> list[dict[str, Any]]:
    """One record per labelled number of the dev posts in ``rows``: batch, label, the rules' verdict, and under
    ``key`` what ``describe`` makes of it (the verifier's features, or the cross-encoder's pair).
    """
    out = []
    for row in rows:
        if row["split"] != "dev":
            continue
        for labelled, claim in matched_claims(row):
            out.append({"batch": batch_of(row), "label": labelled["label"],
                        "verdict": "missing" if claim is None else claim.verdict,
                        key: describe(row["task"], row["response"], claim)})
    return out


def fit_logistic(features: np.ndarray, targets: np.ndarray, l2: float) -> np.ndarray:
    """Weights (the bias last) of an L2-regularised logistic regression, by Newton's method (the bias unpenalised)."""
    n, d = features.shape
    design = np.hstack([features, np.ones((n, 1))])
    penalty = l2 * np.diag(np.r_[np.ones(d), 0.0])
    weights = np.zeros(d + 1)
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-design @ weights))
        step = np.linalg.solve((design * (p * (1 - p))[:, None]).T @ design + penalty,
                               design.T @ (p - targets) + penalty @ weights)
        weights -= step
        if np.abs(step).max() < 1e-9:
            break
    return weights


def predict(weights: np.ndarray, features: np.ndarray) -> np.ndarray:
    """The probability that each claim is false."""
    return 1.0 / (1.0 + np.exp(-(features @ weights[:-1] + weights[-1])))


def figures(said_false: np.ndarray, labels: Sequence[str]) -> dict[str, float | None]:
    """Agreement (false or not), false-positive rate and the share of false claims caught, as metrics.claim_labels."""
    false = np.array([label in FALSE_LABELS for label in labels])
    true = np.array([label == "true" for label in labels])
    return {"agreement": float((said_false == false).mean()) if len(false) else None,
            "false_positive_rate": float(said_false[true].mean()) if true.any() else None,
            "false_claims_caught": float(said_false[false].mean()) if false.any() else None}


ABSTAIN: dict[str, Callable[[dict[str, float]], bool]] = {
    "misattributed, reader gave an owner and statistic to under 60% of context numbers":
        lambda x: x["low_coverage"] > 0,
    "misattributed, no subject": lambda x: x["no_subject"] > 0,
    "misattributed, value once in the context, no subject": lambda x: x["no_subject"] > 0 and x["once"] > 0,
    "misattributed, another athlete is the last named before the value in the context":
        lambda x: x["only_other_near"] > 0,
    "misattributed, the claim's athlete on the value's context line": lambda x: x["own_line"] > 0,
    "misattributed, value once in the context, one athlete in the post's sentence":
        lambda x: x["once"] > 0 and x["two_names"] == 0 and x["only_other_line"] == 0,
}


def _matrix(records: Sequence[dict[str, Any]], keys: Sequence[str]) -> np.ndarray:
    return np.array([[r["features"].get(k, 0.0) for k in keys] for r in records]).reshape(len(records), len(keys))


def study(records: Sequence[dict[str, Any]], test_batches: Sequence[str],
          l2s: Sequence[float] = (1.0, 10.0, 30.0), thresholds: Sequence[float] = (0.3, 0.5, 0.7, 0.85)
          ) -> dict[str, Any]:
    """Fit the verifier on every batch but ``test_batches`` and report each test batch; and the abstention table."""
    missing = [b for b in test_batches if not any(r["batch"] == b for r in records)]
    if missing:
        raise ValueError(f"no dev post of batch {missing} (held-out batches are never read here)")
    keys = sorted({k for r in records for k in r["features"]})
    matrix = _matrix(records, keys)
    targets = np.array([r["label"] in FALSE_LABELS for r in records], dtype=float)
    rules = np.array([r["verdict"] in FALSE_VERDICTS for r in records])
    train = np.array([r["batch"] not in test_batches for r in records])
    if not train.any():
        raise ValueError("every dev batch is a test batch: nothing to fit on")
    out: dict[str, Any] = {"features": len(keys), "train_claims": int(train.sum()), "test": {}}
    for batch in test_batches:
        test = np.array([r["batch"] == batch for r in records])
        labels = [r["label"] for r, t in zip(records, test, strict=True) if t]
        verifier = {}
        for l2 in l2s:
            p = predict(fit_logistic(matrix[train], targets[train], l2), matrix[test])
            for threshold in thresholds:
                verifier[f"l2={l2:g} threshold={threshold:g}"] = figures(p > threshold, labels)
        abstain = {}
        for name, rule in ABSTAIN.items():
            moved = np.array([r["verdict"] == "misattributed" and rule(r["features"])
                              for r, t in zip(records, test, strict=True) if t])
            said = rules[test] & ~moved
            abstain[name] = {"false_positives_removed": int((moved & np.array([x == "true" for x in labels])).sum()),
                             "false_claims_lost": int((moved & np.array([x in FALSE_LABELS for x in labels])).sum()),
                             **figures(said, labels)}
        out["test"][batch] = {"claims": int(test.sum()), "rules": figures(rules[test], labels),
                              "verifier": verifier, "abstain": abstain}
    return out


_MARK = (" << ", " >> ")


def _placeholders(text: str, entities: Any, names: dict[str, str]) -> str:
    """``text`` with every alias of a context athlete written as that athlete's placeholder in ``names``."""
    if entities.names is None:
        return text
    out, last = [], 0
    for start, end, alias in entities.names.find(text):
        kind, name = entities.aliases[alias]
        if kind == ATHLETE and name in names:
            out += [text[last:start], names[name]]
            last = end
    return "".join(out + [text[last:]])


def cross_encoder_pair(task: object, response: str, claim: Claim) -> tuple[str, str] | None:
    """The post's sentence and the context's lines holding the claim's value (up to three, with a table's header
    line), the number marked in both and the athletes named by placeholders; ``None`` where the context lacks the
    value (the rules' ``unsupported`` stands there).
    """
    fields = read_task(task)
    context = fields.context
    entities = context_entities(context, fields.instruction)
    post = next((n for n in extract_numbers(response) if n.start == claim.start), None)
    found = [n for n in extract_numbers(context, context=True) if post is not None and _shows(post, n)]
    if not found:
        return None
    names = {a: f"surfer {chr(ord('a') + i % 26)}" for i, a in enumerate(entities.athletes)}
    begin, stop = _sentence(response, claim.start, claim.end)
    sentence = response[begin:claim.start] + claim.text.join(_MARK) + response[claim.end:stop]
    parts = []
    header_end = context.find("\n")
    if header_end > 0 and ("|" in context or context.count(",") > 10):
        parts.append(context[:header_end][:200])
    for n in found[:3]:
        line_start, line_end = _line(context, n.start)
        end = n.start + len(n.text)
        parts.append(context[max(line_start, n.start - 150):n.start] + n.text.join(_MARK)
                     + context[end:min(line_end, end + 100)])
    return _placeholders(sentence.strip(), entities, names), _placeholders(" ... ".join(parts), entities, names)


def cross_encoder_study(rows: Sequence[dict[str, Any]], test_batches: Sequence[str], epochs: int = 3,
                        max_tokens: int = 192, seed: int = 0) -> dict[str, Any]:
    """Fine-tune the cross-encoder on the dev claims of every batch but ``test_batches`` (whose value the context
    holds); each test batch's figures for the rules, the model alone, and both combined, at four logit thresholds.
    """
    import math
    import random

    import torch
    from transformers import AutoModel, AutoTokenizer

    from metrics.refusal_model import _model_dir

    records = labelled_claims(rows, "pair", lambda task, response, claim: None if claim is None
                              else cross_encoder_pair(task, response, claim))
    missing = [b for b in test_batches if not any(r["batch"] == b for r in records)]
    if missing:
        raise ValueError(f"no dev post of batch {missing} (held-out batches are never read here)")
    train = [r for r in records if r["batch"] not in test_batches and r["pair"] is not None]
    torch.manual_seed(seed)
    shuffle = random.Random(seed)
    path = str(_model_dir())
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    encoder = AutoModel.from_pretrained(path, local_files_only=True)
    head = torch.nn.Linear(encoder.config.hidden_size, 1)

    def logits(batch: Sequence[dict[str, Any]]) -> torch.Tensor:
        inputs = tokenizer([r["pair"][0] for r in batch], [r["pair"][1] for r in batch], padding=True,
                           truncation="only_second", max_length=max_tokens, return_tensors="pt")
        hidden = encoder(**inputs).last_hidden_state
        mask = inputs["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        return head((hidden * mask).sum(1) / mask.sum(1)).squeeze(-1)

    parameters = [*encoder.parameters(), *head.parameters()]
    optimizer = torch.optim.AdamW(parameters, lr=4e-5, weight_decay=0.01)
    size = 16
    steps = epochs * math.ceil(len(train) / size)
    schedule = torch.optim.lr_scheduler.LambdaLR(  # 10% warm-up, then linear decay
        optimizer, lambda s: min(1.0, (s + 1) / (0.1 * steps)) * max(0.0, (steps - s) / steps))
    encoder.train()
    for _ in range(epochs):
        order = sorted(train, key=lambda r: shuffle.random())
        batches = []
        for i in range(0, len(order), size * 8):  # batches of similar length: little padding
            chunk = sorted(order[i:i + size * 8], key=lambda r: len(r["pair"][0]) + len(r["pair"][1]))
            batches += [chunk[j:j + size] for j in range(0, len(chunk), size)]
        shuffle.shuffle(batches)
        for batch in batches:
            targets = torch.tensor([float(r["label"] in FALSE_LABELS) for r in batch])
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits(batch), targets)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(parameters, 1.0)
            optimizer.step()
            schedule.step()
    encoder.eval()
    out: dict[str, Any] = {"train_pairs": len(train), "epochs": epochs, "test": {}}
    for batch_name in test_batches:
        test = [r for r in records if r["batch"] == batch_name]
        scored = [r for r in test if r["pair"] is not None]
        with torch.inference_mode():
            for i in range(0, len(scored), 32):
                for r, value in zip(scored[i:i + 32], logits(scored[i:i + 32]).tolist(), strict=True):
                    r["logit"] = value
        labels = [r["label"] for r in test]
        rules = np.array([r["verdict"] in FALSE_VERDICTS for r in test])
        found: dict[str, Any] = {"claims": len(test), "rules": figures(rules, labels)}
        for threshold in (-1.0, 0.0, 1.0, 2.0):
            model = np.array([r["logit"] > threshold if "logit" in r else r["verdict"] in FALSE_VERDICTS
                              for r in test])
            found[f"threshold={threshold:g}"] = {"model": figures(model, labels),
                                                 "both": figures(rules & model, labels),
                                                 "either": figures(rules | model, labels)}
        out["test"][batch_name] = found
    return out


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--path", default=str(LABELLED), help="the labelled set (JSONL)")
    parser.add_argument("--test-batches", nargs="+", default=["n", "q"])
    parser.add_argument("--cross-encoder", action="store_true",
                        help="fine-tune the MiniLM cross-encoder instead of the logistic regression (~20 min)")
    parser.add_argument("--leave-one-out", action="store_true",
                        help="test on each dev batch in turn, fitting on the others; one line per batch")
    args = parser.parse_args(argv)
    if args.cross_encoder:
        result = cross_encoder_study(load_labelled(Path(args.path)), args.test_batches)
        print(json.dumps(result, indent=2))
        return result
    records = labelled_claims(load_labelled(Path(args.path)))
    if not args.leave_one_out:
        result = study(records, args.test_batches)
        print(json.dumps(result, indent=2))
        return result
    result = {"test": {}}
    for batch in sorted({r["batch"] for r in records}):
        found = study(records, [batch], (SETTING[0],), (SETTING[1],))["test"][batch]
        result["test"][batch] = found
        rules, verifier = found["rules"], next(iter(found["verifier"].values()))
        print(f"{batch}: {found['claims']} claims; rules agreement {rules['agreement']:.1%}, false positives "
              f"{rules['false_positive_rate']:.1%}; verifier {verifier['agreement']:.1%}, "
              f"{verifier['false_positive_rate']:.1%}")
    return result


if __name__ == "__main__":
    main()
