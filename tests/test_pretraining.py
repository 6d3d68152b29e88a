"""Masked-LM pretraining of the offline tiny BERT (issue 11) and the presets that use it: offline (the pretrained
model shipped in the package) and offline-scratch (the same model, random weights)."""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from transformers import BertConfig, BertForSequenceClassification

from nlpbook_helpers.model import (OFFLINE_VOCAB, SHIPPED_MODEL, ModelLoadError, install_shipped_checkpoint,
                                   load_pretrained_model, prepare_pretrained)
from nlpbook_helpers.pretraining import (QUICK_PLAN, RECORD_FILE, PretrainingPlan, pretrain, pretraining_corpus,
                                         text_sha256)
from nlpbook_helpers.settings import make_arguments

LAYOUT = ("config.json", "model.safetensors", "vocab.txt", "tokenizer_config.json", RECORD_FILE)
TINY_PLAN = PretrainingPlan(documents=120, heldout_documents=20, steps=3, batch_size=16, report_every=3)


def sha(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def body_of(directory: Path) -> dict[str, torch.Tensor]:
    """The BERT body's tensors in a saved BertForMaskedLM, named as in BertForSequenceClassification."""
    return {name: tensor for name, tensor in load_file(directory / "model.safetensors").items()
            if name.startswith("bert.")}


def assert_body_equal(model: torch.nn.Module, body: dict[str, torch.Tensor]) -> None:
    state = model.state_dict()
    assert len(body) > 10
    for name, tensor in body.items():
        assert torch.equal(state[name], tensor), name


@pytest.fixture(scope="module")
def quick(tmp_path_factory) -> tuple[Path, str]:
    """`python -m nlpbook_helpers pretrain --quick` run once: (its output folder, its stdout)."""
    root = tmp_path_factory.mktemp("pretrain")
    env = {**os.environ, "NLPBOOK_HOME": str(root / "home"), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run([sys.executable, "-m", "nlpbook_helpers", "pretrain", "--quick", "--threads", "1",
                           "--out", str(root / "quick")], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return root / "quick", done.stdout


def test_pretrain_quick_writes_kcbert_layout_and_a_record_and_the_loss_goes_down(quick):
    out, stdout = quick
    assert sorted(path.name for path in out.iterdir()) == sorted(LAYOUT)
    assert not [path for path in out.parent.iterdir() if path.name.startswith(".pretraining-")]
    assert BertConfig.from_pretrained(out).architectures == ["BertForMaskedLM"]
    assert json.loads((out / "tokenizer_config.json").read_text())["do_lower_case"] is False
    assert (out / "vocab.txt").read_bytes() == OFFLINE_VOCAB.read_bytes()
    record = json.loads((out / RECORD_FILE).read_text(encoding="utf-8"))
    train, heldout = pretraining_corpus(QUICK_PLAN)
    assert record["corpus"]["sha256"] == text_sha256(train + heldout)
    assert (record["corpus"]["documents"], record["documents"], record["heldout_documents"]) == \
        (len(train) + len(heldout), QUICK_PLAN.documents, QUICK_PLAN.heldout_documents)
    assert record["steps_done"] == record["steps"] == QUICK_PLAN.steps and record["batch_size"] == 32
    assert record["dims"] == make_arguments("offline").tiny_model and record["threads"] == 1
    assert set(record["versions"]) >= {"torch", "transformers", "pytorch-lightning", "tokenizers"}
    assert record["command"].endswith(f"pretrain --quick --threads 1 --out {out}") and record["seconds"] > 0
    assert record["heldout_loss_final"] < record["heldout_loss_initial"] - 1.0      # it learned something
    curve = record["curve"]
    assert [point["step"] for point in curve] == [10, 20, 30]
    assert curve[0]["train_loss"] > curve[-1]["train_loss"] and curve[0]["heldout_loss"] > curve[-1]["heldout_loss"]
    assert "step 30/30  train loss" in stdout and "it/s" not in stdout                 # plain lines, no bar


def test_a_classifier_takes_the_body_from_the_pretraining_output_and_a_new_head(quick):
    out, _ = quick
    model, info = BertForSequenceClassification.from_pretrained(out, num_labels=2, output_loading_info=True)
    assert_body_equal(model, body_of(out))
    assert sorted(info["missing_keys"]) == ["bert.pooler.dense.bias", "bert.pooler.dense.weight",
                                            "classifier.bias", "classifier.weight"]


def test_pretraining_is_seeded_and_never_replaces_a_folder_it_did_not_write(tmp_path):
    quiet = dict(print_line=lambda line: None, threads=1)
    first = pretrain(tmp_path / "a", TINY_PLAN, **quiet)
    pretrain(tmp_path / "b", TINY_PLAN, **quiet)
    pretrain(tmp_path / "c", dataclasses.replace(TINY_PLAN, seed=8), **quiet)
    assert sha(tmp_path / "a" / "model.safetensors") == sha(tmp_path / "b" / "model.safetensors")
    assert sha(tmp_path / "a" / "model.safetensors") != sha(tmp_path / "c" / "model.safetensors")
    assert first["heldout_loss_final"] == json.loads((tmp_path / "b" / RECORD_FILE).read_text())["heldout_loss_final"]
    with pytest.raises(FileExistsError, match=r"already holds a model that an earlier pretrain saved"):
        pretrain(tmp_path / "a", dataclasses.replace(TINY_PLAN, steps=4), **quiet)    # not without asking
    pretrain(tmp_path / "a", dataclasses.replace(TINY_PLAN, steps=4), overwrite=True, **quiet)    # its own: replaced
    assert json.loads((tmp_path / "a" / RECORD_FILE).read_text())["steps_done"] == 4
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(FileExistsError, match=r"mine exists and was not written by pretrain"):
        pretrain(tmp_path / "mine", TINY_PLAN, **quiet)
    assert [path.name for path in (tmp_path / "mine").iterdir()] == ["notes.txt"]


def test_the_shipped_model_has_the_presets_dims_and_vocabulary():
    config = json.loads((SHIPPED_MODEL / "config.json").read_text())
    record = json.loads((SHIPPED_MODEL / RECORD_FILE).read_text(encoding="utf-8"))
    for preset in ("offline", "offline-scratch"):
        dims = make_arguments(preset).tiny_model
        assert {name: config[name] for name in dims} == dims == record["dims"], preset
    assert config["architectures"] == ["BertForMaskedLM"]
    assert (SHIPPED_MODEL / "vocab.txt").read_bytes() == OFFLINE_VOCAB.read_bytes()
    assert record["vocab_sha256"] == sha(OFFLINE_VOCAB) and config["vocab_size"] == record["vocab_size"]
    assert record["heldout_loss_final"] < record["heldout_loss_initial"]
    assert os.path.getsize(SHIPPED_MODEL / "model.safetensors") < 20_000_000   # 17.4 MB: 30,211 × 128 embeddings


def test_offline_preset_installs_and_loads_the_shipped_model_without_network(tmp_path, monkeypatch, no_network):
    monkeypatch.setenv("NLPBOOK_HOME", str(tmp_path))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    args = make_arguments("offline")
    installed = Path(prepare_pretrained(args))
    assert installed == tmp_path / "models" / "tiny-kcbert"
    for path in SHIPPED_MODEL.iterdir():
        assert sha(installed / path.name) == sha(path), path.name
    assert_body_equal(load_pretrained_model(args), body_of(SHIPPED_MODEL))
    stamp = (installed / "model.safetensors").stat().st_mtime_ns
    prepare_pretrained(args)                                        # installed once, not copied again
    assert (installed / "model.safetensors").stat().st_mtime_ns == stamp
    assert not no_network


def test_offline_scratch_is_the_same_model_with_random_weights(tmp_path, monkeypatch, no_network):
    monkeypatch.setenv("NLPBOOK_HOME", str(tmp_path))
    args = make_arguments("offline-scratch")
    folder = Path(prepare_pretrained(args))
    assert folder == tmp_path / "models" / "tiny-kcbert-scratch"
    assert args.downstream_model_dir == str(tmp_path / "checkpoints" / "offline-scratch-nsmc")
    assert BertConfig.from_pretrained(folder).architectures == ["BertForMaskedLM"]
    assert (folder / "vocab.txt").read_bytes() == OFFLINE_VOCAB.read_bytes()
    model = load_pretrained_model(args)
    shipped = body_of(SHIPPED_MODEL)
    assert set(body_of(folder)) == set(shipped)
    state = model.state_dict()
    assert not torch.equal(state["bert.embeddings.word_embeddings.weight"],
                           shipped["bert.embeddings.word_embeddings.weight"])
    assert not no_network


def test_a_missing_shipped_model_names_the_command_that_builds_it(tmp_path):
    dims = make_arguments("offline").tiny_model
    with pytest.raises(ModelLoadError, match=r"nothing: the pretrained tiny model is not there.*"
                                             r"python -m nlpbook_helpers pretrain --out nlpbook_helpers/assets/"
                                             r"tiny-kcbert.*offline-scratch"):
        install_shipped_checkpoint(tmp_path / "model", dims, shipped=tmp_path / "nothing")
    assert not (tmp_path / "model").exists()


def test_an_updated_package_replaces_the_installed_copy_and_foreign_folders_are_kept(tmp_path, quick):
    out, _ = quick
    dims = make_arguments("offline").tiny_model
    shipped = tmp_path / "shipped"
    shutil.copytree(out, shipped)
    target = install_shipped_checkpoint(tmp_path / "home" / "tiny", dims, shipped=shipped)
    assert sha(target / "model.safetensors") == sha(out / "model.safetensors")
    pretrain(tmp_path / "newer", TINY_PLAN, print_line=lambda line: None, threads=1)
    shutil.copyfile(tmp_path / "newer" / "model.safetensors", shipped / "model.safetensors")   # a new release
    install_shipped_checkpoint(target, dims, shipped=shipped)
    assert sha(target / "model.safetensors") == sha(tmp_path / "newer" / "model.safetensors")
    assert sorted(path.name for path in target.parent.iterdir()) == ["tiny"]              # no leftovers
    with pytest.raises(ModelLoadError, match="asks for"):
        install_shipped_checkpoint(tmp_path / "other", {**dims, "num_hidden_layers": 1}, shipped=shipped)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(ModelLoadError, match="was not built by nlpbook_helpers"):
        install_shipped_checkpoint(tmp_path / "mine", dims, shipped=shipped)
    assert [path.name for path in (tmp_path / "mine").iterdir()] == ["notes.txt"]


@pytest.fixture(scope="module")
def full_corpus() -> tuple[PretrainingPlan, list[str]]:
    plan = PretrainingPlan()
    train, heldout = pretraining_corpus(plan)
    return plan, train + heldout


def test_shipped_model_and_vocabulary_come_from_the_current_pretraining_text(full_corpus):
    """If this fails, the corpus generator changed: python -m nlpbook_helpers build-vocab --out
    nlpbook_helpers/assets/offline_vocab.txt, then the full pretraining (model.PRETRAIN_COMMAND)."""
    plan, documents = full_corpus
    digest = text_sha256(documents)
    assert len(documents) * 2 >= 100_000                                 # 2–4 reviews per document
    model_record = json.loads((SHIPPED_MODEL / RECORD_FILE).read_text(encoding="utf-8"))
    vocab_record = json.loads(OFFLINE_VOCAB.with_suffix(".json").read_text(encoding="utf-8"))
    stale = [name for name, record in (("vocabulary (build-vocab)", vocab_record), ("shipped model (pretrain)",
                                                                                   model_record))
             if record.get("corpus", {}).get("sha256") != digest]
    assert stale == [], f"made from other text than generate_pretraining_documents gives now: {stale}"


def test_the_pretraining_text_holds_no_labeled_review(full_corpus, tmp_path):
    """No review of the labeled embedded corpus (train or test, default sizes) of 20 characters or more appears in
    the pretraining text, whole or inside a longer text: fine-tuning would otherwise measure memory, not transfer."""
    from nlpbook_helpers.embedded_corpus import write_embedded_corpus

    _, documents = full_corpus
    text = "\n".join(documents)
    # 20 characters from each word start. Wherever a review occurs, its own text after its first space begins at a
    # word start of the text, and so does the review itself unless it begins inside a word: one of the two is found.
    starts = {text[i:i + 20] for i in range(len(text)) if i == 0 or text[i - 1] in " \n"}
    paths = write_embedded_corpus(tmp_path, seed=make_arguments("offline").seed)
    found = []
    for path in paths.values():
        for line in path.read_text(encoding="utf-8").splitlines()[1:]:
            review = line.split("\t")[1]
            after_space = review.partition(" ")[2]
            maybe = len(after_space) < 20 or review[:20] in starts or after_space[:20] in starts
            if len(review) >= 20 and maybe and review in text:
                found.append(review)
    assert found == [], f"{len(found)} labeled reviews appear in the pretraining text, e.g. {found[:3]}"

