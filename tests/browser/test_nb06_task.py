"""Notebook 06: the learning-rate schedule plot is drawn in the page: an image that the browser decoded, of the
size it was saved at, with ink on it (not a broken image, not an empty frame)."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

NOTEBOOK = "06_task.ipynb"
PLOT = ".nlpbook-lr-plot"


def test_learning_rate_plot_is_drawn(open_notebook, readme_images):
    notebook = open_notebook(NOTEBOOK).run_all()
    notebook.check_widgets_rendered()
    image = notebook.widget(f"{PLOT} img", "learning-rate plot")
    notebook.check_image_drawn(image, "the learning-rate schedule plot")
    notebook.capture(notebook.notebook.locator(PLOT).first, "06_lr_schedule", readme_images)
