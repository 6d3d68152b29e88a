"""Stage 3 view (notebook 03, "프리트레인이 배운 것: 빈칸 채우기"): what a masked language model guesses for one
`[MASK]` in a review, the top-k tokens with probabilities, several models side by side; a static table and a widget.

CSS classes (the browser test relies on them): `nlpbook-fill-mask-input` on the widget's Text; the table
`nlpbook-fill-mask-table`, one cell `nlpbook-fill-mask-token` per guess with `data-model`, `data-rank`, `data-token`
and `data-probability` (3 decimals); `nlpbook-fill-mask-message` when the text cannot be filled (no or several
[MASK]); both inside `div.nlpbook-fill-mask`.
"""
from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Mapping

import torch

from .submit import SubmitWidget

__all__ = ["FillMaskError", "Guess", "fill_mask", "fill_mask_html", "fill_mask_text", "show_fill_mask",
           "fill_mask_widget", "FillMaskView", "FillMaskWidget"]

_MASK = re.compile(r"\[mask\]", re.IGNORECASE)
_CELL = "padding:2px 8px;border:1px solid #ddd;white-space:nowrap"
_BAR = "display:inline-block;height:8px;background:#4c8bf5;vertical-align:middle;margin-left:6px"


class FillMaskError(ValueError):
    """The text cannot be filled (no [MASK], several, or the [MASK] lies past the model's length); says the fix."""


@dataclasses.dataclass(frozen=True)
class Guess:
    token: str              # a vocabulary entry: a word, or a `##` piece that continues the word before it
    probability: float      # softmax over the whole vocabulary at the [MASK] position


def _masked_text(tokenizer, text: str) -> str:
    """`text` with every spelling of [mask] written as the tokenizer's mask token; FillMaskError unless exactly one."""
    count = len(_MASK.findall(text))
    if count == 0:
        raise FillMaskError(f"문장에 {tokenizer.mask_token}가 없습니다. 가릴 자리에 {tokenizer.mask_token}를 하나 써 넣으세요 "
                            f"(예: 연기가 {tokenizer.mask_token} 스토리도 좋았다)")
    if count > 1:
        raise FillMaskError(f"{tokenizer.mask_token}가 {count}개입니다. 이 보기는 빈칸을 하나만 채웁니다: "
                            f"{tokenizer.mask_token}를 하나만 남기세요")
    return _MASK.sub(tokenizer.mask_token, text)


@torch.no_grad()
def fill_mask(model, tokenizer, text: str, k: int = 5) -> list[Guess]:
    """The `k` most probable tokens for the one `[MASK]` in `text` (a BertForMaskedLM and its tokenizer).

    The model is put in eval mode for the call (no dropout) and back in its former mode afterwards."""
    limit = min(model.config.max_position_embeddings, tokenizer.model_max_length)
    encoded = tokenizer(_masked_text(tokenizer, text), truncation=True, max_length=limit, return_tensors="pt")
    positions = (encoded["input_ids"][0] == tokenizer.mask_token_id).nonzero().flatten()
    if len(positions) != 1:
        raise FillMaskError(f"{tokenizer.mask_token}가 모델이 읽는 앞쪽 토큰 {limit}개 밖에 있습니다. "
                            "더 짧은 문장으로 써 보세요")
    was_training = model.training
    model.eval()
    try:
        device = next(model.parameters()).device
        logits = model(**encoded.to(device)).logits[0, positions[0]]
    finally:
        model.train(was_training)
    probabilities, ids = logits.float().softmax(-1).topk(k)
    tokens = tokenizer.convert_ids_to_tokens(ids.tolist())
    return [Guess(token, float(p)) for token, p in zip(tokens, probabilities.tolist())]


def _guesses(models: Mapping, tokenizer, text: str, k: int) -> dict[str, list[Guess]]:
    return {name: fill_mask(model, tokenizer, text, k) for name, model in models.items()}


