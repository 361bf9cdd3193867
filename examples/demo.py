"""The README's main job: load the embedded model and write a post for a sample task."""

from __future__ import annotations

import argparse
import time

import torch

from wsl_env import Constraints, Task, load_model, render_prompt

SAMPLE = Task(
    id="demo-1",
    category="recap",
    instruction="Write a short recap of Heat 3 for our followers.",
    context=(
        "Heat 3, Round of 16 at Bells Beach: Kai Moana scored 17.10 (best waves 9.10 and 8.00) and beat "
        "Leo Santos on 13.65 (best waves 7.15 and 6.50). Kai caught 9 waves."
    ),
    expected_behavior="answer",
    constraints=Constraints(bullets=3, min_hashtags=1, max_hashtags=3, max_words=80),
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="smollm2-135m-instruct", help="alias, HF id or local directory")
    parser.add_argument("--max-new-tokens", type=int, default=96)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    model, tokenizer = load_model(args.model)
    print(f"loaded {args.model} ({sum(p.numel() for p in model.parameters()) / 1e6:.1f}M parameters) "
          f"in {time.perf_counter() - start:.1f}s")
    inputs = tokenizer(render_prompt(tokenizer, SAMPLE), return_tensors="pt", add_special_tokens=False)
    with torch.inference_mode():
        out = model.generate(**inputs, max_new_tokens=args.max_new_tokens, do_sample=False,
                             pad_token_id=tokenizer.pad_token_id)
    post = tokenizer.decode(out[0, inputs["input_ids"].shape[1]:], skip_special_tokens=True)
    print(f"\n--- task: {SAMPLE.instruction}\n--- context: {SAMPLE.context}\n--- post:\n{post.strip()}")


if __name__ == "__main__":
    main()
