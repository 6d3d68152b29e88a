"""Stage 5 views (notebook 05): a padded batch as a table of ids, pad cells marked; dynamic vs fixed padding widget."""
from __future__ import annotations

import html
import threading
from collections.abc import Sequence

import ipywidgets as widgets

from ..data import make_collate, padding_stats
from .tokens import SEGMENT_LOOK, SPECIAL_LOOK
from .twin import StaticTwin, TextHTML

__all__ = ["batch_html", "batch_text", "show_batch", "padding_explorer", "PaddingExplorer"]

_CELL = "border:1px solid #ccc;padding:1px 4px;text-align:right;font-family:monospace;"
_BLOCK = "border:1px solid #fff;padding:0;width:7px;min-width:7px;height:12px;font-size:0;"
_LOOK = {"": "background:#e6f2dc;color:#000", "nlpbook-special": SPECIAL_LOOK,
         "nlpbook-pad": "background:#e4e4e4;color:#999",
         "nlpbook-segment-0": SEGMENT_LOOK[0], "nlpbook-segment-1": SEGMENT_LOOK[1]}
_HEAD = "font-weight:normal;color:#666;padding:0 6px 0 0;text-align:right;white-space:nowrap;border:none"
_BOX = "display:inline-block;vertical-align:top;margin:0 24px 10px 0;font-size:12px"
BLOCKS_ABOVE = 24           # wider batches are drawn as small blocks (the id is in the cell's tooltip)


def _matrix(rows: list[list[int]], lengths: list[int], classes: str, cell_class, blocks: bool,
            names: Sequence[int]) -> str:
    head = "".join(f'<th style="{_HEAD}">{i}</th>' for i in range(len(rows[0]))) if rows and not blocks else ""
    lines = [f'<table class="{classes}" style="border-collapse:collapse;margin:0 0 6px 0">']
    if head:
        lines.append(f'<tr><th style="{_HEAD}"></th>{head}</tr>')
    for name, row, length in zip(names, rows, lengths):
        cells = []
        for position, value in enumerate(row):
            css = cell_class(value, position < length)
            attributes = f' class="{css}"' if css else ""
            style = (_BLOCK if blocks else _CELL) + _LOOK[css]
            cells.append(f'<td{attributes} style="{style}" title="{value}">{"" if blocks else value}</td>')
        lines.append(f'<tr><th style="{_HEAD}">#{name} ({length})</th>{"".join(cells)}</tr>')
    lines.append("</table>")
    return "".join(lines)


def batch_html(batch: dict, tokenizer, title: str = "", css_class: str = "", mask: bool = True,
               blocks: bool | None = None, padding: str = "", indices: Sequence[int] | None = None,
               segments: bool = False) -> str:
    """HTML of a collated batch: input_ids (pad cells `td.nlpbook-pad`), attention_mask, padding ratio.
    `segments` adds token_type_ids (sentence pairs, notebook 09), cells `td.nlpbook-segment-0` / `-1`.

    Rows are labelled `#index (real length)`, the index taken from `indices` (default 0, 1, 2, ...).
    `css_class` is added to the input_ids table (e.g. "nlpbook-dynamic"); `blocks` draws cells as small blocks
    without numbers (default: when the batch is wider than 24 positions; the id stays in each cell's tooltip)."""
    ids = batch["input_ids"].tolist()
    attention = batch["attention_mask"].tolist()
    lengths = [sum(row) for row in attention]
    names = list(indices) if indices is not None else list(range(len(ids)))
    stats = padding_stats(batch)
    if blocks is None:
        blocks = stats["padded_length"] > BLOCKS_ABOVE
    special = {tokenizer.cls_token_id, tokenizer.sep_token_id}

    def id_class(value: int, real: bool) -> str:
        return "nlpbook-special" if real and value in special else ("" if real else "nlpbook-pad")

    parts = [f'<div class="nlpbook-batch" style="{_BOX}">']
    if title:
        parts.append(f'<div style="font-weight:bold;margin-bottom:4px">{html.escape(title)}</div>')
    parts.append(f"<div>input_ids: {stats['batch_size']} × {stats['padded_length']}</div>")
    parts.append(_matrix(ids, lengths, f"nlpbook-batch-matrix {css_class}".strip(), id_class, blocks, names))
    if segments:
        parts.append(f"<div>token_type_ids: {stats['batch_size']} × {stats['padded_length']}</div>")
        parts.append(_matrix(batch["token_type_ids"].tolist(), lengths, "nlpbook-segment-matrix",
                             lambda v, real: f"nlpbook-segment-{v}" if real else "nlpbook-pad", blocks, names))
    if mask:
        parts.append(f"<div>attention_mask: {stats['batch_size']} × {stats['padded_length']}</div>")
        parts.append(_matrix(attention, lengths, "nlpbook-mask-matrix", lambda v, real: "" if real else "nlpbook-pad",
                             blocks, names))
    data_padding = f' data-padding="{html.escape(padding)}"' if padding else ""
    parts.append(
        f'<div class="nlpbook-padding-ratio" data-ratio="{stats["padding_ratio"]:.4f}"{data_padding}>'
        f'패딩 비율 <b>{stats["padding_ratio"]:.4f}</b>: 계산하는 토큰 {stats["computed_tokens"]}개 중 '
        f'실제 토큰 {stats["real_tokens"]}개, 패딩 {stats["computed_tokens"] - stats["real_tokens"]}개</div>')
    parts.append("</div>")
    return "".join(parts)


