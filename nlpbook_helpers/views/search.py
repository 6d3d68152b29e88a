"""Views for 문서 검색 (notebook 13): a (query, document) batch with its in-batch similarity matrix (static view), and
the documents a query finds with their cosine scores (static view + "type a query" widget).

CSS classes: matrix cells `nlpbook-sim` + `nlpbook-sim-right` (its own document), `nlpbook-sim-masked` (the same
document in another row: a false negative, masked) or `nlpbook-sim-negative`; the widget's Text
`nlpbook-search-input`, each hit `div.nlpbook-hit` with `data-rank`, `data-score`.
"""
from __future__ import annotations

import html
from typing import Sequence

import torch

from ..search_data import false_negatives
from ..search_task import SearchHit, embed_batch, embed_texts, search
from .submit import SubmitWidget
from .twin import TextHTML

__all__ = ["batch_similarities", "show_search_batch", "hits_html", "hits_text", "show_hits", "SearchWidget",
           "search_widget"]

CELL = "padding:3px 6px;border:1px solid #ddd;text-align:center;font-family:monospace"
LOOKS = {"right": "background:#c9e7c0;font-weight:bold", "masked": "background:#dcdcdc;color:#888",
         "negative": "background:#fff"}


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


@torch.no_grad()
def batch_similarities(model, batch: dict) -> torch.Tensor:
    """The batch's queries × documents cosine similarities (the model's mode is restored)."""
    was_training = model.training
    model.eval()
    try:
        return embed_batch(model, batch["query"]) @ embed_batch(model, batch["document"]).T
    finally:
        model.train(was_training)


def _kinds(doc_index: torch.Tensor) -> list[list[str]]:
    masked = false_negatives(doc_index)
    return [["right" if i == j else "masked" if masked[i, j] else "negative" for j in range(len(doc_index))]
            for i in range(len(doc_index))]


def show_search_batch(model, tokenizer, batch: dict, width: int = 24) -> TextHTML:
    """A batch's queries and documents (decoded, cut at `width` characters) and their similarity matrix: the
    diagonal is each query's own document (green), a cell of the same document in another column is masked (grey),
    every other cell is an in-batch negative. Notebook 13, 5. 데이터: 배치 안의 네거티브."""
    scores, doc_index = batch_similarities(model, batch), batch["doc_index"].cpu()
    queries = tokenizer.batch_decode(batch["query"]["input_ids"], skip_special_tokens=True)
    documents = tokenizer.batch_decode(batch["document"]["input_ids"], skip_special_tokens=True)
    kinds, size = _kinds(doc_index), len(doc_index)
    head = "".join(f'<th style="{CELL}">D{j}<br><small>문서 {int(doc_index[j])}</small></th>' for j in range(size))
    rows = []
    for i in range(size):
        cells = "".join(f'<td class="nlpbook-sim nlpbook-sim-{kinds[i][j]}" style="{CELL};{LOOKS[kinds[i][j]]}">'
                        f'{scores[i, j]:.2f}</td>' for j in range(size))
        rows.append(f'<tr><th style="{CELL};text-align:left">Q{i} {html.escape(_short(queries[i], width))}</th>{cells}</tr>')
    legend = "".join(f'<li>D{j} (문서 {int(doc_index[j])}): {html.escape(_short(documents[j], 2 * width))}</li>'
                     for j in range(size))
    markup = (f'<table class="nlpbook-search-batch" style="border-collapse:collapse"><tr><th></th>{head}</tr>'
              f'{"".join(rows)}</table><ul style="font-size:90%">{legend}</ul>'
              '<div style="font-size:90%">초록: 정답 문서, 흰색: 배치 안의 네거티브, 회색: 같은 문서(가려서 빼는 칸)</div>')
    marks = {"right": "*", "masked": "x", "negative": " "}
    lines = ["      " + " ".join(f"  D{j:<3}" for j in range(size))]
    lines += [f"Q{i:<4} " + " ".join(f"{scores[i, j]:5.2f}{marks[kinds[i][j]]}" for j in range(size))
              + f"  {_short(queries[i], width)}" for i in range(size)]
    lines += [f"D{j} (문서 {int(doc_index[j])}): {_short(documents[j], 2 * width)}" for j in range(size)]
    lines.append("* 정답 문서, x 같은 문서(가려서 뺌), 나머지는 배치 안의 네거티브")
    return TextHTML(markup, "\n".join(lines))


def hits_html(hits: Sequence[SearchHit], width: int = 90) -> str:
    """Each hit: its rank, cosine score and the document's beginning."""
    return "".join(f'<div class="nlpbook-hit" data-rank="{hit.rank}" data-score="{hit.score:.4f}" '
                   f'style="margin:2px 0"><b>{hit.rank}.</b> <code>{hit.score:.3f}</code> '
                   f'{html.escape(_short(hit.document, width))}</div>' for hit in hits)


def hits_text(hits: Sequence[SearchHit], width: int = 90) -> str:
    """Each hit on a line: rank, cosine score, the document's beginning."""
    return "\n".join(f"{hit.rank}. {hit.score:.3f} {_short(hit.document, width)}" for hit in hits)


def show_hits(hits: Sequence[SearchHit], width: int = 90) -> TextHTML:
    """The documents a query found, best first, with their cosine scores (notebook 13, 7)."""
    return TextHTML(hits_html(hits, width), hits_text(hits, width))


class SearchWidget(SubmitWidget):
    """A text box (Enter or the 검색 button) and the `k` documents most similar to the query, with their scores;
    the documents are embedded once."""

    def __init__(self, model, tokenizer, documents: Sequence[str], query: str = "", k: int = 5,
                 max_seq_length: int = 128):
        self.model, self.tokenizer, self.documents, self.k = model, tokenizer, list(documents), k
        self.max_seq_length, self.hits = max_seq_length, []
        self.embeddings = embed_texts(model, tokenizer, self.documents, max_seq_length)
        super().__init__(query, "질문을 써 보세요 (Enter 또는 검색)", "검색", "nlpbook-search-input")

    def draw(self) -> None:
        query = self.text.value
        self.hits = search(self.model, self.tokenizer, query, self.documents, self.k, self.max_seq_length,
                           self.embeddings) if query.strip() else []
        self.result.value = hits_html(self.hits) if query.strip() else "질문을 입력하세요"

    def text_view(self) -> str:
        return hits_text(self.hits) if self.text.value.strip() else "질문을 입력하세요"

    def __repr__(self) -> str:
        return f"SearchWidget(documents={len(self.documents)}, k={self.k})"


def search_widget(model, tokenizer, documents: Sequence[str], query: str = "", k: int = 5,
                  max_seq_length: int = 128) -> SearchWidget:
    """The "type a query" widget: the `k` documents most similar to it, with cosine scores (needs a kernel)."""
    return SearchWidget(model, tokenizer, documents, query, k, max_seq_length)