def fill_mask_html(models: Mapping, tokenizer, text: str, k: int = 5) -> str:
    """A table: one column per model (name → BertForMaskedLM, all sharing `tokenizer`), its top-k guesses for the
    [MASK] in `text` with probabilities and bars; a message instead when the text cannot be filled."""
    try:
        guesses = _guesses(models, tokenizer, text, k)
    except FillMaskError as error:
        return f'<div class="nlpbook-fill-mask"><div class="nlpbook-fill-mask-message">{html.escape(str(error))}</div></div>'
    head = "".join(f'<th style="{_CELL}" colspan="2">{html.escape(name)}</th>' for name in guesses)
    rows = []
    for rank in range(k):
        cells = []
        for name, column in guesses.items():
            guess = column[rank]
            cells.append(f'<td class="nlpbook-fill-mask-token" data-model="{html.escape(name)}" data-rank="{rank + 1}" '
                         f'data-token="{html.escape(guess.token)}" data-probability="{guess.probability:.3f}" '
                         f'style="{_CELL};font-weight:bold">{html.escape(guess.token)}</td>'
                         f'<td style="{_CELL};font-family:monospace">{guess.probability:.3f}'
                         f'<span style="{_BAR};width:{guess.probability * 80:.0f}px"></span></td>')
        rows.append(f'<tr><td style="{_CELL};color:#666">{rank + 1}</td>{"".join(cells)}</tr>')
    return (f'<div class="nlpbook-fill-mask"><div style="margin-bottom:4px">{html.escape(text)}</div>'
            f'<table class="nlpbook-fill-mask-table" style="border-collapse:collapse">'
            f'<tr><th style="{_CELL}">순위</th>{head}</tr>{"".join(rows)}</table></div>')


def fill_mask_text(models: Mapping, tokenizer, text: str, k: int = 5) -> str:
    """The same view as plain text: one line per model, `token probability` for each guess, best first."""
    try:
        guesses = _guesses(models, tokenizer, text, k)
    except FillMaskError as error:
        return str(error)
    width = max(len(name) for name in guesses)
    lines = [text] + [f"{name:{width}}  " + "  ".join(f"{g.token} {g.probability:.3f}" for g in column)
                      for name, column in guesses.items()]
    return "\n".join(lines)


class FillMaskView:
    """The static view of one text: HTML in a notebook, plain text elsewhere (and in the stored text/plain)."""

    def __init__(self, models: Mapping, tokenizer, text: str, k: int = 5):
        self.html = fill_mask_html(models, tokenizer, text, k)
        self.text = fill_mask_text(models, tokenizer, text, k)

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.text


def show_fill_mask(models: Mapping, tokenizer, text: str, k: int = 5) -> FillMaskView:
    """Each model's `k` best guesses for the one [MASK] in `text`, side by side (end a cell with it to see the table).
    `models` maps a name to a BertForMaskedLM; all use the same `tokenizer`."""
    _masked_text(tokenizer, text)            # no or several [MASK]: the student's call fails with the fix
    return FillMaskView(models, tokenizer, text, k)


class FillMaskWidget(SubmitWidget):
    """A text box (Enter or the 채우기 button) and each model's guesses for its [MASK], redrawn on every submit."""

    def __init__(self, models: Mapping, tokenizer, text: str = "", k: int = 5):
        self.models, self.tokenizer, self.k = models, tokenizer, k
        super().__init__(text, f"{tokenizer.mask_token}가 든 리뷰를 써 보세요 (Enter 또는 채우기)", "채우기",
                         "nlpbook-fill-mask-input")
        self.result.add_class("nlpbook-fill-mask-result")

    def draw(self) -> None:
        """Fill the [MASK] of the text in the box now and show each model's guesses."""
        self.result.value = fill_mask_html(self.models, self.tokenizer, self.text.value, self.k)

    def text_view(self) -> str:
        return fill_mask_text(self.models, self.tokenizer, self.text.value, self.k).split("\n", 1)[-1]  # no echo

    def __repr__(self) -> str:      # the text a notebook stores beside the widget: short and stable
        return f"FillMaskWidget(models={list(self.models)}, k={self.k})"


def fill_mask_widget(models: Mapping, tokenizer, text: str = "", k: int = 5) -> FillMaskWidget:
    """A text box (Enter or the 채우기 button) and each model's guesses for its [MASK], redrawn on every submit."""
    return FillMaskWidget(models, tokenizer, text, k)
