"""The tasks the seven stages serve: `args.downstream_task_name` → the task's module, which says what differs.

Each task module (`tasks/<name with _>.py`) defines `TASK`, a `Task`: what stage 2 reads, what stage 5's tokenizer
reads of one example, the model class of stage 3, the LightningModule of stage 6. Everything else is the same
stage code for every task. Importing this registry imports no task module: `get_task(name)` does, when asked.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

__all__ = ["Task", "TASKS", "DEFAULT_TASK", "TaskInfo", "UnknownTaskError", "get_task", "check_task_name",
           "describe_tasks", "classification_lines", "classification_summary", "prepare_task_files"]


class UnknownTaskError(ValueError):
    """`downstream_task_name` names no task; the message lists the tasks there are."""


@dataclass(frozen=True)
class TaskInfo:
    """What stage 1 knows of a task without importing it: a one-line description, the argument values that differ
    from document classification's (offline presets), and the task's preset on the book's model and corpus."""

    description: str
    arguments: Mapping[str, object] = field(default_factory=dict)
    book_preset: str = ""
    offline_model: str = ""         # the offline presets' model: assets/<this>/, installed to $NLPBOOK_HOME/models/<this>


# name → TaskInfo; the module is tasks/<name with "-" → "_">.py
TASKS: dict[str, TaskInfo] = {
    "document-classification": TaskInfo(
        "document classification (문서 분류): a review → negative/positive (NSMC; your .csv/.tsv: --corpus)",
        book_preset="kcbert-nsmc"),
    "pair-classification": TaskInfo(
        "pair classification (문장 쌍 분류, NLI): premise + hypothesis → entailment/neutral/contradiction "
        "(KLUE-NLI JSON, KorNLI TSV)",
        # two sentences: room so no pair is cut (the embedded pairs: 35 tokens on average, at most 63); the tiny
        # BERT stays at chance with the offline 1e-3 on pairs, learns at 3e-4 (measured: test accuracy 0.34 vs 0.48)
        arguments={"downstream_corpus_name": "klue-nli", "max_seq_length": 96, "learning_rate": 3e-4, "epochs": 3},
        book_preset="kcbert-klue-nli"),
    "ner": TaskInfo(
        "named entity recognition (개체명 인식): a sentence → a BIO tag per token, entity F1 (the book's "
        "<surface:TAG> markup; naver_changwon_ner)",
        # the embedded sentences (3,000 train / 500 test, at most 48 characters): test entity F1 0.72 after 3 epochs,
        # 0.95-0.97 after 4 (seeds 7, 8) and 5 (measured 2026-12-03): 5 leaves room for another pretrained tiny BERT
        arguments={"downstream_corpus_name": "ner", "max_seq_length": 64, "learning_rate": 1e-3, "epochs": 5},
        book_preset="kcbert-ner"),
    "generation": TaskInfo(
        "sentence generation (문장 생성): 긍정/부정 → a movie review of that sentiment, written by a GPT "
        "(NSMC reviews prefixed with their sentiment)",
        # the tiny GPT the project pretrained (gpt_pretraining.TINY_GPT); reviews cut at 48 tokens (the embedded ones:
        # 26 on average); lr and epochs measured on the embedded corpus (docs/generation.md)
        arguments={"max_seq_length": 48, "learning_rate": 1e-3, "epochs": 2, "batch_size": 32,
                   "tiny_model": {"n_embd": 128, "n_layer": 3, "n_head": 4, "n_positions": 128}},
        book_preset="kogpt2-nsmc", offline_model="tiny-kogpt2"),
    "qa": TaskInfo(
        "question answering (질의응답): a question + a context → the answer's span, exact match and F1 (KorQuAD 1.0 "
        "JSON)",
        # windows of 128 tokens (at 64, 71 % of the training windows hold no answer); batches shuffled, not grouped
        # by length: grouping puts the long contexts' windows, mostly [CLS]-labelled, into batches of their own (0 to
        # 88 % [CLS] a batch instead of 12 to 59 %), and the tiny BERT then learns no question matching. Measured
        # 2026-12-04, 2 threads: test F1 0.33 grouped vs 0.72 shuffled (6 epochs, 2e-3); 8 epochs: F1 0.79 (EM 0.68)
        arguments={"downstream_corpus_name": "korquad", "max_seq_length": 128, "learning_rate": 2e-3, "epochs": 8,
                   "group_by_length": False},
        book_preset="kcbert-korquad"),
    "search": TaskInfo(
        "document search (문서 검색): a query → the document that answers it, by cosine similarity of mean-pooled "
        "embeddings; recall@k and MRR (the questions and paragraphs of KorQuAD 1.0)",
        # the embedded paragraphs: 107 tokens on average when cut at 128 (the title comes first); the held-out queries'
        # recall@1 0.03 before → 0.81 after 1 epoch, 0.84 after 2, 0.83 after 3; lr 3e-4 (2 epochs): 0.79 (2026-12-03)
        arguments={"downstream_corpus_name": "korquad", "max_seq_length": 128, "learning_rate": 1e-3, "epochs": 2,
                   "batch_size": 32},
        book_preset="kcbert-korquad-search"),
}
DEFAULT_TASK = "document-classification"


def classification_lines(metrics: dict) -> list[str]:
    """The command line's result line of a classification: test accuracy (macro-F1 with more than two labels), loss."""
    f1 = metrics.get("test_f1")
    return [f"test accuracy: {metrics['test_acc']:.4f}" + ("" if f1 is None else f"  test macro-F1: {f1:.4f}")
            + f"  test loss: {metrics['test_loss']:.4f}"]


