"""Issue 25 (no silent wrong result, round three): a run in use is locked, damaged or moved checkpoints do not break
reruns, a killed run is not a success, resume continues the same run, and the messages say what really happened.
Tiny runs; real processes only where the process boundary is the point (a lock holder, SIGTERM)."""
from __future__ import annotations

import dataclasses
import json
import logging
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import pytorch_lightning as pl
import torch

from nlpbook_helpers import exercises as ex
from nlpbook_helpers.__main__ import main
from nlpbook_helpers.corpus import CorpusError, load_corpus
from nlpbook_helpers.data import NsmcDataset, check_splits, make_dataloader
from nlpbook_helpers.model import load_pretrained_model
from nlpbook_helpers.pipeline import train
from nlpbook_helpers.runs import RunError, checkpoint_epochs
from nlpbook_helpers.settings import make_arguments
from nlpbook_helpers.task import ClassificationTask
from nlpbook_helpers.tokenizer import load_tokenizer
from nlpbook_helpers.training import fit, make_trainer, predict
from tests.test_faults_runs import args, cli_command, files_of    # noqa: F401 (args: tiny runs, private corpus)

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
# a process that holds the flock of a run folder until its stdin closes, as another training would
HOLDER = ("import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDONLY); fcntl.flock(fd, fcntl.LOCK_EX); "
          "print('held', flush=True); sys.stdin.read()")
PROBE = "import fcntl, os, sys; fcntl.flock(os.open(sys.argv[1], os.O_RDONLY), fcntl.LOCK_EX | fcntl.LOCK_NB)"


def locked_elsewhere(folder: Path) -> bool:
    """Whether another process fails to take the run folder's lock."""
    return subprocess.run([sys.executable, "-c", PROBE, str(folder)], capture_output=True).returncode != 0


class StopAfterOneEpoch(pl.Callback):
    def on_train_epoch_end(self, trainer, module):
        trainer.should_stop = True


def loaders(args):
    tokenizer = load_tokenizer(args)
    corpus = load_corpus(args)
    return (make_dataloader(NsmcDataset(corpus.train, tokenizer, args.max_seq_length), args, tokenizer, train=True),
            make_dataloader(NsmcDataset(corpus.test, tokenizer, args.max_seq_length), args, tokenizer, train=False))


def fit_notebook_way(args, callbacks=(), resume=True, **limits):
    """Notebook 07's calls (seed, model, task, make_trainer, fit); returns the trainer and the task."""
    pl.seed_everything(args.seed, workers=True, verbose=False)
    task = ClassificationTask(load_pretrained_model(args), args)
    trainer = make_trainer(args, callbacks=list(callbacks), **limits)
    fit(trainer, task, *loaders(args), args, resume=resume)
    return trainer, task


def command(args, *extra: str) -> list[str]:
    """test_faults_runs' command line with this test's sizes (a later --set of a field wins)."""
    sizes = [f"{name}={getattr(args, name)}" for name in ("epochs", "max_train_examples", "max_test_examples")]
    return cli_command(args, *(part for size in sizes for part in ("--set", size)), *extra)


def child_env() -> dict:
    return dict(os.environ, HF_HUB_OFFLINE="1", OMP_NUM_THREADS="1")


