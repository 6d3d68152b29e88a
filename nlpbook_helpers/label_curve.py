"""The label curve (notebook 07, 10. 프리트레인이 주는 것: 레이블 수에 따른 정확도): test accuracy after fine-tuning on
a few labeled reviews, for the pretrained tiny BERT and its random-weight twin. views/label_curve.py draws it."""
from __future__ import annotations

import dataclasses
import math
import random
import time
import warnings
from typing import Callable, Mapping, Sequence

import pytorch_lightning as pl

from .corpus import Example
from .data import NsmcDataset, make_dataloader
from .guards import quiet_lightning
from .model import load_pretrained_model
from .settings import Arguments, resolve_precision
from .stages import restore
from .task import ClassificationTask

__all__ = ["labeled_subset", "label_curve"]


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
        stages = restore(args, upto=4)          # corpus (checked), pretrained model, tokenizer: stages 2–4
        corpus, tokenizer = stages.corpus, stages.tokenizer
        test_set = NsmcDataset(corpus.test, tokenizer, args.max_seq_length)
        test_loader = make_dataloader(test_set, args, tokenizer, train=False)
        for size in sizes:
            count = len(corpus.train) if size == "all" else int(size)
            for seed in seeds:
                started = time.perf_counter()
                subset = labeled_subset(corpus.train, count, seed)
                with quiet_lightning():
                    accuracy, steps = _fit_and_test(dataclasses.replace(args, seed=seed), subset, test_loader,
                                                    tokenizer, min_steps)
                row = {"model": name, "labels": len(subset), "seed": seed, "test_acc": accuracy, "steps": steps,
                       "seconds": time.perf_counter() - started}
                rows.append(row)
                if report is not None:
                    report(row)
    return rows
