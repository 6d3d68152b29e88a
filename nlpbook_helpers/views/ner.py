"""Views for 개체명 인식 (notebook 10): a sentence's subwords coloured by their BIO label with the characters each
covers (static table + widget over the book's `<surface:TAG>` markup), and entities highlighted in a sentence
(static view + "try your sentence" widget).

CSS classes: token cells `nlpbook-token` + `nlpbook-ner-<TAG>` (`nlpbook-ner-O`, `nlpbook-ner-ignored` for -100),
`data-label` and `data-span`; the markup widget's Text `nlpbook-ner-input`, its HTML `nlpbook-ner-view`; the try
widget's Text `nlpbook-ner-try-input`, each found entity `span.nlpbook-entity` with `data-tag`, `data-start`,
`data-end`.
"""
from __future__ import annotations

import html
import threading

import ipywidgets as widgets

from ..ner_corpus import BOOK_TAGS, NerExample, strip_marks
from ..ner_data import IGNORED, encode_sentences
from ..ner_task import predict_entities
from .submit import SubmitWidget
from .tokens import SPECIAL_LOOK, TOKEN_CELL
from .twin import StaticTwin, TextHTML

__all__ = ["TAG_COLOURS", "ner_rows", "ner_tokens_html", "ner_tokens_text", "show_ner_tokens", "NerExplorer",
           "ner_explorer", "entities_html", "entities_text", "show_entities", "TryNer", "try_ner"]

TAG_COLOURS = dict(zip(BOOK_TAGS, ("#f7c6c5", "#c9e7c0", "#c6dbf7", "#fde4c4", "#e5d4f5", "#fff0a8", "#c8ece9",
                                   "#f5d0e6", "#dcdcdc", "#f0dcc0")))
HEAD = "padding:2px 8px 2px 0;text-align:right;font-weight:normal;color:#666;white-space:nowrap"


def ner_rows(tokenizer, example: NerExample, label_names, max_seq_length: int = 64) -> list[dict]:
    """One row per token: the token, the characters it covers (start, end, text) and its label name ("-100")."""
    encoded = encode_sentences([example], tokenizer, max_seq_length, label_names)
    tokens = tokenizer.convert_ids_to_tokens(encoded["input_ids"][0])
    return [{"token": token, "start": start, "end": end, "text": example.text[start:end],
             "label": "-100" if label == IGNORED else label_names[label]}
            for token, (start, end), label in zip(tokens, encoded["offset_mapping"][0], encoded["labels"][0])]


def _look(label: str) -> tuple[str, str]:
    if label == "-100":
        return "nlpbook-ner-ignored", SPECIAL_LOOK
    tag = label[2:] if label != "O" else "O"
    colour = TAG_COLOURS.get(tag, "#eeeeee")
    return f"nlpbook-ner-{tag}", ("background:#fff" if tag == "O" else f"background:{colour}"
                                  + (";font-weight:bold" if label.startswith("B-") else ""))


def ner_tokens_html(tokenizer, example: NerExample, label_names, max_seq_length: int = 64) -> str:
    """An HTML table: each subword coloured by its tag (B- in bold, -100 blue), the characters it covers, its label."""
    rows, cells = ner_rows(tokenizer, example, label_names, max_seq_length), {"토큰": [], "글자": [], "레이블": []}
    for row in rows:
        css, look = _look(row["label"])
        span = f'{row["start"]}-{row["end"]}'
        cells["토큰"].append(f'<td class="nlpbook-token {css}" data-label="{row["label"]}" data-span="{span}" '
                            f'style="{TOKEN_CELL};{look}">{html.escape(row["token"])}</td>')
        cells["글자"].append(f'<td style="{TOKEN_CELL};color:#666">{html.escape(row["text"]) or "·"}<br>{span}</td>')
        cells["레이블"].append(f'<td style="{TOKEN_CELL};{look}">{row["label"]}</td>')
    table = "".join(f'<tr><th style="{HEAD}">{name}</th>{"".join(row)}</tr>' for name, row in cells.items())
    return (f'<div class="nlpbook-ner">{entities_html(example.text, example.entities)}'
            f'<table class="nlpbook-ner-table" style="border-collapse:collapse;margin-top:4px">{table}</table></div>')


def ner_tokens_text(tokenizer, example: NerExample, label_names, max_seq_length: int = 64) -> str:
    """The same view as plain text: one token a line, its characters (start-end) and its label."""
    rows = ner_rows(tokenizer, example, label_names, max_seq_length)
    width = max(len(row["token"]) for row in rows)
    return "\n".join([entities_text(example.text, example.entities)] + [
        f"{row['token']:<{width}}  {row['start']:>2}-{row['end']:<2} {row['text'] or '·':<6} {row['label']}"
        for row in rows])


