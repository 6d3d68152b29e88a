import json

import pytest
from transformers import BertConfig

from nlpbook_helpers.tokenizer import TokenizerError, check_vocab_matches, load_tokenizer, train_wordpiece_vocab


def test_offline_tokenizer_is_cased_and_matches_the_model(offline_args, no_network):
    from nlpbook_helpers.model import load_pretrained_model

    tokenizer = load_tokenizer(offline_args)
    model = load_pretrained_model(offline_args)
    check_vocab_matches(tokenizer, model)
    assert tokenizer.do_lower_case is False
    encoded = tokenizer("영화 재밌다")
    assert encoded["input_ids"][0] == tokenizer.cls_token_id and encoded["input_ids"][-1] == tokenizer.sep_token_id
    assert tokenizer.unk_token_id not in encoded["input_ids"]
    assert tokenizer.backend_tokenizer.normalizer.normalize_str("CG 영화") == "CG 영화"   # cased, no jamo split
    assert "CG" in tokenizer.tokenize("CG 최고")
    assert not no_network


def test_a_directory_without_vocabulary_fails_loudly(tmp_path, offline_args):
    (tmp_path / "config.json").write_text(json.dumps({"model_type": "bert"}))
    offline_args.pretrained_model_name = str(tmp_path)
    with pytest.raises(TokenizerError, match=r"vocab.txt: the tokenizer has only its 5 special tokens"):
        load_tokenizer(offline_args)


def test_vocab_mismatch_is_reported(offline_args):
    tokenizer = load_tokenizer(offline_args)

    class Fake:
        config = BertConfig(vocab_size=len(tokenizer) + 1)

    with pytest.raises(TokenizerError, match=f"tokenizer has {len(tokenizer)} tokens but the model's embedding "
                                             f"table has {len(tokenizer) + 1} rows"):
        check_vocab_matches(tokenizer, Fake())


def test_trained_wordpiece_keeps_hangul_syllables(tmp_path):
    texts = ["영화가 정말 재밌다", "배우 연기가 최고", "스토리가 지루하다", "영화 음악이 좋다"] * 50
    path = train_wordpiece_vocab(texts, vocab_size=200, out_file=tmp_path / "vocab.txt")
    tokens = path.read_text(encoding="utf-8").split("\n")
    assert tokens[:5] == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    assert "영화" in tokens
    assert not any("\u1100" <= ch <= "\u11ff" for token in tokens for ch in token)   # no decomposed jamo


def test_shipped_offline_vocab_was_trained_on_the_current_pretraining_corpus():
    """The vocabulary is a fixed artifact (WordPiece training is not byte-reproducible), trained on the pretraining
    text. If the corpus generator changes, regenerate it:
    python -m nlpbook_helpers build-vocab --out nlpbook_helpers/assets/offline_vocab.txt
    This test compares the hash of the generator's first documents (a moment); test_pretraining compares the hash of
    the whole text (a few seconds)."""
    from nlpbook_helpers.embedded_corpus import generate_pretraining_documents
    from nlpbook_helpers.model import OFFLINE_VOCAB
    from nlpbook_helpers.pretraining import PretrainingPlan, text_sha256

    record = json.loads(OFFLINE_VOCAB.with_suffix(".json").read_text())
    assert "corpus" in record, ("offline_vocab.json predates the pretraining corpus: python -m nlpbook_helpers "
                                "build-vocab --out nlpbook_helpers/assets/offline_vocab.txt")
    corpus = record["corpus"]
    plan = PretrainingPlan()
    assert corpus["arguments"] == {"n": plan.documents + plan.heldout_documents, "seed": plan.seed}
    probe = corpus["probe"]
    assert text_sha256(generate_pretraining_documents(probe["n"], plan.seed)) == probe["sha256"]
    tokens = OFFLINE_VOCAB.read_text(encoding="utf-8").splitlines()
    assert len(tokens) == len(set(tokens)) > 1000
