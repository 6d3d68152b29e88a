"""Stage 5 views for 문장 쌍 분류 (notebook 09): a sentence pair as tokens coloured by segment, a pair widget, a batch.

`tokenizer(premise, hypothesis)` gives [CLS] premise [SEP] hypothesis [SEP] and token_type_ids 0 for the first
segment (premise, [CLS] and its [SEP]) and 1 for the second (hypothesis and the last [SEP]).
CSS classes: every token cell `nlpbook-token` + `nlpbook-segment-0` / `nlpbook-segment-1` (its segment also in
`data-segment`, its id in `data-id`; [CLS]/[SEP] add `nlpbook-token-special`, the blue of notebooks 04 and 05); the
length line `nlpbook-pair-length`; the widget's Text boxes `nlpbook-pair-premise` and `nlpbook-pair-hypothesis`.
"""
from __future__ import annotations

import html
import threading
from collections.abc import Sequence

import ipywidgets as widgets

from .batch import batch_html
from .tokens import SEGMENT_LOOK, TOKEN_CELL, TOKEN_LOOK, token_classes
from .twin import StaticTwin

__all__ = ["pair_rows", "pair_html", "pair_text", "show_pair", "PairView", "pair_explorer", "PairExplorer",
           "show_pair_batch", "PairBatchView"]

SEGMENT_NAMES = ("전제", "가설")         # token_type_ids 0 / 1


def pair_rows(tokenizer, premise: str, hypothesis: str, max_seq_length: int) -> dict:
    """What the model gets for the pair: tokens, ids, token_type_ids, and the token counts before truncation."""
    encoded = tokenizer(premise, hypothesis, truncation=True, max_length=max_seq_length)
    full = [len(tokenizer(text, add_special_tokens=False)["input_ids"]) for text in (premise, hypothesis)]
    ids, segments = encoded["input_ids"], encoded["token_type_ids"]
    marks = {tokenizer.cls_token_id, tokenizer.sep_token_id}          # [UNK] stands for text: it counts
    kept = [sum(s == segment and i not in marks for i, s in zip(ids, segments)) for segment in (0, 1)]
    return {"tokens": tokenizer.convert_ids_to_tokens(ids), "ids": ids, "segments": segments,
            "length": len(ids), "kept": kept, "full": full, "max_seq_length": max_seq_length}


def _length_line(rows: dict) -> str:
    kept, full = rows["kept"], rows["full"]
    line = (f"토큰 {rows['length']}개 = 전제 {kept[0]} + 가설 {kept[1]} + 특수 토큰 {rows['length'] - sum(kept)} "
            f"/ max_seq_length {rows['max_seq_length']}")
    cuts = [f"{name} {total - left}개" for name, total, left in zip(SEGMENT_NAMES, full, kept) if total > left]
    return line + (f" (잘림: 긴 쪽부터 {', '.join(cuts)}를 버렸습니다)" if cuts else "")


def pair_html(tokenizer, premise: str, hypothesis: str, max_seq_length: int) -> str:
    """An HTML table: tokens (coloured by segment, [CLS]/[SEP] blue), their ids, their token_type_ids; a length line."""
    rows = pair_rows(tokenizer, premise, hypothesis, max_seq_length)
    token_cells, id_cells, type_cells = [], [], []
    for token, token_id, segment in zip(rows["tokens"], rows["ids"], rows["segments"]):
        classes = token_classes(tokenizer, token, token_id)
        classes.insert(1, f"nlpbook-segment-{segment}")
        looks = [SEGMENT_LOOK[segment]] + [TOKEN_LOOK[c] for c in classes if c in TOKEN_LOOK]
        token_cells.append(f'<td class="{" ".join(classes)}" data-id="{token_id}" data-segment="{segment}" '
                           f'style="{";".join([TOKEN_CELL] + looks)}">{html.escape(token)}</td>')
        id_cells.append(f'<td class="nlpbook-token-id" style="{TOKEN_CELL};color:#666">{token_id}</td>')
        type_cells.append(f'<td class="nlpbook-token-type" style="{TOKEN_CELL};{SEGMENT_LOOK[segment]}">{segment}</td>')
    head = "padding:2px 8px 2px 0;text-align:right;font-weight:normal;color:#666;white-space:nowrap"
    table = "".join(f'<tr><th style="{head}">{name}</th>{"".join(cells)}</tr>' for name, cells in
                    [("토큰", token_cells), ("input_ids", id_cells), ("token_type_ids", type_cells)])
    legend = " ".join(f'<span style="{SEGMENT_LOOK[s]};padding:0 6px">세그먼트 {s}: {name}</span>'
                      for s, name in enumerate(SEGMENT_NAMES))
    length = (f'<div class="nlpbook-pair-length" data-length="{rows["length"]}" data-max="{max_seq_length}" '
              f'style="margin-top:4px">{html.escape(_length_line(rows))}</div>')
    return ('<div class="nlpbook-pair"><table class="nlpbook-pair-table" style="border-collapse:collapse">'
            f'{table}</table><div style="margin-top:4px">{legend}</div>{length}</div>')


