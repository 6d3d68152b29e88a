"""Stage 6 view (notebook 06): the learning rate of every step, as the task's optimizer and scheduler produce it."""
from __future__ import annotations

import base64
import html
import io

import torch
from matplotlib.figure import Figure

from ..task import make_optimizer, make_scheduler
from .fonts import use_korean_font

__all__ = ["lr_schedule", "plot_lr_schedule", "show_lr_schedule", "figure_png"]

FIGSIZE, DPI = (7.0, 3.0), 100


def lr_schedule(args, total_steps: int) -> list[float]:
    """The learning rate used at each of `total_steps` optimizer steps: `make_optimizer` and `make_scheduler`
    of the task, run on a dummy parameter (a 2×2 layer) instead of the real model."""
    dummy = torch.nn.Linear(2, 2)
    optimizer = make_optimizer(dummy, args.learning_rate, args.weight_decay)
    scheduler = make_scheduler(optimizer, total_steps, args.warmup_ratio)
    rates = []
    for _ in range(total_steps):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()                       # no gradients: nothing changes, but the order is the real one
        scheduler.step()
    return rates


def plot_lr_schedule(args, total_steps: int, steps_per_epoch: int | None = None) -> Figure:
    """A matplotlib Figure of `lr_schedule(args, total_steps)`: warmup, then linear decay to 0.
    With `steps_per_epoch`, dotted lines mark where each epoch ends."""
    use_korean_font()
    rates = lr_schedule(args, total_steps)
    warmup = int(total_steps * args.warmup_ratio)
    figure = Figure(figsize=FIGSIZE, dpi=DPI)
    axes = figure.add_subplot()
    axes.plot(range(total_steps), rates, color="tab:blue")
    axes.axvline(warmup, color="tab:orange", linestyle="--", linewidth=1)
    axes.annotate(f"워밍업 끝: 스텝 {warmup}, 학습률 {args.learning_rate:g}", xy=(warmup, args.learning_rate),
                  xytext=(total_steps * 0.4, args.learning_rate * 0.97), va="top", fontsize=9,
                  arrowprops={"arrowstyle": "->", "color": "gray"})
    if steps_per_epoch:
        for end in range(steps_per_epoch, total_steps, steps_per_epoch):
            axes.axvline(end, color="gray", linestyle=":", linewidth=1)
    axes.set_xlim(0, total_steps)
    axes.set_ylim(0, args.learning_rate * 1.1)
    axes.set_xlabel("스텝 (step)")
    axes.set_ylabel("학습률")
    axes.set_title(f"학습률 스케줄: 워밍업 {args.warmup_ratio:.0%} 뒤 선형 감소 (전체 {total_steps} 스텝)")
    axes.ticklabel_format(axis="y", style="sci", scilimits=(-3, 3))
    axes.grid(alpha=0.3)
    figure.tight_layout()
    return figure


def figure_png(figure: Figure) -> bytes:
    """The figure as PNG bytes at its own size and dpi (the same bytes each time on the same machine)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=figure.dpi, metadata={"Software": None})
    return buffer.getvalue()


def figure_html(figure: Figure, css_class: str, alt: str) -> str:
    """`<div class="css_class"><img ...></div>`: the figure as an inline PNG at its own width in pixels, with `alt`
    text (readable on GitHub, findable in a browser by its class)."""
    encoded = base64.b64encode(figure_png(figure)).decode("ascii")
    return (f'<div class="{css_class}"><img src="data:image/png;base64,{encoded}" '
            f'alt="{html.escape(alt)}" width="{int(figure.get_figwidth() * figure.dpi)}"></div>')


def show_lr_schedule(args, total_steps: int, steps_per_epoch: int | None = None):
    """The plot as HTML: `<div class="nlpbook-lr-plot"><img ...></div>` (readable on GitHub, findable in a browser)."""
    from .twin import TextHTML

    figure = plot_lr_schedule(args, total_steps, steps_per_epoch)
    warmup = int(total_steps * args.warmup_ratio)
    alt = (f"learning rate: 0 → {args.learning_rate:g} over steps 0-{warmup}, "
           f"then linearly down to 0 at step {total_steps}")
    text = (f"[그림] 학습률: 스텝 0~{warmup}에서 0 → {args.learning_rate:g} (워밍업), "
            f"그 뒤 스텝 {total_steps}에서 0까지 선형 감소")
    return TextHTML(figure_html(figure, "nlpbook-lr-plot", alt), text)