def classification_summary(metrics: dict) -> str:
    """Stage 7's Korean report of a classification's test figures."""
    f1 = metrics.get("test_f1")
    return f"테스트 정확도 {metrics['test_acc']:.3f}" + ("" if f1 is None else f", 매크로 F1 {f1:.3f}")


def prepare_task_files(args, files: Mapping[str, Path], what: str, write_embedded: Callable[[Path, int], object],
                       korpora: tuple[str, tuple[str, ...]], embedded_only: str, not_in_korpora: str) -> Path:
    """Stage 2 of a task with the book's corpus and one Korpora can fetch: put `files` into corpus_dir(args) unless
    they are there (a file there is never touched). embedded → `write_embedded(folder, seed)`; korpora → Korpora
    fetches `korpora` = (corpus name, its files); the book's corpus is not in Korpora: `not_in_korpora` says where to
    get it. `embedded_only`: the error when the embedded corpus is asked for under Korpora's corpus name."""
    from ..corpus import CorpusError, corpus_dir, fetch_with_korpora
    from ..files import build_lock

    target, (korpora_name, korpora_files) = corpus_dir(args), korpora
    missing = [path.name for path in files.values() if not path.is_file()]
    if not missing:
        return target
    if args.corpus_source == "files":
        raise CorpusError("corpus_source='files' (--corpus) reads your .csv/.tsv for document classification; for "
                          f"{what} put {' and '.join(path.name for path in files.values())} into "
                          f"{target} (set downstream_corpus_root_dir) and use corpus_source='korpora'")
    if args.corpus_source == "embedded":
        if args.downstream_corpus_name == korpora_name:
            raise CorpusError(embedded_only)
        try:
            write_embedded(target, args.seed)
        except FileExistsError as error:
            raise CorpusError(f"{target}: {Path(error.filename).name} is there, {' and '.join(missing)} missing, and "
                              "it is not the embedded corpus: nothing was written. Fix: put the missing file beside it "
                              "or move it away") from None
        return target
    if args.downstream_corpus_name != korpora_name:
        raise CorpusError(f"{target}: {' and '.join(missing)} missing. {not_in_korpora}")
    with build_lock(target):
        missing = [name for name in missing if not (target / name).is_file()]
        if missing:
            fetch_with_korpora(args, target, missing, names=korpora_files)
    return target


@dataclass(frozen=True)
class Task:
    """What differs per task, asked for by the stages (the README's table "what changes per task").

    prepare_corpus(args) -> Path       stage 2: download or write the corpus files unless they are there
    corpus_files(args) -> list[Path]   stage 2: the files load_corpus reads (what a run's fingerprint hashes)
    load_corpus(args) -> Corpus        stage 2: read them into examples, checked (a split is empty → CorpusError)
    label_names: tuple[str, ...]       stage 3: name of each label id (the classifier head has one output each)
    model_class: type                  stage 3: the `AutoModelFor…` class loaded with from_pretrained
    texts(example) -> tuple[str, ...]  stage 5: what the tokenizer reads of one example: (text,) or (premise,
                                       hypothesis); `tokenizer(*texts, truncation=True, max_length=...)`
    lightning_module: type             stage 6: the LightningModule (loss, metrics; its test_acc/test_f1)
    unit: str                          the Korean word for one example in the stage reports (리뷰, 문장 쌍)
    make_dataset(examples, tokenizer, args, cache_dir) -> Dataset
                                       stage 5, optional: the task's own Dataset (items of lists, `.lengths`);
                                       None → NsmcDataset over `texts` (the classifications)
    make_collate(tokenizer, args) -> callable
                                       stage 5, optional: the task's collate function; None → data.make_collate
                                       (DataCollatorWithPadding, `args.padding`)
    load_tokenizer(source, local_files_only) -> tokenizer
                                       stage 4, optional: the task's tokenizer; None → BertTokenizer (cased)
    result_lines(metrics) -> [str]     stage 7: the command line's English result lines from the test metrics
    summary(metrics) -> str            stage 7: the Korean report of the test metrics
    """

    name: str
    prepare_corpus: Callable[..., Path]
    corpus_files: Callable[..., list]
    load_corpus: Callable[..., object]
    label_names: tuple[str, ...]
    model_class: type
    texts: Callable[[object], tuple[str, ...]]
    lightning_module: type
    unit: str
    make_dataset: Callable[..., object] | None = None
    make_collate: Callable[..., Callable] | None = None
    load_tokenizer: Callable[..., object] | None = None
    result_lines: Callable[[dict], list[str]] = classification_lines
    summary: Callable[[dict], str] = classification_summary

    @property
    def description(self) -> str:
        return TASKS[self.name].description


def check_task_name(name: str) -> None:
    """Raise UnknownTaskError listing the tasks unless `name` is one of them."""
    if name not in TASKS:
        raise UnknownTaskError(f"downstream_task_name={name!r}: no such task. The tasks are:\n"
                               + describe_tasks() + "\n(on the command line: --task NAME)")


def describe_tasks() -> str:
    """One line per task: its name and what it does (`python -m nlpbook_helpers train --help`)."""
    width = max(map(len, TASKS))
    return "\n".join(f"  {name:<{width}}  {info.description}" for name, info in TASKS.items())


def get_task(name_or_args) -> Task:
    """The Task of a name, or of `args.downstream_task_name`; UnknownTaskError (listing the tasks) otherwise."""
    name = getattr(name_or_args, "downstream_task_name", name_or_args)
    check_task_name(name)
    return importlib.import_module(f"{__name__}.{name.replace('-', '_')}").TASK
