"""Notebook 03: the fill-in-the-blank box. A student types a review with one [MASK] key by key and presses Enter;
each model's guesses must be exactly the tokens (and, to 3 decimals, the probabilities) that
`nlpbook_helpers.views.fill_mask.fill_mask` gives here with the same models: the pretrained tiny BERT the notebook
loaded, and the same model with random weights (seeded as in the notebook). A text without [MASK] must show the
message that says what to do, not an error."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

NOTEBOOK = "03_pretrained_model.ipynb"
WIDGET = ".nlpbook-fill-mask-input"
REVIEW = "배우들 연기가 [MASK] 다시 보고 싶은 영화"


def expected_guesses(home, text: str, k: int = 5) -> dict[str, list[tuple[str, str]]]:
    """(token, probability with 3 decimals) of each model, computed in this process from the notebook's folder."""
    import torch
    from transformers import BertForMaskedLM, BertTokenizer

    from nlpbook_helpers.settings import make_arguments
    from nlpbook_helpers.views.fill_mask import fill_mask

    args = make_arguments("offline")
    source = home / "models" / "tiny-kcbert"
    tokenizer = BertTokenizer.from_pretrained(source, do_lower_case=False)
    pretrained = BertForMaskedLM.from_pretrained(source)
    torch.manual_seed(args.seed)
    random = BertForMaskedLM(pretrained.config)
    return {name: [(g.token, f"{g.probability:.3f}") for g in fill_mask(model, tokenizer, text, k)]
            for name, model in (("pretrained", pretrained), ("random", random))}


def shown_guesses(area) -> list[tuple[str, str, str, str]]:
    """(model, rank, token, probability) of every guess cell in the widget's output, in page order."""
    return area.locator(".nlpbook-fill-mask-result .nlpbook-fill-mask-token").evaluate_all(
        "cells => cells.map(c => [c.dataset.model, c.dataset.rank, c.dataset.token, c.dataset.probability])")


def test_fill_mask_box_shows_what_the_models_guess(open_notebook, browser_home, readme_images):
    notebook = open_notebook(NOTEBOOK).run_all()
    box = notebook.widget(f"{WIDGET} input", "fill-mask", repr_name="FillMaskWidget")
    notebook.check_widgets_rendered()
    area = notebook.output_area(WIDGET)

    notebook.type_into(box, REVIEW, press_enter=True)
    want = expected_guesses(browser_home, REVIEW)

    def problem() -> str:
        shown = shown_guesses(area)
        models = list(dict.fromkeys(model for model, *_ in shown))
        if len(models) != 2:
            return f"guesses of {len(models)} model(s) shown ({models}), expected 2: {shown}"
        for (name, expected), model in zip(want.items(), models):
            got = [(token, probability) for m, _, token, probability in shown if m == model]
            if [token for token, _ in got] != [token for token, _ in expected]:
                return f"{model!r} ({name}) shows {got}, fill_mask gives {expected}"
            if any(abs(float(a) - float(b)) > 2e-3 for (_, a), (_, b) in zip(got, expected)):
                return f"{model!r} ({name}) probabilities {got}, fill_mask gives {expected}"
        return ""

    notebook.wait_until(f"typing {REVIEW!r} + Enter shows each model's top guesses", problem, timeout=90,
                        focus=area)
    notebook.capture(area, "03_fill_mask", readme_images)

    notebook.type_into(box, "빈칸이 없는 리뷰", press_enter=True)
    message = area.locator(".nlpbook-fill-mask-result .nlpbook-fill-mask-message").first

    def no_mask_problem() -> str:
        if message.count() == 0:
            return f"no div.nlpbook-fill-mask-message; guesses still shown: {shown_guesses(area)[:2]}"
        text = message.inner_text()
        return "" if "[MASK]" in text and "없습니다" in text else f"the message says {text!r}"

    notebook.wait_until("a review without [MASK] shows the message saying what to do", no_mask_problem,
                        focus=area)
