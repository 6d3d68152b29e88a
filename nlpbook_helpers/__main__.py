"""The headless command: `python -m nlpbook_helpers train --preset offline` runs stages 1→7 in order
(`--task pair-classification`: the same stages for another task)."""
from __future__ import annotations

import argparse
import ast
import errno
import sys
import time
from pathlib import Path

__all__ = ["main", "fields_table"]


def _field_rows(args=None) -> list[tuple[str, str, str]]:
    """(name, value, help) for each field of Arguments; the value is `args`' (paths as notebooks print them)."""
    from dataclasses import fields

    from .settings import Arguments, shown_path

    rows = []
    for item in fields(Arguments):
        value = "" if args is None else getattr(args, item.name)
        shown = shown_path(value) if isinstance(value, str) and Path(value).is_absolute() else repr(value)
        rows.append((item.name, "" if args is None else shown, item.metadata.get("help", "")))
    return rows


def fields_table(args) -> str:
    """Every field of `args`: name, value and its one-line help (`python -m nlpbook_helpers fields`)."""
    rows = [("field", "value", "help")] + _field_rows(args)
    name_width = max(len(name) for name, _, _ in rows)
    value_width = min(36, max(len(value) for _, value, _ in rows))    # a longer value gets a line of its own
    lines = []
    for name, value, text in rows:
        if len(value) > value_width:
            lines += [f"{name:<{name_width}}  {value}", f"{'':<{name_width}}  {'':<{value_width}}  {text}"]
        else:
            lines.append(f"{name:<{name_width}}  {value:<{value_width}}  {text}")
    return "\n".join(lines)


def _fields_epilog() -> str:
    from .tasks import describe_tasks

    rows = _field_rows()
    width = max(len(name) for name, _, _ in rows)
    return ("tasks for --task NAME (default document-classification):\n" + describe_tasks() + "\n\n"
            "fields for --set FIELD=VALUE (values per preset: python -m nlpbook_helpers fields --preset P):\n"
            + "\n".join(f"  {name:<{width}}  {text}" for name, _, text in rows))


def _add_pretrain_command(commands) -> None:
    from .pretraining import PretrainingPlan

    plan = PretrainingPlan()
    command = commands.add_parser("pretrain", help="masked-LM pretraining of the offline tiny BERT (maintainers: "
                                                   "the model the offline preset ships)")
    command.add_argument("--out", metavar="DIR", help="where to save it (default $NLPBOOK_HOME/models/tiny-kcbert-own;"
                                                      " the shipped one: nlpbook_helpers/assets/tiny-kcbert)")
    command.add_argument("--quick", action="store_true", help="a few thousand documents, a few dozen steps (tests)")
    command.add_argument("--corpus", metavar="FILE|FOLDER",
                         help="your unlabeled text: the text column of .csv/.tsv files, the lines of .txt files "
                              "(NSMC's .txt: its document column); labels are ignored. Continues the shipped model's "
                              "pretraining; resumes an interrupted run in --out")
    command.add_argument("--set", action="append", default=[], metavar="text_column=NAME",
                         help="with --corpus: the header of the text column (default document)")
    command.add_argument("--from-scratch", action="store_true", help="with --corpus: start from random weights")
    command.add_argument("--continue-shipped", action="store_true",
                         help="continue the shipped tiny BERT's pretraining on the generated text (with --world-share "
                              "and --pair-share: every task's kind) instead of starting from random weights")
    command.add_argument("--task", choices=("document-classification", "generation"), default="document-classification",
                         help="generation: causal-LM pretraining of the tiny GPT (default: the tiny BERT, masked LM)")
    command.add_argument("--overwrite", action="store_true",
                         help="replace the model an earlier pretrain saved in --out (else it refuses before training)")
    for name, kind, text in (("steps", int, "optimizer steps"), ("documents", int, "training documents"),
                             ("batch-size", int, "documents per batch"), ("learning-rate", float, "AdamW's peak LR (--corpus from the shipped model: 2e-4)"),
                             ("seed", int, "seed of the corpus, the masks and the initial weights"),
                             ("report-every", int, "steps between progress lines"),
                             ("world-share", float, "share of film-fact paragraphs in the generated text"),
                             ("pair-share", float, "share of NLI-like premise/hypothesis texts in the generated text"),
                             ("threads", int, "CPU threads for torch (its default: all cores)")):
        default = getattr(plan, name.replace("-", "_"), None)
        command.add_argument(f"--{name}", type=kind, help=text if default is None else f"{text} (default {default})")


