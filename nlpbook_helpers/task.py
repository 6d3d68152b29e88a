"""Stage 6 (notebook 06): the task — a LightningModule holding the model, AdamW, a warmup/decay LR schedule
that steps every batch, and accuracy from torchmetrics (plus macro-F1 with more than two labels)."""
from __future__ import annotations

import dataclasses

import pytorch_lightning as pl
import torch
from torchmetrics.classification import MulticlassAccuracy, MulticlassF1Score
from transformers import get_linear_schedule_with_warmup

from .settings import ArgumentsError

__all__ = ["ClassificationTask", "LOGGED_METRICS", "check_monitor", "make_optimizer", "make_scheduler", "gather_lists"]

# what ClassificationTask logs while fitting (`args.monitor` must name one of them); test_* come from trainer.test.
# With more than two labels it also logs val_f1 / test_f1 (macro-F1: each label counts the same, however rare).
LOGGED_METRICS = ("val_loss", "val_acc", "train_loss", "train_acc")


def check_monitor(monitor: str) -> None:
    """Raise ArgumentsError at once (not after an epoch) when `monitor` names a metric the task does not log.
    Notebook 07, 2. 트레이너 만들기 (the checkpoint's monitor)."""
    direction, _, metric = monitor.partition(" ")
    if direction not in ("min", "max") or metric not in LOGGED_METRICS:
        raise ArgumentsError(f"monitor={monitor!r}: the task logs {', '.join(LOGGED_METRICS)}; write '<min|max> "
                             "<metric>' with one of them, e.g. 'min val_loss' (the default) or 'max val_acc'")


def gather_lists(items: list) -> list:
    """`items` of every process, rank after rank, when several train one run (DDP); `items` itself otherwise.
    For figures a torchmetrics metric cannot hold (entity F1 over label strings, answers over windows): each rank
    sees its own shard of the test set, and a figure from one shard is not the test figure."""
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return items
    shards: list = [None] * dist.get_world_size()
    dist.all_gather_object(shards, items)
    return [item for shard in shards for item in shard]


def make_optimizer(model: torch.nn.Module, learning_rate: float, weight_decay: float) -> torch.optim.AdamW:
    """AdamW with weight decay on weights only (no decay on biases and LayerNorm), as in BERT's recipe.
    Notebook 06, 3. 옵티마이저: AdamW와 weight decay 그룹."""
    decay, no_decay = [], []
    for name, parameter in model.named_parameters():
        if parameter.requires_grad:
            (no_decay if parameter.ndim < 2 else decay).append(parameter)
    groups = [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=learning_rate)


def make_scheduler(optimizer, total_steps: int, warmup_ratio: float):
    """Linear warmup for `warmup_ratio` of the steps, then linear decay to 0 (transformers' schedule).
    Notebook 06, 4. 학습률 스케줄러: 워밍업 뒤 선형 감소."""
    warmup_steps = int(total_steps * warmup_ratio)
    return get_linear_schedule_with_warmup(optimizer, num_warmup_steps=warmup_steps, num_training_steps=total_steps)


class ClassificationTask(pl.LightningModule):
    """Fine-tunes a sequence classifier: logs `train_loss` every step, `val_loss`/`val_acc` every epoch
    (and `val_f1`, macro-F1, when the model has more than two labels). Notebook 06, 2. 태스크란."""

    def __init__(self, model: torch.nn.Module, args):
        super().__init__()
        self.model = model.train()          # from_pretrained returns eval mode; training needs train mode
        self.args = args
        self.save_hyperparameters({"args": dataclasses.asdict(args)})
        num_labels = model.config.num_labels
        self.train_acc = MulticlassAccuracy(num_classes=num_labels, average="micro")
        self.val_acc = MulticlassAccuracy(num_classes=num_labels, average="micro")
        self.test_acc = MulticlassAccuracy(num_classes=num_labels, average="micro")
        if num_labels > 2:                  # two labels (NSMC) log exactly what they always did
            self.val_f1 = MulticlassF1Score(num_classes=num_labels, average="macro")
            self.test_f1 = MulticlassF1Score(num_classes=num_labels, average="macro")

    def forward(self, **batch):
        return self.model(**batch)

    def training_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        output = self.model(**batch)
        self.train_acc(output.logits.argmax(-1), batch["labels"])
        self.log("train_loss", output.loss, on_step=True, on_epoch=False, prog_bar=True)
        self.log("train_acc", self.train_acc, on_step=False, on_epoch=True)
        return output.loss

    def _evaluate(self, batch: dict, stage: str, metric: MulticlassAccuracy) -> torch.Tensor:
        output = self.model(**batch)
        metric(output.logits.argmax(-1), batch["labels"])
        size = batch["labels"].shape[0]
        self.log(f"{stage}_loss", output.loss, on_epoch=True, prog_bar=True, batch_size=size,
                 sync_dist=True)   # DDP: the mean over all processes' batches (alone: nothing changes)
        self.log(f"{stage}_acc", metric, on_epoch=True, prog_bar=True, batch_size=size)
        f1 = getattr(self, f"{stage}_f1", None)
        if f1 is not None:
            f1(output.logits.argmax(-1), batch["labels"])
            self.log(f"{stage}_f1", f1, on_epoch=True, batch_size=size)
        return output.loss

    def validation_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        return self._evaluate(batch, "val", self.val_acc)

    def test_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        return self._evaluate(batch, "test", self.test_acc)

    def configure_optimizers(self):
        optimizer = make_optimizer(self.model, self.args.learning_rate, self.args.weight_decay)
        scheduler = make_scheduler(optimizer, int(self.trainer.estimated_stepping_batches), self.args.warmup_ratio)
        # "interval": "step" makes Lightning step the schedule after every batch, not once per epoch.
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}
