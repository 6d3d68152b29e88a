"""Stage 6 for 문서 검색 (notebook 13): a bi-encoder (one BERT embeds queries and documents alike: mean of its token
vectors, unit length), the contrastive loss over in-batch negatives, recall@k and MRR of a ranking, and `search`."""
from __future__ import annotations

import dataclasses
from typing import Sequence

import pytorch_lightning as pl
import torch
import torch.nn.functional as F

from .search_data import false_negatives
from .task import ClassificationTask

__all__ = ["TEMPERATURE", "KS", "mean_pool", "embed_batch", "embed_texts", "in_batch_loss", "ranks_of",
           "retrieval_scores", "evaluate_search", "SearchHit", "search", "SearchTask"]

# Cosines lie in [-1, 1]: at temperature 1 a perfect ranking (right 1, wrong -1) still costs log(1 + (B-1)e^-2), 1.65
# for a batch of 32; divided by 0.05 the logits span [-20, 20] and the softmax can put almost all on the right one
TEMPERATURE = 0.05
KS = (1, 5)         # recall@1 and recall@5


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """The mean of each row's token vectors over its real tokens ([CLS] and [SEP] included, padding not).
    Notebook 13, 6. 태스크: 평균 풀링 (mean pooling)."""
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)


def embed_batch(model, batch: dict) -> torch.Tensor:
    """Unit-length embeddings of one padded batch: mean-pooled last hidden states of the model's BERT body
    (`base_model`: the model itself for AutoModel), L2-normalised (so that a dot product is the cosine similarity)."""
    hidden = model.base_model(**batch).last_hidden_state
    return F.normalize(mean_pool(hidden, batch["attention_mask"]), dim=-1)


@torch.no_grad()
def embed_texts(model, tokenizer, texts: Sequence[str], max_seq_length: int, batch_size: int = 64) -> torch.Tensor:
    """Unit-length embeddings of `texts` (eval mode; the model's mode is restored), one row per text."""
    was_training, device = model.training, next(model.parameters()).device
    model.eval()
    try:
        rows = [embed_batch(model, tokenizer(list(texts[start:start + batch_size]), truncation=True, padding=True,
                                             max_length=max_seq_length, return_tensors="pt").to(device))
                for start in range(0, len(texts), batch_size)]
    finally:
        model.train(was_training)
    return torch.cat(rows).cpu()


def in_batch_loss(queries: torch.Tensor, documents: torch.Tensor, doc_index: torch.Tensor | None = None,
                  temperature: float = TEMPERATURE) -> torch.Tensor:
    """Contrastive loss with in-batch negatives: row i of queries × documentsᵀ / temperature is a classification
    whose right class is column i (its own document); every other document of the batch is a negative, except one
    that is the same document (`doc_index`), whose logit is masked out. Notebook 13, 6. 태스크: 대조 손실."""
    logits = queries @ documents.T / temperature
    if doc_index is not None:
        logits = logits.masked_fill(false_negatives(doc_index), float("-inf"))
    return F.cross_entropy(logits, torch.arange(len(queries), device=queries.device))


def ranks_of(scores: torch.Tensor, right: torch.Tensor) -> torch.Tensor:
    """Rank (1 = first) of each query's right document among all: 1 + the documents scored higher than it.
    `scores`: queries × documents; `right[i]`: the column of query i's document. Notebook 13, 7. 평가."""
    own = scores.gather(1, right[:, None])
    return 1 + (scores > own).sum(1)


def retrieval_scores(scores: torch.Tensor, right: torch.Tensor, ks: Sequence[int] = KS) -> dict[str, float]:
    """recall@k (share of queries whose right document is among the first k) for each k, and MRR (the mean of
    1 / rank). Notebook 13, 7. 평가: recall@k와 MRR."""
    ranks = ranks_of(scores, right).float()
    figures = {f"recall_at_{k}": float((ranks <= k).float().mean()) for k in ks}
    figures["mrr"] = float((1 / ranks).mean())
    return figures


