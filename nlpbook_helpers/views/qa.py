"""Views for 질의응답 (notebook 12): the windows a long context is cut into, drawn over the context with the answer
highlighted and each window's label (static view + widget with max_seq_length and doc_stride sliders), and the answer
the model finds for a question (static view + "try your question" widget).

CSS classes: each window `div.nlpbook-qa-window` with `data-window`, `data-start`, `data-end` (its characters) and
`data-label` ("4-6", or "0-0" at [CLS]); the answer inside `span.nlpbook-qa-answer`; the widget's sliders
`nlpbook-qa-length` and `nlpbook-qa-stride`, its HTML `nlpbook-qa-view`; the try widget's Text `nlpbook-qa-try-input`.
"""
from __future__ import annotations

import html
import threading

import ipywidgets as widgets

from ..qa_corpus import QaExample
from ..qa_data import encode_windows
from ..qa_task import predict_answer
from .submit import SubmitWidget
from .twin import StaticTwin, TextHTML

__all__ = ["window_rows", "windows_html", "windows_text", "show_windows", "WindowExplorer", "window_explorer",
           "answer_html", "answer_text", "show_answer", "TryQa", "try_qa"]

OUTSIDE = "color:#bbb"
INSIDE = "background:#e8f0fb"
ANSWER = "background:#fde4a0;font-weight:bold"


def window_rows(tokenizer, example: QaExample, max_seq_length: int, doc_stride: int | None = None) -> list[dict]:
    """One row per window: its characters (start, end), tokens, the labelled tokens (start, end) and their text."""
    encoded = encode_windows([example], tokenizer, max_seq_length, doc_stride)
    rows = []
    for window, offsets in enumerate(encoded["offsets"]):
        context = [offset for offset in offsets if offset is not None]
        label = (encoded["start_positions"][window], encoded["end_positions"][window])
        answer = "" if label == (0, 0) else example.context[offsets[label[0]][0]:offsets[label[1]][1]]
        rows.append({"window": window + 1, "start": context[0][0], "end": context[-1][1], "tokens": len(offsets),
                     "label": label, "answer": answer})
    return rows


def _marked(context: str, start: int, end: int, span: tuple[int, int] | None) -> str:
    """The context with this window's characters on a tint, the rest grey, the answer (if inside) highlighted."""
    def part(a: int, b: int, look: str, css: str = "") -> str:
        return f'<span{css} style="{look}">{html.escape(context[a:b])}</span>' if b > a else ""
    if span is None:
        return part(0, start, OUTSIDE) + part(start, end, INSIDE) + part(end, len(context), OUTSIDE)
    return (part(0, start, OUTSIDE) + part(start, span[0], INSIDE)
            + part(span[0], span[1], ANSWER, ' class="nlpbook-qa-answer"') + part(span[1], end, INSIDE)
            + part(end, len(context), OUTSIDE))


def _label(row: dict) -> str:
    if row["label"] == (0, 0):
        return "레이블 (0, 0) = [CLS]: 정답이 이 윈도에 다 들어 있지 않음"
    return f"레이블 ({row['label'][0]}, {row['label'][1]}) = 정답 {row['answer']!r}"


def windows_html(tokenizer, example: QaExample, max_seq_length: int, doc_stride: int | None = None) -> str:
    """Each window as the whole context: its characters tinted, the rest grey, the answer highlighted; its label."""
    blocks = []
    for row in window_rows(tokenizer, example, max_seq_length, doc_stride):
        span = example.span if row["label"] != (0, 0) else None
        label = f'{row["label"][0]}-{row["label"][1]}'
        blocks.append(f'<div class="nlpbook-qa-window" data-window="{row["window"]}" data-start="{row["start"]}" '
                      f'data-end="{row["end"]}" data-label="{label}" style="margin:4px 0;line-height:1.7">'
                      f'<b>윈도 {row["window"]}</b> <span style="color:#666">(글자 {row["start"]}–{row["end"]}, 토큰 '
                      f'{row["tokens"]}개) {html.escape(_label(row))}</span><br>'
                      f'{_marked(example.context, row["start"], row["end"], span)}</div>')
    return (f'<div class="nlpbook-qa-windows"><div>질문: {html.escape(example.question)} / 정답: '
            f'<span style="{ANSWER}">{html.escape(example.answer)}</span> (글자 {example.span[0]}–{example.span[1]})'
            f'</div>{"".join(blocks)}</div>')


def windows_text(tokenizer, example: QaExample, max_seq_length: int, doc_stride: int | None = None) -> str:
    """The same view as plain text: each window's characters, its text and its label."""
    lines = [f"질문: {example.question} / 정답: {example.answer} (글자 {example.span[0]}–{example.span[1]})"]
    for row in window_rows(tokenizer, example, max_seq_length, doc_stride):
        lines += [f"윈도 {row['window']} (글자 {row['start']}–{row['end']}, 토큰 {row['tokens']}개) {_label(row)}",
                  f"  {example.context[row['start']:row['end']]}"]
    return "\n".join(lines)