def show_ner_tokens(tokenizer, example: NerExample, label_names, max_seq_length: int = 64) -> TextHTML:
    """The subwords of a sentence with their characters and BIO labels (notebook 10, 5. 데이터)."""
    return TextHTML(ner_tokens_html(tokenizer, example, label_names, max_seq_length),
                    ner_tokens_text(tokenizer, example, label_names, max_seq_length))


class NerExplorer(StaticTwin, widgets.VBox):
    """A Text box holding a sentence in the book's markup (`<김환희:PER>가 …`) and its subword labels under it,
    redrawn at every key press; a mark that cannot be read shows what is wrong."""

    def __init__(self, tokenizer, label_names, marks: str, max_seq_length: int = 64):
        self.tokenizer, self.label_names, self.max_seq_length = tokenizer, label_names, max_seq_length
        self.box = widgets.Text(value=marks, description="문장", placeholder="<김환희:PER>가 <서울:LOC>에서 …",
                                continuous_update=True, layout=widgets.Layout(width="95%"))
        self.box.add_class("nlpbook-ner-input")
        self.box.observe(self.redraw, "value")
        self.view = widgets.HTML()
        self.view.add_class("nlpbook-ner-view")
        self._lock = threading.RLock()
        self.redraw()
        super().__init__([self.box, self.view])
        example = strip_marks(marks)
        self.keep_twin(self.view.value, ner_tokens_text(tokenizer, example, label_names, max_seq_length))

    def redraw(self, _change=None) -> None:
        with self._lock:
            try:
                example = strip_marks(self.box.value)
            except ValueError as error:
                self.view.value = f'<div class="nlpbook-ner-error" style="color:#b3261e">{html.escape(str(error))}</div>'
                return
            self.view.value = ner_tokens_html(self.tokenizer, example, self.label_names, self.max_seq_length)

    def __repr__(self) -> str:
        return f"NerExplorer(marks={self.box.value!r}, max_seq_length={self.max_seq_length})"


def ner_explorer(tokenizer, label_names, marks: str, max_seq_length: int = 64) -> NerExplorer:
    """A widget: write a sentence with `<surface:TAG>` marks and see each subword's label (needs a running kernel)."""
    return NerExplorer(tokenizer, label_names, marks, max_seq_length)


def entities_html(text: str, entities) -> str:
    """The sentence with each entity highlighted in its tag's colour, the tag in small letters after it."""
    parts, at = [], 0
    for start, end, tag in entities:
        parts.append(html.escape(text[at:start]))
        parts.append(f'<span class="nlpbook-entity" data-tag="{tag}" data-start="{start}" data-end="{end}" '
                     f'style="background:{TAG_COLOURS.get(tag, "#eeeeee")};padding:1px 3px;border-radius:3px">'
                     f'{html.escape(text[start:end])}<sub style="color:#555"> {tag}</sub></span>')
        at = end
    return f'<div class="nlpbook-entities" style="line-height:1.9">{"".join(parts)}{html.escape(text[at:])}</div>'


def entities_text(text: str, entities) -> str:
    """The sentence with each entity written [surface:TAG]."""
    parts, at = [], 0
    for start, end, tag in entities:
        parts += [text[at:start], f"[{text[start:end]}:{tag}]"]
        at = end
    return "".join(parts) + text[at:]


def show_entities(text: str, entities) -> TextHTML:
    """A sentence with its entities highlighted; `entities`: (start, end, tag) spans (notebook 10, 7)."""
    return TextHTML(entities_html(text, entities), entities_text(text, entities))


class TryNer(SubmitWidget):
    """A text box (Enter or the 찾기 button) and the entities the model finds in it, highlighted."""

    def __init__(self, model, tokenizer, text: str = ""):
        self.model, self.tokenizer, self.found = model, tokenizer, []
        super().__init__(text, "문장을 써 보세요 (Enter 또는 찾기)", "찾기", "nlpbook-ner-try-input")

    def draw(self) -> None:
        text = self.text.value
        self.found = [(e.start, e.end, e.tag) for e in predict_entities(self.model, self.tokenizer, text)] \
            if text.strip() else []
        self.result.value = entities_html(text, self.found) if text.strip() else "문장을 입력하세요"

    def text_view(self) -> str:
        return entities_text(self.text.value, self.found) if self.text.value.strip() else "문장을 입력하세요"

    def __repr__(self) -> str:
        return "TryNer()"


def try_ner(model, tokenizer, text: str = "") -> TryNer:
    """The "try your sentence" widget: type a sentence, press Enter or 찾기, see its entities."""
    return TryNer(model, tokenizer, text)
