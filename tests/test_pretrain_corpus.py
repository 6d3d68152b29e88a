"""`python -m nlpbook_helpers pretrain --corpus`: masked-LM pretraining on your own unlabeled text (issue 20)."""
from __future__ import annotations

import csv
import json
import os
import signal
from pathlib import Path

import pytest
import pytorch_lightning as pl
from safetensors.torch import load_file

from nlpbook_helpers.__main__ import main
from nlpbook_helpers.corpus import CorpusError
from nlpbook_helpers.embedded_corpus import generate_pretraining_documents
from nlpbook_helpers.guards import RunInterrupted
from nlpbook_helpers.model import load_pretrained_model, prepare_pretrained
from nlpbook_helpers.own_pretraining import pretrain_on_texts, read_texts, split_heldout
from nlpbook_helpers.pretraining import RECORD_FILE, RUN_FILE, PretrainingPlan
from nlpbook_helpers.settings import make_arguments
from nlpbook_helpers.tokenizer import load_tokenizer

PLAN = PretrainingPlan(steps=6, batch_size=8, report_every=2, heldout_documents=4, seed=3)


def write_csv(path: Path, texts: list[str]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["id", "review", "label"])
        writer.writerows([i, text, i % 2] for i, text in enumerate(texts))
    return path


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return generate_pretraining_documents(40, seed=3)


class StopAt(pl.Callback):
    """Send this process SIGTERM after optimizer step `step` (as a closed laptop or a killed job would)."""

    def __init__(self, step: int):
        self.step = step

    def on_train_batch_end(self, trainer, task, outputs, batch, batch_idx) -> None:
        if trainer.global_step == self.step:
            os.kill(os.getpid(), signal.SIGTERM)


def weights(folder: Path) -> dict:
    return load_file(folder / "model.safetensors")


def test_texts_of_csv_tsv_txt_and_nsmc_files_labels_ignored(tmp_path, texts):
    write_csv(tmp_path / "a.csv", texts[:3] + [""])
    (tmp_path / "b.tsv").write_text("text\tlabel\n" + "".join(f"{t}\tx\n" for t in texts[3:5]), encoding="utf-8")
    (tmp_path / "c.txt").write_text("\n".join(texts[5:8]) + "\n\n", encoding="utf-8")
    (tmp_path / "d.txt").write_text("id\tdocument\tlabel\n1\t" + texts[8] + "\t0\n", encoding="utf-8")
    found, stats = read_texts(tmp_path / "a.csv", "review")
    assert found == texts[:3] and stats["empty"] == 1
    found, _ = read_texts(tmp_path / "b.tsv", "text")
    assert found == texts[3:5]
    (tmp_path / "a.csv").unlink()
    (tmp_path / "b.tsv").unlink()
    found, stats = read_texts(tmp_path)               # a folder: every .txt (NSMC's document column), sorted
    assert found == texts[5:9] and len(stats["files"]) == 2


@pytest.mark.parametrize("content, where, fix", [
    ("id,text\n1,좋다\n", "line 1: no column 'review'", "--set text_column=NAME"),
    ('id,review,label\n1,좋다,1\n2,"좋다, 정말,1\n', "line 3", "double quotes"),
    ("id,review,label\n1,좋다,1\n2,좋다,1,1\n", "line 3: 4 fields instead of 3", "double quotes"),
])
def test_a_bad_file_is_an_error_naming_the_file_the_line_and_the_fix(tmp_path, content, where, fix):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CorpusError, match="Fix") as error:
        read_texts(path, "review")
    assert str(path) in str(error.value) and where in str(error.value) and fix in str(error.value)
    (tmp_path / "bad.csv").write_bytes("id,review\n1,좋다\n".encode("cp949"))
    assert main(["pretrain", "--corpus", str(path), "--set", "text_column=review", "--out", str(tmp_path / "o")]) == 1
    assert not (tmp_path / "o").exists()


def test_the_heldout_share_is_seeded_and_disjoint(texts):
    train, heldout = split_heldout(texts, PLAN)
    assert len(heldout) == 2 and not set(train) & set(heldout) and len(train) + 2 == len(texts)
    assert split_heldout(texts, PLAN) == (train, heldout) != split_heldout(texts, PretrainingPlan(seed=4))


