"""views/tokens.py: the static token table of notebook 04 and its widget (driven from Python, no browser)."""
import re

import pytest

from nlpbook_helpers.tokenizer import load_tokenizer
from nlpbook_helpers.views.tokens import show_tokens, token_explorer, token_rows, tokens_html


@pytest.fixture(scope="module")
def tokenizer(offline_home):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NLPBOOK_HOME", str(offline_home))
        from nlpbook_helpers.settings import make_arguments

        return load_tokenizer(make_arguments("offline"))


def cells(page: str) -> list[tuple[str, int, str]]:
    """(classes, data-id, text) of every token cell."""
    return [(classes, int(token_id), text) for classes, token_id, text in
            re.findall(r'<td class="(nlpbook-token[^"]*)" data-id="(\d+)"[^>]*>([^<]*)</td>', page)]


def test_cells_hold_the_tokens_and_ids_of_the_tokenizer(tokenizer):
    text = "영화가 너무재밌었어요ㅋㅋ"      # 너무재밌었어요: no space, so ## pieces
    encoded = tokenizer(text)
    found = cells(tokens_html(tokenizer, text, 64))
    assert [token_id for _, token_id, _ in found] == encoded["input_ids"]
    assert [token for _, _, token in found] == tokenizer.convert_ids_to_tokens(encoded["input_ids"])
    assert found[0] == ("nlpbook-token nlpbook-token-special", tokenizer.cls_token_id, "[CLS]")
    assert found[-1] == ("nlpbook-token nlpbook-token-special", tokenizer.sep_token_id, "[SEP]")
    pieces = [(classes, token) for classes, _, token in found if token.startswith("##")]
    assert pieces and all("nlpbook-token-piece" in classes for classes, _ in pieces)
    assert all(classes == "nlpbook-token" for classes, _, token in found[1:-1] if not token.startswith("##"))


def test_unknown_characters_are_marked_with_what_they_replaced(tokenizer):
    page = tokens_html(tokenizer, "💃 재밌다", 64)            # 💃 is not in the vocabulary (😀 is)
    unk = [c for c in cells(page) if "nlpbook-token-unk" in c[0]]
    assert unk == [("nlpbook-token nlpbook-token-unk", tokenizer.unk_token_id, "[UNK]")]
    assert 'title="원문: 💃"' in page


def test_length_line_and_truncation(tokenizer):
    text = "이 영화 정말 재밌다ㅋㅋ"
    page = tokens_html(tokenizer, text, 64)
    n = len(tokenizer(text)["input_ids"])                   # [CLS] and [SEP] counted
    assert 5 <= n <= 12
    assert re.search(rf'class="nlpbook-token-length" data-length="{n}" data-max="64"[^>]*>'
                     rf"토큰 {n}개 / max_seq_length 64</div>", page)
    long_rows = token_rows(tokenizer, "영화 " * 40, 16)
    assert long_rows["length"] == 16 and long_rows["full_length"] == 42
    assert long_rows["tokens"][-1] == "[SEP]"
    assert "토큰 16개 / max_seq_length 16 (잘림: 뒤의 토큰 26개를 버렸습니다)" in tokens_html(tokenizer, "영화 " * 40, 16)


def test_html_typed_by_a_student_is_escaped(tokenizer):
    page = tokens_html(tokenizer, "<b>굵게</b> & <script> 甲<", 64)    # 甲: [UNK], its title names what it replaced
    assert "<b>" not in page and "<script>" not in page
    assert "&lt;" in page and "&amp;" in page and 'title="원문: 甲"' in page


def test_static_view_has_html_and_a_plain_text_twin(tokenizer):
    view = show_tokens(tokenizer, "영화 재밌다", 64)
    assert view._repr_html_() == tokens_html(tokenizer, "영화 재밌다", 64)
    assert repr(view).splitlines()[0].startswith("[CLS](2) ")
    assert repr(view).splitlines()[1] == "토큰 4개 / max_seq_length 64"


def test_widget_updates_its_view_when_the_text_changes(tokenizer):
    explorer = token_explorer(tokenizer, 64, text="영화")
    assert "nlpbook-token-explorer" in explorer._dom_classes
    assert "nlpbook-token-input" in explorer.text_input._dom_classes
    assert explorer.text_input.continuous_update
    assert explorer.view.value == tokens_html(tokenizer, "영화", 64)
    explorer.text_input.value = "💃 <i>"
    assert explorer.view.value == tokens_html(tokenizer, "💃 <i>", 64)
    assert "nlpbook-token-unk" in explorer.view.value and "<i>" not in explorer.view.value
    assert repr(explorer) == "TokenExplorer(text='💃 <i>', max_seq_length=64)"
