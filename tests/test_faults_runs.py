"""Issue 13 (runs): a run knows what it was trained on, its results and fine-tuned model belong to it, and what
cannot train fails before the first step, naming the file, the field and the fix. Tiny runs: seconds each."""
from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import pytorch_lightning as pl
import torch

from nlpbook_helpers.corpus import corpus_dir, load_corpus
from nlpbook_helpers.data import NsmcDataset, make_dataloader
from nlpbook_helpers.model import load_pretrained_model
from nlpbook_helpers.pipeline import train
from nlpbook_helpers.task import ClassificationTask
from nlpbook_helpers.tokenizer import load_tokenizer
from nlpbook_helpers.training import fit, last_checkpoint, make_trainer, predict, save_finetuned

pytestmark = pytest.mark.slow

HEADER = "id\tdocument\tlabel\n"
NAMES = ("ratings_train.txt", "ratings_test.txt")


@pytest.fixture
def args(offline_args, tmp_path):
    """Tiny runs over a private copy of the corpus (tests edit it), checkpoints in a fresh folder."""
    corpus = tmp_path / "corpus" / "nsmc"
    corpus.mkdir(parents=True)
    for name in NAMES:
        shutil.copyfile(corpus_dir(offline_args) / name, corpus / name)
    return dataclasses.replace(offline_args, downstream_corpus_root_dir=str(tmp_path / "corpus"),
                               max_train_examples=48, max_test_examples=32, epochs=1, progress_bar=False)


def files_of(directory: Path) -> dict:
    return {path: path.read_bytes() for path in sorted(directory.rglob("*")) if path.is_file()}


class Hooks(pl.Callback):
    """Records which of fit/test started: a finished run must start neither."""

    def __init__(self):
        self.called = []

    def on_fit_start(self, trainer, module):
        self.called.append("fit")

    def on_test_start(self, trainer, module):
        self.called.append("test")


class StopAfterOneEpoch(pl.Callback):
    def on_train_epoch_end(self, trainer, module):
        trainer.should_stop = True


class EpochsRun(pl.Callback):
    def __init__(self):
        self.epochs = []

    def on_train_epoch_start(self, trainer, module):
        self.epochs.append(trainer.current_epoch)


# ---- a run knows what it was trained on -------------------------------------------------------------------------

def test_every_checkpoint_and_the_run_record_hold_the_fingerprint(args):
    result = train(args)
    run_dir = result.finetuned_dir.parent
    record = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    fingerprint = record["fingerprint"]
    assert fingerprint["corpus/ratings_train.txt"].startswith("sha256:")
    assert {"model/config.json", "model/model.safetensors", "model/vocab.txt"} <= set(fingerprint)
    assert fingerprint["args.max_seq_length"] == 64 and fingerprint["args.max_train_examples"] == 48
    assert not {"args.progress_bar", "args.cpu_workers", "args.downstream_model_dir", "args.epochs"} & set(fingerprint)
    checkpoints = sorted((run_dir / "checkpoints").glob("*.ckpt"))
    assert len(checkpoints) == 2                               # best-… and last.ckpt
    for path in checkpoints:
        assert torch.load(path, map_location="cpu", weights_only=False)["nlpbook_fingerprint"] == fingerprint
    assert record["result"]["test_acc"] == result.test_acc and record["result"]["epochs"] == 1
    assert result.run_dir == run_dir and run_dir.name == "run_0"


def test_a_changed_corpus_file_starts_a_new_run_and_names_the_file(args, caplog):
    first = train(args)
    kept = files_of(first.finetuned_dir.parent)
    train_file = corpus_dir(args) / "ratings_train.txt"
    lines = train_file.read_text(encoding="utf-8").splitlines(keepends=True)
    flipped = [line.rsplit("\t", 1)[0] + ("\t0\n" if line.endswith("\t1\n") else "\t1\n") for line in lines[1:]]
    train_file.write_text(lines[0] + "".join(flipped), encoding="utf-8")         # every label flipped
    with caplog.at_level(logging.WARNING):
        second = train(args)
    assert second.finetuned_dir != first.finetuned_dir and second.status == "new"
    assert "run_0 was trained on other inputs" in caplog.text
    assert "corpus/ratings_train.txt: 'sha256:" in caplog.text and "→" in caplog.text
    assert "corpus/ratings_test.txt" not in caplog.text                        # only what changed is named
    assert files_of(first.finetuned_dir.parent) == kept                         # the old run is untouched


