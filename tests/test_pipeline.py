"""pipeline.py: restore(args, upto=N) rebuilds what notebooks 02..N build by hand; the Korean report lines;
the help of every Arguments field (`python -m nlpbook_helpers fields`, `train --help`)."""
import dataclasses
from pathlib import Path

import pytest
import pytorch_lightning as pl
import torch

from nlpbook_helpers import pipeline, training
from nlpbook_helpers.__main__ import main
from nlpbook_helpers.settings import Arguments, field_help


@pytest.fixture
def small_args(offline_args):
    return dataclasses.replace(offline_args, max_train_examples=200, max_test_examples=100, progress_bar=False)


def by_hand(args):
    """Notebook 07's first cell (nb07-03), which sums up notebooks 02–06."""
    from nlpbook_helpers.corpus import download_corpus, load_corpus
    from nlpbook_helpers.data import NsmcDataset, make_dataloader
    from nlpbook_helpers.model import load_pretrained_model, prepare_pretrained
    from nlpbook_helpers.task import ClassificationTask
    from nlpbook_helpers.tokenizer import check_vocab_matches, load_tokenizer

    download_corpus(args)
    prepare_pretrained(args)
    corpus = load_corpus(args)
    pl.seed_everything(args.seed, workers=True, verbose=False)
    model = load_pretrained_model(args)
    tokenizer = load_tokenizer(args)
    check_vocab_matches(tokenizer, model)
    cache_dir = Path(args.downstream_model_dir) / "features"
    train_dataset = NsmcDataset(corpus.train, tokenizer, args.max_seq_length, cache_dir=cache_dir)
    test_dataset = NsmcDataset(corpus.test, tokenizer, args.max_seq_length, cache_dir=cache_dir)
    train_loader = make_dataloader(train_dataset, args, tokenizer, train=True)
    test_loader = make_dataloader(test_dataset, args, tokenizer, train=False)
    return corpus, model, tokenizer, train_loader, test_loader, ClassificationTask(model, args)


def same_batches(one, other) -> bool:
    return all(a.keys() == b.keys() and all(torch.equal(a[key], b[key]) for key in a) for a, b in zip(one, other))


def test_restore_builds_what_the_notebooks_build_by_hand(small_args, no_network):
    corpus, model, tokenizer, train_loader, test_loader, task = by_hand(small_args)
    torch.manual_seed(123)                  # restore seeds by itself: whatever ran before does not matter
    lines = []
    stages = pipeline.restore(small_args, upto=6, report=lambda stage, text: lines.append((stage, text)))
    assert not no_network
    assert stages.corpus.train == corpus.train and stages.corpus.test == corpus.test
    ours, theirs = stages.model.state_dict(), model.state_dict()
    assert ours.keys() == theirs.keys() and all(torch.equal(ours[name], theirs[name]) for name in ours)
    assert stages.tokenizer.get_vocab() == tokenizer.get_vocab()
    assert stages.train_dataset.features == train_loader.dataset.features
    assert same_batches(stages.train_loader, train_loader) and same_batches(stages.test_loader, test_loader)
    assert stages.task.model is stages.model and stages.task.args == task.args
    assert stages.val_loader is None                                     # NSMC validates on its test file
    assert [stage for stage, _ in lines] == [1, 2, 3, 4, 5, 6]
    assert lines[1][1] == "말뭉치: 학습 200개 / 테스트 100개 리뷰"
    assert lines[3][1] == f"토크나이저: 어휘 집합 토큰 {len(tokenizer)}개"
    assert lines[4][1] == "데이터 로더: 학습 배치 7개 / 테스트 배치 4개 (동적 패딩)"
    assert lines[5][1].startswith(f"태스크: AdamW 학습률 {small_args.learning_rate}, 워밍업 10%")
    assert str(stages) == "Stages(말뭉치, 모델, 토크나이저, 데이터 로더, 태스크)"


def test_restore_stops_at_the_stage_asked_for(small_args):
    stages = pipeline.restore(small_args, upto=2)
    assert stages.corpus is not None and stages.model is None and stages.task is None
    stages = pipeline.restore(small_args, upto=4)
    assert stages.tokenizer is not None and stages.train_loader is None
    corpus, model, tokenizer = pipeline.prepare_stages(small_args)
    assert len(tokenizer) == len(stages.tokenizer) and model.config.vocab_size == len(tokenizer)
    for upto in (0, 1, 7):
        with pytest.raises(ValueError, match=r"upto must be one of 2\.\.6"):
            pipeline.restore(small_args, upto=upto)


def test_the_old_imports_still_work():
    assert training.train is pipeline.train and training.prepare_stages is pipeline.prepare_stages
    from nlpbook_helpers.training import train  # noqa: F401  code written for 0.1 imports it from here
    with pytest.raises(AttributeError):
        training.no_such_name


def test_every_field_has_help_and_the_command_lists_them(capsys):
    names = [item.name for item in dataclasses.fields(Arguments)]
    assert all(field_help(name).strip() and "\n" not in field_help(name) for name in names)
    assert main(["fields", "--preset", "kcbert-nsmc"]) == 0
    out = capsys.readouterr().out
    rows = [row for row in out.splitlines() if not row.startswith(" ")]   # a long value puts its help below
    assert [row.split()[0] for row in rows[1:]] == names
    assert "'beomi/kcbert-base'" in rows[1 + names.index("pretrained_model_name")]
    assert field_help("seed") in rows[1 + names.index("seed")]
    assert all(field_help(name) in out for name in names)
    assert max(len(row) for row in rows if field_help("tiny_model") not in row) < 200   # no column as wide as a dict
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    epilog = capsys.readouterr().out.split("fields for --set FIELD=VALUE", 1)[1]
    assert all(f"  {name} " in epilog and field_help(name) in epilog for name in names)
