"""Stages 6 and 7 for 개체명 인식 (notebook 10): the task (loss over real subwords only, entity-level F1 from
seqeval) and a sentence's entities grouped back to character spans (transformers' token-classification pipeline)."""
from __future__ import annotations

import dataclasses
from typing import Sequence

import pytorch_lightning as pl
import torch
from torchmetrics.classification import MulticlassAccuracy

from .ner_data import IGNORED
from .task import ClassificationTask, gather_lists

__all__ = ["NerTask", "Entity", "entity_scores", "label_sequences", "predict_entities"]


def label_sequences(predictions: torch.Tensor, labels: torch.Tensor, names: Sequence[str]) -> tuple[list, list]:
    """(gold, predicted) label names per sentence, at the positions whose gold label is not IGNORED.
    Notebook 10, 6. 태스크: 개체 단위 F1."""
    gold, predicted = [], []
    for row_predictions, row_labels in zip(predictions.tolist(), labels.tolist()):
        kept = [(p, g) for p, g in zip(row_predictions, row_labels) if g != IGNORED]
        gold.append([names[g] for _, g in kept])
        predicted.append([names[p] for p, _ in kept])
    return gold, predicted


def entity_scores(gold: list[list[str]], predicted: list[list[str]]) -> dict[str, float]:
    """Entity-level micro precision, recall and F1 (an entity counts only when its tag and all its tokens match),
    and the F1 of each tag found in `gold` (f1_PER, ...): seqeval, conlleval's rules. Notebook 10, 6. 태스크."""
    from seqeval.metrics import classification_report   # imported here: importing the package stays light

    report = classification_report(gold, predicted, output_dict=True, zero_division=0)
    micro = report["micro avg"]
    scores = {"precision": micro["precision"], "recall": micro["recall"], "f1": micro["f1-score"]}
    scores.update({f"f1_{tag}": values["f1-score"] for tag, values in report.items()
                   if not tag.endswith(" avg") and values["support"] > 0})
    return {name: float(value) for name, value in scores.items()}


class NerTask(pl.LightningModule):
    """Fine-tunes a token classifier: the loss of AutoModelForTokenClassification skips IGNORED labels; logs
    train_loss every step, {val,test}_loss and token accuracy {val,test}_acc, and at each epoch's end the entity
    F1 {val,test}_f1 (test: also precision, recall and f1 per tag). Notebook 10, 6. 태스크: `NerTask`."""

    def __init__(self, model: torch.nn.Module, args):
        super().__init__()
        self.model = model.train()          # from_pretrained returns eval mode; training needs train mode
        self.args = args
        self.save_hyperparameters({"args": dataclasses.asdict(args)})
        self.names = [model.config.id2label[label] for label in range(model.config.num_labels)]
        self.val_acc = MulticlassAccuracy(num_classes=len(self.names), average="micro", ignore_index=IGNORED)
        self.test_acc = MulticlassAccuracy(num_classes=len(self.names), average="micro", ignore_index=IGNORED)
        self.sequences: tuple[list, list] = ([], [])     # gold and predicted label names of this epoch's sentences

    def forward(self, **batch):
        return self.model(**batch)

    def training_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        loss = self.model(**batch).loss
        self.log("train_loss", loss, on_step=True, on_epoch=False, prog_bar=True)
        return loss

    def _evaluate(self, batch: dict, stage: str) -> torch.Tensor:
        output = self.model(**batch)
        predictions, size = output.logits.argmax(-1), batch["labels"].shape[0]
        accuracy = getattr(self, f"{stage}_acc")
        accuracy(predictions, batch["labels"])
        self.log(f"{stage}_loss", output.loss, on_epoch=True, prog_bar=True, batch_size=size, sync_dist=True)
        self.log(f"{stage}_acc", accuracy, on_epoch=True, batch_size=size)
        gold, predicted = label_sequences(predictions, batch["labels"], self.names)
        self.sequences[0].extend(gold), self.sequences[1].extend(predicted)
        return output.loss

    def _log_entity_scores(self, stage: str) -> None:
        pairs = gather_lists(list(zip(*self.sequences)))           # (gold, predicted) of every rank's sentences
        scores = entity_scores([gold for gold, _ in pairs], [predicted for _, predicted in pairs]) if pairs else {}
        self.sequences = ([], [])
        for name, value in scores.items():
            if stage == "test" or name == "f1":
                self.log(f"{stage}_{name}", value, sync_dist=True)   # the same on every rank (gathered)

    def validation_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        return self._evaluate(batch, "val")

    def on_validation_epoch_end(self) -> None:
        self._log_entity_scores("val")

    def test_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        return self._evaluate(batch, "test")

    def on_test_epoch_end(self) -> None:
        self._log_entity_scores("test")

    configure_optimizers = ClassificationTask.configure_optimizers   # AdamW, warmup then linear decay, every step


@dataclasses.dataclass
class Entity:
    """One entity found in a sentence: text[start:end] == surface. Notebook 10, 7. 내 문장으로 해 보기."""

    surface: str
    tag: str
    start: int
    end: int
    score: float


@torch.no_grad()
def predict_entities(model, tokenizer, text: str) -> list[Entity]:
    """The entities of one sentence as character spans: transformers' token-classification pipeline labels each
    subword, then (aggregation_strategy="simple") joins a B-TAG and the I-TAG pieces after it into one entity.
    Notebook 10, 7. 내 문장으로 해 보기: `predict_entities`."""
    from transformers import pipeline

    was_training = model.training
    try:
        tagger = pipeline("token-classification", model=model.eval(), tokenizer=tokenizer,
                          aggregation_strategy="simple", device=next(model.parameters()).device)
        found = tagger(text)
    finally:
        model.train(was_training)
    return [Entity(text[item["start"]:item["end"]], item["entity_group"], int(item["start"]), int(item["end"]),
                   round(float(item["score"]), 4)) for item in found]