def show_windows(tokenizer, example: QaExample, max_seq_length: int, doc_stride: int | None = None) -> TextHTML:
    """The windows of a question and its context, drawn over the context (notebook 12, 5. 데이터)."""
    return TextHTML(windows_html(tokenizer, example, max_seq_length, doc_stride),
                    windows_text(tokenizer, example, max_seq_length, doc_stride))


class WindowExplorer(StaticTwin, widgets.VBox):
    """Two sliders (max_seq_length, doc_stride) and the windows of one example under them, redrawn as they move."""

    def __init__(self, tokenizer, example: QaExample, max_seq_length: int = 64, doc_stride: int = 16):
        self.tokenizer, self.example = tokenizer, example
        self.length = widgets.IntSlider(value=max_seq_length, min=32, max=256, step=8, description="max_seq_length",
                                        style={"description_width": "initial"})
        self.stride = widgets.IntSlider(value=doc_stride, min=0, max=64, step=4, description="doc_stride",
                                        style={"description_width": "initial"})
        self.length.add_class("nlpbook-qa-length"), self.stride.add_class("nlpbook-qa-stride")
        self.view = widgets.HTML()
        self.view.add_class("nlpbook-qa-view")
        self._lock = threading.RLock()
        for slider in (self.length, self.stride):
            slider.observe(self.redraw, "value")
        self.redraw()
        super().__init__([widgets.HBox([self.length, self.stride]), self.view])
        self.keep_twin(self.view.value, windows_text(tokenizer, example, max_seq_length, doc_stride))

    def redraw(self, _change=None) -> None:
        with self._lock:
            try:
                self.view.value = windows_html(self.tokenizer, self.example, self.length.value, self.stride.value)
            except (ValueError, Exception) as error:    # a stride too large, a question longer than the window
                self.view.value = f'<div class="nlpbook-qa-error" style="color:#b3261e">{html.escape(str(error))}</div>'

    def __repr__(self) -> str:
        return f"WindowExplorer(max_seq_length={self.length.value}, doc_stride={self.stride.value})"


def window_explorer(tokenizer, example: QaExample, max_seq_length: int = 64, doc_stride: int = 16) -> WindowExplorer:
    """A widget: move max_seq_length and doc_stride, see the windows change (needs a running kernel)."""
    return WindowExplorer(tokenizer, example, max_seq_length, doc_stride)


def answer_html(context: str, start: int, end: int) -> str:
    """The context with the answer's characters highlighted (no answer: the context as it is)."""
    return (f'<div class="nlpbook-qa-context" style="line-height:1.7">{html.escape(context[:start])}'
            f'<span class="nlpbook-qa-answer" data-start="{start}" data-end="{end}" style="{ANSWER}">'
            f'{html.escape(context[start:end])}</span>{html.escape(context[end:])}</div>')


def answer_text(context: str, start: int, end: int) -> str:
    """The answer and its characters, as plain text."""
    return f"답: {context[start:end]!r} (글자 {start}–{end})" if end > start else "답: 찾지 못함 (빈 답)"


def show_answer(context: str, start: int, end: int) -> TextHTML:
    """The answer highlighted in its context (notebook 12, 7. 내 질문으로 해 보기)."""
    return TextHTML(answer_text(context, start, end) + answer_html(context, start, end), answer_text(context, start, end))


class TryQa(SubmitWidget):
    """A question box (Enter or the 묻기 button) on a fixed context; the model's answer highlighted in the context."""

    def __init__(self, model, tokenizer, context: str, question: str = "", max_seq_length: int = 128):
        self.model, self.tokenizer, self.context, self.max_seq_length = model, tokenizer, context, max_seq_length
        self.found = (0, 0)
        super().__init__(question, "질문을 써 보세요 (Enter 또는 묻기)", "묻기", "nlpbook-qa-try-input")

    def draw(self) -> None:
        question = self.text.value
        if not question.strip():
            self.found, self.result.value = (0, 0), "질문을 입력하세요"
            return
        answer = predict_answer(self.model, self.tokenizer, question, self.context, self.max_seq_length)
        self.found = (answer.start, answer.end)
        self.result.value = html.escape(answer_text(self.context, *self.found)) + answer_html(self.context, *self.found)

    def text_view(self) -> str:
        return answer_text(self.context, *self.found) if self.text.value.strip() else "질문을 입력하세요"

    def __repr__(self) -> str:
        return "TryQa()"


def try_qa(model, tokenizer, context: str, question: str = "", max_seq_length: int = 128) -> TryQa:
    """The "try your question" widget: type a question about the context, press Enter or 묻기, see the answer."""
    return TryQa(model, tokenizer, context, question, max_seq_length)
