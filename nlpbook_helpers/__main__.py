"""The headless command: `python -m nlpbook_helpers train --preset offline` runs stages 1→7 in order."""
from __future__ import annotations

import argparse
import ast
import sys
import time

__all__ = ["main"]


def _parse_overrides(pairs: list[str]) -> dict:
    overrides = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep:
            raise SystemExit(f"--set {pair!r}: write FIELD=VALUE, e.g. --set epochs=1")
        try:
            overrides[key] = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            overrides[key] = raw
    return overrides


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nlpbook_helpers", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (("train", "run all seven stages and print the test accuracy"),
                       ("prepare", "download/write the corpus and build/load the pretrained model, then stop")):
        command = commands.add_parser(name, help=text)
        command.add_argument("--preset", default="offline", help="offline (default) or kcbert-nsmc")
        command.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                             help="override an argument, e.g. --set epochs=1 --set batch_size=16")
    build = commands.add_parser("build-vocab", help="(maintainers) retrain the offline WordPiece vocabulary")
    build.add_argument("--out", required=True)
    build.add_argument("--vocab-size", type=int, default=8000)
    options = parser.parse_args(argv)

    from .settings import ArgumentsError, make_arguments

    if options.command == "build-vocab":
        return _build_vocab(options.out, options.vocab_size)
    try:
        args = make_arguments(options.preset, **_parse_overrides(options.set))
    except ArgumentsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    step = lambda number, text: print(f"[{number}/7] {text} ({time.perf_counter() - started:.0f}s)", flush=True)
    step(1, f"arguments: preset={args.preset}, model={args.pretrained_model_name}")
    if options.command == "prepare":
        return _prepare(args, step)
    from .training import train

    result = train(args, report=step)
    step(7, f"fine-tuned model saved to {result.finetuned_dir}")
    print(f"test accuracy: {result.test_acc:.4f}  test loss: {result.test_loss:.4f}")
    return 0


def _prepare(args, step) -> int:
    from .training import prepare_stages

    prepare_stages(args, report=step)
    return 0


def _build_vocab(out: str, vocab_size: int) -> int:
    import hashlib
    import json
    import tempfile
    from pathlib import Path

    import tokenizers

    from .corpus import load_corpus
    from .embedded_corpus import write_embedded_corpus
    from .settings import make_arguments
    from .tokenizer import train_wordpiece_vocab

    with tempfile.TemporaryDirectory() as root:
        args = make_arguments("offline", downstream_corpus_root_dir=root)
        write_embedded_corpus(f"{root}/{args.downstream_corpus_name}", seed=args.seed)
        texts = [example.text for example in load_corpus(args).train]
        path = train_wordpiece_vocab(texts, vocab_size, out)
        train_file = Path(root, args.downstream_corpus_name, "ratings_train.txt")
        record = {"trained_on": "embedded corpus ratings_train.txt", "seed": args.seed,
                  "corpus_sha256": hashlib.sha256(train_file.read_bytes()).hexdigest(),
                  "vocab_size_asked": vocab_size, "tokenizers": tokenizers.__version__}
    Path(path).with_suffix(".json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {path}: {sum(1 for _ in open(path, encoding='utf-8'))} tokens")
    return 0


if __name__ == "__main__":
    sys.exit(main())
