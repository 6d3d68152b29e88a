"""Notebook 08 view: the confusion matrix of a fine-tuned model on a split (torchmetrics), as a text table and a plot."""
from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import torch
from matplotlib.figure import Figure
from torchmetrics.classification import MulticlassConfusionMatrix

from ..corpus import Example
from ..training import predict
from .fonts import use_korean_font
from .schedule import figure_html

__all__ = ["confusion_matrix", "predict_confusion", "confusion_table", "plot_confusion", "show_confusion"]

FIGSIZE, DPI = (5.6, 4.6), 100


def confusion_matrix(predicted: Sequence[int] | torch.Tensor, actual: Sequence[int] | torch.Tensor,
                     num_labels: int) -> torch.Tensor:
    """Counts: row i = the examples whose label is i, column j = those the model called j (torchmetrics'
    MulticlassConfusionMatrix); the diagonal holds the right answers, each row sums to that label's examples."""
    predicted, actual = torch.as_tensor(predicted), torch.as_tensor(actual)
    if predicted.shape != actual.shape:
        raise ValueError(f"{len(predicted)} predictions but {len(actual)} labels: give one prediction per example")
    return MulticlassConfusionMatrix(num_classes=num_labels)(predicted, actual)


def predict_confusion(model, tokenizer, examples: Sequence[Example], max_seq_length: int = 128) -> torch.Tensor:
    """`predict` on every example's text, then `confusion_matrix` against their labels (label ids of the model)."""
    predictions = predict(model, tokenizer, [example.text for example in examples], max_seq_length)
    return confusion_matrix([p.label for p in predictions], [example.label for example in examples],
                            model.config.num_labels)


def _width(text: str) -> int:
    """Columns a monospaced font gives the text: Hangul (wide) takes two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _right(text: str, width: int) -> str:
    return " " * (width - _width(text)) + text


def _left(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def confusion_table(matrix: torch.Tensor, label_names: Sequence[str], normalize: bool = False) -> str:
    """The matrix as aligned text: rows are the true labels, columns the predicted ones, and each row's count.
    `normalize=True` shows each row's shares (2 decimals; the diagonal is the share of that label found)."""
    matrix = torch.as_tensor(matrix)
    names = [str(name) for name in label_names]
    if matrix.shape != (len(names), len(names)):
        raise ValueError(f"a {tuple(matrix.shape)} matrix for {len(names)} label names: give one name per label")
    totals = matrix.sum(dim=1)
    cells = [[f"{int(count) / max(int(total), 1):.2f}" if normalize else str(int(count)) for count in row]
             for row, total in zip(matrix, totals)]
    corner = "정답 \\ 예측"
    first = max(_width(corner), *(_width(name) for name in names))
    widths = [max(_width(name), *(_width(row[j]) for row in cells)) for j, name in enumerate(names)]
    total_width = max(_width("개수"), *(len(str(int(total))) for total in totals))
    lines = ["  ".join([_left(corner, first)] + [_right(name, w) for name, w in zip(names, widths)]
                       + [_right("개수", total_width)])]
    for name, row, total in zip(names, cells, totals):
        lines.append("  ".join([_left(name, first)] + [_right(cell, w) for cell, w in zip(row, widths)]
                               + [_right(str(int(total)), total_width)]))
    return "\n".join(lines)


def plot_confusion(matrix: torch.Tensor, label_names: Sequence[str], title: str | None = None) -> Figure:
    """A matplotlib Figure of the matrix: one square per (true, predicted) pair, darker for more examples, the
    count and the row's share written in it; label names on both axes."""
    use_korean_font()
    matrix = torch.as_tensor(matrix)
    names = [str(name) for name in label_names]
    counts = matrix.tolist()
    totals = [max(sum(row), 1) for row in counts]
    shares = [[count / total for count in row] for row, total in zip(counts, totals)]
    figure = Figure(figsize=FIGSIZE, dpi=DPI)
    axes = figure.add_subplot()
    image = axes.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    for i, row in enumerate(counts):
        for j, count in enumerate(row):
            color = "white" if shares[i][j] > 0.5 else "black"
            axes.text(j, i, f"{count}\n({shares[i][j]:.0%})", ha="center", va="center", color=color, fontsize=11)
    axes.set_xticks(range(len(names)), names)
    axes.set_yticks(range(len(names)), names)
    axes.set_xlabel("모델의 예측 (predicted)")
    axes.set_ylabel("정답 (actual)")
    axes.set_title(title or f"혼동 행렬: {sum(sum(row) for row in counts)}개 (괄호는 행마다의 비율)")
    figure.colorbar(image, ax=axes, fraction=0.046, pad=0.04, label="정답 레이블 중 비율")
    figure.tight_layout()
    return figure


def show_confusion(matrix: torch.Tensor, label_names: Sequence[str], title: str | None = None):
    """The plot as HTML: `<div class="nlpbook-confusion"><img ...></div>` (readable on GitHub, findable in a browser)."""
    from .twin import TextHTML

    figure = plot_confusion(matrix, label_names, title)
    names = ", ".join(str(name) for name in label_names)
    alt = f"confusion matrix: rows are the true labels ({names}), columns the predicted ones"
    text = f"[그림] 혼동 행렬 (행: 정답, 열: 예측; 행마다의 비율)\n{confusion_table(matrix, label_names, normalize=True)}"
    return TextHTML(figure_html(figure, "nlpbook-confusion", alt), text)