def _pretrain(options, argv: list[str] | None) -> int:
    import dataclasses
    import shlex

    from .guards import RunInterrupted
    from .settings import nlpbook_home

    if options.task == "generation":        # the tiny GPT (gpt_pretraining.py), saved in kogpt2's layout
        from .gpt_pretraining import QUICK_GPT_PLAN as QUICK_PLAN, GptPretrainingPlan as PretrainingPlan
        from .gpt_pretraining import pretrain_gpt as pretrain
        folder = "tiny-kogpt2-own"
        fine_tune = "train --task generation --set pretrained_model_name={out} --set tiny_weights=''"
    else:                                   # the tiny BERT (masked LM)
        from .pretraining import QUICK_PLAN, PretrainingPlan, pretrain
        folder, fine_tune = "tiny-kcbert-own", "train --set pretrained_model_name={out}"
    plan = QUICK_PLAN if options.quick else PretrainingPlan()
    changes = {name: getattr(options, name) for name in ("steps", "documents", "batch_size", "learning_rate", "seed",
                                                         "report_every", "world_share", "pair_share")
               if getattr(options, name) is not None}
    bad = [f"--{name.replace('_', '-')} {value}" for name, value in {**changes, "threads": options.threads}.items()
           if value is not None and not (0 <= value < 0.5 if name.endswith("share") else value > 0)]
    if bad:
        print(f"error: {', '.join(bad)}: must be > 0 (a share: 0 to 0.5)", file=sys.stderr)
        return 2
    out = Path(options.out).expanduser().resolve() if options.out else nlpbook_home() / "models" / folder
    command = "python -m nlpbook_helpers " + shlex.join(sys.argv[1:] if argv is None else argv)
    if options.task == "generation" and (options.corpus or options.world_share is not None
                                         or options.pair_share is not None):
        print("error: --corpus, --world-share and --pair-share pretrain the tiny BERT (masked LM); the tiny GPT "
              "(--task generation) pretrains on the generated text only", file=sys.stderr)
        return 2
    settings = dict(pair.partition("=")[::2] for pair in options.set)
    if set(settings) - {"text_column"} or (settings or options.from_scratch) and not options.corpus:
        print("error: pretrain takes --set text_column=NAME (and --from-scratch) only together with --corpus",
              file=sys.stderr)
        return 2
    if options.continue_shipped and (options.corpus or options.task == "generation"):
        print("error: --continue-shipped continues the tiny BERT on the generated text; with --corpus the shipped "
              "model is continued anyway (your text), and the tiny GPT has no such run", file=sys.stderr)
        return 2
    try:
        if options.corpus or options.continue_shipped:
            import torch

            from .corpus import CorpusError
            from .own_pretraining import CONTINUE_LEARNING_RATE, pretrain_on_texts, read_texts

            if options.threads:
                torch.set_num_threads(options.threads)
            try:
                texts, stats = (read_texts(options.corpus, settings.get("text_column", "document")) if options.corpus
                                else _generated_texts(dataclasses.replace(plan, **changes)))
            except CorpusError as error:
                print(f"error: {error}", file=sys.stderr)
                return 1
            if not options.from_scratch and options.learning_rate is None:
                changes["learning_rate"] = CONTINUE_LEARNING_RATE
            pretrain_on_texts(out, texts, stats, dataclasses.replace(plan, **changes), options.from_scratch,
                              command, options.overwrite)
        else:
            pretrain(out, dataclasses.replace(plan, **changes), command=command, threads=options.threads,
                     overwrite=options.overwrite)
    except FileExistsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except RunInterrupted as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    print("fine-tune it: python -m nlpbook_helpers " + fine_tune.format(out=out))
    return 0


