"""`explain` and `crossval`: how matching decides, for staff and engineers."""

from __future__ import annotations

import argparse
import sys

from bot.config import load_settings
from bot.knowledge_files import load_knowledge


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    if name == "explain":
        parser.add_argument("text", nargs="*", help="the message (or lines of standard input)")
        parser.add_argument("--lang", choices=["nl", "en"],
                            help="the conversation's language so far, as a hint")
    else:
        parser.add_argument("--folds", type=int, default=5, help="number of folds (default 5)")
        parser.add_argument("--recall", type=float, default=0.97,
                            help="crisis recall to suggest thresholds for (default 0.97)")


def run(args: argparse.Namespace, name: str) -> int:
    settings = load_settings()
    kb = load_knowledge(settings.knowledge_dir)
    if name == "explain":
        from bot.core.explain import explain
        from bot.model_cache import build_engine

        engine = build_engine(kb, settings.municipality, settings.model_cache_dir)
        texts = [" ".join(args.text)] if args.text else [line.rstrip("\n") for line in sys.stdin]
        for i, text in enumerate(texts):
            if i:
                print()
            print(f"message: {text}")
            print(explain(engine.pipeline, text, engine.decide(text, args.lang)))
        return 0
    if not 2 <= args.folds <= 20:
        print("error: --folds takes a number from 2 to 20", file=sys.stderr)
        return 2
    from bot.crossval import cross_validate, format_scores

    print(format_scores(kb, cross_validate(kb, args.folds), args.folds, args.recall))
    return 0