def test_a_finished_run_is_reported_not_retrained_and_a_changed_argument_is_a_new_run(args, caplog):
    first = train(args)
    stamps = {path: path.stat().st_mtime_ns for path in first.finetuned_dir.parent.rglob("*") if path.is_file()}
    hooks = Hooks()
    again = train(args, callbacks=[hooks])
    assert hooks.called == [] and again.status == "already finished"            # neither fit nor test started
    assert (again.test_acc, again.test_loss, again.finetuned_dir) == (first.test_acc, first.test_loss,
                                                                      first.finetuned_dir)
    assert {path: path.stat().st_mtime_ns for path in first.finetuned_dir.parent.rglob("*") if path.is_file()} == stamps
    with caplog.at_level(logging.WARNING):
        shorter = train(dataclasses.replace(args, max_seq_length=16))
    assert shorter.run_dir.name == "run_1" and "args.max_seq_length: 64 → 16" in caplog.text
    back = train(args, callbacks=[hooks])                                       # the first settings again
    assert back.run_dir == first.run_dir and back.status == "already finished" and hooks.called == []
    more = train(dataclasses.replace(args, epochs=2))                           # more epochs continue the run
    assert more.status == "resumed" and more.run_dir == first.run_dir
    fewer = train(args)                                                         # 1 epoch: not the 2-epoch figures
    assert fewer.status == "new" and fewer.run_dir.name == "run_2"


def test_fresh_keeps_the_old_run_and_require_fails_saying_what_changed(args):
    with pytest.raises(Exception) as nothing:
        train(args, resume="require")
    assert "nothing" in str(nothing.value) or "no earlier run" in str(nothing.value)
    first = train(args)
    kept = files_of(first.run_dir)
    fresh = train(args, resume=False)
    assert fresh.run_dir.name == "run_1" and files_of(first.run_dir) == kept
    with pytest.raises(Exception) as changed:
        train(dataclasses.replace(args, learning_rate=1e-4), resume="require")
    message = str(changed.value)
    assert type(changed.value).__name__ == "RunError"
    assert "args.learning_rate: 0.001 → 0.0001" in message and "--fresh" in message
    assert sorted(p.name for p in Path(args.downstream_model_dir).glob("run_*")) == ["run_0", "run_1"]


def test_notebook_flow_resume_continues_and_resume_false_never_overwrites(args):
    """Notebook 07's calls: make_trainer + fit. An interrupted run continues with resume=True; resume=False trains
    a new run even when make_trainer chose the interrupted one, whose files stay as they were."""
    args = dataclasses.replace(args, epochs=3)
    limits = dict(limit_train_batches=2, limit_val_batches=1)
    tokenizer = load_tokenizer(args)
    corpus = load_corpus(args)
    train_loader = make_dataloader(NsmcDataset(corpus.train, tokenizer, 64), args, tokenizer, train=True)
    val_loader = make_dataloader(NsmcDataset(corpus.test, tokenizer, 64), args, tokenizer, train=False)
    task = lambda: ClassificationTask(load_pretrained_model(args), args)
    first = make_trainer(args, callbacks=[StopAfterOneEpoch()], **limits)
    fit(first, task(), train_loader, val_loader, args, resume=False)
    run_0 = Path(first.checkpoint_callback.dirpath).parent
    kept = files_of(run_0)

    second = make_trainer(args, callbacks=[StopAfterOneEpoch()], **limits)
    assert Path(second.checkpoint_callback.dirpath).parent == run_0             # the interrupted run can continue
    assert fit(second, task(), train_loader, val_loader, args, resume=False) is None
    run_1 = Path(second.checkpoint_callback.dirpath).parent
    assert run_1.name == "run_1" and Path(second.logger.log_dir).is_relative_to(run_1)
    assert files_of(run_0) == kept

    epochs = EpochsRun()
    third = make_trainer(args, callbacks=[epochs], **limits)
    resumed_from = fit(third, task(), train_loader, val_loader, args, resume=True)
    assert resumed_from == run_1 / "checkpoints" / "last.ckpt" and epochs.epochs == [1, 2]
    assert Path(third.logger.log_dir) == run_1 / "logs" / "version_1"          # its own log beside the first


