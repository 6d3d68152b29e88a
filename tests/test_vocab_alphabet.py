"""The offline vocabulary has no [UNK] holes for Korean (issue 20): every Hangul syllable, the compatibility jamo,
ASCII, symbols and common emoji are tokens, at the start of a word and inside one (##x)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from transformers import BertTokenizer

from nlpbook_helpers.model import OFFLINE_VOCAB, SHIPPED_MODEL
from nlpbook_helpers.pretraining import RECORD_FILE, offline_tokenizer
from nlpbook_helpers.tokenizer import extend_vocab, korean_alphabet, train_wordpiece_vocab

PROBE = Path(__file__).parent / "fixtures" / "korean_unk_probe.txt"   # written for this test: slang, emoji, rare syllables
SYLLABLES = [chr(code) for code in range(0xAC00, 0xD7A4)]


@pytest.fixture(scope="module")
def shipped() -> BertTokenizer:
    return BertTokenizer.from_pretrained(SHIPPED_MODEL, do_lower_case=False)   # as load_tokenizer loads it


def test_every_syllable_is_a_token_alone_and_inside_a_word(shipped):
    assert len(SYLLABLES) == 11_172
    alone = shipped.convert_tokens_to_ids(SYLLABLES)
    inside = shipped.convert_tokens_to_ids([f"##{s}" for s in SYLLABLES])
    assert shipped.unk_token_id not in alone and shipped.unk_token_id not in inside
    words = ["".join(SYLLABLES[i:i + 50]) for i in range(0, len(SYLLABLES), 50)]   # 50 < max chars of a word
    ids = shipped(words, add_special_tokens=False)["input_ids"]
    assert all(shipped.unk_token_id not in row for row in ids)
    assert sum(len(row) for row in ids) <= len(SYLLABLES)


@pytest.mark.parametrize("text", ["ㅋㅋㅋㅋ", "ㅠㅠ", "ㄹㅇ", "최고👍👍", "팝콘🍿", "꿀잼❤️", "Café", "ABC~!?", "…★☆♥"])
def test_slang_emoji_and_symbols_are_spelled_not_unknown(shipped, text):
    tokens = shipped.tokenize(text)
    assert "[UNK]" not in tokens and "".join(t.removeprefix("##") for t in tokens) == text.replace(" ", "")


def test_the_tokenizer_keeps_case_and_does_not_decompose_hangul(shipped):
    normalizer = shipped.backend_tokenizer.normalizer
    assert normalizer.normalize_str("한글 ABC Café") == "한글 ABC Café"             # no NFD, no lower-casing
    assert json.loads((SHIPPED_MODEL / "tokenizer_config.json").read_text())["do_lower_case"] is False


def test_unk_share_on_written_korean_reviews_is_below_one_percent(shipped):
    lines = PROBE.read_text(encoding="utf-8").splitlines()
    tokens = [token for line in lines for token in shipped.tokenize(line)]
    share = tokens.count("[UNK]") / len(tokens)
    print(f"[UNK] {tokens.count('[UNK]')} of {len(tokens)} tokens ({share:.2%}) in {len(lines)} lines")
    assert len(lines) >= 20 and share < 0.01


def test_extension_keeps_every_old_id_and_the_ids_of_text_the_old_vocab_could_spell(tmp_path):
    texts = ["영화가 정말 재밌었다", "배우 연기가 좋았다 ㅋㅋ", "스토리가 지루했다"] * 5
    small = train_wordpiece_vocab(texts, vocab_size=60, out_file=tmp_path / "small.txt")
    old_tokens = small.read_text(encoding="utf-8").splitlines()
    tokens = extend_vocab(old_tokens, korean_alphabet())
    assert tokens[:len(old_tokens)] == old_tokens and len(tokens) == len(set(tokens))
    (tmp_path / "big.txt").write_text("".join(f"{t}\n" for t in tokens), encoding="utf-8")
    old, new = offline_tokenizer(small), offline_tokenizer(tmp_path / "big.txt")
    assert [old(t)["input_ids"] for t in texts] == [new(t)["input_ids"] for t in texts]
    assert "[UNK]" in old.tokenize("뷁스러운 결말") and "[UNK]" not in new.tokenize("뷁스러운 결말")


def test_a_trained_vocabulary_with_the_alphabet_has_every_character_both_ways(tmp_path):
    alphabet = list("가나다뷁ㅋ")
    path = train_wordpiece_vocab(["가나다 나다 다가"] * 5, 30, tmp_path / "v.txt", alphabet=alphabet)
    tokens = path.read_text(encoding="utf-8").splitlines()
    assert len(tokens) == len(set(tokens)) <= 30 and {*alphabet, *(f"##{c}" for c in alphabet)} <= set(tokens)
    with pytest.raises(ValueError, match="too small"):
        train_wordpiece_vocab(["가나다"], 12, tmp_path / "w.txt", alphabet=alphabet)


def test_shipped_vocab_is_the_pretrained_one_extended_by_the_alphabet():
    record = json.loads((SHIPPED_MODEL / RECORD_FILE).read_text(encoding="utf-8"))
    extension = record["vocab_extension"]
    tokens = OFFLINE_VOCAB.read_text(encoding="utf-8").splitlines()
    assert tokens == extend_vocab(tokens[:extension["from_vocab_size"]], korean_alphabet())
    assert len(tokens) == extension["vocab_size"] == json.loads((SHIPPED_MODEL / "config.json").read_text())["vocab_size"]