def wait_for(condition, process: subprocess.Popen, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert process.poll() is None, process.communicate()[1][-3000:]
        assert time.monotonic() < deadline, "the condition never held"
        time.sleep(0.05)


# ---- 1. a second training with the same settings never joins a running one ---------------------------------------

def test_a_run_is_locked_while_it_trains_and_free_when_train_returns(args):
    seen = []

    class Probe(pl.Callback):
        def on_train_epoch_end(self, trainer, module):
            seen.append(locked_elsewhere(Path(trainer.checkpoint_callback.dirpath).parent))

    result = train(args, callbacks=[Probe()])
    assert seen == [True]                                   # in use while it trained
    assert not locked_elsewhere(result.run_dir)             # released when train returned


def test_a_second_training_with_the_same_settings_trains_its_own_run(args, caplog):
    args = dataclasses.replace(args, epochs=2)
    fit_notebook_way(args, [StopAfterOneEpoch()])           # run_0: one of two epochs, last.ckpt to continue from
    run_0 = Path(args.downstream_model_dir) / "run_0"
    kept = files_of(run_0)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(run_0)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"          # "another process" trains in run_0 now
        with caplog.at_level(logging.WARNING):
            second = train(args)
        assert second.run_dir.name == "run_1" and second.status == "new"
        assert "run_0 is being trained by another process right now" in caplog.text
        assert files_of(run_0) == kept                      # neither its checkpoints nor its record touched
        assert len(list((second.run_dir / "checkpoints").glob("best-*.ckpt"))) == 1
    finally:
        holder.kill()                                       # the lock dies with the process, however it ends
        holder.wait()
    assert not locked_elsewhere(run_0)
    assert train(args).run_dir == second.run_dir                # finished: reported, not trained a third time


# ---- 2. a truncated or deleted best checkpoint does not break every rerun -----------------------------------------

def test_a_damaged_or_deleted_best_checkpoint_starts_a_new_run_saying_why(args, caplog):
    first = train(args)
    best = Path(first.best_checkpoint)
    best.write_bytes(best.read_bytes()[:best.stat().st_size // 2])
    with caplog.at_level(logging.WARNING):
        second = train(args)
    assert second.status == "new" and second.run_dir.name == "run_1"
    assert f"run_0's best checkpoint {best}" in caplog.text and "cannot be read" in caplog.text
    assert train(args).status == "already finished"         # the next rerun reports run_1: no way out needed
    Path(second.best_checkpoint).unlink()
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        third = train(args)
    assert third.status == "new" and third.run_dir.name == "run_2"
    assert "run_1's best checkpoint" in caplog.text and "is missing (deleted or moved)" in caplog.text


# ---- 3. SIGTERM is not a success -----------------------------------------------------------------------------------

def test_sigterm_exits_nonzero_says_how_to_resume_and_the_rerun_resumes(args):
    args = dataclasses.replace(args, epochs=4, max_train_examples=640, max_test_examples=64)
    last = Path(args.downstream_model_dir) / "run_0" / "checkpoints" / "last.ckpt"
    process = subprocess.Popen(command(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=child_env())
    wait_for(last.is_file, process)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 143, err[-3000:]
    assert "training was stopped by SIGTERM" in err and "run the same command again" in err and str(last) in err
    assert "test accuracy" not in out and "Traceback" not in err
    rerun = subprocess.run(command(args), capture_output=True, text=True, env=child_env(), timeout=300)
    assert rerun.returncode == 0 and "이어 학습" in rerun.stdout and "test accuracy:" in rerun.stdout, rerun.stderr[-3000:]


def test_sigterm_stops_pretraining_with_a_nonzero_status(tmp_path):
    out = tmp_path / "own"
    process = subprocess.Popen([sys.executable, "-m", "nlpbook_helpers", "pretrain", "--quick", "--out", str(out),
                                "--steps", "100000", "--report-every", "2", "--threads", "1"], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env())
    assert any(line.startswith("step 2/") for line in iter(process.stdout.readline, "")), process.communicate()[1]
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 143 and "pretraining was stopped by SIGTERM" in err and not out.exists(), err[-3000:]


# ---- 4. a copied or moved home uses its own files ----------------------------------------------------------------

def test_a_copied_home_tests_its_own_checkpoint_and_records_paths_inside_it(args, tmp_path):
    first_args = dataclasses.replace(args, downstream_model_dir=str(tmp_path / "H1" / "checkpoints" / "mine"))
    first = train(first_args)
    shutil.copytree(tmp_path / "H1", tmp_path / "H2", symlinks=True)
    shutil.rmtree(tmp_path / "H1")                          # the old home is gone: nothing may point back at it
    copied = dataclasses.replace(args, downstream_model_dir=str(tmp_path / "H2" / "checkpoints" / "mine"))
    run = Path(copied.downstream_model_dir) / "run_0"
    shutil.rmtree(run / "finetuned")
    again = train(copied)
    assert again.run_dir == run and Path(again.best_checkpoint).parent == run / "checkpoints"
    assert again.test_acc == first.test_acc
    record = json.loads((run / "run.json").read_text(encoding="utf-8"))["result"]
    assert record["best_checkpoint"] == f"checkpoints/{Path(first.best_checkpoint).name}"


# ---- 5. messages that say what really happened ---------------------------------------------------------------------

def own_corpus_args(tmp_path, name: str, text: str, **fields):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path, make_arguments("offline", corpus_source="files", corpus_path=str(path), text_column="text",
                                label_column="label", **fields)


def test_too_few_rows_for_a_test_split_says_so_not_empty_texts(tmp_path):
    rows = "".join(f"리뷰 {i},{i % 2}\n" for i in range(5))
    path, own = own_corpus_args(tmp_path, "five.csv", "text,label\n" + rows, val_ratio=0)
    with pytest.raises(CorpusError) as error:
        check_splits(load_corpus(own), own)
    message = str(error.value)
    assert str(path) in message and "too few examples per label for test_ratio=" in message
    assert "empty" not in message and "skip" not in message


def test_a_tab_separated_file_named_csv_is_told_to_be_named_tsv(tmp_path):
    path, own = own_corpus_args(tmp_path, "mine.csv", "text\tlabel\n좋다\t1\n싫다\t0\n")
    with pytest.raises(CorpusError) as error:
        load_corpus(own)
    message = str(error.value)
    assert str(path) in message and "looks tab-separated" in message and "rename it to mine.tsv" in message


def test_a_deleted_last_checkpoint_is_named_as_missing(args, caplog):
    first = train(args)
    (first.run_dir / "checkpoints" / "last.ckpt").unlink()
    with caplog.at_level(logging.WARNING):
        second = train(args)
    assert second.run_dir.name == "run_1"
    assert "run_0 has these inputs but its checkpoints/last.ckpt is missing (deleted or moved)" in caplog.text
    assert "still running" not in caplog.text


# ---- 6. clear errors instead of tracebacks --------------------------------------------------------------------------

def cli(args, capsys, *extra):
    capsys.readouterr()
    code = main(command(args, *extra)[3:])
    out, err = capsys.readouterr()
    return code, out, err


def test_devices_zero_is_an_argument_error(args, capsys):
    code, out, err = cli(args, capsys, "--set", "devices=0")
    assert code == 2 and "devices=0: must be 'auto', -1" in err and "[2/7]" not in out


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without a GPU")
def test_a_gpu_that_is_not_there_is_an_argument_error(args, capsys):
    code, _, err = cli(args, capsys, "--set", "accelerator=gpu")
    assert code == 2 and "accelerator='gpu': there is no such device" in err and "accelerator=auto" in err


def test_predict_beyond_the_models_positions_names_the_limit(offline_args):
    model, tokenizer = load_pretrained_model(offline_args), load_tokenizer(offline_args)
    limit = model.config.max_position_embeddings
    with pytest.raises(ValueError, match=rf"max_seq_length={limit + 1}\).*Fix: max_seq_length <= {limit}"):
        predict(model, tokenizer, ["좋다 " * (2 * limit)], max_seq_length=limit + 1)   # before: a size mismatch


def test_a_full_disk_while_saving_keeps_the_last_checkpoint_whole(args, monkeypatch):
    """RLIMIT_FSIZE makes writes past 1 MB fail (EFBIG), as a full disk makes them fail (ENOSPC)."""
    args = dataclasses.replace(args, epochs=2)
    limits = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    class FillTheDisk(pl.Callback):
        def on_train_epoch_start(self, trainer, module):
            if trainer.current_epoch == 1:
                resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, limits[1]))

    try:
        with pytest.raises(RunError) as error:
            train(args, callbacks=[FillTheDisk()])
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limits)
        signal.signal(signal.SIGXFSZ, previous)
    checkpoints = Path(args.downstream_model_dir) / "run_0" / "checkpoints"
    message = str(error.value)
    assert "cannot save" in message and "are kept whole" in message and "free some space" in message
    assert checkpoint_epochs(checkpoints / "last.ckpt") == 1                    # readable: the first epoch's
    assert [path.name for path in checkpoints.iterdir() if path.suffix != ".ckpt"] == []    # no half-written leftovers
    again = train(args)
    assert again.status == "resumed" and again.run_dir.name == "run_0"


# ---- 7. resume after a kill is the same run ----------------------------------------------------------------------

@pytest.mark.parametrize("group_by_length", [True, False])     # LengthGroupedSampler, or the loader's own shuffle
def test_an_interrupted_and_resumed_run_equals_an_uninterrupted_one(args, tmp_path, group_by_length):
    args = dataclasses.replace(args, epochs=3, max_train_examples=96, group_by_length=group_by_length)
    whole = dataclasses.replace(args, downstream_model_dir=str(tmp_path / "whole"))
    _, uninterrupted = fit_notebook_way(whole)
    fit_notebook_way(args, [StopAfterOneEpoch()])          # stopped after epoch 1, as a kill -9 in epoch 2 leaves it
    # as a new process would: random states from the seed again, fresh loaders and task, continued from last.ckpt
    trainer, resumed = fit_notebook_way(args)
    assert trainer.current_epoch == 3
    for (name, a), b in zip(uninterrupted.state_dict().items(), resumed.state_dict().values()):
        assert torch.allclose(a, b, atol=1e-6), name


# ---- the smaller ones ------------------------------------------------------------------------------------------------

def test_fast_dev_run_prints_no_accuracy_and_saves_nothing(args, capsys):
    code, out, err = cli(args, capsys, "--set", "fast_dev_run=True")
    assert code == 0, err[-3000:]
    assert "test accuracy:" not in out and "fast_dev_run: one batch of training, validation and test" in out
    assert "[7/7] fast_dev_run:" in out
    runs = list(Path(args.downstream_model_dir).glob("run_*"))
    assert all(not (run / "finetuned").exists() and "result" not in json.loads((run / "run.json").read_text())
               for run in runs)


def test_pretrain_does_not_replace_an_earlier_model_without_asking(tmp_path, capsys):
    out = tmp_path / "tiny-kcbert-own"
    out.mkdir()
    (out / "pretraining_record.json").write_text('{"steps_done": 2400}\n')
    (out / "model.safetensors").write_bytes(b"the student's model")
    kept = files_of(out)
    code = main(["pretrain", "--quick", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 1 and "already holds a model that an earlier pretrain saved" in err and "--overwrite" in err
    assert files_of(out) == kept


def test_exercise_checkers_take_numpy_and_tensor_numbers_and_odd_answers(offline_args, capsys):
    tokenizer = load_tokenizer(offline_args)
    expected = len(tokenizer("영화 재밌다")["input_ids"])
    for answer in (np.int64(expected), torch.tensor(expected), np.int32(expected)):
        assert ex.check_token_count(answer, tokenizer, "영화 재밌다") is True, type(answer)
    assert ex.check_token_count(torch.tensor(expected + 1), tokenizer, "영화 재밌다") is False
    model = load_pretrained_model(offline_args)
    capsys.readouterr()
    assert ex.check_fooling_review(("리뷰", [0]), model, tokenizer, 32, []) is False      # unhashable: no crash
    assert "리뷰 본문 하나를 문자열로" in capsys.readouterr().out
    assert ex.check_best_epoch(2, "") is None
    assert "에포크 번호가 없어" in capsys.readouterr().out