# ---- the fine-tuned model belongs to its run --------------------------------------------------------------------

def test_two_runs_at_once_keep_their_own_fine_tuned_model(args):
    """A notebook made its trainer (settings A) while a `train` with settings B ran start to finish."""
    from transformers import BertForSequenceClassification

    a_args, b_args = args, dataclasses.replace(args, max_seq_length=32)
    trainer = make_trainer(a_args)
    b = train(b_args)
    tokenizer = load_tokenizer(a_args)
    corpus = load_corpus(a_args)
    task = ClassificationTask(load_pretrained_model(a_args), a_args)
    fit(trainer, task, make_dataloader(NsmcDataset(corpus.train, tokenizer, 64), a_args, tokenizer, train=True),
        make_dataloader(NsmcDataset(corpus.test, tokenizer, 64), a_args, tokenizer, train=False), a_args)
    a_dir = save_finetuned(task.model, tokenizer, a_args)
    assert a_dir.parent == Path(trainer.checkpoint_callback.dirpath).parent and a_dir != b.finetuned_dir
    saved_b = BertForSequenceClassification.from_pretrained(b.finetuned_dir)
    best_b = torch.load(b.best_checkpoint, map_location="cpu", weights_only=False)["state_dict"]
    assert torch.equal(saved_b.classifier.weight, best_b["model.classifier.weight"])    # still B's model
    assert json.loads((b.run_dir / "run.json").read_text())["fingerprint"]["args.max_seq_length"] == 32


def cli_command(args, *extra: str) -> list[str]:
    """`python -m nlpbook_helpers train` on a tiny run over the test's corpus and folder."""
    sets = {"epochs": 1, "max_train_examples": 32, "max_test_examples": 32, "progress_bar": False,
            "downstream_model_dir": args.downstream_model_dir,
            "downstream_corpus_root_dir": args.downstream_corpus_root_dir}
    command = [sys.executable, "-m", "nlpbook_helpers", "train"]
    for key, value in sets.items():
        command += ["--set", f"{key}={value}"]
    return command + list(extra)


def cli(args, capsys, *extra: str) -> tuple[int, str, str]:
    """The command line in this process (the test of two commands at once runs real processes)."""
    from nlpbook_helpers.__main__ import main

    capsys.readouterr()
    code = main(cli_command(args, *extra)[3:])
    out, err = capsys.readouterr()
    return code, out, err


def test_two_train_commands_at_once_with_different_settings(args):
    both = [subprocess.Popen(cli_command(args, "--set", f"max_seq_length={length}"), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, env=dict(os.environ, HF_HUB_OFFLINE="1"))
            for length in (64, 32)]
    outputs = [process.communicate(timeout=300) for process in both]
    assert [process.returncode for process in both] == [0, 0], outputs[0][1][-2000:] + outputs[1][1][-2000:]
    home = os.environ["NLPBOOK_HOME"]
    folders = [Path(line.split("모델 저장: ", 1)[1].rsplit(" (", 1)[0].replace("$NLPBOOK_HOME", home))
               for out, _ in outputs for line in out.splitlines() if line.startswith("[7/7] 학습 끝:")]
    assert len(folders) == 2 and folders[0] != folders[1]
    for folder, length in zip(folders, (64, 32)):
        record = json.loads((folder.parent / "run.json").read_text(encoding="utf-8"))
        assert record["fingerprint"]["args.max_seq_length"] == length and "test_acc" in record["result"]


def test_command_line_reports_a_finished_run_and_has_fresh_and_resume(args, capsys):
    code, out, err = cli(args, capsys)
    assert code == 0, err[-2000:]
    accuracy = next(line for line in out.splitlines() if line.startswith("test accuracy:"))[:20]
    code, out, err = cli(args, capsys)
    assert code == 0 and "에포크 1번을 이미 마친 실행 폴더" in out and "not retrained, not re-tested" in out, out + err
    assert accuracy in out and "[5/7]" not in out                               # no data loading, no training
    code, out, err = cli(args, capsys, "--set", "max_seq_length=32", "--resume")
    assert code == 1 and "args.max_seq_length: 64 → 32" in err and "--fresh" in err
    assert not (Path(args.downstream_model_dir) / "run_1").exists()
    code, out, err = cli(args, capsys, "--fresh")
    assert code == 0 and "run_1" in out and (Path(args.downstream_model_dir) / "run_0").is_dir()