def evaluate_search(model, dataset) -> dict[str, float]:
    """recall@k and MRR of `dataset`'s queries searched among its documents (a SearchDataset)."""
    queries = embed_texts(model, dataset.tokenizer, dataset.queries, dataset.max_seq_length)
    documents = embed_texts(model, dataset.tokenizer, dataset.documents, dataset.max_seq_length)
    return retrieval_scores(queries @ documents.T, torch.tensor(dataset.doc_index))


@dataclasses.dataclass
class SearchHit:
    """One document found for a query (notebook 13, 7. 내 질문으로 검색하기)."""

    rank: int
    score: float        # cosine similarity of the query and the document
    index: int          # its position in the documents searched
    document: str


def search(model, tokenizer, query: str, documents: Sequence[str], k: int = 5, max_seq_length: int = 128,
           document_embeddings: torch.Tensor | None = None) -> list[SearchHit]:
    """The `k` documents most similar to `query` (cosine of the embeddings), best first. `document_embeddings`:
    embed_texts of `documents`, computed once for many queries. Notebook 13, 7. 내 질문으로 검색하기."""
    if document_embeddings is None:
        document_embeddings = embed_texts(model, tokenizer, documents, max_seq_length)
    scores = embed_texts(model, tokenizer, [query], max_seq_length)[0] @ document_embeddings.T
    top = scores.topk(min(k, len(documents)))
    return [SearchHit(rank + 1, round(float(score), 4), int(index), documents[int(index)])
            for rank, (score, index) in enumerate(zip(top.values, top.indices))]


class SearchTask(pl.LightningModule):
    """Fine-tunes a bi-encoder: logs `train_loss` every step and {val,test}_loss (the in-batch loss); on test, the
    held-out queries searched among their documents: `test_recall_at_1`, `test_recall_at_5`, `test_mrr`, each also
    `…_before` (the pretrained embeddings, measured when fitting starts on the validation collection and kept in the
    checkpoints). Notebook 13, 6. 태스크: `SearchTask`."""

    def __init__(self, model: torch.nn.Module, args, temperature: float = TEMPERATURE):
        super().__init__()
        self.model = model.train()          # from_pretrained returns eval mode; training needs train mode
        self.args, self.temperature = args, temperature
        self.save_hyperparameters({"args": dataclasses.asdict(args), "temperature": temperature})
        self.before: dict[str, float] = {}

    def _loss(self, batch: dict) -> torch.Tensor:
        queries, documents = embed_batch(self.model, batch["query"]), embed_batch(self.model, batch["document"])
        return in_batch_loss(queries, documents, batch["doc_index"], self.temperature)

    def training_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        loss = self._loss(batch)
        self.log("train_loss", loss, on_step=True, on_epoch=False, prog_bar=True)
        return loss

    def _evaluate(self, batch: dict, stage: str) -> torch.Tensor:
        loss = self._loss(batch)
        self.log(f"{stage}_loss", loss, on_epoch=True, prog_bar=True, batch_size=len(batch["doc_index"]),
                 sync_dist=True)
        return loss

    def validation_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        return self._evaluate(batch, "val")

    def test_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        return self._evaluate(batch, "test")

    def on_train_start(self) -> None:
        """The pretrained embeddings' figures, before the first step (not again when a run resumes)."""
        if self.before or self.args.fast_dev_run:
            return
        figures = evaluate_search(self.model, self.trainer.val_dataloaders.dataset)
        self.before = {f"test_{name}_before": value for name, value in figures.items()}

    def on_test_epoch_end(self) -> None:
        if self.args.fast_dev_run:
            return
        for name, value in evaluate_search(self.model, self.trainer.test_dataloaders.dataset).items():
            self.log(f"test_{name}", value)
        for name, value in self.before.items():
            self.log(name, value)

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        checkpoint["search_before"] = dict(self.before)

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        self.before = dict(checkpoint.get("search_before", {}))

    configure_optimizers = ClassificationTask.configure_optimizers   # AdamW, warmup then linear decay, every step
