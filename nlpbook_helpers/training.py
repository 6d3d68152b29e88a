"""Stage 7 (notebook 07): the trainer, fit (and resume), test, predict, save the fine-tuned model; the label curve.

Each run has its own folder `<downstream_model_dir>/run_<N>` (checkpoints, logs, run.json, finetuned/; see runs.py)
and continues only when what decides its result, its fingerprint, is unchanged.
"""
from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
import os
import random
import time
import warnings
from pathlib import Path
from typing import Callable, Mapping, Sequence

import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import LearningRateMonitor
from pytorch_lightning.loggers import CSVLogger

from .corpus import LABEL_NAMES, Example, download_corpus, load_corpus
from .data import NsmcDataset, check_splits, make_dataloader
from .files import match_umask
from .guards import AtomicCheckpointIO, build_trainer, release_run, stopped_by_signal
from .model import load_pretrained_model, prepare_pretrained
from .runs import (FINGERPRINT_KEY, RUN_DIR_ENV, EpochCheckpoint, Resume, Run, RunError, RunRecorder,
                   describe_changes, is_rank_zero, latest_run, model_dir, move_to_new_run, pick_run, read_checkpoint,
                   recorder_of, run_fingerprint, stopped_message)
from .settings import Arguments, shown_path
from .task import ClassificationTask, check_monitor
from .tokenizer import load_tokenizer

__all__ = ["LABEL_NAMES", "label_names", "Prediction", "TrainingResult", "RunError", "resolve_precision", "make_trainer",
           "last_checkpoint", "fit", "predict", "save_finetuned", "labeled_subset", "label_curve"]


