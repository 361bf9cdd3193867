"""Command line: ``python -m wsl_env.data normalize|validate|split|report|all|generate|factcheck``.

Exit status 0 on success, 2 on bad input (one ``file:line: problem`` line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from wsl_env.data import pipeline
from wsl_env.data.records import DataError
from wsl_env.schema import TaskError


def _fractions(text: str) -> tuple[float, float, float]:
    try:
        parts = tuple(float(x) for x in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected three comma-separated numbers, got {text!r}") from None
    if len(parts) != 3 or any(p < 0 for p in parts) or abs(sum(parts) - 1) > 1e-6:
        raise argparse.ArgumentTypeError(f"expected train,val,test fractions summing to 1, got {text!r}")
    return parts  # type: ignore[return-value]


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The ``wsl_env.data`` argument parser."""
    parser = argparse.ArgumentParser(prog="python -m wsl_env.data", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    def skip(p: argparse.ArgumentParser) -> None:
        p.add_argument("--skip-invalid", action="store_true",
                       help="write bad rows with their reasons to a .rejected.jsonl file instead of stopping")

    def generation(p: argparse.ArgumentParser) -> None:
        p.add_argument("--generated", type=_count, default=pipeline.DEFAULT_GENERATED,
                       help="number of TaskGenerator tasks to add (default %(default)s)")
        p.add_argument("--seed", type=int, default=0, help="generator and split seed (default %(default)s)")
        p.add_argument("--fractions", type=_fractions, default=pipeline.DEFAULT_FRACTIONS,
                       help="train,val,test fractions (default 0.8,0.1,0.1)")
        p.add_argument("--out-dir", default=str(pipeline.DEFAULT_OUT_DIR), help="output directory")

    p = commands.add_parser("normalize", help="NFC, straight quotes, collapsed whitespace: JSONL in, JSONL out")
    p.add_argument("inputs", nargs="+")
    p.add_argument("-o", "--out", required=True, help="output JSONL")
    skip(p)

    p = commands.add_parser("validate", help="schema, references, duplicate ids, near-duplicates")
    p.add_argument("inputs", nargs="+")
    p.add_argument("-o", "--out", help="also write the valid tasks here")
    skip(p)

    p = commands.add_parser("split", help="leak-free stratified train/val/test (raw files + generated tasks)")
    p.add_argument("inputs", nargs="*", help=f"task files (default {pipeline.DEFAULT_RAW_DIR}/*.jsonl)")
    generation(p)
    skip(p)

    p = commands.add_parser("report", help="Markdown and PNG report of the splits")
    p.add_argument("--in-dir", default=str(pipeline.DEFAULT_OUT_DIR), help="directory with train/val/test.jsonl")
    p.add_argument("--out-dir", help="where report.md/.png go (default: --in-dir)")

    p = commands.add_parser("all", help="normalize -> validate -> split -> report")
    p.add_argument("--raw-dir", default=str(pipeline.DEFAULT_RAW_DIR), help="directory of raw *.jsonl files")
    generation(p)
    skip(p)

    p = commands.add_parser("generate", help="fresh generated tasks that share no context with the splits")
    p.add_argument("-n", type=int, required=True, help="number of tasks to generate")
    p.add_argument("--seed", type=int, required=True, help="TaskGenerator seed (the splits use 0, training 1)")
    p.add_argument("-o", "--out", required=True, help="output JSONL")
    p.add_argument("--exclude-dir", default=str(pipeline.DEFAULT_OUT_DIR),
                   help="directory with train/val/test.jsonl whose contexts are left out (default %(default)s)")

    p = commands.add_parser("factcheck", help="do the claims reader's context facts equal the generator's?")
    p.add_argument("inputs", nargs="*", help=f"task files (default: the splits in {pipeline.DEFAULT_OUT_DIR})")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return the exit status."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "normalize":
            summary = pipeline.normalize(args.inputs, args.out, skip_invalid=args.skip_invalid)
        elif args.command == "validate":
            summary = pipeline.validate(args.inputs, args.out, skip_invalid=args.skip_invalid)
        elif args.command == "split":
            summary = pipeline.split(args.inputs or None, args.out_dir, generated=args.generated, seed=args.seed,
                                     fractions=args.fractions, skip_invalid=args.skip_invalid)
        elif args.command == "generate":
            summary = pipeline.generate(args.n, args.seed, args.out, exclude_dir=args.exclude_dir)
        elif args.command == "report":
            summary = pipeline.report(args.in_dir, args.out_dir)
        elif args.command == "factcheck":
            summary = pipeline.factcheck(args.inputs or None)
        else:
            summary = pipeline.build(args.raw_dir, args.out_dir, generated=args.generated, seed=args.seed,
                                     fractions=args.fractions, skip_invalid=args.skip_invalid)
    except (DataError, TaskError, OSError) as exc:  # bad input: a bad file, a directory for an output file, ...
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
