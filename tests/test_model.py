import hashlib
import json

import pytest
import torch
from transformers import BertConfig, BertForSequenceClassification, BertModel

from nlpbook_helpers.model import (ModelLoadError, build_offline_checkpoint, count_parameters,
                                   load_pretrained_model)
from nlpbook_helpers.settings import ArgumentsError, make_arguments

DIMS = dict(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
            max_position_embeddings=64)


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_offline_checkpoint_is_laid_out_like_kcbert_and_reproducible(tmp_path):
    first = build_offline_checkpoint(tmp_path / "a", DIMS, seed=3)
    second = build_offline_checkpoint(tmp_path / "b", DIMS, seed=3)
    other_seed = build_offline_checkpoint(tmp_path / "c", DIMS, seed=4)
    for name in ("config.json", "vocab.txt", "tokenizer_config.json", "model.safetensors"):
        assert (first / name).is_file(), name
    assert json.loads((first / "tokenizer_config.json").read_text())["do_lower_case"] is False
    assert BertConfig.from_pretrained(first).architectures == ["BertForMaskedLM"]   # a fill-in-the-blank view needs it
    assert sha(first / "model.safetensors") == sha(second / "model.safetensors")
    assert sha(first / "model.safetensors") != sha(other_seed / "model.safetensors")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".building-")]


def test_offline_checkpoint_is_reused_and_rebuilt_when_the_recipe_changes(tmp_path):
    directory = build_offline_checkpoint(tmp_path / "m", DIMS, seed=3)
    stamp = (directory / "model.safetensors").stat().st_mtime_ns
    build_offline_checkpoint(directory, DIMS, seed=3)
    assert (directory / "model.safetensors").stat().st_mtime_ns == stamp
    build_offline_checkpoint(directory, {**DIMS, "num_hidden_layers": 2}, seed=3)
    assert BertConfig.from_pretrained(directory).num_hidden_layers == 2


def test_a_foreign_directory_is_never_overwritten(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(ModelLoadError, match="was not built by nlpbook_helpers"):
        build_offline_checkpoint(tmp_path / "mine", DIMS, seed=3)
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"


def test_offline_model_loads_with_a_new_classifier_head(offline_args, no_network):
    model = load_pretrained_model(offline_args)
    assert isinstance(model, BertForSequenceClassification)
    assert model.config.num_labels == 2 and model.config.max_position_embeddings == 300
    assert 0 < count_parameters(model) < 5_000_000
    assert not no_network


def test_missing_local_checkpoint_names_the_directory_and_the_fix(tmp_path):
    args = make_arguments(pretrained_model_name=str(tmp_path / "nowhere"))
    with pytest.raises(ModelLoadError, match=r"nowhere: no config.json there.*prepare_pretrained\(args\)"):
        load_pretrained_model(args)


def test_unknown_hub_name_without_network_fails_fast_and_clearly(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    args = make_arguments("kcbert-nsmc", pretrained_model_name="nobody/no-such-model")
    with pytest.raises(ModelLoadError, match=r"could not load 'nobody/no-such-model'.*offline preset"):
        load_pretrained_model(args)


def test_max_seq_length_longer_than_the_model_is_refused(offline_args):
    offline_args.max_seq_length = 301
    with pytest.raises(ArgumentsError, match="max_position_embeddings=300"):
        load_pretrained_model(offline_args)


def test_any_local_bert_checkpoint_loads_with_the_same_code(tmp_path, offline_args):
    """A checkpoint saved by transformers itself (BertModel, kcbert's layout), not by our builder."""
    directory = tmp_path / "other-bert"
    torch.manual_seed(0)
    BertModel(BertConfig(vocab_size=120, **DIMS)).save_pretrained(directory)
    offline_args.pretrained_model_name = str(directory)
    offline_args.max_seq_length = 64
    model = load_pretrained_model(offline_args)
    assert model.config.vocab_size == 120 and model.config.hidden_size == 32
