"""The label curve of notebook 07: the labeled subset is a seeded stratified sample of train, a run is
deterministic by its seed, a model fits the reviews it was fine-tuned on, and the plot/table summarise the rows."""
import collections
import json
import shutil

import pytest
import torch
from transformers import BertConfig, BertForMaskedLM

from nlpbook_helpers.corpus import Example, download_corpus, load_corpus
from nlpbook_helpers.data import NsmcDataset, make_dataloader
from nlpbook_helpers.model import OFFLINE_VOCAB
from nlpbook_helpers.settings import make_arguments
from nlpbook_helpers.tokenizer import load_tokenizer
from nlpbook_helpers.label_curve import _fit_and_test, label_curve, labeled_subset
from nlpbook_helpers.views.label_curve import (label_curve_table, plot_label_curve, show_label_curve,
                                               summarize_label_curve)

EXAMPLES = [Example(str(i), f"리뷰 {i}", int(i % 10 < 3)) for i in range(1000)]     # 30 % label 1


@pytest.mark.parametrize("size", [1, 10, 100, 333, 999])
def test_subset_is_stratified_seeded_and_in_file_order(size):
    subset = labeled_subset(EXAMPLES, size, seed=1)
    assert len(subset) == size or (size == 1 and len(subset) == 2)    # one of each label at least
    positives = sum(example.label for example in subset)
    assert abs(positives - 0.3 * size) <= 1 or size == 1
    assert subset == labeled_subset(EXAMPLES, size, seed=1)
    assert [int(example.id) for example in subset] == sorted(int(example.id) for example in subset)
    assert len(set(subset)) == len(subset) and set(subset) <= set(EXAMPLES)
    if 10 <= size < len(EXAMPLES):
        assert subset != labeled_subset(EXAMPLES, size, seed=2)


def test_all_or_more_gives_every_example():
    assert labeled_subset(EXAMPLES, len(EXAMPLES), seed=3) == EXAMPLES
    assert labeled_subset(EXAMPLES, 10**6, seed=3) == EXAMPLES


@pytest.fixture(scope="module")
def curve_args(tmp_path_factory):
    """Embedded-corpus arguments over a very small random masked-LM BERT (fast), two 'models' of other seeds."""
    home = tmp_path_factory.mktemp("curve-home")
    chosen = {}
    for name, seed in (("a", 1), ("b", 2)):
        folder = home / f"mlm-{name}"
        config = BertConfig(vocab_size=sum(1 for line in OFFLINE_VOCAB.read_text(encoding="utf-8").splitlines()
                                           if line), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                            intermediate_size=64, max_position_embeddings=64)
        torch.manual_seed(seed)
        BertForMaskedLM(config).save_pretrained(folder)
        shutil.copyfile(OFFLINE_VOCAB, folder / "vocab.txt")
        (folder / "tokenizer_config.json").write_text(json.dumps({"do_lower_case": False, "model_max_length": 64}))
        chosen[name] = make_arguments("offline-scratch", pretrained_model_name=str(folder), tiny_weights="",
                                      downstream_corpus_root_dir=str(home / "data"), max_test_examples=300,
                                      progress_bar=False)
    download_corpus(chosen["a"])
    return chosen


@pytest.mark.slow
def test_label_curve_rows_are_deterministic_by_seed(curve_args):
    rows = label_curve(curve_args, sizes=[40], seeds=[5, 6], min_steps=8)
    assert [(row["model"], row["labels"], row["seed"]) for row in rows] == [
        ("a", 40, 5), ("a", 40, 6), ("b", 40, 5), ("b", 40, 6)]
    assert all(row["steps"] >= 8 and 0 <= row["test_acc"] <= 1 for row in rows)
    again = label_curve({"a": curve_args["a"]}, sizes=[40], seeds=[5, 6], min_steps=8)
    assert [row["test_acc"] for row in again] == [row["test_acc"] for row in rows[:2]]


@pytest.mark.slow
def test_a_model_fits_the_reviews_it_was_fine_tuned_on(curve_args):
    args = curve_args["a"]
    corpus = load_corpus(args)
    tokenizer = load_tokenizer(args)
    subset = labeled_subset(corpus.train, 64, seed=1)
    own = make_dataloader(NsmcDataset(subset, tokenizer, args.max_seq_length), args, tokenizer, train=False)
    accuracy, steps = _fit_and_test(args, subset, own, tokenizer, min_steps=150)
    assert steps >= 150 and accuracy >= 0.9, f"accuracy on its own {len(subset)} training reviews: {accuracy}"


ROWS = [dict(model=model, labels=labels, seed=seed, test_acc=base + 0.1 * (labels > 100) + 0.01 * seed,
             steps=60, seconds=1.0)
        for model, base in (("프리트레인", 0.8), ("무작위", 0.6)) for labels in (100, 1000) for seed in (1, 2, 3)]


def test_summary_table_and_plot_of_rows():
    summary = summarize_label_curve(ROWS)
    assert list(summary) == ["프리트레인", "무작위"]
    first = summary["무작위"][0]
    assert (first["labels"], first["seeds"]) == (100, 3)
    assert (first["low"], first["mean"], first["high"]) == pytest.approx((0.61, 0.62, 0.63))
    assert label_curve_table(ROWS).splitlines() == [
        "레이블    100개: 프리트레인 0.820, 무작위 0.620 (시드 3개의 평균)",
        "레이블  1,000개: 프리트레인 0.920, 무작위 0.720 (시드 3개의 평균)"]
    figure = plot_label_curve(ROWS)
    axes = figure.axes[0]
    assert axes.get_xscale() == "log" and [t.get_text() for t in axes.get_xticklabels()] == ["100", "1,000"]
    assert [text.get_text() for text in axes.get_legend().get_texts()] == ["프리트레인", "무작위"]
    assert tuple(figure.get_size_inches()) == (7.0, 3.8) and figure.dpi == 100
    html = show_label_curve(ROWS).data
    assert html.startswith('<div class="nlpbook-label-curve"><img src="data:image/png;base64,')
    counts = collections.Counter(row["model"] for row in ROWS)
    assert counts == {"프리트레인": 6, "무작위": 6}
