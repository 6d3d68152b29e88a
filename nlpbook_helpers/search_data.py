"""Stage 5 for 문서 검색 (notebook 13): (query, document) pairs → two padded batches, a query batch and a document
batch, plus each pair's document number; two pairs that share a document mark a false negative, which the loss
masks (`false_negatives`)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch
from torch.utils.data import Dataset
from transformers import DataCollatorWithPadding

from .corpus import CorpusError

__all__ = ["SearchPair", "pairs_from_qa", "SearchDataset", "make_search_collate", "false_negatives"]

FEATURES = ("input_ids", "token_type_ids", "attention_mask")


@dataclass(frozen=True, slots=True)
class SearchPair:
    """One query and the one document that answers it (`doc_id` names the document; equal ids, equal text).
    Notebook 13, 2. 말뭉치: 질문과 문서."""

    query: str
    doc_id: str
    document: str


def pairs_from_qa(examples: Sequence, prefix: str) -> list[SearchPair]:
    """Search pairs from question-answering examples (anything with `.question` and `.context`): the query is the
    question, the document its context; contexts get ids `<prefix>-<n>` in order of first appearance (a paragraph
    with several questions is one document). Notebook 13, 2. 말뭉치."""
    ids: dict[str, str] = {}
    pairs = []
    for example in examples:
        doc_id = ids.setdefault(example.context, f"{prefix}-{len(ids)}")
        pairs.append(SearchPair(example.question, doc_id, example.context))
    return pairs


def _tokenized(tokenizer, texts: list[str], max_seq_length: int) -> list[dict]:
    encoded = tokenizer(texts, truncation=True, max_length=max_seq_length)
    return [{name: encoded[name][row] for name in FEATURES if name in encoded} for row in range(len(texts))]


class SearchDataset(Dataset):
    """Queries and their documents tokenized once (cut at max_seq_length, not padded). `documents`: the distinct
    documents in order of first appearance (the collection these queries are searched in), `doc_index[i]`: the
    number of pair i's document in it. Items: {"query": features, "document": features, "doc_index": int}.
    Notebook 13, 5. 데이터: `SearchDataset`."""

    def __init__(self, pairs: Sequence[SearchPair], tokenizer, max_seq_length: int):
        self.pairs, self.tokenizer, self.max_seq_length = list(pairs), tokenizer, max_seq_length
        if not self.pairs:
            raise CorpusError("SearchDataset got no (query, document) pairs: the split is empty (check the corpus "
                              "files and max_*_examples)")
        numbers: dict[str, int] = {}
        self.documents: list[str] = []
        for pair in self.pairs:
            if pair.doc_id not in numbers:
                numbers[pair.doc_id] = len(self.documents)
                self.documents.append(pair.document)
        self.doc_index = [numbers[pair.doc_id] for pair in self.pairs]
        self.queries = [pair.query for pair in self.pairs]
        self.query_features = _tokenized(tokenizer, self.queries, max_seq_length)
        self.document_features = _tokenized(tokenizer, self.documents, max_seq_length)
        self.lengths = [len(self.document_features[number]["input_ids"]) for number in self.doc_index]

    def __len__(self) -> int:
        return len(self.pairs)

    def __getitem__(self, index: int) -> dict:
        return {"query": self.query_features[index], "document": self.document_features[self.doc_index[index]],
                "doc_index": self.doc_index[index]}


def make_search_collate(tokenizer, padding: str = "dynamic", max_seq_length: int | None = None):
    """A collate giving {"query": padded batch, "document": padded batch, "doc_index": tensor}: transformers'
    DataCollatorWithPadding pads the queries and the documents each to their own longest (or to max_seq_length).
    Notebook 13, 5. 데이터: 질문 배치와 문서 배치."""
    if padding not in ("dynamic", "max_length"):
        raise ValueError(f"padding={padding!r}: use 'dynamic' or 'max_length'")
    pad = DataCollatorWithPadding(tokenizer, padding="longest" if padding == "dynamic" else "max_length",
                                  max_length=max_seq_length if padding == "max_length" else None, return_tensors="pt")

    def collate(items: list[dict]) -> dict:
        return {"query": dict(pad([item["query"] for item in items])),
                "document": dict(pad([item["document"] for item in items])),
                "doc_index": torch.tensor([item["doc_index"] for item in items])}
    return collate


def false_negatives(doc_index: torch.Tensor) -> torch.Tensor:
    """[i, j] is True where pair j's document is pair i's own although j ≠ i: in the in-batch similarity matrix that
    entry would count the right document as a wrong one (a false negative). Notebook 13, 5. 데이터: 같은 문서."""
    same = doc_index[:, None] == doc_index[None, :]
    return same & ~torch.eye(len(doc_index), dtype=torch.bool, device=doc_index.device)
