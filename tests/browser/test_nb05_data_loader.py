"""Notebook 05 in JupyterLab: the padding explorer. A student moves the batch-size and first-instance sliders with
the keyboard; the two padded matrices (dynamic, max_seq_length) must hold exactly the batch the project's
collate makes for those instances, pad cells marked, and the padding ratios must be those of that batch."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

NOTEBOOK = "05_data_loader.ipynb"
WIDGET = ".nlpbook-batch-size"


def read_matrix(table) -> list[list[tuple[str, bool]]]:
    """(value, is pad) for each cell of each row of a `table.nlpbook-batch-matrix` (the value is the cell's
    title: block-drawn matrices have no text)."""
    return table.evaluate("""table => [...table.querySelectorAll('tr')]
        .filter(row => row.querySelector('td'))
        .map(row => [...row.querySelectorAll('td')].map(
            cell => [cell.getAttribute('title') ?? cell.textContent.trim(), cell.classList.contains('nlpbook-pad')]))""")


def expected_panel(reference, start: int, size: int, padding: str) -> tuple[list[list[tuple[str, bool]]], str]:
    """The matrix (value, is pad) and the padding ratio (4 decimals) of instances start..start+size-1 padded
    dynamically (to the longest) or to max_seq_length, computed from the project's tokenizer and corpus."""
    rows = [reference.input_ids(example.text) for example in reference.corpus.train[start:start + size]]
    width = max(map(len, rows)) if padding == "dynamic" else reference.args.max_seq_length
    pad = str(reference.tokenizer.pad_token_id)
    matrix = [[(str(value), False) for value in row] + [(pad, True)] * (width - len(row)) for row in rows]
    real = sum(map(len, rows))
    return matrix, f"{1 - real / (size * width):.4f}"


def check_panel(notebook, area, reference, start: int, size: int, padding: str, css: str) -> None:
    matrix, ratio = expected_panel(reference, start, size, padding)
    panel = area.locator(".nlpbook-batch").filter(has=notebook.page.locator(f"table.{css}")).first
    table = panel.locator(f"table.nlpbook-batch-matrix.{css}").first
    shown_ratio = panel.locator(".nlpbook-padding-ratio").first

    def problem() -> str:
        shown = read_matrix(table)
        if len(shown) != size or any(len(row) != len(matrix[0]) for row in shown):
            return f"{padding} matrix is {len(shown)}×{[len(row) for row in shown]}, expected {size}×{len(matrix[0])}"
        for number, (got, want) in enumerate(zip(shown, matrix)):
            if [tuple(cell) for cell in got] != want:
                return f"{padding} row {number} (instance {start + number}) shows {got}, expected {want}"
        if shown_ratio.get_attribute("data-ratio") != ratio:
            return f"{padding} padding ratio data-ratio={shown_ratio.get_attribute('data-ratio')}, expected {ratio}"
        if ratio not in shown_ratio.inner_text():
            return f"{padding} padding ratio text {shown_ratio.inner_text()!r} does not show {ratio}"
        return ""

    notebook.wait_until(f"batch of instances {start}..{start + size - 1} padded {padding}: matrix, pad cells "
                        f"and padding ratio as collate makes them", problem, focus=area)


def check_panels(notebook, area, reference, start: int, size: int) -> None:
    check_panel(notebook, area, reference, start, size, "dynamic", "nlpbook-dynamic")
    check_panel(notebook, area, reference, start, size, "max_length", "nlpbook-max-length")


def test_padding_explorer_follows_the_sliders(open_notebook, offline_reference, readme_images):
    notebook = open_notebook(NOTEBOOK).run_all()
    size_slider = notebook.widget(f"{WIDGET}.widget-slider", "batch size slider", repr_name="PaddingExplorer")
    start_slider = notebook.widget(".nlpbook-batch-start.widget-slider", "first instance slider",
                                   repr_name="PaddingExplorer")
    notebook.check_widgets_rendered()
    area = notebook.output_area(WIDGET)

    initial_size = int(size_slider.locator(".widget-readout").inner_text())
    initial_start = int(start_slider.locator(".widget-readout").inner_text())
    check_panels(notebook, area, reference := offline_reference, initial_start, initial_size)
    before = len(read_matrix(area.locator("table.nlpbook-batch-matrix.nlpbook-dynamic").first)[0])

    # a bigger batch further on, whose longest instance differs from the first batch's: the shape must change
    size = initial_size + 3
    start = next(s for s in range(1, 60) if max(len(reference.input_ids(e.text))
                                                 for e in reference.corpus.train[s:s + size]) != before)
    notebook.set_slider(size_slider, size, "batch size")
    notebook.set_slider(start_slider, start, "first instance")
    check_panels(notebook, area, reference, start, size)
    notebook.capture(area, "05_padding_explorer", readme_images)

    # and back to a smaller batch: rows and pad cells follow again
    notebook.set_slider(size_slider, 2, "batch size")
    check_panels(notebook, area, reference, start, 2)
