"""Rollouts of :mod:`train.ppo` in WSLAnalytics-v0, and the teacher-forced pass that scores them.

:func:`collect` steps ``gym.make_vec("WSLAnalytics-v0", ..., model=(policy, tokenizer), policy_logprobs=True)``:
the env's one batched forward per step gives the policy's log-probabilities of the next action (``info["logprobs"]``),
so acting needs no second forward. In top-k mode the policy is NLPO's masked one: a softmax over the env's k
candidates. :func:`score` then recomputes, for whole sequences at once (one teacher-forced forward per sequence,
never one per step), the log-probabilities of the actions taken, the values of every state, and the entropies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from metrics.claims import FALSE_VERDICTS, TRUE_VERDICTS
from train.value_head import ValueHead

__all__ = ["Episodes", "Scored", "claim_counts", "collect", "score"]


@dataclass
class Episodes:
    """A batch of finished episodes, one entry per episode."""

    prompts: list[list[int]] = field(default_factory=list)
    actions: list[list[int]] = field(default_factory=list)  # the chosen token ids
    candidates: list[list[list[int]]] = field(default_factory=list)  # top-k mode: the k candidate ids per step
    rollout_logprobs: list[list[float]] = field(default_factory=list)  # the behaviour policy's, from the env
    rewards: list[list[float]] = field(default_factory=list)  # the env's reward per step
    terminated: list[bool] = field(default_factory=list)  # EOS (else cut off by the token budget)
    texts: list[str] = field(default_factory=list)
    totals: list[float] = field(default_factory=list)  # metrics.score(...).total of the final post
    claims_false: list[float] = field(default_factory=list)  # see claim_counts
    claims_judged: list[float] = field(default_factory=list)  # see claim_counts

    def __len__(self) -> int:
        return len(self.actions)


def _masked_logprobs(logprobs: np.ndarray) -> np.ndarray:
    """Log-probabilities renormalised over the actions given (the candidates, or the whole vocabulary)."""
    top = logprobs.max(axis=-1, keepdims=True)
    return logprobs - (top + np.log(np.exp(logprobs - top).sum(axis=-1, keepdims=True)))


def claim_counts(episode: Any, scores: Any) -> tuple[float, float]:
    """``(false, checkable)`` claims of a finished episode.

    From the final post's verdicts in ``scores`` (its terminal :func:`metrics.score`) when it has one, so that every
    credit-assignment arm logs the same measure, including those without the env's per-claim rewards (which judge
    no claims); otherwise (a post cut off by the token budget) the env's running counts, whose second figure counts
    every claim judged so far, unverifiable ones included (zero in arms without per-claim rewards).
    """
    if scores is None:
        return float(episode.claims_false), float(episode.claims_done)
    verdicts = scores.details["fact"]["verdicts"]
    false = sum(verdicts.get(v, 0) for v in FALSE_VERDICTS)
    return float(false), float(false + sum(verdicts.get(v, 0) for v in TRUE_VERDICTS))


def collect(env: Any, rng: np.random.Generator, seed: int) -> Episodes:
    """One episode per sub-env, sampled from the policy's own distribution; sub-envs that finish early idle."""
    obs, info = env.reset(seed=seed)
    rows = env.num_envs
    topk = "candidates" in obs
    out = Episodes()
    lengths = obs["attention_mask"].sum(axis=1)
    out.prompts = [obs["input_ids"][r, : lengths[r]].tolist() for r in range(rows)]
    out.actions, out.rollout_logprobs, out.rewards = [[] for _ in range(rows)], [[] for _ in range(rows)], [
        [] for _ in range(rows)]
    out.candidates = [[] for _ in range(rows)]
    out.terminated, out.texts = [False] * rows, [""] * rows
    out.totals, out.claims_false, out.claims_judged = [0.0] * rows, [0.0] * rows, [0.0] * rows
    active = np.ones(rows, dtype=bool)
    while active.any():
        logprobs = _masked_logprobs(info["logprobs"])
        cumulative = np.cumsum(np.exp(logprobs), axis=1)
        draws = rng.random(rows) * cumulative[:, -1]
        choices = np.minimum((cumulative < draws[:, None]).sum(axis=1), logprobs.shape[1] - 1)
        actions = np.where(active, choices, 0)
        for r in np.flatnonzero(active):
            chosen = int(choices[r])
            out.rollout_logprobs[r].append(float(logprobs[r, chosen]))
            if topk:
                out.candidates[r].append(obs["candidates"][r].tolist())
                out.actions[r].append(int(obs["candidates"][r, chosen]))
            else:
                out.actions[r].append(chosen)
        obs, rewards, terminated, truncated, info = env.step(actions)
        for r in np.flatnonzero(active):
            out.rewards[r].append(float(rewards[r]))
            if terminated[r] or truncated[r]:
                active[r] = False
                episode = env.episodes[r]
                out.terminated[r], out.texts[r] = bool(terminated[r]), episode.text
                scores = episode.last_scores
                final = scores if terminated[r] else None
                out.totals[r] = float(final.total) if final is not None else 0.0
                out.claims_false[r], out.claims_judged[r] = claim_counts(episode, final)
    return out


