"""Stage 7 view (notebook 07, "프리트레인이 주는 것: 레이블 수에 따른 정확도"): test accuracy against the number of
labeled reviews, one line per model (mean over seeds, band from the worst to the best seed), from the rows of
`training.label_curve`; and the same figures as a small table of text."""
from __future__ import annotations

import statistics
from collections.abc import Sequence

from matplotlib.figure import Figure

from .fonts import use_korean_font
from .schedule import figure_html

__all__ = ["summarize_label_curve", "plot_label_curve", "show_label_curve", "label_curve_table"]

FIGSIZE, DPI = (7.0, 3.8), 100
COLORS = ("tab:blue", "tab:orange", "tab:green", "tab:red")


def summarize_label_curve(rows: Sequence[dict]) -> dict[str, list[dict]]:
    """Model name → one point per number of labels (ascending): {"labels", "mean", "low", "high", "seeds"}."""
    by_model: dict[str, dict[int, list[float]]] = {}
    for row in rows:
        by_model.setdefault(row["model"], {}).setdefault(row["labels"], []).append(row["test_acc"])
    return {model: [{"labels": labels, "mean": statistics.fmean(accs), "low": min(accs), "high": max(accs),
                     "seeds": len(accs)} for labels, accs in sorted(points.items())]
            for model, points in by_model.items()}


def plot_label_curve(rows: Sequence[dict]) -> Figure:
    """A matplotlib Figure: test accuracy (y) against labeled reviews (x, log scale), per model the mean over seeds
    (line), every seed (dots) and the band between the worst and the best seed."""
    use_korean_font()
    summary = summarize_label_curve(rows)
    figure = Figure(figsize=FIGSIZE, dpi=DPI)
    axes = figure.add_subplot()
    for color, (model, points) in zip(COLORS * 4, summary.items()):
        xs = [point["labels"] for point in points]
        axes.fill_between(xs, [p["low"] for p in points], [p["high"] for p in points], color=color, alpha=0.15,
                          linewidth=0)
        axes.plot(xs, [p["mean"] for p in points], "o-", color=color, label=model)
        seeds = [(row["labels"], row["test_acc"]) for row in rows if row["model"] == model]
        axes.plot(*zip(*seeds), ".", color=color, alpha=0.5, markersize=4)
    sizes = sorted({row["labels"] for row in rows})
    axes.axhline(0.5, color="gray", linestyle=":", linewidth=1)
    axes.set_xscale("log")
    axes.set_xticks(sizes, [f"{size:,}" for size in sizes])
    axes.minorticks_off()
    axes.set_ylim(min([0.45, *[row["test_acc"] - 0.03 for row in rows]]), 1.0)
    axes.set_xlabel("레이블이 있는 학습 리뷰 수 (로그 눈금)")
    axes.set_ylabel("테스트 정확도")
    axes.set_title("레이블 수에 따른 테스트 정확도 (선: 시드별 정확도의 평균, 띠: 가장 낮은~높은 시드)", fontsize=11)
    axes.legend(loc="lower right")
    axes.grid(alpha=0.3)
    figure.tight_layout()
    return figure


def show_label_curve(rows: Sequence[dict]):
    """The plot as HTML: `<div class="nlpbook-label-curve"><img ...></div>` (readable on GitHub, findable in a browser)."""
    from .twin import TextHTML

    models = ", ".join(summarize_label_curve(rows))
    alt = f"test accuracy against the number of labeled training reviews (log scale): {models}"
    text = f"[그림] 레이블 수(로그 눈금)에 따른 평가 정확도: {models}\n{label_curve_table(rows)}"
    return TextHTML(figure_html(plot_label_curve(rows), "nlpbook-label-curve", alt), text)


def label_curve_table(rows: Sequence[dict]) -> str:
    """The figures of the plot as text, one line per number of labels: each model's mean test accuracy
    (3 decimals) over its seeds, e.g. `레이블   100개: 프리트레인 0.745, 무작위 0.701 (시드 3개의 평균)`."""
    summary = summarize_label_curve(rows)
    lines = []
    for size in sorted({row["labels"] for row in rows}):
        points = {model: next((p for p in points if p["labels"] == size), None) for model, points in summary.items()}
        means = ", ".join(f"{model} {point['mean']:.3f}" for model, point in points.items() if point)
        seeds = sorted({point["seeds"] for point in points.values() if point})
        lines.append(f"레이블 {size:>6,}개: {means} (시드 {'/'.join(map(str, seeds))}개의 평균)")
    return "\n".join(lines)