def _generated_texts(plan) -> tuple[list[str], dict]:
    """`pretrain --continue-shipped`: the generated documents of `plan` (its shares) as the text to continue on."""
    from .pretraining_text import generated_documents

    n = plan.documents + plan.heldout_documents
    texts = generated_documents(n, plan.seed, plan.world_share, plan.pair_share)
    source = (f"nlpbook_helpers.pretraining_text.generated_documents({n}, seed={plan.seed}, "
              f"world_share={plan.world_share}, pair_share={plan.pair_share})")
    return texts, {"files": [source], "texts": len(texts), "empty": 0}


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
    from .settings import PRESETS, TASK_PRESETS
    from .tasks import TASKS

    presets = [*PRESETS, *TASK_PRESETS]
    parser = argparse.ArgumentParser(prog="python -m nlpbook_helpers", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in (("train", "run all seven stages and print the test accuracy"),
                       ("prepare", "download/write the corpus and build/load the pretrained model, then stop")):
        command = commands.add_parser(name, help=text, epilog=_fields_epilog(),
                                      formatter_class=argparse.RawDescriptionHelpFormatter)
        command.add_argument("--preset", default="offline", choices=presets,
                             help="offline (default: the tiny BERT pretrained by nlpbook_helpers), offline-scratch "
                                  "(the same model with random weights) or kcbert-nsmc (the book's, downloaded); "
                                  "kcbert-klue-nli: the book's model on KLUE-NLI (pair-classification); kcbert-ner: "
                                  "on the book's NER corpus (ner); kogpt2-nsmc: the book's GPT on NSMC (generation); "
                                  "kcbert-korquad: on KorQuAD 1.0 (qa); kcbert-korquad-search: on KorQuAD 1.0's "
                                  "questions and paragraphs (search)")
        command.add_argument("--task", choices=list(TASKS), metavar="NAME",
                             help="the task the seven stages serve (default document-classification, or the "
                                  "preset's): " + ", ".join(TASKS) + "; each is described below")
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
    listing = commands.add_parser("fields", help="list the fields of the arguments: name, value in a preset, help")
    listing.add_argument("--preset", default="offline", choices=presets, help="whose values to show")
    listing.add_argument("--task", choices=list(TASKS), metavar="NAME", help="for this task (" + ", ".join(TASKS) + ")")
    build = commands.add_parser("build-vocab", help="(maintainers) retrain the offline WordPiece vocabulary on the "
                                                    "pretraining corpus")
    build.add_argument("--out", required=True)
    build.add_argument("--vocab-size", type=int, default=30_000)
    _add_pretrain_command(commands)
    options = parser.parse_args(argv)

    from .settings import ArgumentsError, make_arguments

    if options.command == "build-vocab":
        return _build_vocab(options.out, options.vocab_size)
    if options.command == "pretrain":
        return _pretrain(options, argv)
    task = {"downstream_task_name": options.task} if getattr(options, "task", None) else {}
    if options.command == "fields":
        try:
            print(fields_table(make_arguments(options.preset, **task)))
        except ArgumentsError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        return 0
    try:
        overrides = {**task, **_parse_overrides(options.set)}
        if options.corpus:
            overrides.update(corpus_source="files", corpus_path=str(Path(options.corpus).expanduser().resolve()))
        args = make_arguments(options.preset, **overrides)
    except ArgumentsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    step = lambda number, text: print(f"[{number}/7] {text} ({time.perf_counter() - started:.0f}s)", flush=True)
    if options.command == "prepare":
        return _prepare(args, step)
    from .corpus import CorpusError
    from .guards import RunInterrupted
    from .pipeline import train
    from .runs import RunError

    try:
        result = train(args, resume=False if options.fresh else "require" if options.resume else True, report=step)
    except (ArgumentsError, CorpusError, RunError, RunInterrupted) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2 if isinstance(error, ArgumentsError) else getattr(error, "exit_code", 1)
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        print(f"error: cannot write {error.filename or 'a file'}: {error.strerror} (the disk is full). Fix: free some "
              "space, then run the same command again (finished epochs are kept in last.ckpt)", file=sys.stderr)
        return 1
    if result.status == "fast_dev_run":
        print("fast_dev_run: one batch of training, validation and test ran to check the code; no accuracy is "
              "shown (one batch is not a result) and nothing was saved. Leave out fast_dev_run to train")
        return 0
    from .tasks import get_task

    lines = get_task(args).result_lines(result.metrics)     # the task's figures: accuracy, entity F1, perplexity…
    if result.status == "already finished":
        print("\n".join(lines) + f"  (recorded in {result.run_dir / 'run.json'} when that run finished; not retrained, "
              "not re-tested)")
        print(f"fine-tuned model: {result.finetuned_dir}")
        return 0
    from .runs import is_rank_zero

    if not is_rank_zero():       # another process of a DDP run: rank 0 saved the model and reports the result
        return 0
    print("\n".join(lines))
    if args.corpus_source == "files":
        from .training import label_names

        print(f"labels: {', '.join(label_names(result.task.model).values())}")
    return 0


def _prepare(args, step) -> int:
    from .corpus import CorpusError
    from .pipeline import prepare_stages

    try:
        prepare_stages(args, report=step)
    except CorpusError as error:        # a missing file, a bad row: file, line and fix, without a traceback
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


def _build_vocab(out: str, vocab_size: int) -> int:
    """Train the offline WordPiece vocabulary on the pretraining corpus (the text the tiny BERT learns from)."""
    import hashlib
    import json

    import tokenizers

    from .pretraining import PretrainingPlan, describe_corpus, pretraining_corpus
    from .tokenizer import korean_alphabet, train_wordpiece_vocab

    plan = PretrainingPlan()
    train, heldout = pretraining_corpus(plan)
    alphabet = korean_alphabet()
    path = train_wordpiece_vocab(train + heldout, vocab_size, out, alphabet=alphabet)
    record = {"trained_on": "the pretraining corpus (train and held-out documents)",
              "corpus": describe_corpus(plan, train + heldout), "vocab_size_asked": vocab_size,
              "alphabet": {"characters": len(alphabet), "sha256": hashlib.sha256("".join(alphabet).encode()).hexdigest(),
                           "made_by": "nlpbook_helpers.tokenizer.korean_alphabet (each as x and ##x)"},
              "tokenizers": tokenizers.__version__}
    Path(path).with_suffix(".json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {path}: {sum(1 for _ in open(path, encoding='utf-8'))} tokens")
    return 0


if __name__ == "__main__":
    sys.exit(main())
