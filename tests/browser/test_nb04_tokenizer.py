"""Notebook 04: the token explorer. A student types a Korean review key by key; the token cells must show exactly
the tokens and ids the project's tokenizer gives for it (computed here), [CLS]/[SEP] marked special and a piece
the vocabulary lacks marked [UNK]. Once in JupyterLab, once in Notebook 7 (the front end many classes use)."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

NOTEBOOK = "04_tokenizer.ipynb"
WIDGET = ".nlpbook-token-input"
# pieces the vocabulary lacks: every Hangul syllable and common emoji are in it (issue #20), so Hanja, a rare emoji,
# an old Cyrillic letter; the first ones that give [UNK] are used
UNKNOWN_CANDIDATES = ["甲", "💃", "🦩", "ꙮ", "乙"]


def unknown_pieces(reference) -> list[str]:
    """The candidates the offline vocabulary does not know (checked with the tokenizer, not assumed)."""
    unknown = [candidate for candidate in UNKNOWN_CANDIDATES if reference.tokenizer.unk_token_id in
               reference.tokenizer(candidate, add_special_tokens=False)["input_ids"]]
    assert len(unknown) >= 2, f"fewer than two of {UNKNOWN_CANDIDATES} give [UNK]: add rarer ones"
    return unknown


def type_and_check(notebook, reference, text: str):
    tokenizer = reference.tokenizer
    ids = reference.input_ids(text)
    assert len(ids) < reference.args.max_seq_length, "pick a shorter sentence: this one would be truncated"
    tokens = tokenizer.convert_ids_to_tokens(ids)
    assert tokenizer.unk_token_id in ids and tokens[0] == "[CLS]" and tokens[-1] == "[SEP]"

    box = notebook.widget(f"{WIDGET} input", "token explorer", repr_name="TokenExplorer")
    notebook.check_widgets_rendered()
    area = notebook.output_area(WIDGET)
    cells = area.locator(".nlpbook-token")
    notebook.type_into(box, text)

    def problem() -> str:
        shown = cells.evaluate_all("cells => cells.map(c => [c.textContent, c.dataset.id, [...c.classList]])")
        got = [(token, int(token_id) if (token_id or "").isdigit() else token_id) for token, token_id, _ in shown]
        if got != list(zip(tokens, ids)):
            return f"token cells (token, data-id) {got}\n  expected {list(zip(tokens, ids))}"
        for (token, _, classes), token_id in zip(shown, ids):
            if token_id == tokenizer.unk_token_id and "nlpbook-token-unk" not in classes:
                return f"[UNK] cell not marked nlpbook-token-unk: {classes}"
            if token in ("[CLS]", "[SEP]") and "nlpbook-token-special" not in classes:
                return f"{token} cell not marked nlpbook-token-special: {classes}"
        length, limit = area.locator(".nlpbook-token-length").first.inner_text(), reference.args.max_seq_length
        if f"{len(ids)}" not in length or f"{limit}" not in length:
            return f"length line {length!r} does not say {len(ids)} tokens / max_seq_length {limit}"
        return ""

    notebook.wait_until(f"typing {text!r} shows the tokenizer's tokens {tokens} with ids {ids}", problem,
                        focus=area)
    return area


def test_token_explorer_shows_what_the_tokenizer_gives(open_notebook, offline_reference, readme_images):
    notebook = open_notebook(NOTEBOOK).run_all()
    unknown = unknown_pieces(offline_reference)
    text = f"배우들 연기는 최고인데 스토리가 좀 지루했다 {unknown[0]}"
    area = type_and_check(notebook, offline_reference, text)
    notebook.capture(area, "04_token_explorer", readme_images)
    # a second sentence replaces the first (the callback runs again, nothing of the old one stays)
    type_and_check(notebook, offline_reference, f"감독님 다음 작품도 기대합니다 {unknown[-1]}")


def test_token_explorer_in_notebook7(open_notebook, offline_reference, notebook7_server, readme_images):
    notebook = open_notebook(NOTEBOOK, server=notebook7_server).run_all()
    text = f"이 영화 진짜 꿀잼이었음ㅋㅋ {unknown_pieces(offline_reference)[0]}"
    area = type_and_check(notebook, offline_reference, text)
    notebook.capture(area, "04_token_explorer_notebook7", readme_images)
