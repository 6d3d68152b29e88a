import dataclasses

import pytest
import torch

from nlpbook_helpers.corpus import Example, load_corpus
from nlpbook_helpers.data import NsmcDataset, feature_cache_key, make_collate, make_dataloader, padding_stats
from nlpbook_helpers.tokenizer import load_tokenizer


@pytest.fixture
def tokenizer(offline_args):
    return load_tokenizer(offline_args)


@pytest.fixture
def examples(offline_args):
    return load_corpus(offline_args).train[:400]


def test_dataset_tokenizes_without_padding(examples, tokenizer):
    dataset = NsmcDataset(examples, tokenizer, max_seq_length=64)
    item = dataset[0]
    assert item["input_ids"] == tokenizer(examples[0].text, truncation=True, max_length=64)["input_ids"]
    assert item["labels"] == examples[0].label
    assert len(set(dataset.lengths)) > 5                        # lengths vary: nothing was padded yet
    assert max(dataset.lengths) <= 64


def test_truncation_respects_max_seq_length(examples, tokenizer):
    dataset = NsmcDataset(examples, tokenizer, max_seq_length=8)
    assert max(dataset.lengths) == 8
    assert all(ids[-1] == tokenizer.sep_token_id for ids in dataset.features["input_ids"])


def test_dynamic_and_fixed_padding(examples, tokenizer):
    dataset = NsmcDataset(examples, tokenizer, max_seq_length=64)
    items = [dataset[i] for i in range(5)]
    dynamic = make_collate(tokenizer, "dynamic")(items)
    fixed = make_collate(tokenizer, "max_length", 64)(items)
    longest = max(len(item["input_ids"]) for item in items)
    assert dynamic["input_ids"].shape == (5, longest) and fixed["input_ids"].shape == (5, 64)
    assert dynamic["labels"].tolist() == [item["labels"] for item in items]
    for batch in (dynamic, fixed):
        assert batch["attention_mask"].sum(1).tolist() == [len(item["input_ids"]) for item in items]
        assert (batch["input_ids"][batch["attention_mask"] == 0] == tokenizer.pad_token_id).all()
    assert padding_stats(dynamic)["efficiency"] > padding_stats(fixed)["efficiency"]
    assert padding_stats(fixed)["computed_tokens"] == 5 * 64


def test_length_grouped_batches_pad_less_and_are_reproducible(offline_args, tokenizer):
    dataset = NsmcDataset(load_corpus(offline_args).train, tokenizer, offline_args.max_seq_length)

    def efficiency(group):
        args = dataclasses.replace(offline_args, group_by_length=group, batch_size=16)
        batches = list(make_dataloader(dataset, args, tokenizer, train=True))
        assert sum(len(b["labels"]) for b in batches) == len(dataset)
        real = sum(int(b["attention_mask"].sum()) for b in batches)
        return real / sum(b["attention_mask"].numel() for b in batches), batches[0]["labels"].tolist()

    grouped, first = efficiency(True)
    shuffled, _ = efficiency(False)
    assert grouped > shuffled and grouped > 0.9
    assert efficiency(True)[1] == first                          # same seed, same batches


def test_feature_cache_is_reused(tmp_path, examples, tokenizer):
    first = NsmcDataset(examples, tokenizer, 64, cache_dir=tmp_path)
    second = NsmcDataset(examples, tokenizer, 64, cache_dir=tmp_path)
    assert not first.loaded_from_cache and second.loaded_from_cache
    assert second.features == first.features and second.lengths == first.lengths


def test_feature_cache_key_covers_everything_that_changes_features(tmp_path, examples, tokenizer):
    base = feature_cache_key(examples, tokenizer, 64)
    assert base == feature_cache_key(list(examples), tokenizer, 64)
    tokenizer("call-time truncation state must not matter", truncation=True, max_length=5)
    assert base == feature_cache_key(examples, tokenizer, 64)
    assert base != feature_cache_key(examples, tokenizer, 32)                        # max_seq_length
    edited = [Example(examples[0].id, examples[0].text + "!", examples[0].label), *examples[1:]]
    assert base != feature_cache_key(edited, tokenizer, 64)                          # corpus contents
    grown = tokenizer.__class__.from_pretrained(tokenizer.name_or_path, do_lower_case=False)
    grown.add_tokens(["새단어"])
    assert base != feature_cache_key(examples, grown, 64)                            # vocabulary
    NsmcDataset(examples, tokenizer, 64, cache_dir=tmp_path)
    assert not NsmcDataset(edited, tokenizer, 64, cache_dir=tmp_path).loaded_from_cache
    assert NsmcDataset(edited, tokenizer, 64, cache_dir=tmp_path).features["input_ids"][0] != \
        NsmcDataset(examples, tokenizer, 64, cache_dir=tmp_path).features["input_ids"][0]