# ---- validate before the first step -----------------------------------------------------------------------------

def test_a_monitored_metric_the_task_does_not_log_fails_at_once(args, capsys):
    bad = dataclasses.replace(args, monitor="max val_f1")
    for call in (lambda: train(bad), lambda: make_trainer(bad)):
        with pytest.raises(Exception) as error:
            call()
        message = str(error.value)
        assert "monitor='max val_f1'" in message and "val_loss" in message and "val_acc" in message
    assert not Path(args.downstream_model_dir).exists()                         # nothing ran, nothing written
    code, out, err = cli(args, capsys, "--set", "monitor=max val_f1")
    assert code == 2 and "monitor='max val_f1'" in err and "[2/7]" not in out


@pytest.mark.parametrize("name, rows, expected", [
    ("ratings_train.txt", "", "only its header line"),
    ("ratings_test.txt", "", "only its header line"),
    ("ratings_train.txt", "".join(f"{i}\t좋은 영화 {i}\t1\n" for i in range(40)), "have label 1 (긍정)"),
])
def test_a_corpus_that_cannot_train_fails_naming_the_file(args, name, rows, expected):
    path = corpus_dir(args) / name
    path.write_text(HEADER + rows, encoding="utf-8")
    with pytest.raises(Exception) as error:
        train(args)
    message = str(error.value)
    assert str(path) in message and expected in message and "Fix:" in message
    assert not Path(args.downstream_model_dir).exists()


def test_a_truncated_feature_cache_is_deleted_and_rebuilt(args, tmp_path, caplog):
    tokenizer = load_tokenizer(args)
    examples = load_corpus(args).train[:50]
    first = NsmcDataset(examples, tokenizer, 64, cache_dir=tmp_path / "features")
    data = first.cache_file.read_bytes()
    first.cache_file.write_bytes(data[:len(data) // 2])
    with caplog.at_level(logging.WARNING):
        again = NsmcDataset(examples, tokenizer, 64, cache_dir=tmp_path / "features")
    assert not again.loaded_from_cache and again.features == first.features
    assert str(first.cache_file) in caplog.text and "피처 캐시가 망가져 지우고 다시 토큰화합니다" in caplog.text
    assert first.cache_file.read_bytes() == data                                 # rebuilt whole
    assert NsmcDataset(examples, tokenizer, 64, cache_dir=tmp_path / "features").loaded_from_cache


def test_a_truncated_last_checkpoint_names_the_file_and_the_fix(args):
    train(args)
    last = last_checkpoint(args)
    last.write_bytes(last.read_bytes()[:last.stat().st_size // 2])
    damaged = last.read_bytes()
    with pytest.raises(Exception) as error:
        train(dataclasses.replace(args, epochs=2))                              # would continue from last.ckpt
    message = str(error.value)
    assert type(error.value).__name__ == "RunError"
    assert str(last) in message and "incomplete" in message and "--fresh" in message and "resume=False" in message
    fresh = train(dataclasses.replace(args, epochs=2), resume=False)
    assert fresh.run_dir.name == "run_1" and last.read_bytes() == damaged           # the user's file left alone


# ---- small ones ---------------------------------------------------------------------------------------------------

def test_predict_takes_a_string_as_one_text(offline_args):
    model, tokenizer = load_pretrained_model(offline_args), load_tokenizer(offline_args)
    predictions = predict(model, tokenizer, "최고예요")
    assert [p.text for p in predictions] == ["최고예요"]


def test_a_failing_predict_leaves_the_model_in_its_mode(offline_args):
    model = load_pretrained_model(offline_args).train()

    def broken_tokenizer(*args, **kwargs):
        raise ValueError("tokenizer broke")

    with pytest.raises(ValueError):
        predict(model, broken_tokenizer, ["좋다"])
    assert model.training
