"""Stage 7 views (notebook 07): the fine-tuned model's verdict on reviews: a static table and a "try it" widget."""
from __future__ import annotations

import html
from collections.abc import Sequence

from ..training import Prediction, predict
from .submit import SubmitWidget
from .twin import TextHTML

__all__ = ["prediction_html", "prediction_text", "show_predictions", "try_your_model", "TryYourModel"]

COLORS = {"긍정": "#1a7f37", "부정": "#cf222e"}    # any other label name (your corpus): neutral #333


def prediction_html(prediction: Prediction) -> str:
    """One verdict: `<div class="nlpbook-try-result" data-label="긍정" data-probability="0.9731">`."""
    color = COLORS.get(prediction.label_name, "#333")
    return (f'<div class="nlpbook-try-result" data-label="{prediction.label_name}" '
            f'data-probability="{prediction.probability:.4f}">'
            f'<b style="color:{color}">{prediction.label_name}</b> (확률 {prediction.probability:.4f})</div>')


def prediction_text(prediction: Prediction) -> str:
    """One verdict as text: `긍정 (확률 0.9731)`."""
    return f"{prediction.label_name} (확률 {prediction.probability:.4f})"


def show_predictions(model, tokenizer, texts: Sequence[str], max_seq_length: int = 128) -> TextHTML:
    """A table of reviews with the predicted label name (model.config.id2label; NSMC: 긍정/부정) and its
    probability, rounded to 4 decimals (HTML, and the same lines as text)."""
    rows, lines = [], []
    for prediction in predict(model, tokenizer, list(texts), max_seq_length):
        lines.append(f"{prediction_text(prediction)}  {prediction.text}")
        color = COLORS.get(prediction.label_name, "#333")
        rows.append(f'<tr data-label="{prediction.label_name}" data-probability="{prediction.probability:.4f}">'
                    f'<td style="text-align:left">{html.escape(prediction.text)}</td>'
                    f'<td style="color:{color};font-weight:bold">{prediction.label_name}</td>'
                    f"<td>{prediction.probability:.4f}</td></tr>")
    return TextHTML('<table class="nlpbook-predictions"><tr><th style="text-align:left">리뷰</th><th>판정</th>'
                    f'<th>확률</th></tr>{"".join(rows)}</table>', "\n".join(["판정 (확률)  리뷰", *lines]))


class TryYourModel(SubmitWidget):
    """A text box (Enter or the 판정 button) and the model's verdict for what was typed."""

    def __init__(self, model, tokenizer, max_seq_length: int = 128, text: str = ""):
        self.model, self.tokenizer, self.max_seq_length = model, tokenizer, max_seq_length
        self.prediction: Prediction | None = None
        super().__init__(text, "영화 리뷰를 써 보세요 (Enter 또는 판정)", "판정", "nlpbook-try-input")

    def draw(self) -> None:
        """Predict the label of the current text and show it (one at a time: predict() switches the model to eval
        mode and back, so a second judgement at the same moment could compute with dropout on)."""
        text = self.text.value
        if not text.strip():
            self.prediction = None
            self.result.value = ('<div class="nlpbook-try-result" data-label="" data-probability="">'
                                 "리뷰를 입력하세요</div>")
            return
        self.prediction = predict(self.model, self.tokenizer, [text], self.max_seq_length)[0]
        self.result.value = prediction_html(self.prediction)

    def text_view(self) -> str:
        return prediction_text(self.prediction) if self.prediction else "리뷰를 입력하세요"

    def __repr__(self) -> str:      # the text a notebook stores beside the widget: short and stable
        return f"TryYourModel(max_seq_length={self.max_seq_length})"


def try_your_model(model, tokenizer, max_seq_length: int = 128, text: str = "") -> TryYourModel:
    """The "try your model" widget: type a review, press Enter or 판정, read the label name (긍정/부정, or your
    corpus' labels) and its probability."""
    return TryYourModel(model, tokenizer, max_seq_length, text)
