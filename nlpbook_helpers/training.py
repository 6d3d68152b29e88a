"""Stage 7 (notebook 07): the trainer, fit (and resume), test, predict, save the fine-tuned model; `train(args)`,
stages 1→7 in one call (stages.py rebuilds 2→6).

Each run has its own folder `<downstream_model_dir>/run_<N>` (checkpoints, logs, run.json, finetuned/); runs.py
alone decides which run a training writes into and whether it continues (its fingerprint is unchanged).
"""
from __future__ import annotations

import dataclasses
import os
import warnings
from pathlib import Path
from typing import Sequence

import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import LearningRateMonitor
from pytorch_lightning.loggers import CSVLogger

from .corpus import LABEL_NAMES
from .files import match_umask
from .guards import AtomicCheckpointIO, build_trainer, release_run, runs_locked_until_end, stopped_by_signal
from .label_curve import label_curve, labeled_subset
from .runs import (RUN_DIR_ENV, EpochCheckpoint, Resume, Run, RunError, RunRecorder, choose_run, finished_result,
                   is_rank_zero, latest_run, model_dir, record_result, recorder_of, resume_point, stopped_message,
                   figures_of_test)
from .settings import resolve_precision, shown_path
from .stages import Report, build_stages, no_report, prepare_stages, restore
from .task import ClassificationTask, check_monitor
from .tasks import get_task

__all__ = ["LABEL_NAMES", "label_names", "Prediction", "TrainingResult", "RunError", "resolve_precision",
           "make_trainer", "last_checkpoint", "fit", "predict", "save_finetuned", "train", "prepare_stages",
           "labeled_subset", "label_curve"]


def label_names(model) -> dict[int, str]:
    """Label id → name: the model's config.id2label (your corpus' names, set by prepare_stages and saved with the
    model), or NSMC's 부정/긍정 when the config holds only transformers' placeholders (LABEL_0, LABEL_1).
    Notebook 08, 5. 정확도와 매크로 F1, 그리고 새 리뷰 예측."""
    names = {int(label): str(name) for label, name in model.config.id2label.items()}
    if all(name == f"LABEL_{label}" for label, name in names.items()):
        return dict(LABEL_NAMES) if len(names) == 2 else {label: str(label) for label in names}
    return names


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
    run = choose_run(args, overrides, resume=True, reuse_finished=False)
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
    recorder_of(trainer).train_loader = train_loader        # its shuffling state travels in the checkpoints
    resume_from = resume_point(trainer, args, resume)     # runs.py decides: continue, or move to a new run
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
    """One predicted review, or sentence pair (notebook 07, 5. 직접 쓴 리뷰로 예측하기)."""

    text: str | tuple[str, str]     # a review, or (premise, hypothesis)
    label: int
    label_name: str
    probability: float      # probability of the predicted label


@torch.no_grad()
def predict(model, tokenizer, texts: str | Sequence[str] | Sequence[tuple[str, str]], max_seq_length: int = 128,
            batch_size: int = 64) -> list[Prediction]:
    """Label, its name (model.config.id2label; NSMC: 0 = 부정 negative, 1 = 긍정 positive) and probability for each
    text; a str is one text. Pair classification: a list of (premise, hypothesis) pairs, read as
    `tokenizer(premises, hypotheses)`. Notebook 07, 5. 직접 쓴 리뷰로 예측하기."""
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
            pairs = isinstance(chunk[0], (tuple, list))           # (premise, hypothesis) items: two columns
            columns = [list(column) for column in zip(*chunk)] if pairs else [chunk]
            batch = tokenizer(*columns, truncation=True, max_length=max_seq_length, padding=True, return_tensors="pt")
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
    test_acc: float | None          # None for a task that measures no accuracy (its figures: `metrics`)
    best_checkpoint: str
    finetuned_dir: Path
    task: pl.LightningModule        # the task's LightningModule (ClassificationTask for both classifications)
    tokenizer: object
    run_dir: Path | None = None
    status: str = "new"         # "new", "resumed", or "already finished" (figures from its run.json; nothing ran)
    test_f1: float | None = None    # macro-F1, with more than two labels
    metrics: dict = dataclasses.field(default_factory=dict)   # every test_* figure the task logged (run.json)


