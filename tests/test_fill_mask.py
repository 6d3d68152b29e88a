"""The fill-in-the-blank view of notebook 03: top-k guesses for one [MASK], side by side for several masked-LM
models; a clear Korean message for no or several [MASK]; the widget driven from Python by setting `.value`."""
import json
import shutil

import pytest
import torch
from transformers import BertConfig, BertForMaskedLM, BertTokenizer

from nlpbook_helpers.model import OFFLINE_VOCAB
from nlpbook_helpers.views.fill_mask import (FillMaskError, fill_mask, fill_mask_html, fill_mask_widget,
                                             show_fill_mask)

TEXT = "연기가 [MASK] 스토리도 좋았다"


@pytest.fixture(scope="module")
def tokenizer(tmp_path_factory):
    folder = tmp_path_factory.mktemp("vocab")
    shutil.copyfile(OFFLINE_VOCAB, folder / "vocab.txt")
    (folder / "tokenizer_config.json").write_text(json.dumps({"do_lower_case": False, "model_max_length": 32}))
    return BertTokenizer.from_pretrained(folder, do_lower_case=False)


def masked_lm(tokenizer, seed: int) -> BertForMaskedLM:
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=32)
    torch.manual_seed(seed)
    return BertForMaskedLM(config).eval()


@pytest.fixture(scope="module")
def models(tokenizer):
    return {"프리트레인": masked_lm(tokenizer, 1), "무작위": masked_lm(tokenizer, 2)}


def test_guesses_are_the_top_k_of_the_softmax_at_the_mask(models, tokenizer):
    model = models["프리트레인"]
    guesses = fill_mask(model, tokenizer, TEXT, k=5)
    encoded = tokenizer(TEXT, return_tensors="pt")
    position = encoded["input_ids"][0].tolist().index(tokenizer.mask_token_id)
    with torch.no_grad():
        probabilities = model(**encoded).logits[0, position].softmax(-1)
    top = probabilities.topk(5)
    assert [g.token for g in guesses] == tokenizer.convert_ids_to_tokens(top.indices.tolist())
    assert [g.probability for g in guesses] == pytest.approx(top.values.tolist())
    assert all(a.probability >= b.probability for a, b in zip(guesses, guesses[1:]))
    assert fill_mask(model, tokenizer, TEXT, k=5) == guesses          # deterministic


def test_a_model_that_learned_a_word_puts_it_first(tokenizer):
    model = masked_lm(tokenizer, 3)
    word = tokenizer.convert_tokens_to_ids("재밌다")
    with torch.no_grad():
        model.cls.predictions.bias[word] = 50.0                         # as if pretraining had taught it
    best = fill_mask(model, tokenizer, "이 영화 정말 [MASK]", k=3)[0]
    assert best.token == "재밌다" and best.probability > 0.99


def test_dropout_is_off_for_the_guess_and_the_mode_comes_back(tokenizer):
    model = masked_lm(tokenizer, 4).train()                             # a model built by hand is in train mode
    first, second = fill_mask(model, tokenizer, TEXT), fill_mask(model, tokenizer, TEXT)
    assert first == second and model.training


@pytest.mark.parametrize("text, words", [("연기가 좋았다", "[MASK]가 없습니다"),
                                         ("[MASK] 연기가 [MASK]", "[MASK]가 2개입니다")])
def test_no_or_several_masks_say_what_to_do(models, tokenizer, text, words):
    with pytest.raises(FillMaskError, match=words.replace("[", r"\[").replace("]", r"\]")):
        fill_mask(models["무작위"], tokenizer, text)
    with pytest.raises(FillMaskError):
        show_fill_mask(models, tokenizer, text)
    assert "nlpbook-fill-mask-message" in fill_mask_html(models, tokenizer, text)


def test_mask_spelled_in_lower_case_counts(models, tokenizer):
    assert fill_mask(models["무작위"], tokenizer, "연기가 [mask] 좋았다") == \
        fill_mask(models["무작위"], tokenizer, "연기가 [MASK] 좋았다")


def test_a_mask_past_the_models_length_is_reported(models, tokenizer):
    long_text = "영화 " * 40 + "[MASK]"
    with pytest.raises(FillMaskError, match="더 짧은 문장"):
        fill_mask(models["무작위"], tokenizer, long_text)


def test_static_view_shows_every_model_side_by_side(models, tokenizer):
    view = show_fill_mask(models, tokenizer, TEXT, k=4)
    for name, model in models.items():
        guesses = fill_mask(model, tokenizer, TEXT, k=4)
        for rank, guess in enumerate(guesses, 1):
            assert (f'data-model="{name}" data-rank="{rank}" data-token="{guess.token}" '
                    f'data-probability="{guess.probability:.3f}"') in view._repr_html_()
        line = next(line for line in repr(view).splitlines() if line.startswith(name))
        assert line.endswith("  ".join(f"{g.token} {g.probability:.3f}" for g in guesses))
    assert repr(view).splitlines()[0] == TEXT


def test_widget_fills_what_was_typed(models, tokenizer):
    widget = fill_mask_widget(models, tokenizer, text=TEXT, k=3)
    assert repr(widget) == "FillMaskWidget(models=['프리트레인', '무작위'], k=3)"
    assert widget.result.value == fill_mask_html(models, tokenizer, TEXT, 3)
    assert "nlpbook-fill-mask-input" in widget.text._dom_classes
    widget.text.value = "배우들 [MASK] 최고"
    assert widget.result.value == fill_mask_html(models, tokenizer, "배우들 [MASK] 최고", 3)
    widget.text.value = "빈칸이 없는 리뷰"
    assert "nlpbook-fill-mask-message" in widget.result.value and "[MASK]가 없습니다" in widget.result.value