def batch_text(batch: dict, title: str = "", mask: bool = True, indices: Sequence[int] | None = None) -> str:
    """The same batch as plain text: one line of ids per instance (`#index (real length)`), `·` for [PAD]."""
    stats = padding_stats(batch)
    names = list(indices) if indices is not None else list(range(stats["batch_size"]))
    lines = [title] if title else []
    tables = [("input_ids", batch["input_ids"].tolist())]
    if mask:
        tables.append(("attention_mask", batch["attention_mask"].tolist()))
    lengths = [sum(row) for row in batch["attention_mask"].tolist()]
    for name, rows in tables:
        lines.append(f"{name}: {stats['batch_size']} × {stats['padded_length']}")
        lines += [f"  #{index} ({length}) " + " ".join(str(v) if p < length else "·" for p, v in enumerate(row))
                  for index, length, row in zip(names, lengths, rows)]
    padding = stats["computed_tokens"] - stats["real_tokens"]
    lines.append(f"패딩 비율 {stats['padding_ratio']:.4f}: 계산하는 토큰 {stats['computed_tokens']}개 중 "
                 f"실제 토큰 {stats['real_tokens']}개, 패딩 {padding}개")
    return "\n".join(lines)


def show_batch(batch: dict, tokenizer, title: str = "", css_class: str = "", mask: bool = True,
               blocks: bool | None = None, indices: Sequence[int] | None = None, segments: bool = False) -> TextHTML:
    """The static view of one collated batch (HTML in a notebook, `batch_text` as its text); `segments` adds
    token_type_ids to the HTML (sentence pairs, notebook 09)."""
    return TextHTML(batch_html(batch, tokenizer, title, css_class, mask, blocks, indices=indices, segments=segments),
                    batch_text(batch, title, mask, indices))


def _panels(items: Sequence[dict], tokenizer, max_seq_length: int, indices: Sequence[int]) -> tuple[str, str]:
    """The batch padded both ways, as HTML and as text."""
    dynamic = make_collate(tokenizer, "dynamic")(list(items))
    fixed = make_collate(tokenizer, "max_length", max_seq_length)(list(items))
    titles = ["동적 패딩 (dynamic): 배치에서 가장 긴 인스턴스까지", f"max_seq_length({max_seq_length})까지 패딩 (책의 방식)"]
    markup = "".join([
        batch_html(dynamic, tokenizer, titles[0], "nlpbook-dynamic", mask=False, padding="dynamic", indices=indices),
        batch_html(fixed, tokenizer, titles[1], "nlpbook-max-length", mask=False, padding="max_length",
                   indices=indices),
    ])
    text = "\n\n".join(batch_text(batch, title, False, indices) for batch, title in zip([dynamic, fixed], titles))
    return markup, text


class PaddingExplorer(StaticTwin, widgets.VBox):
    """Two sliders (batch size, first instance) over the same batch padded both ways, with padding ratios; the
    stored output carries the first batch as HTML and text."""

    def __init__(self, dataset, tokenizer, max_seq_length: int, batch_size: int = 3, start: int = 0):
        self.dataset, self.tokenizer, self.max_seq_length = dataset, tokenizer, max_seq_length
        count = len(dataset)
        style = {"description_width": "initial"}
        self.size = widgets.IntSlider(value=min(batch_size, count), min=1, max=min(32, count),
                                      description="배치 크기", style=style)
        self.size.add_class("nlpbook-batch-size")
        self.start = widgets.IntSlider(value=min(start, count - self.size.value), min=0,
                                       max=count - self.size.value, description="첫 인스턴스", style=style)
        self.start.add_class("nlpbook-batch-start")
        self.view = widgets.HTML()
        self._lock = threading.RLock()      # ipykernel may deliver slider events on two threads at once
        self.size.observe(self.redraw, "value")
        self.start.observe(self.redraw, "value")
        self.redraw()
        super().__init__([widgets.HBox([self.size, self.start]), self.view])
        self.keep_twin(self.view.value, self.text)

    def redraw(self, _change=None) -> None:
        """Draw the batch the sliders choose now (an event handled late still draws the latest choice)."""
        with self._lock:
            self.start.max = len(self.dataset) - self.size.value       # also clamps start.value
            indices = range(self.start.value, self.start.value + self.size.value)
            self.view.value, self.text = _panels([self.dataset[i] for i in indices], self.tokenizer,
                                                 self.max_seq_length, indices)

    def __repr__(self) -> str:      # the text a notebook stores beside the widget: short and stable
        return (f"PaddingExplorer(batch_size={self.size.value}, start={self.start.value}, "
                f"max_seq_length={self.max_seq_length})")


def padding_explorer(dataset, tokenizer, max_seq_length: int, batch_size: int = 3, start: int = 0) -> PaddingExplorer:
    """A widget: choose a batch (size and first instance) and see it padded both ways, with padding ratios."""
    return PaddingExplorer(dataset, tokenizer, max_seq_length, batch_size, start)
