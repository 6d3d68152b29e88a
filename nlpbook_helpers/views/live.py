"""Stage 7 view (notebook 07): a live loss curve, one picture updated in place while `trainer.fit` runs."""
from __future__ import annotations

import pytorch_lightning as pl
from IPython.display import Image, display
from matplotlib.figure import Figure

from .fonts import use_korean_font
from .schedule import figure_png
from .twin import TextHTML

__all__ = ["LiveLossPlot"]


class LiveLossPlot(pl.Callback):
    """Lightning callback: train loss every step (redrawn every `every_n_steps`), val loss/accuracy every epoch.

    The cell shows an HTML header `div.nlpbook-live-loss`, then ONE PNG display handle that is updated in place
    (`display(..., display_id=True)` then `handle.update(...)`): no scrolling log, and the notebook stores the
    last picture. Works in JupyterLab, Notebook 7, Colab and VS Code; needs no ipywidgets.
    """

    def __init__(self, every_n_steps: int = 20, figsize: tuple[float, float] = (9.0, 3.2), dpi: int = 90):
        self.every_n_steps = max(1, int(every_n_steps))
        self.figsize, self.dpi = figsize, dpi
        self.steps: list[int] = []              # global step after each optimizer step
        self.train_losses: list[float] = []
        self.val_steps: list[int] = []          # global step at the end of each validation (one per epoch)
        self.val_losses: list[float] = []
        self.val_accs: list[float] = []
        self.total_steps = self.max_epochs = 0
        self.epoch = 0
        self.chance = 0.5                       # accuracy of a random guess: 1 / the model's labels (at fit start)
        self.accuracy = True                    # whether the task logs val_acc (the right-hand panel)
        self.handle = None
        self.updates = 0                        # how many times the picture was redrawn (header excluded)

    # ---- Lightning hooks -------------------------------------------------------------------------------
    def on_fit_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        use_korean_font()
        self.total_steps = int(trainer.estimated_stepping_batches)
        self.max_epochs = int(trainer.max_epochs or 0)
        self.epoch = trainer.current_epoch
        labels = getattr(getattr(getattr(pl_module, "model", None), "config", None), "num_labels", 2)
        self.chance = 1 / labels
        self.accuracy = hasattr(pl_module, "val_acc")      # a classification; generation logs no accuracy
        measured = "검증 손실·정확도는" if self.accuracy else "검증 손실은"
        header = (f"학습 손실(train loss)은 {self.every_n_steps} 스텝마다, {measured} 에포크마다 아래 그림이 "
                  "그 자리에서 새로 그려집니다.")
        display(TextHTML(f'<div class="nlpbook-live-loss"><b>학습 곡선</b>: {header}</div>', f"학습 곡선: {header}"))
        self.handle = display(self._image(), display_id=True)

    def on_train_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.epoch = trainer.current_epoch

    def on_train_batch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule, outputs, batch,
                           batch_idx: int) -> None:
        loss = outputs["loss"] if isinstance(outputs, dict) else outputs
        if loss is None:
            return
        self.steps.append(int(trainer.global_step))
        self.train_losses.append(float(loss.detach()))
        if trainer.global_step % self.every_n_steps == 0:
            self.update()

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        # on_validation_end comes after Lightning has averaged the epoch's val_loss/val_acc
        if trainer.sanity_checking:
            return
        metrics = trainer.callback_metrics
        if "val_loss" not in metrics:
            return
        self.val_steps.append(int(trainer.global_step))
        self.val_losses.append(float(metrics["val_loss"]))
        self.val_accs.append(float(metrics["val_acc"]) if "val_acc" in metrics else float("nan"))
        self.update()

    def on_fit_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.update()

    # ---- drawing --------------------------------------------------------------------------------------
    def progress(self) -> str:
        """'epoch 1/2 · step 120/376': where training is now."""
        step = self.steps[-1] if self.steps else 0
        return f"epoch {self.epoch + 1}/{self.max_epochs} · step {step}/{self.total_steps}"

    def smoothed(self) -> list[float]:
        """The train loss averaged over the last `every_n_steps` steps (the raw loss jumps from batch to batch)."""
        window, total, averages = self.every_n_steps, 0.0, []
        for index, loss in enumerate(self.train_losses):
            total += loss - (self.train_losses[index - window] if index >= window else 0.0)
            averages.append(total / min(index + 1, window))
        return averages

    def figure(self) -> Figure:
        """The current picture: losses over steps (left), validation accuracy over epochs (right)."""
        figure = Figure(figsize=self.figsize, dpi=self.dpi)
        if not self.accuracy:                               # losses only (generation: no accuracy to show)
            losses, accuracy = figure.subplots(1, 1), None
        else:
            losses, accuracy = figure.subplots(1, 2, gridspec_kw={"width_ratios": [2, 1]})
        losses.plot(self.steps, self.train_losses, color="tab:blue", linewidth=0.8, alpha=0.35)
        losses.plot(self.steps, self.smoothed(), color="tab:blue", linewidth=1.5,
                    label=f"학습 손실 (train_loss, 최근 {self.every_n_steps} 스텝 평균)")
        losses.plot(self.val_steps, self.val_losses, "o-", color="tab:orange", label="검증 손실 (val_loss)")
        losses.set_xlim(0, max(self.total_steps, 1))
        losses.set_ylim(bottom=0)
        losses.set_xlabel("스텝 (step)")
        losses.set_ylabel("손실 (loss)")
        losses.legend(loc="upper right", fontsize=8)
        losses.grid(alpha=0.3)
        if accuracy is None:
            figure.suptitle(self.progress(), fontsize=11)
            figure.tight_layout()
            return figure
        epochs = list(range(1, len(self.val_accs) + 1))
        accuracy.plot(epochs, self.val_accs, "o-", color="tab:green")
        for epoch, value in zip(epochs, self.val_accs):
            accuracy.annotate(f"{value:.3f}", (epoch, value), xytext=(0, 6), textcoords="offset points",
                              ha="center", fontsize=8)
        accuracy.axhline(self.chance, color="gray", linestyle=":", linewidth=1)     # random guessing
        accuracy.set_xlim(0.5, max(self.max_epochs, 1) + 0.5)
        accuracy.set_ylim(min([0.4, self.chance - 0.07, *[value - 0.05 for value in self.val_accs]]), 1.0)
        accuracy.set_xticks(range(1, max(self.max_epochs, 1) + 1))
        accuracy.set_xlabel("에포크 (epoch)")
        accuracy.set_ylabel("검증 정확도 (val_acc)")
        accuracy.grid(alpha=0.3)
        figure.suptitle(self.progress(), fontsize=11)
        figure.tight_layout()
        return figure

    def _image(self) -> Image:
        return Image(data=figure_png(self.figure()), format="png")

    def update(self) -> None:
        """Redraw the picture in place (nothing happens outside a notebook, where there is no handle)."""
        if self.handle is None:
            return
        self.handle.update(self._image())
        self.updates += 1