def pair_text(tokenizer, premise: str, hypothesis: str, max_seq_length: int) -> str:
    """The same view as plain text: the tokens of each segment on a line, then input_ids and token_type_ids."""
    rows = pair_rows(tokenizer, premise, hypothesis, max_seq_length)
    lines = [f"세그먼트 {s} ({name}): " + " ".join(token for token, segment in zip(rows["tokens"], rows["segments"])
                                                 if segment == s) for s, name in enumerate(SEGMENT_NAMES)]
    lines += [f"input_ids       {rows['ids']}", f"token_type_ids  {rows['segments']}", _length_line(rows)]
    return "\n".join(lines)


class PairView:
    """The static view of one sentence pair: HTML in a notebook, plain text elsewhere."""

    def __init__(self, tokenizer, premise: str, hypothesis: str, max_seq_length: int):
        self.html = pair_html(tokenizer, premise, hypothesis, max_seq_length)
        self.text = pair_text(tokenizer, premise, hypothesis, max_seq_length)

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text


def show_pair(tokenizer, premise: str, hypothesis: str, max_seq_length: int) -> PairView:
    """The tokens, ids and token_type_ids the model gets for a pair (notebook 09, 4. 토크나이저)."""
    return PairView(tokenizer, premise, hypothesis, max_seq_length)


class PairExplorer(StaticTwin, widgets.VBox):
    """Two Text boxes (premise, hypothesis) and the pair's table under them, redrawn at every key press; the stored
    output carries the first pair's table as HTML and text."""

    def __init__(self, tokenizer, max_seq_length: int, premise: str, hypothesis: str):
        self.tokenizer, self.max_seq_length = tokenizer, max_seq_length
        boxes = []
        for value, name, css in [(premise, "전제", "nlpbook-pair-premise"), (hypothesis, "가설", "nlpbook-pair-hypothesis")]:
            box = widgets.Text(value=value, description=name, placeholder=f"{name} 문장을 입력해 보세요",
                               continuous_update=True, layout=widgets.Layout(width="95%"))
            box.add_class(css)
            box.observe(self.redraw, "value")
            boxes.append(box)
        self.premise, self.hypothesis = boxes
        self.view = widgets.HTML()
        self.view.add_class("nlpbook-pair-view")
        self._lock = threading.RLock()      # ipykernel may deliver key events on two threads at once
        self.redraw()
        super().__init__([self.premise, self.hypothesis, self.view])
        self.add_class("nlpbook-pair-explorer")
        self.keep_twin(self.view.value, pair_text(tokenizer, premise, hypothesis, max_seq_length))

    def redraw(self, _change=None) -> None:
        """Draw the table of the two texts in the boxes now (an event handled late still draws the latest texts)."""
        with self._lock:
            self.view.value = pair_html(self.tokenizer, self.premise.value, self.hypothesis.value, self.max_seq_length)

    def __repr__(self) -> str:      # the text a notebook stores beside the widget: short and stable
        return (f"PairExplorer(premise={self.premise.value!r}, hypothesis={self.hypothesis.value!r}, "
                f"max_seq_length={self.max_seq_length})")


def pair_explorer(tokenizer, max_seq_length: int, premise: str, hypothesis: str) -> PairExplorer:
    """A widget: type a premise and a hypothesis and see the two segments the model gets (needs a running kernel)."""
    return PairExplorer(tokenizer, max_seq_length, premise, hypothesis)


class PairBatchView:
    """A collated batch of pairs: input_ids and token_type_ids (HTML), and the same rows as plain text."""

    def __init__(self, batch: dict, tokenizer, title: str = "", indices: Sequence[int] | None = None):
        self.html = batch_html(batch, tokenizer, title, mask=False, indices=indices, segments=True)
        names = list(indices) if indices is not None else list(range(len(batch["input_ids"])))
        lines = [title] if title else []
        for name, ids, types, mask in zip(names, batch["input_ids"].tolist(), batch["token_type_ids"].tolist(),
                                          batch["attention_mask"].tolist()):
            real = sum(mask)
            lines.append(f"#{name} ({real}) input_ids       {ids}")
            lines.append(f"#{name} ({real}) token_type_ids  {[t if m else '-' for t, m in zip(types, mask)]}")
        self.text = "\n".join(lines).replace("'-'", "-")

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text


def show_pair_batch(batch: dict, tokenizer, title: str = "", indices: Sequence[int] | None = None) -> PairBatchView:
    """A padded batch of pairs: input_ids over token_type_ids, pad cells grey (notebook 09, 5. 데이터 로더)."""
    return PairBatchView(batch, tokenizer, title, indices)