@dataclass
class Scored:
    """What the teacher-forced pass gives, ``[B, T]`` over the actions (``values`` is ``[B, T + 1]``)."""

    logprobs: torch.Tensor  # of the action under the acting policy (masked to the candidates in top-k mode)
    full_logprobs: torch.Tensor  # of the action under the whole vocabulary (for the KL to the reference)
    entropy: torch.Tensor
    values: torch.Tensor | None
    mask: torch.Tensor


def _trunk_and_head(model: Any) -> tuple[Any, Any]:
    """The decoder stack (hidden states) and the LM head of a causal LM, PEFT-wrapped or not."""
    inner = model.get_base_model() if hasattr(model, "get_base_model") else model
    return inner.model, inner.get_output_embeddings()


def score(model: Any, value_head: ValueHead | None, episodes: Episodes, index: list[int], pad_id: int,
          topk: bool) -> Scored:
    """Teacher-forced log-probs, entropies and values of episodes ``index``: one forward for the whole batch.

    ``value_head=None`` skips the values (the reference pass). Gradients flow when the caller enables them.
    """
    sequences = [episodes.prompts[i] + episodes.actions[i] for i in index]
    width = max(len(s) for s in sequences)
    device = next(model.parameters()).device
    ids = torch.full((len(index), width), pad_id, dtype=torch.long, device=device)
    attention = torch.zeros_like(ids)
    for row, seq in enumerate(sequences):
        ids[row, : len(seq)] = torch.tensor(seq, device=device)
        attention[row, : len(seq)] = 1
    trunk, head = _trunk_and_head(model)
    hidden = trunk(input_ids=ids, attention_mask=attention).last_hidden_state  # [B, W, H]
    steps = max(len(episodes.actions[i]) for i in index)
    gather = torch.zeros((len(index), steps + 1), dtype=torch.long, device=device)
    mask = torch.zeros((len(index), steps), dtype=torch.float32, device=device)
    actions = torch.zeros((len(index), steps), dtype=torch.long, device=device)
    for row, i in enumerate(index):
        start, count = len(episodes.prompts[i]) - 1, len(episodes.actions[i])
        gather[row, : count + 1] = torch.arange(start, start + count + 1, device=device)
        mask[row, :count] = 1
        actions[row, :count] = torch.tensor(episodes.actions[i], device=device)
    states = torch.gather(hidden, 1, gather[..., None].expand(-1, -1, hidden.shape[-1]))  # [B, T + 1, H]
    logits = head(states[:, :-1]).float()  # [B, T, V]: only the positions that chose an action
    full = torch.log_softmax(logits, dim=-1)
    full_logprobs = torch.gather(full, -1, actions[..., None]).squeeze(-1)
    if topk:
        cands = torch.zeros((len(index), steps, len(episodes.candidates[index[0]][0])), dtype=torch.long,
                            device=device)
        for row, i in enumerate(index):
            cands[row, : len(episodes.candidates[i])] = torch.tensor(episodes.candidates[i], device=device)
        masked = torch.log_softmax(torch.gather(logits, -1, cands), dim=-1)
        chosen = (cands == actions[..., None]).float().argmax(dim=-1)
        logprobs = torch.gather(masked, -1, chosen[..., None]).squeeze(-1)
        entropy = -(masked.exp() * masked).sum(-1)
    else:
        logprobs = full_logprobs
        entropy = -(full.exp() * full).sum(-1)
    values = value_head(states) if value_head is not None else None
    return Scored(logprobs * mask, full_logprobs * mask, entropy * mask, values, mask)
