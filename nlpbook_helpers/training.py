"""Stage 7 (notebook 07): the trainer, fit (and resume), test, predict, save the fine-tuned model."""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Callable, Sequence

import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import LearningRateMonitor, ModelCheckpoint
from pytorch_lightning.loggers import CSVLogger

from .corpus import download_corpus, load_corpus
from .data import NsmcDataset, make_dataloader
from .model import count_parameters, load_pretrained_model, prepare_pretrained
from .settings import shown_path
from .task import ClassificationTask
from .tokenizer import check_vocab_matches, load_tokenizer

__all__ = ["LABEL_NAMES", "Prediction", "TrainingResult", "resolve_precision", "make_trainer", "last_checkpoint",
           "fit", "predict", "save_finetuned", "prepare_stages", "train"]

LABEL_NAMES = {0: "부정", 1: "긍정"}


def resolve_precision(precision: str) -> str:
    """'auto': bf16-mixed on a GPU that has bf16, 16-mixed on older GPUs (Colab's T4), 32-true on the CPU."""
    if precision != "auto":
        return precision
    if torch.cuda.is_available():
        return "bf16-mixed" if torch.cuda.is_bf16_supported() else "16-mixed"
    return "32-true"


def checkpoint_dir(args) -> Path:
    return Path(args.downstream_model_dir).expanduser() / "checkpoints"


def last_checkpoint(args) -> Path | None:
    """`<downstream_model_dir>/checkpoints/last.ckpt` if an earlier (possibly interrupted) run left one."""
    path = checkpoint_dir(args) / "last.ckpt"
    return path if path.is_file() else None


def make_trainer(args, callbacks: Sequence[pl.Callback] = (), **overrides) -> pl.Trainer:
    """A Lightning Trainer: best checkpoint by `args.monitor` plus `last.ckpt` (for resuming) in
    `<downstream_model_dir>/checkpoints`, CSV logs in `<downstream_model_dir>/logs`, LR logged every step.
    `overrides` go straight to `pl.Trainer` (e.g. `max_steps=20`, `limit_val_batches=2`)."""
    mode, _, metric = args.monitor.partition(" ")
    model_dir = Path(args.downstream_model_dir).expanduser()
    checkpoint = ModelCheckpoint(dirpath=checkpoint_dir(args), filename="best-epoch{epoch}-{" + metric + ":.4f}",
                                 monitor=metric, mode=mode, save_top_k=args.save_top_k, save_last=True,
                                 auto_insert_metric_name=False)
    options = dict(
        max_epochs=args.epochs, accelerator=args.accelerator, devices=args.devices, strategy=args.strategy,
        precision=resolve_precision(args.precision), fast_dev_run=args.fast_dev_run,
        callbacks=[checkpoint, LearningRateMonitor(logging_interval="step"), *callbacks],
        logger=CSVLogger(save_dir=model_dir, name="logs"), log_every_n_steps=args.log_every_n_steps,
        enable_progress_bar=args.progress_bar, enable_model_summary=False, default_root_dir=model_dir,
        deterministic=True,
    )
    options.update(overrides)
    return pl.Trainer(**options)


def fit(trainer: pl.Trainer, task: ClassificationTask, train_loader, val_loader, args, resume: bool = True) -> Path | None:
    """`trainer.fit`, continuing from `last.ckpt` when `resume` and one exists; returns the checkpoint resumed from."""
    resume_from = last_checkpoint(args) if resume else None
    trainer.fit(task, train_dataloaders=train_loader, val_dataloaders=val_loader,
                ckpt_path=str(resume_from) if resume_from else None)
    return resume_from


@dataclasses.dataclass
class Prediction:
    text: str
    label: int
    label_name: str
    probability: float      # probability of the predicted label


