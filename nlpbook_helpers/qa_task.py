"""Stages 6 and 7 for 질의응답 (notebook 12): the task (the loss of AutoModelForQuestionAnswering on each window; on
validation and test, every question answered from all its windows, then exact match and F1) and a question answered
on a context of your own."""
from __future__ import annotations

import dataclasses

import pytorch_lightning as pl
import torch

from .qa_answers import Candidate, best_answer, qa_scores
from .qa_corpus import QaExample
from .qa_data import QaDataset, encode_windows
from .task import ClassificationTask, gather_lists

__all__ = ["QaTask", "answer_questions", "predict_answer"]


def answer_questions(dataset: QaDataset, logits: dict[int, tuple[list, list]]) -> list[Candidate]:
    """The answer of every question of the dataset from the (start, end) logits of its windows (by feature index).
    Notebook 12, 6. 태스크: 후처리."""
    windows: list[list] = [[] for _ in dataset.examples]
    for feature, (start, end) in sorted(logits.items()):
        windows[dataset.example_index[feature]].append((start, end, dataset.offsets[feature]))
    return [best_answer(example.context, found) for example, found in zip(dataset.examples, windows)]


class QaTask(pl.LightningModule):
    """Fine-tunes a span extractor: the model's own loss (cross entropy of the start and of the end token, averaged)
    per window; logs train_loss every step, {val,test}_loss, and at each epoch's end {val,test}_exact_match and
    {val,test}_f1 of the questions answered over all their windows. Notebook 12, 6. 태스크: `QaTask`."""

    def __init__(self, model: torch.nn.Module, args):
        super().__init__()
        self.model = model.train()          # from_pretrained returns eval mode; training needs train mode
        self.args = args
        self.save_hyperparameters({"args": dataclasses.asdict(args)})
        self.logits: dict[int, tuple[list, list]] = {}     # feature index → (start, end) logits of this epoch

    def forward(self, **batch):
        return self.model(**batch)

    def training_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        batch = {name: value for name, value in batch.items() if name != "feature_index"}
        loss = self.model(**batch).loss
        self.log("train_loss", loss, on_step=True, on_epoch=False, prog_bar=True)
        return loss

    def _evaluate(self, batch: dict, stage: str) -> torch.Tensor:
        features = batch.pop("feature_index").tolist()
        output = self.model(**batch)
        self.log(f"{stage}_loss", output.loss, on_epoch=True, prog_bar=True, batch_size=len(features), sync_dist=True)
        for row, feature in enumerate(features):
            self.logits[feature] = (output.start_logits[row].tolist(), output.end_logits[row].tolist())
        return output.loss

    def _log_answers(self, stage: str) -> None:
        loader = getattr(self.trainer, f"{'val' if stage == 'val' else 'test'}_dataloaders")
        dataset, logits, self.logits = loader.dataset, dict(gather_lists(list(self.logits.items()))), {}   # all ranks
        if self.trainer.sanity_checking or len(logits) < len(dataset):
            return                      # a few batches only (sanity check, limit_*_batches): no figure of the split
        answers = answer_questions(dataset, logits)
        scores = qa_scores([answer.text for answer in answers],
                           [[text for text, _ in example.answers] for example in dataset.examples])
        for name, value in scores.items():
            self.log(f"{stage}_{name}", value, sync_dist=True)    # the same on every rank

    def validation_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        return self._evaluate(batch, "val")

    def on_validation_epoch_end(self) -> None:
        self._log_answers("val")

    def test_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        return self._evaluate(batch, "test")

    def on_test_epoch_end(self) -> None:
        self._log_answers("test")

    configure_optimizers = ClassificationTask.configure_optimizers   # AdamW, warmup then linear decay, every step


@torch.no_grad()
def predict_answer(model, tokenizer, question: str, context: str, max_seq_length: int = 128,
                   doc_stride: int | None = None) -> Candidate:
    """The answer to a question on a context: every window through the model, the best span over all of them
    (end >= start, context tokens only). Notebook 12, 7. 내 질문으로 해 보기: `predict_answer`."""
    if not question.strip() or not context.strip():
        raise ValueError("predict_answer needs a question and a context (both empty of text now)")
    encoded = encode_windows([QaExample("", "", context, question, ())], tokenizer, max_seq_length, doc_stride)
    was_training, device = model.training, next(model.parameters()).device
    try:
        batch = tokenizer.pad({name: encoded[name] for name in ("input_ids", "token_type_ids", "attention_mask")
                               if name in encoded}, return_tensors="pt")      # the last window may be shorter
        output = model.eval()(**{name: value.to(device) for name, value in batch.items()})
    finally:
        model.train(was_training)
    return best_answer(context, [(start.tolist(), end.tolist(), offsets) for start, end, offsets
                                 in zip(output.start_logits, output.end_logits, encoded["offsets"])])
