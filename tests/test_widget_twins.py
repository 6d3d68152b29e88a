"""Widgets and HTML views stay readable without a kernel (GitHub, nbviewer): every stored output that is a widget
or HTML carries a readable text/plain, and a widget also an HTML copy of the state it opens with.

Checked on the stored outputs of notebooks/*.ipynb, and on the views themselves (driven from Python)."""
import re
from pathlib import Path

import nbformat
import pytest
import torch
from IPython.core.interactiveshell import InteractiveShell

from nlpbook_helpers.corpus import load_corpus
from nlpbook_helpers.data import NsmcDataset
from nlpbook_helpers.tokenizer import load_tokenizer
from nlpbook_helpers.views.batch import batch_text, padding_explorer
from nlpbook_helpers.views.confusion import show_confusion
from nlpbook_helpers.views.tokens import token_explorer, tokens_html, tokens_text

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# `<IPython.core.display.HTML object>`, `<Foo at 0x7f…>`, `TryYourModel(max_seq_length=64)`: names, not content
OBJECT_REPR = re.compile(r"<[\w.]+ (object|at 0x[0-9a-f]+)>|[A-Z]\w*\(\w+=[^\n]*\)")


def repr_only(text: str) -> bool:
    """True when the whole text is one object's or widget's repr."""
    return bool(OBJECT_REPR.fullmatch(text.strip()))


def unreadable_outputs(notebook) -> list[str]:
    """'cell id: why' for every widget or HTML output whose text is a bare repr, or widget output without HTML."""
    problems = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if any(kind.startswith("image/") for kind in data):
                continue                              # a picture is its own readable twin
            text = data.get("text/plain", "")
            if (WIDGET_VIEW in data or "text/html" in data) and repr_only(text):
                problems.append(f"{cell.get('id')}: text/plain is only {text.strip()[:60]!r}")
            if WIDGET_VIEW in data and not data.get("text/html"):
                problems.append(f"{cell.get('id')}: a widget without an HTML copy of its first state")
    return problems


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_stored_widgets_and_html_are_readable_without_a_kernel(path):
    assert unreadable_outputs(nbformat.read(path, as_version=4)) == []


def test_a_bare_repr_is_caught():
    new = nbformat.v4
    notebook = new.new_notebook(cells=[
        new.new_code_cell(id="a", outputs=[new.new_output("execute_result", execution_count=1, data={
            "text/html": "<table></table>", "text/plain": "<IPython.core.display.HTML object>"})]),
        new.new_code_cell(id="b", outputs=[new.new_output("display_data", data={
            WIDGET_VIEW: {"model_id": "1"}, "text/plain": "TryYourModel(max_seq_length=64)"})]),
        new.new_code_cell(id="c", outputs=[new.new_output("display_data", data={
            WIDGET_VIEW: {"model_id": "2"}, "text/plain": "입력: 재밌다\n긍정 (확률 0.9)", "text/html": "<b>긍정</b>"})]),
    ])
    assert unreadable_outputs(notebook) == [
        "a: text/plain is only '<IPython.core.display.HTML object>'",
        "b: text/plain is only 'TryYourModel(max_seq_length=64)'",
        "b: a widget without an HTML copy of its first state"]


def bundle(obj) -> dict:
    return InteractiveShell.instance().display_formatter.format(obj)[0]


@pytest.fixture
def tokenizer(offline_args):
    return load_tokenizer(offline_args)


def test_a_widget_stores_its_first_state_not_the_state_it_was_moved_to(tokenizer):
    explorer = token_explorer(tokenizer, 64, text="영화 재밌다")
    explorer.text_input.value = "지루했다"                    # the student typed: the stored twin stays the first
    data = bundle(explorer)
    assert WIDGET_VIEW in data
    assert data["text/html"] == tokens_html(tokenizer, "영화 재밌다", 64)
    assert data["text/plain"] == tokens_text(tokenizer, "영화 재밌다", 64)


def test_the_padding_widget_stores_the_batch_it_opens_with(offline_args, tokenizer):
    dataset = NsmcDataset(load_corpus(offline_args).train[:50], tokenizer, offline_args.max_seq_length)
    data = bundle(padding_explorer(dataset, tokenizer, 64, batch_size=2, start=7))
    assert "#7 (" in data["text/plain"] and "#8 (" in data["text/plain"] and "#9 (" not in data["text/plain"]
    assert 'class="nlpbook-batch-matrix nlpbook-dynamic' in data["text/html"]


def test_batch_text_marks_padding_and_counts_it():
    batch = {"input_ids": torch.tensor([[2, 7, 3], [2, 3, 0]]), "attention_mask": torch.tensor([[1, 1, 1], [1, 1, 0]])}
    assert batch_text(batch, "t", mask=False, indices=[4, 5]).splitlines() == [
        "t", "input_ids: 2 × 3", "  #4 (3) 2 7 3", "  #5 (2) 2 3 ·",
        "패딩 비율 0.1667: 계산하는 토큰 6개 중 실제 토큰 5개, 패딩 1개"]


def test_a_plot_view_has_its_numbers_as_text():
    data = bundle(show_confusion(torch.tensor([[3, 1], [0, 4]]), ["부정", "긍정"]))
    assert 'class="nlpbook-confusion"' in data["text/html"]
    assert not repr_only(data["text/plain"]) and "혼동 행렬" in data["text/plain"]


def test_the_pipeline_figure_shows_the_seven_stages_in_order_and_the_other_tasks():
    from nlpbook_helpers.views.pipeline import STAGES, show_pipeline

    data = bundle(show_pipeline())
    assert re.findall(r'data-stage="(\d)"', data["text/html"]) == [str(n) for n in range(1, 8)]
    assert [stage[4] for stage in STAGES] == ["01", "02", "03", "04", "05", "06", "07"]   # notebook N ↔ stage N
    first = data["text/plain"].splitlines()[0]
    assert first == "파이프라인: " + " → ".join(f"{n}. {stage}" for n, stage, *_ in STAGES)
    assert "노트북 09." in data["text/plain"] and "질의응답" in data["text/plain"]
