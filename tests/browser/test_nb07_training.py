"""Notebook 07: while `fit` runs, the live loss curve is one image that the browser redraws in place (its picture
changes during training and once more at the end); then the "try your model" box turns a typed review into
긍정/부정 with a probability: with Enter, and with the 판정 button. When the notebook saved the fine-tuned model,
the verdict must be exactly what `nlpbook_helpers.training.predict` gives with that model. Section 10's label
curve (pretrained against random weights) is one drawn picture."""
from __future__ import annotations

import contextlib
import functools
import hashlib
from pathlib import Path

import pytest

from notebook_driver import PlaywrightError

pytestmark = pytest.mark.browser

NOTEBOOK = "07_training.ipynb"
LIVE = ".nlpbook-live-loss"
TRY = ".nlpbook-try-input"
CURVE = ".nlpbook-label-curve"
REVIEWS = ["배우들 연기가 정말 최고였고 감동적인 영화", "스토리가 지루하고 돈이 아까운 최악의 영화"]


class LossCurveWatcher:
    """Called at every poll of Run All: records each distinct picture of the loss curve while its cell runs."""

    def __init__(self, notebook, readme_images):
        self.notebook, self.readme_images = notebook, readme_images
        self.cell = notebook.cell_with(LIVE)
        self.during_fit: list[str] = []          # sha1 of each distinct image src seen while the cell ran
        self.saw_cell_running = False
        self.pictured = False

    def image(self):
        return self.cell.locator(".jp-OutputArea-output img").first

    def __call__(self) -> None:
        try:
            if self.cell.count() == 0 or "*" not in self.notebook.cell_prompt(self.cell):
                return
            self.saw_cell_running = True
            if self.image().count() == 0:
                return
            src = self.image().get_attribute("src", timeout=1000) or ""
        except PlaywrightError:
            return                                  # the output is being replaced right now: next poll
        digest = hashlib.sha1(src.encode()).hexdigest()
        if src.startswith(("data:image/png", "blob:")) and (not self.during_fit or self.during_fit[-1] != digest):
            self.during_fit.append(digest)
        if len(self.during_fit) >= 4 and not self.pictured:     # the curve in action, part way through fit
            self.pictured = True
            with contextlib.suppress(AssertionError):           # a picture is a bonus, never a failure here
                self.notebook.capture(self.cell.locator(".jp-Cell-outputArea").first, "07_live_loss_during_fit",
                                      self.readme_images)


def expected_predictions(home: Path, max_seq_length: int):
    """predict() of the fine-tuned model the notebook saved (its newest run's), or None when it saved none."""
    saved = sorted((home / "checkpoints" / "offline-nsmc").glob("run_*/finetuned/config.json"),
                   key=lambda path: path.stat().st_mtime)
    if not saved:
        return None
    directory = saved[-1].parent
    from nlpbook_helpers.training import predict
    from transformers import BertForSequenceClassification, BertTokenizer

    model = BertForSequenceClassification.from_pretrained(directory)
    tokenizer = BertTokenizer.from_pretrained(directory, do_lower_case=False)
    return {p.text: p for p in predict(model, tokenizer, REVIEWS, max_seq_length)}


def read_verdict(result) -> tuple[str, str, str]:
    return (result.get_attribute("data-label") or "", result.get_attribute("data-probability") or "",
            result.inner_text())


def verdict_problem(result, before: tuple, want) -> str:
    """What is wrong with the verdict shown ("" if nothing): label, probability, text, and either equal to
    `want` (predict() of the saved model) or at least changed from `before`."""
    label, probability, text = read_verdict(result)
    if label not in ("긍정", "부정"):
        return f"data-label={label!r}, expected 긍정 or 부정 (text {text!r})"
    try:
        value = float(probability)
    except ValueError:
        return f"data-probability={probability!r} is not a number"
    if not 0.5 <= value <= 1.0:
        return f"probability {value} of the predicted label is outside [0.5, 1]"
    if label not in text or probability not in text:
        return f"the text {text!r} does not show {label} and {probability}"
    if want is not None:
        if label != want.label_name or abs(value - want.probability) > 2e-4:
            return (f"verdict {label} {value:.4f}, but predict() with the saved fine-tuned model gives "
                    f"{want.label_name} {want.probability:.4f}")
    elif (label, probability, text) == before:
        return f"the verdict did not change after typing: still {before}"
    return ""


def test_live_loss_curve_and_try_your_model(open_notebook, browser_home, offline_reference, readme_images):
    notebook = open_notebook(NOTEBOOK)
    watcher = LossCurveWatcher(notebook, readme_images)
    notebook.run_all(on_tick=watcher)

    # ---- the live loss curve -------------------------------------------------------------------------------
    if not watcher.saw_cell_running:
        notebook.fail(f"never saw the cell with div{LIVE} running: the live loss curve was not shown during fit")
    if len(watcher.during_fit) < 2:
        notebook.fail(f"the loss curve image did not change while fit ran: {len(watcher.during_fit)} distinct "
                      "picture(s) seen (expected a picture redrawn in place as training goes on)", watcher.cell)
    images = watcher.cell.locator(".jp-OutputArea-output img")
    if images.count() != 1:
        notebook.fail(f"the loss curve should be ONE picture updated in place; the cell shows {images.count()}",
                      watcher.cell)
    notebook.check_image_drawn(watcher.image(), "the final loss curve")
    final = hashlib.sha1((watcher.image().get_attribute("src") or "").encode()).hexdigest()
    if final == watcher.during_fit[0]:
        notebook.fail("the loss curve after fit is still the first picture seen during fit", watcher.cell)
    notebook.capture(watcher.cell.locator(".jp-Cell-outputArea").first, "07_live_loss", readme_images)

    # ---- try your model ------------------------------------------------------------------------------------
    box = notebook.widget(f"{TRY} input", "try your model", repr_name="TryYourModel")
    notebook.check_widgets_rendered()
    area = notebook.output_area(TRY)
    result = area.locator(".nlpbook-try-result").first
    button = area.locator("button", has_text="판정").first
    expected = expected_predictions(browser_home, offline_reference.args.max_seq_length)
    seen = []
    for number, review in enumerate(REVIEWS):
        before = read_verdict(result)
        notebook.type_into(box, review, press_enter=number == 0)
        if number == 1:
            with notebook.step("click the 판정 button"):
                button.click()
        want = expected[review] if expected else None
        notebook.wait_until(f"'try your model' judges {review!r}" + (" (Enter)" if number == 0 else " (판정 button)"),
                            functools.partial(verdict_problem, result, before, want), timeout=60, focus=area)
        seen.append(read_verdict(result)[:2])
        if number == 0:
            notebook.capture(area, "07_try_your_model", readme_images)
    if not expected and seen[0] == seen[1]:
        notebook.fail(f"two opposite reviews got the same verdict {seen[0]}: is the widget judging what was typed?")

    # ---- section 10: the label curve (pretrained against random weights) is drawn ---------------------------
    curve = notebook.cell_with(CURVE).locator(f"{CURVE} img")
    if curve.count() != 1:
        notebook.fail(f"section 10 should show one label-curve picture in div{CURVE}; found {curve.count()}")
    notebook.check_image_drawn(curve.first, "the label curve")
    notebook.capture(notebook.output_area(CURVE), "07_label_curve", readme_images)
