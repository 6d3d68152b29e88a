"""views/pairs.py: a sentence pair as two coloured segments (notebook 09), its widget and a padded batch of pairs."""
import re

import pytest

from nlpbook_helpers.data import make_collate
from nlpbook_helpers.tokenizer import load_tokenizer
from nlpbook_helpers.views.pairs import pair_explorer, pair_html, pair_rows, pair_text, show_pair, show_pair_batch
from nlpbook_helpers.views.tokens import SEGMENT_LOOK, SPECIAL_LOOK

PREMISE, HYPOTHESIS = "이 영화는 감독이 연출했다.", "영화가 재밌다"


@pytest.fixture(scope="module")
def tokenizer(offline_home):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NLPBOOK_HOME", str(offline_home))
        from nlpbook_helpers.settings import make_arguments

        return load_tokenizer(make_arguments("offline"))


def cells(page: str) -> list[tuple[list[str], int, int, str, str]]:
    """(classes, data-id, data-segment, style, text) of every token cell."""
    return [(classes.split(), int(token_id), int(segment), style, text) for classes, token_id, segment, style, text in
            re.findall(r'<td class="(nlpbook-token [^"]*)" data-id="(\d+)" data-segment="(\d)" style="([^"]*)">'
                       r"([^<]*)</td>", page)]


def test_cells_follow_the_tokenizer_and_its_segments(tokenizer):
    encoded = tokenizer(PREMISE, HYPOTHESIS)
    found = cells(pair_html(tokenizer, PREMISE, HYPOTHESIS, 64))
    assert [token_id for _, token_id, _, _, _ in found] == encoded["input_ids"]
    assert [segment for _, _, segment, _, _ in found] == encoded["token_type_ids"]
    assert [text for *_, text in found] == tokenizer.convert_ids_to_tokens(encoded["input_ids"])
    n_premise = len(tokenizer(PREMISE)["input_ids"])           # [CLS] premise [SEP]
    assert encoded["token_type_ids"] == [0] * n_premise + [1] * (len(encoded["input_ids"]) - n_premise)
    assert all(f"nlpbook-segment-{segment}" in classes for classes, _, segment, _, _ in found)


def test_cls_and_sep_are_blue_and_the_segments_have_their_colours(tokenizer):
    found = cells(pair_html(tokenizer, PREMISE, HYPOTHESIS, 64))
    marks = [cell for cell in found if cell[4] in ("[CLS]", "[SEP]")]
    assert [(text, segment) for _, _, segment, _, text in marks] == [("[CLS]", 0), ("[SEP]", 0), ("[SEP]", 1)]
    assert all("nlpbook-token-special" in classes and style.endswith(SPECIAL_LOOK) for classes, _, _, style, _ in marks)
    words = [cell for cell in found if cell not in marks]
    assert words and all(SEGMENT_LOOK[segment] in style and SPECIAL_LOOK not in style
                         for _, _, segment, style, _ in words)
    assert {segment for _, _, segment, _, _ in words} == {0, 1}


def test_length_line_counts_each_segment_and_says_what_truncation_cut(tokenizer):
    page = pair_html(tokenizer, PREMISE, HYPOTHESIS, 64)
    rows = pair_rows(tokenizer, PREMISE, HYPOTHESIS, 64)
    premise_tokens, hypothesis_tokens = (len(tokenizer(t, add_special_tokens=False)["input_ids"]) for t in
                                         (PREMISE, HYPOTHESIS))
    assert rows["kept"] == [premise_tokens, hypothesis_tokens] == rows["full"]
    assert rows["length"] == premise_tokens + hypothesis_tokens + 3
    assert (f'data-length="{rows["length"]}" data-max="64" style="margin-top:4px">토큰 {rows["length"]}개 = '
            f"전제 {premise_tokens} + 가설 {hypothesis_tokens} + 특수 토큰 3 / max_seq_length 64</div>") in page
    short = pair_rows(tokenizer, "영화 " * 20, "재밌다", 10)
    assert short["length"] == 10 and short["tokens"][-1] == "[SEP]" and short["segments"][-1] == 1
    assert short["kept"][0] == 10 - 3 - short["kept"][1] and short["full"][0] == 20
    assert f"(잘림: 긴 쪽부터 전제 {20 - short['kept'][0]}개를 버렸습니다)" in pair_html(tokenizer, "영화 " * 20, "재밌다", 10)