@torch.no_grad()
def predict(model, tokenizer, texts: Sequence[str], max_seq_length: int = 128, batch_size: int = 64) -> list[Prediction]:
    """Label and probability for each text (0 = 부정 negative, 1 = 긍정 positive)."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    results = []
    for start in range(0, len(texts), batch_size):
        chunk = list(texts[start:start + batch_size])
        batch = tokenizer(chunk, truncation=True, max_length=max_seq_length, padding=True, return_tensors="pt")
        probabilities = model(**batch.to(device)).logits.float().softmax(-1).cpu()
        for text, row in zip(chunk, probabilities):
            label = int(row.argmax())
            results.append(Prediction(text, label, LABEL_NAMES.get(label, str(label)), float(row[label])))
    model.train(was_training)
    return results


def save_finetuned(model, tokenizer, args) -> Path:
    """`save_pretrained` of the fine-tuned model and its tokenizer into `<downstream_model_dir>/finetuned`,
    loadable later with `BertForSequenceClassification.from_pretrained(that_dir)`."""
    directory = Path(args.downstream_model_dir).expanduser() / "finetuned"
    model.config.id2label = dict(LABEL_NAMES)
    model.config.label2id = {name: label for label, name in LABEL_NAMES.items()}
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


@dataclasses.dataclass
class TrainingResult:
    test_loss: float
    test_acc: float
    best_checkpoint: str
    finetuned_dir: Path
    task: ClassificationTask
    tokenizer: object


def prepare_stages(args, report: Callable[[int, str], None] = lambda stage, text: None):
    """Stages 2→4: corpus (downloaded or written once), pretrained model (built once offline), its tokenizer."""
    download_corpus(args)
    corpus = load_corpus(args)
    report(2, f"corpus: {len(corpus.train)} train / {len(corpus.test)} test reviews")
    prepare_pretrained(args)
    model = load_pretrained_model(args)
    report(3, f"pretrained model: {shown_path(args.pretrained_model_name)} ({count_parameters(model):,} parameters)")
    tokenizer = load_tokenizer(args)
    check_vocab_matches(tokenizer, model)
    report(4, f"tokenizer: {len(tokenizer)} tokens")
    return corpus, model, tokenizer


def train(args, callbacks: Sequence[pl.Callback] = (), resume: bool = True,
          report: Callable[[int, str], None] = lambda stage, text: None, **trainer_overrides) -> TrainingResult:
    """Stages 2→7 in one call: corpus, pretrained model, tokenizer, data loaders, task, fit, test, save.
    `report(stage, text)` is called as each stage is done (the command line prints it)."""
    pl.seed_everything(args.seed, workers=True, verbose=False)
    corpus, model, tokenizer = prepare_stages(args, report)
    cache_dir = Path(args.downstream_model_dir).expanduser() / "features"
    train_set = NsmcDataset(corpus.train, tokenizer, args.max_seq_length, cache_dir=cache_dir)
    test_set = NsmcDataset(corpus.test, tokenizer, args.max_seq_length, cache_dir=cache_dir)
    train_loader = make_dataloader(train_set, args, tokenizer, train=True)
    test_loader = make_dataloader(test_set, args, tokenizer, train=False)
    report(5, f"data loaders: {len(train_loader)} train / {len(test_loader)} test batches ({args.padding} padding)")
    task = ClassificationTask(model, args)
    trainer = make_trainer(args, callbacks, **trainer_overrides)
    report(6, f"task: AdamW lr={args.learning_rate}, linear warmup {args.warmup_ratio:.0%} then decay")
    resumed = fit(trainer, task, train_loader, test_loader, args, resume=resume)
    if resumed:
        report(7, f"resumed from {resumed}")
    best = trainer.checkpoint_callback.best_model_path if trainer.checkpoint_callback else ""
    if best:
        task = ClassificationTask.load_from_checkpoint(best, model=model, args=args, weights_only=False)
    metrics = trainer.test(task, dataloaders=test_loader, verbose=False)[0]
    finetuned = save_finetuned(task.model, tokenizer, args)
    return TrainingResult(metrics["test_loss"], metrics["test_acc"], best, finetuned, task, tokenizer)
