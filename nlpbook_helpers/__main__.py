"""The headless command: `python -m nlpbook_helpers train --preset offline` runs stages 1→7 in order."""
from __future__ import annotations

import argparse
import ast
import sys
import time
from pathlib import Path

__all__ = ["main"]


def _parse_overrides(pairs: list[str]) -> dict:
    """`--set FIELD=VALUE` pairs as Python values (1 → int, 5e-5 → float, None, True); text fields keep the text."""
    from dataclasses import fields

    from .settings import Arguments

    text_fields = {item.name for item in fields(Arguments) if item.type == "str"}
    overrides = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep:
            raise SystemExit(f"--set {pair!r}: write FIELD=VALUE, e.g. --set epochs=1")
        try:
            value = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            value = raw                      # abc stays 'abc': validation then names the field and the type
        overrides[key] = raw if key in text_fields and not isinstance(value, str) else value   # precision=32 → '32'
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
        command.add_argument("--corpus", metavar="PATH",
                             help="train on your own corpus: a .csv/.tsv file (split into train/validation/test) "
                                  "or a folder with train.csv and test.csv; name its columns with --set "
                                  "text_column=... --set label_column=...")
        if name == "train":
            when = command.add_mutually_exclusive_group()
            when.add_argument("--fresh", action="store_true",
                              help="start a new run (a new run_<N> folder) even if one with the same inputs can continue")
            when.add_argument("--resume", action="store_true",
                              help="continue the earlier run, or fail saying what changed (default: continue it "
                                   "only when nothing that decides the result changed, else start a new run)")
    build = commands.add_parser("build-vocab", help="(maintainers) retrain the offline WordPiece vocabulary")
    build.add_argument("--out", required=True)
    build.add_argument("--vocab-size", type=int, default=8000)
    options = parser.parse_args(argv)

    from .settings import ArgumentsError, make_arguments

    if options.command == "build-vocab":
        return _build_vocab(options.out, options.vocab_size)
    try:
        overrides = _parse_overrides(options.set)
        if options.corpus:
            overrides.update(corpus_source="files", corpus_path=str(Path(options.corpus).expanduser().resolve()))
        args = make_arguments(options.preset, **overrides)
    except ArgumentsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    step = lambda number, text: print(f"[{number}/7] {text} ({time.perf_counter() - started:.0f}s)", flush=True)
    step(1, f"arguments: preset={args.preset}, model={args.pretrained_model_name}")
    if options.command == "prepare":
        return _prepare(args, step)
    from .corpus import CorpusError
    from .runs import RunError
    from .training import train

    try:
        result = train(args, resume=False if options.fresh else "require" if options.resume else True, report=step)
    except (ArgumentsError, CorpusError, RunError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2 if isinstance(error, ArgumentsError) else 1
    f1 = "" if result.test_f1 is None else f"  test macro-F1: {result.test_f1:.4f}"
    if result.status == "already finished":
        print(f"test accuracy: {result.test_acc:.4f}{f1}  test loss: {result.test_loss:.4f}  (recorded in "
              f"{result.run_dir / 'run.json'} when that run finished; not retrained, not re-tested)")
        print(f"fine-tuned model: {result.finetuned_dir}")
        return 0
    from .runs import is_rank_zero

    if not is_rank_zero():       # another process of a DDP run: rank 0 saved the model and reports the result
        return 0
    step(7, f"fine-tuned model saved to {result.finetuned_dir}")
    print(f"test accuracy: {result.test_acc:.4f}{f1}  test loss: {result.test_loss:.4f}")
    if args.corpus_source == "files":
        from .training import label_names

        print(f"labels: {', '.join(label_names(result.task.model).values())}")
    return 0


def _prepare(args, step) -> int:
    from .corpus import CorpusError
    from .training import prepare_stages

    try:
        prepare_stages(args, report=step)
    except CorpusError as error:        # a missing file, a bad row: file, line and fix, without a traceback
        print(f"error: {error}", file=sys.stderr)
        return 1
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