# ---- stages 1→7 in one call (notebook 07, 9. 한데 모으기) -------------------------------------------------------

@runs_locked_until_end()       # its run stays marked in use through fit, test and save (guards.py)
def train(args, callbacks: Sequence[pl.Callback] = (), resume: Resume = True, report: Report = no_report,
          **trainer_overrides) -> TrainingResult:
    """Stages 1→7 in one call (notebook 07, 9. 한데 모으기: `train(args)`; notebook 08, 4. 학습: `train(args)`):
    corpus, pretrained model, tokenizer, data loaders, task, fit, test, save. `report(stage, text)` is called as
    each stage is done. A run that finished `args.epochs` on the same inputs is neither trained nor tested again:
    its recorded figures come back (status "already finished"). `resume=False` trains a new run; `resume="require"`
    fails (RunError, saying what changed) unless a run with the same inputs can continue."""
    check_monitor(args.monitor)
    stages = restore(args, upto=4, report=report)
    model, tokenizer, kind = stages.model, stages.tokenizer, get_task(args)
    module = kind.lightning_module
    run = choose_run(args, trainer_overrides, resume, reuse_finished=True)
    recorded = finished_result(run, args)
    if recorded:
        report(7, f"학습: 같은 입력으로 에포크 {args.epochs}번을 이미 마친 실행 폴더 {shown_path(run.directory)}, 기록된 "
                  f"{kind.summary(recorded)} (다시 학습하거나 테스트하지 않습니다; "
                  "새로 학습하려면 resume=False, 명령줄에서는 --fresh)")
        best = run.directory / recorded["best_checkpoint"]
        task = module.load_from_checkpoint(best, model=model, args=args, weights_only=False)
        return TrainingResult(recorded["test_loss"], recorded.get("test_acc"), str(best), run.directory / "finetuned",
                              task, tokenizer, run.directory, "already finished", recorded.get("test_f1"),
                              figures_of_test(recorded))
    stages = build_stages(stages, args, 6, report)
    val_loader = stages.val_loader or stages.test_loader    # NSMC validates on its test file, as the book does
    trainer = _make_trainer(args, run, callbacks, trainer_overrides)
    resumed = fit(trainer, stages.task, stages.train_loader, val_loader, args, resume=resume)
    run = recorder_of(trainer).run                         # fit moves to a new run when the checkpoint disagrees
    if resumed:
        report(7, f"이어 학습: {shown_path(resumed)}에서 이어 했습니다")
    best = trainer.checkpoint_callback.best_model_path if trainer.checkpoint_callback else ""
    best = trainer.strategy.broadcast(best)   # DDP: only rank 0 saved it; other ranks' names carry their own val_loss
    task = stages.task
    if best:
        task = module.load_from_checkpoint(best, model=model, args=args, weights_only=False)
    metrics = trainer.test(task, dataloaders=stages.test_loader, verbose=False)[0]
    status, f1, metrics = "resumed" if resumed else "new", metrics.get("test_f1"), figures_of_test(metrics)
    result = lambda finetuned, status: TrainingResult(metrics["test_loss"], metrics.get("test_acc"), best, finetuned,
                                                      task, tokenizer, run.directory, status, f1, metrics)
    if args.fast_dev_run:                   # one batch of each: a check of the code, not a result; nothing is kept
        report(7, "fast_dev_run: 학습, 검증, 테스트를 한 배치씩만 돌려 코드를 점검했습니다 (한 배치의 정확도는 결과가 "
                  "아니므로 보여 주지 않고, 모델도 기록도 저장하지 않습니다)")
        return result(run.directory / "finetuned", "fast_dev_run")
    if not trainer.is_global_zero:          # DDP: rank 0 alone writes the fine-tuned model, run.json and the report
        return result(run.directory / "finetuned", status)
    finetuned = save_finetuned(task.model, tokenizer, args, run_dir=run.directory)
    record_result(run, args, trainer.global_step, metrics, best)
    report(7, f"학습 끝: {kind.summary(metrics)}, 체크포인트 {Path(best).name if best else '없음'}, "
              f"파인튜닝한 모델 저장: {shown_path(finetuned)}")
    return result(finetuned, status)