def test_unknown_tokens_count_as_text_not_as_marks(tokenizer):
    rows = pair_rows(tokenizer, "영화 💃", "재밌다", 64)     # 💃: not in the vocabulary
    assert "[UNK]" in rows["tokens"] and rows["kept"][0] == rows["full"][0]
    assert rows["length"] - sum(rows["kept"]) == 3


def test_static_view_has_html_and_a_readable_text_twin(tokenizer):
    view = show_pair(tokenizer, PREMISE, HYPOTHESIS, 64)
    assert view._repr_html_() == pair_html(tokenizer, PREMISE, HYPOTHESIS, 64)
    encoded = tokenizer(PREMISE, HYPOTHESIS)
    tokens = tokenizer.convert_ids_to_tokens(encoded["input_ids"])
    cut = tokens.index("[SEP]") + 1
    lines = repr(view).splitlines()
    assert lines[0] == "세그먼트 0 (전제): " + " ".join(tokens[:cut])
    assert lines[1] == "세그먼트 1 (가설): " + " ".join(tokens[cut:])
    assert lines[2] == f"input_ids       {encoded['input_ids']}"
    assert lines[3] == f"token_type_ids  {encoded['token_type_ids']}"
    assert lines[4].startswith(f"토큰 {len(tokens)}개 = 전제 ")


def test_html_typed_by_a_student_is_escaped(tokenizer):
    page = pair_html(tokenizer, "<b>굵게</b>", "<script>", 64)
    assert "<b>" not in page and "<script>" not in page


def test_widget_redraws_when_either_text_changes(tokenizer):
    explorer = pair_explorer(tokenizer, 64, PREMISE, HYPOTHESIS)
    assert "nlpbook-pair-explorer" in explorer._dom_classes
    assert "nlpbook-pair-premise" in explorer.premise._dom_classes
    assert "nlpbook-pair-hypothesis" in explorer.hypothesis._dom_classes
    assert explorer.view.value == pair_html(tokenizer, PREMISE, HYPOTHESIS, 64)
    explorer.hypothesis.value = "배우가 <i>"
    assert explorer.view.value == pair_html(tokenizer, PREMISE, "배우가 <i>", 64)
    explorer.premise.value = "재밌다"
    assert explorer.view.value == pair_html(tokenizer, "재밌다", "배우가 <i>", 64)
    assert repr(explorer) == "PairExplorer(premise='재밌다', hypothesis='배우가 <i>', max_seq_length=64)"
    assert explorer._twin == (pair_html(tokenizer, PREMISE, HYPOTHESIS, 64), pair_text(tokenizer, PREMISE, HYPOTHESIS, 64))


def test_pair_batch_shows_token_type_ids_with_pads_marked(tokenizer):
    pairs = [(PREMISE, HYPOTHESIS), ("영화", "재밌다")]
    features = [dict(tokenizer(p, h), labels=0) for p, h in pairs]
    batch = make_collate(tokenizer, "dynamic")(features)
    view = show_pair_batch(batch, tokenizer, "배치", indices=[4, 9])
    table = re.search(r'<table class="nlpbook-segment-matrix".*?</table>', view._repr_html_()).group()
    rows = re.findall(r"<tr><th[^>]*>#(\d+) \((\d+)\)</th>(.*?)</tr>", table)
    assert [(name, int(length)) for name, length, _ in rows] == [("4", len(features[0]["input_ids"])),
                                                                ("9", len(features[1]["input_ids"]))]
    for (_, _, row), feature in zip(rows, features):
        found = re.findall(r'<td class="([^"]*)"[^>]*>([^<]*)</td>', row)
        width = batch["input_ids"].shape[1]
        expected = [(f"nlpbook-segment-{t}", str(t)) for t in feature["token_type_ids"]]
        expected += [("nlpbook-pad", "0")] * (width - len(expected))
        assert found == expected
    lines = repr(view).splitlines()
    assert lines[0] == "배치" and lines[2].startswith("#4 (") and "token_type_ids" in lines[2]
    assert lines[2].endswith(", 1]") and lines[4].endswith(", 1, 1, " + ", ".join(["-"] * 7) + "]")   # pads: no segment