def test_interrupted_and_resumed_gives_the_same_model_and_the_result_fine_tunes(tmp_path, texts):
    stats = {"files": ["own.csv"], "texts": len(texts), "empty": 0}
    whole = pretrain_on_texts(tmp_path / "whole", texts, stats, PLAN, from_scratch=True, print_line=lambda _: None)
    assert whole["heldout_loss_final"] < whole["heldout_loss_initial"] and whole["steps_done"] == 6
    out = tmp_path / "own"
    with pytest.raises(RunInterrupted, match="run the same command again"):
        pretrain_on_texts(out, texts, stats, PLAN, from_scratch=True, callbacks=[StopAt(3)], print_line=print)
    assert (out / "last.ckpt").is_file() and (out / RUN_FILE).is_file() and not (out / RECORD_FILE).exists()
    with pytest.raises(FileExistsError, match="unfinished pretraining with other corpus_sha256"):
        pretrain_on_texts(out, texts[:-1], stats, PLAN, from_scratch=True, print_line=lambda _: None)
    resumed = pretrain_on_texts(out, texts, stats, PLAN, from_scratch=True, print_line=lambda _: None)
    assert resumed["resumed_from_step"] == 2 and resumed["curve"] == whole["curve"]
    first, second = weights(tmp_path / "whole"), weights(out)
    assert first.keys() == second.keys() and all((first[k] == second[k]).all() for k in first)
    assert sorted(p.name for p in out.iterdir()) == sorted(["config.json", "model.safetensors", "vocab.txt",
                                                            "tokenizer_config.json", RECORD_FILE])
    with pytest.raises(FileExistsError, match="--overwrite"):
        pretrain_on_texts(out, texts, stats, PLAN, from_scratch=True, print_line=lambda _: None)
    args = make_arguments("offline", pretrained_model_name=str(out))   # tiny_weights stays "pretrained"
    assert prepare_pretrained(args) == str(out)
    model, tokenizer = load_pretrained_model(args), load_tokenizer(args)
    assert model.config.vocab_size == len(tokenizer)
    assert json.loads((out / RECORD_FILE).read_text(encoding="utf-8"))["start"] == "random weights"


def test_generated_text_of_every_task_holds_no_labeled_pair_or_review():
    """The mixed pretraining text (pretrain --world-share/--pair-share): film facts and NLI-like texts, none of them
    a pair (premise + hypothesis) of the labeled NLI corpus or holding a labeled review; shares 0: reviews only."""
    from nlpbook_helpers.embedded_corpus import N_TEST, _labeled_finder
    from nlpbook_helpers.pair_corpus import generate_nli_pairs
    from nlpbook_helpers.pretraining_text import generated_documents, pair_documents, world_documents
    from nlpbook_helpers.world import make_world

    pairs = pair_documents(300)
    assert len(pairs) == 300 and pairs == pair_documents(300)
    test_pairs = generate_nli_pairs(N_TEST, 7, "test")
    assert not {f"{p.premise} {p.hypothesis}" for p in test_pairs} & set(pairs)
    contains_labeled = _labeled_finder(7)
    assert not any(contains_labeled(text) for text in pairs)
    facts = world_documents(50)
    titles = [film.title for film in make_world(7).films]
    assert all(any(title in text for title in titles) and text.count(".") >= 2 for text in facts)
    mixed = generated_documents(100, 7, 0.1, 0.1)
    assert len(mixed) == 100 and set(facts[:10]) <= set(mixed)
    assert set(generate_pretraining_documents(80, 7)) <= set(mixed)
    assert generated_documents(50, 7, 0, 0) == generate_pretraining_documents(50, 7)


def test_continue_shipped_pretrains_the_shipped_model_on_every_tasks_generated_text(tmp_path, capsys):
    """`pretrain --continue-shipped --world-share … --pair-share …`: the shipped tiny BERT (not random weights) goes
    on learning on the mixed generated text; the record names the generator and its shares; with --corpus: refused."""
    out = tmp_path / "continued"
    assert main(["pretrain", "--continue-shipped", "--world-share", "0.2", "--pair-share", "0.1", "--documents", "60",
                 "--steps", "2", "--batch-size", "8", "--report-every", "1", "--out", str(out)]) == 0
    record = json.loads((out / RECORD_FILE).read_text(encoding="utf-8"))
    assert record["start"] != "random weights" and record["steps_done"] == 2
    assert record["corpus"]["files"] == ["nlpbook_helpers.pretraining_text.generated_documents(560, seed=7, "
                                         "world_share=0.2, pair_share=0.1)"]
    assert record["learning_rate"] == 2e-4             # the continuing rate, not random weights' 1e-3
    from nlpbook_helpers.pretraining_text import world_documents
    assert record["corpus"]["texts"] == 560 and world_documents(1)[0]
    assert main(["pretrain", "--continue-shipped", "--corpus", str(out / "vocab.txt"), "--out", str(tmp_path / "x")]) == 2
    assert "--continue-shipped" in capsys.readouterr().err and not (tmp_path / "x").exists()