def __getattr__(name: str):
    """`train` and `prepare_stages` moved to pipeline.py (0.2); code written for 0.1 that imports them from here works."""
    if name in ("train", "prepare_stages"):
        from . import pipeline      # here, not at the top: pipeline imports this module

        return getattr(pipeline, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def label_names(model) -> dict[int, str]:
    """Label id → name: the model's config.id2label (your corpus' names, set by prepare_stages and saved with the
    model), or NSMC's 부정/긍정 when the config holds only transformers' placeholders (LABEL_0, LABEL_1).
    Notebook 08, 5. 정확도와 매크로 F1, 그리고 새 리뷰 예측."""
    names = {int(label): str(name) for label, name in model.config.id2label.items()}
    if all(name == f"LABEL_{label}" for label, name in names.items()):
        return dict(LABEL_NAMES) if len(names) == 2 else {label: str(label) for label in names}
    return names


def resolve_precision(precision: str) -> str:
    """'auto': bf16-mixed on a GPU that has bf16, 16-mixed on older GPUs (Colab's T4), 32-true on the CPU.
    Notebook 07, 책의 코드: `pl.Trainer(...)`."""
    if precision != "auto":
        return precision
    if torch.cuda.is_available():
        return "bf16-mixed" if torch.cuda.is_bf16_supported() else "16-mixed"
    return "32-true"


def last_checkpoint(args) -> Path | None:
    """`<downstream_model_dir>/run_<N>/checkpoints/last.ckpt` written most recently, if a run left one.
    Notebook 07, 8. 끊긴 학습 이어 하기 (resume)."""
    run = latest_run(args)
    return run.last_checkpoint if run else None


def make_trainer(args, callbacks: Sequence[pl.Callback] = (), **overrides) -> pl.Trainer:
    """A Lightning Trainer writing into a run folder `<downstream_model_dir>/run_<N>`: the newest run with the same
    fingerprint that can continue, else a new one. There: best checkpoint by `args.monitor` plus `last.ckpt` (for
    resuming) in `checkpoints/`, CSV logs in `logs/`, LR logged every step.
    `overrides` go straight to `pl.Trainer` (e.g. `max_steps=20`, `limit_val_batches=2`).
    Notebook 07, 2. 트레이너 만들기 / `make_trainer`."""
    check_monitor(args.monitor)
    run = pick_run(args, run_fingerprint(args, overrides), reuse_finished=False)
    return _make_trainer(args, run, callbacks, overrides)


def _make_trainer(args, run: Run, callbacks: Sequence[pl.Callback], overrides: dict) -> pl.Trainer:
    mode, _, metric = args.monitor.partition(" ")
    checkpoint = EpochCheckpoint(dirpath=run.checkpoints, filename="best-epoch{epoch}-{" + metric + ":.4f}",
                                 monitor=metric, mode=mode, save_top_k=args.save_top_k, save_last=True,
                                 auto_insert_metric_name=False)
    options = dict(
        max_epochs=args.epochs, accelerator=args.accelerator, devices=args.devices, strategy=args.strategy,
        num_nodes=args.num_nodes,
        precision=resolve_precision(args.precision), fast_dev_run=args.fast_dev_run,
        callbacks=[checkpoint, LearningRateMonitor(logging_interval="step"), RunRecorder(run), *callbacks],
        logger=CSVLogger(save_dir=run.directory, name="logs"), log_every_n_steps=args.log_every_n_steps,
        enable_progress_bar=args.progress_bar, enable_model_summary=False, default_root_dir=run.directory,
        deterministic=True, plugins=[AtomicCheckpointIO()],
    )
    options.update(overrides)
    return build_trainer(options)


def fit(trainer: pl.Trainer, task: ClassificationTask, train_loader, val_loader, args,
        resume: Resume = True) -> Path | None:
    """`trainer.fit` in the trainer's run folder, continuing its `last.ckpt` when `resume` and the checkpoint's
    fingerprint matches, else in a new run folder (what changed is logged; `resume="require"` raises RunError
    instead). Returns the checkpoint resumed from. Notebook 07, 3. 학습: `fit`."""
    run = recorder_of(trainer).run
    recorder_of(trainer).train_loader = train_loader        # its shuffling state travels in the checkpoints
    resume_from = run.last_checkpoint
    if resume_from is None and resume == "require":
        why = run.note.splitlines()[0] if run.note else "there is no earlier run with these inputs"
        raise RunError(f"nothing to resume in {shown_path(run.directory)}: {why}. Fix: fit(..., resume=True) "
                       "continues a run only when its inputs match, else starts a new one")
    if resume_from is not None and resume is False:
        move_to_new_run(trainer, args, "resume=False")
        resume_from = None
    elif resume_from is not None:
        changes = describe_changes(read_checkpoint(resume_from).get(FINGERPRINT_KEY), run.fingerprint)
        if changes:
            why = f"{resume_from} was trained on other inputs:\n    " + "\n    ".join(changes)
            if resume == "require":
                raise RunError(f"cannot resume: {why}\nStart a new run with --fresh (resume=False), or undo the change")
            move_to_new_run(trainer, args, why)
            resume_from = None
    with warnings.catch_warnings():
        if resume_from:     # continuing: of course the checkpoint folder is not empty
            warnings.filterwarnings("ignore", message="Checkpoint directory .* exists and is not empty")
        if is_rank_zero():      # DDP: the ranks Lightning starts inside trainer.fit train in this same folder
            os.environ[RUN_DIR_ENV] = str(recorder_of(trainer).run.directory)   # after any move above
        try:
            with stopped_by_signal(lambda: stopped_message(recorder_of(trainer).run)):
                trainer.fit(task, train_dataloaders=train_loader, val_dataloaders=val_loader,
                            ckpt_path=str(resume_from) if resume_from else None)
        finally:
            if is_rank_zero():  # a later run in this process chooses its own folder again; others may take this one
                os.environ.pop(RUN_DIR_ENV, None)
                release_run(recorder_of(trainer).run.directory)
    return resume_from



@dataclasses.dataclass
class Prediction:
    """One predicted review (notebook 07, 5. 직접 쓴 리뷰로 예측하기)."""

    text: str
    label: int
    label_name: str
    probability: float      # probability of the predicted label


@torch.no_grad()
def predict(model, tokenizer, texts: str | Sequence[str], max_seq_length: int = 128,
            batch_size: int = 64) -> list[Prediction]:
    """Label, its name (model.config.id2label; NSMC: 0 = 부정 negative, 1 = 긍정 positive) and probability for each
    text; a str is one text. Notebook 07, 5. 직접 쓴 리뷰로 예측하기."""
    texts = [texts] if isinstance(texts, str) else list(texts)
    positions = getattr(model.config, "max_position_embeddings", None)
    if positions and max_seq_length > positions:
        raise ValueError(f"predict(..., max_seq_length={max_seq_length}): the model has position embeddings for "
                         f"{positions} tokens only. Fix: max_seq_length <= {positions} (e.g. args.max_seq_length)")
    names = label_names(model)
    was_training = model.training
    model.eval()
    try:
        device = next(model.parameters()).device
        results = []
        for start in range(0, len(texts), batch_size):
            chunk = texts[start:start + batch_size]
            batch = tokenizer(chunk, truncation=True, max_length=max_seq_length, padding=True, return_tensors="pt")
            probabilities = model(**batch.to(device)).logits.float().softmax(-1).cpu()
            for text, row in zip(chunk, probabilities):
                label = int(row.argmax())
                results.append(Prediction(text, label, names.get(label, str(label)), float(row[label])))
        return results
    finally:
        model.train(was_training)


def save_finetuned(model, tokenizer, args, run_dir: str | Path | None = None) -> Path:
    """`save_pretrained` of the fine-tuned model and its tokenizer into `<run>/finetuned`, the run that trained it
    (`run_dir`; by default the run whose last.ckpt is newest), loadable with `from_pretrained(that_dir)`.
    Notebook 07, 7. 파인튜닝한 모델 저장하고 다시 불러오기."""
    if run_dir is None:
        run = latest_run(args)
        if run is None:
            raise RunError(f"no run with a last.ckpt in {shown_path(model_dir(args))}: train first (make_trainer + "
                           "fit), or give run_dir= the run folder the model belongs to")
        run_dir = run.directory
    directory = Path(run_dir).expanduser() / "finetuned"
    names = label_names(model)               # stored with the model: from_pretrained(directory) brings them back
    model.config.id2label = names
    model.config.label2id = {name: label for label, name in names.items()}
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    match_umask(directory)              # save_pretrained writes 0600 files; a classroom shares them
    return directory


@dataclasses.dataclass
class TrainingResult:
    """What train(args) returns (notebook 07, 9. 한데 모으기: `train(args)`)."""

    test_loss: float
    test_acc: float
    best_checkpoint: str
    finetuned_dir: Path
    task: ClassificationTask
    tokenizer: object
    run_dir: Path | None = None
    status: str = "new"         # "new", "resumed", or "already finished" (figures from its run.json; nothing ran)
    test_f1: float | None = None    # macro-F1, with more than two labels


# ---- the label curve (notebook 07, "프리트레인이 주는 것: 레이블 수에 따른 정확도") ------------------------------------

def labeled_subset(examples: Sequence[Example], size: int, seed: int) -> list[Example]:
    """`size` examples drawn by `seed`, each label keeping its share of `examples` (stratified; shares rounded by
    largest remainder, at least one of each label), in file order. `size` >= len(examples) gives them all.
    The labeled reviews of one point of the label curve (notebook 07, section 10)."""
    examples = list(examples)
    if size >= len(examples):
        return examples
    by_label: dict[int, list[int]] = {}
    for index, example in enumerate(examples):
        by_label.setdefault(example.label, []).append(index)
    labels = sorted(by_label)
    exact = {label: size * len(by_label[label]) / len(examples) for label in labels}
    quota = {label: max(1, int(exact[label])) for label in labels}
    for label in sorted(labels, key=lambda label: int(exact[label]) - exact[label]):   # largest remainder first
        if sum(quota.values()) >= size:
            break
        quota[label] += 1
    rng, chosen = random.Random(seed), set()
    for label in labels:
        chosen.update(rng.sample(by_label[label], min(quota[label], len(by_label[label]))))
    return [examples[index] for index in sorted(chosen)]


def _fit_and_test(args, train_examples: Sequence[Example], test_loader, tokenizer, min_steps: int) -> tuple[float, int]:
    """Fine-tune `args`' pretrained model on `train_examples` and return (test accuracy, optimizer steps): the task
    of notebook 06 in a bare Lightning Trainer (no run folder, checkpoints, logger, validation or progress bar)."""
    train_set = NsmcDataset(train_examples, tokenizer, args.max_seq_length)
    train_loader = make_dataloader(train_set, args, tokenizer, train=True)
    epochs = max(args.epochs, math.ceil(min_steps / len(train_loader)))   # a few labels: more passes over them
    args = dataclasses.replace(args, epochs=epochs)
    pl.seed_everything(args.seed, workers=True, verbose=False)     # the classifier head, dropout and batch order
    task = ClassificationTask(load_pretrained_model(args), args)
    trainer = pl.Trainer(max_epochs=epochs, accelerator=args.accelerator, devices=1, num_nodes=1,
                         precision=resolve_precision(args.precision), logger=False, enable_checkpointing=False,
                         enable_progress_bar=False, enable_model_summary=False, deterministic=True,
                         limit_val_batches=0, num_sanity_val_steps=0, log_every_n_steps=1)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*(num_workers|does not have many workers|LeafSpec|val_dataloader).*")
        trainer.fit(task, train_dataloaders=train_loader)
        metrics = trainer.test(task, dataloaders=test_loader, verbose=False)[0]
    return float(metrics["test_acc"]), int(trainer.global_step)


@contextlib.contextmanager
def _quiet_lightning():
    """Lightning's info lines ("GPU available", "`Trainer.fit` stopped") off for many short runs; warnings stay."""
    loggers = [logging.getLogger(name) for name in ("pytorch_lightning", "lightning_fabric")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(max(logger.getEffectiveLevel(), logging.WARNING))
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def label_curve(args_by_name: Mapping[str, Arguments], sizes: Sequence[int | str], seeds: Sequence[int],
                min_steps: int = 60, report: Callable[[dict], None] | None = None) -> list[dict]:
    """Test accuracy after fine-tuning each model on `size` labeled training reviews, for every size and seed
    (notebook 07, section 10 "프리트레인이 주는 것": the pretrained tiny BERT against its random-weight twin).

    `args_by_name` maps a name to the arguments of one pretrained model (e.g. the offline preset and its
    random-weight twin); the corpus, tokenizer settings and hyperparameters are each model's own, the labeled
    reviews are the same for all: `labeled_subset(train, size, seed)`. A size "all" is the whole train split.
    Each run trains `args.epochs` epochs, more when the subset is small, so that it takes at least `min_steps`
    optimizer steps; no validation, no checkpoints. Returns one row per run:
    {"model", "labels", "seed", "test_acc", "steps", "seconds"} (`report(row)` is called as each run ends)."""
    rows = []
    for name, args in args_by_name.items():
        download_corpus(args)
        corpus = load_corpus(args)
        check_splits(corpus, args)
        prepare_pretrained(args)
        tokenizer = load_tokenizer(args)
        test_set = NsmcDataset(corpus.test, tokenizer, args.max_seq_length)
        test_loader = make_dataloader(test_set, args, tokenizer, train=False)
        for size in sizes:
            count = len(corpus.train) if size == "all" else int(size)
            for seed in seeds:
                started = time.perf_counter()
                subset = labeled_subset(corpus.train, count, seed)
                with _quiet_lightning():
                    accuracy, steps = _fit_and_test(dataclasses.replace(args, seed=seed), subset, test_loader,
                                                    tokenizer, min_steps)
                row = {"model": name, "labels": len(subset), "seed": seed, "test_acc": accuracy, "steps": steps,
                       "seconds": time.perf_counter() - started}
                rows.append(row)
                if report is not None:
                    report(row)
    return rows
