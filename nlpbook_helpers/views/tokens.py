"""Stage 4 views (notebook 04): a sentence as tokens and ids, as a static table and as a live widget.

CSS classes (the browser tests rely on them): `nlpbook-token` on every token cell (+ `nlpbook-token-special` for
[CLS]/[SEP]/[PAD], `nlpbook-token-unk` for [UNK], `nlpbook-token-piece` for `##` pieces), its id in `data-id`;
`nlpbook-token-length` on the line "토큰 N개 / max_seq_length M"; `nlpbook-token-input` on the widget's Text.
"""
from __future__ import annotations

import html
import threading

import ipywidgets as widgets

from .twin import StaticTwin

__all__ = ["token_rows", "tokens_html", "tokens_text", "show_tokens", "token_explorer", "TokenView",
           "TokenExplorer", "token_classes", "TOKEN_CELL", "TOKEN_LOOK", "SPECIAL_LOOK", "SEGMENT_LOOK"]

TOKEN_CELL = "padding:2px 6px;border:1px solid #bbb;text-align:center;font-family:monospace;white-space:pre"
SPECIAL_LOOK = "background:#c6dbf7;color:#1f4e9c;font-weight:bold"   # [CLS]/[SEP]: the same blue in 04, 05 and 09
SEGMENT_LOOK = ("background:#e6f2dc;color:#000", "background:#fde4c4;color:#7a3e00")   # token_type_ids 0 / 1 (09)
TOKEN_LOOK = {"nlpbook-token-special": SPECIAL_LOOK,
          "nlpbook-token-unk": "background:#fde2e1;color:#b3261e;font-weight:bold",
          "nlpbook-token-piece": "background:#fff6d6;border-left:3px dashed #c99a00"}


def token_rows(tokenizer, text: str, max_seq_length: int) -> dict:
    """What the model gets for `text`: tokens, ids, the original characters of each token and lengths."""
    encoded = tokenizer(text, truncation=True, max_length=max_seq_length, return_offsets_mapping=True)
    ids = encoded["input_ids"]
    full_length = len(tokenizer(text)["input_ids"])
    return {"tokens": tokenizer.convert_ids_to_tokens(ids), "ids": ids,
            "sources": [text[start:end] for start, end in encoded["offset_mapping"]],
            "length": len(ids), "full_length": full_length, "max_seq_length": max_seq_length}


def token_classes(tokenizer, token: str, token_id: int) -> list[str]:
    """The CSS classes of one token cell: nlpbook-token, + -special ([CLS]/[SEP]/[PAD]), -unk or -piece (##)."""
    if token_id == tokenizer.unk_token_id:
        return ["nlpbook-token", "nlpbook-token-unk"]
    if token_id in tokenizer.all_special_ids:
        return ["nlpbook-token", "nlpbook-token-special"]
    return ["nlpbook-token", "nlpbook-token-piece"] if token.startswith("##") else ["nlpbook-token"]


def _length_line(rows: dict) -> str:
    line = f"토큰 {rows['length']}개 / max_seq_length {rows['max_seq_length']}"
    cut = rows["full_length"] - rows["length"]
    return line + (f" (잘림: 뒤의 토큰 {cut}개를 버렸습니다)" if cut > 0 else "")


def tokens_html(tokenizer, text: str, max_seq_length: int) -> str:
    """An HTML table: one column per token (token over its id), special/[UNK]/## cells coloured, a length line."""
    rows = token_rows(tokenizer, text, max_seq_length)
    token_cells, id_cells = [], []
    for token, token_id, source in zip(rows["tokens"], rows["ids"], rows["sources"]):
        classes = token_classes(tokenizer, token, token_id)
        style = ";".join([TOKEN_CELL] + [TOKEN_LOOK[c] for c in classes if c in TOKEN_LOOK])
        title = f' title="{html.escape(f"원문: {source}")}"' if token_id == tokenizer.unk_token_id else ""
        token_cells.append(f'<td class="{" ".join(classes)}" data-id="{token_id}" style="{style}"{title}>'
                           f"{html.escape(token)}</td>")
        id_cells.append(f'<td class="nlpbook-token-id" style="{TOKEN_CELL};color:#666">{token_id}</td>')
    length = (f'<div class="nlpbook-token-length" data-length="{rows["length"]}" '
              f'data-max="{max_seq_length}" style="margin-top:4px">{html.escape(_length_line(rows))}</div>')
    return ('<div class="nlpbook-tokens"><table class="nlpbook-token-table" style="border-collapse:collapse">'
            f'<tr>{"".join(token_cells)}</tr><tr>{"".join(id_cells)}</tr></table>{length}</div>')


def tokens_text(tokenizer, text: str, max_seq_length: int) -> str:
    """The same view as plain text (what a terminal or a renderer without HTML shows)."""
    rows = token_rows(tokenizer, text, max_seq_length)
    pairs = " ".join(f"{token}({token_id})" for token, token_id in zip(rows["tokens"], rows["ids"]))
    return f"{pairs}\n{_length_line(rows)}"


class TokenView:
    """The static view of one sentence: HTML in a notebook, plain text elsewhere."""

    def __init__(self, tokenizer, text: str, max_seq_length: int):
        self.html = tokens_html(tokenizer, text, max_seq_length)
        self.text = tokens_text(tokenizer, text, max_seq_length)

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text


def show_tokens(tokenizer, text: str, max_seq_length: int) -> TokenView:
    """The tokens and ids the model gets for `text` (end a cell with it to see the table)."""
    return TokenView(tokenizer, text, max_seq_length)


class TokenExplorer(StaticTwin, widgets.VBox):
    """A Text box and the token table under it, redrawn at every key press (needs a running kernel); the stored
    output carries the first sentence's table as HTML and text."""

    def __init__(self, tokenizer, max_seq_length: int, text: str = "이 영화 정말 재밌다ㅋㅋ"):
        self.tokenizer, self.max_seq_length = tokenizer, max_seq_length
        self.text_input = widgets.Text(value=text, description="문장", placeholder="리뷰를 입력해 보세요",
                                       continuous_update=True, layout=widgets.Layout(width="95%"))
        self.text_input.add_class("nlpbook-token-input")
        self.view = widgets.HTML()
        self.view.add_class("nlpbook-token-view")
        self._lock = threading.RLock()      # ipykernel may deliver key events on two threads at once
        self.text_input.observe(self.redraw, "value")
        self.redraw()
        super().__init__([self.text_input, self.view])
        self.add_class("nlpbook-token-explorer")
        self.keep_twin(self.view.value, tokens_text(tokenizer, text, max_seq_length))

    def redraw(self, _change=None) -> None:
        """Draw the table of the text in the box now (an event handled late still draws the latest text)."""
        with self._lock:
            self.view.value = tokens_html(self.tokenizer, self.text_input.value, self.max_seq_length)

    def __repr__(self) -> str:      # the text a notebook stores beside the widget: short and stable
        return f"TokenExplorer(text={self.text_input.value!r}, max_seq_length={self.max_seq_length})"


def token_explorer(tokenizer, max_seq_length: int, text: str = "이 영화 정말 재밌다ㅋㅋ") -> TokenExplorer:
    """A Text box and the token table under it, updated at every key press (needs a running kernel)."""
    return TokenExplorer(tokenizer, max_seq_length, text)
