"""The harness itself: a working widget passes; a broken callback, and a widget front end that fails to load,
both fail with a message that names a screenshot, and the screenshot exists.

Uses a tiny notebook written into the served folder (Text boxes whose callback echoes the words, or raises), so
it costs a few seconds and does not depend on the lesson notebooks.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

import notebook_driver

pytestmark = pytest.mark.browser

ECHO = '''import ipywidgets as widgets
def echo_widget(name, update):
    box = widgets.Text(description="문장")
    box.add_class(f"harness-{name}-input")
    shown = widgets.HTML()
    shown.add_class(f"harness-{name}-result")
    box.observe(lambda change: setattr(shown, "value", update(change["new"])), names="value")
    return widgets.VBox([box, shown])'''
WORKING = 'echo_widget("working", lambda text: " | ".join(text.split()))'
BROKEN = 'echo_widget("broken", lambda text: 1 / 0)'


def write_notebook(root: Path, name: str, *cells: str) -> str:
    return notebook_driver.write_notebook(root, name, *cells, title="# 하네스 시험")


def type_and_expect(notebook, name: str, text: str, expected: str) -> None:
    box = notebook.widget(f".harness-{name}-input input", f"{name} echo", repr_name="VBox", timeout=10)
    notebook.type_into(box, text)
    with notebook.step(f"typing {text!r} into the {name} box shows {expected!r}"):
        notebook_driver.expect(notebook.notebook.locator(f".harness-{name}-result")).to_have_text(expected, timeout=2000)


def screenshot_in(message: str) -> Path:
    found = re.search(r"screenshot: (\S+\.png)", message)
    assert found, f"no screenshot path in the failure message:\n{message}"
    assert Path(found.group(1)).stat().st_size > 1000, message
    return Path(found.group(1))


def test_working_widget_passes_and_broken_callback_fails(open_notebook, lab_server):
    path = write_notebook(lab_server.root_dir, "harness_callbacks.ipynb", ECHO, WORKING, BROKEN)
    notebook = open_notebook(path).run_all(stall_timeout=60)
    notebook.check_widgets_rendered()
    type_and_expect(notebook, "working", "영화 정말 재밌다", "영화 | 정말 | 재밌다")

    with pytest.raises(AssertionError) as failure:
        type_and_expect(notebook, "broken", "영화 재밌다", "영화 | 재밌다")
    message = str(failure.value)
    assert "typing '영화 재밌다' into the broken box shows '영화 | 재밌다'" in message, message
    screenshot_in(message)


def test_widget_front_end_that_fails_to_load_is_caught(open_notebook, lab_server, browser_context):
    # what a classroom sees when the widget extension does not load: the widget's plain-text repr
    browser_context.route(re.compile(r".*/lab/extensions/@jupyter-widgets/jupyterlab-manager/.*"),
                          lambda route: route.abort())
    path = write_notebook(lab_server.root_dir, "harness_no_frontend.ipynb", ECHO, WORKING)
    notebook = open_notebook(path).run_all(stall_timeout=60)
    with pytest.raises(AssertionError) as failure:
        notebook.widget(".harness-working-input input", "echo", repr_name="VBox", timeout=2)
    message = str(failure.value)
    assert "plain-text repr" in message and "VBox(children=" in message, message
    screenshot_in(message)
    with pytest.raises(AssertionError, match=r"a widget did not render(.|\n)*screenshot: "):
        notebook.check_widgets_rendered()


SLOW_BUT_MOVING = '''import time
for step in range(8):
    time.sleep(1)
    print(f"step {step}", flush=True)'''
SILENT = '''import time
time.sleep(600)'''


def test_run_all_waits_on_progress_not_on_total_time(open_notebook, lab_server):
    # 8 s of work that prints every second passes with a 4 s stall limit: a slow machine that makes progress
    path = write_notebook(lab_server.root_dir, "harness_progress.ipynb", SLOW_BUT_MOVING, "print('done')")
    notebook = open_notebook(path).run_all(stall_timeout=4)
    assert "done" in " ".join(notebook.output_texts())

    # a cell that shows nothing for longer than the limit fails, naming the cell it waited for
    path = write_notebook(lab_server.root_dir, "harness_stall.ipynb", "print('first')", SILENT)
    with pytest.raises(AssertionError) as failure:
        open_notebook(path).run_all(stall_timeout=4)
    message = str(failure.value)
    assert "made no visible progress for 4 s" in message and "code cell 2 of 2 (prompt [*]) to finish" in message, \
        message
    screenshot_in(message)
