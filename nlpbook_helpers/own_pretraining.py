"""Pretraining on your own unlabeled text (notebook 03, section "내 텍스트로 프리트레인 이어 하기").

`python -m nlpbook_helpers pretrain --corpus FILE|FOLDER` continues the masked-LM pretraining of the shipped tiny
BERT (or of random weights, `from_scratch`) on the text column of your .csv/.tsv files or the lines of .txt files
(an NSMC-format .txt: its document column); labels and other columns are ignored. A seeded share of the texts is
held out for the masked-LM loss before and after. The run saves `last.ckpt` in the output folder every
`report_every` steps; the same command continues an interrupted run exactly (batch i and its masks depend on the
seed and i alone). The finished folder has the layout of the shipped model: `train --set pretrained_model_name=DIR`.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import random
import shutil
import time
import warnings
from pathlib import Path
from typing import Callable

import pytorch_lightning as pl
import torch
from transformers import BertForMaskedLM, DataCollatorForLanguageModeling
from transformers.trainer_pt_utils import LengthGroupedSampler

from .corpus import HEADER, CorpusError, _decode, _problem, _rows, read_nsmc_file
from .guards import AtomicCheckpointIO, quiet_lightning, stopped_by_signal
from .model import OFFLINE_VOCAB, SHIPPED_MODEL, tiny_bert
from .pretraining import (RUN_FILE, MaskedLMTask, PretrainingPlan, _check_out, _Progress, _save,
                          _tokenize, _versions, offline_tokenizer, text_sha256)
from .settings import TINY_MODEL

__all__ = ["SUFFIXES", "HELDOUT_SHARE", "CONTINUE_LEARNING_RATE", "read_texts", "split_heldout", "pretrain_on_texts"]

SUFFIXES = (".csv", ".tsv", ".txt")
HELDOUT_SHARE = 0.05          # of the texts, at most plan.heldout_documents: never trained on
CHECKPOINT = "last.ckpt"
CONTINUE_LEARNING_RATE = 2e-4  # the CLI's default from the shipped model (1e-3, random weights' rate, undid some of
                               # it: held-out loss 1.71 → 1.97 in 20 steps; 2e-4: 1.56 → 1.52, notebook 03)


def _texts_of(path: Path, text_column: str) -> tuple[list[str], int]:
    """(texts, empty ones skipped) of one file."""
    if path.suffix.lower() not in SUFFIXES:
        raise CorpusError(f"{path}: not a .csv, .tsv or .txt file. Fix: save your text as one of them (a .txt: one "
                          "text per line; a .csv/.tsv: a header naming the text column)")
    content = _decode(path)
    if path.suffix.lower() == ".txt":
        if content.split("\n", 1)[0].removesuffix("\r") == HEADER:                 # NSMC's ratings_*.txt
            examples, stats = read_nsmc_file(path, empty_documents="skip")
            return [example.text for example in examples], stats["empty"]
        lines = [line.strip() for line in content.split("\n")]
        return [line for line in lines if line], sum(1 for line in lines if not line)
    rows = _rows(path, content)
    header = [name.strip() for name in next(rows, (1, []))[1]]
    if text_column not in header:
        raise _problem(path, 1, f"no column {text_column!r} in the header; its columns are {header}",
                       "name the text column with --set text_column=NAME (labels and other columns are ignored)")
    at, texts, empty = header.index(text_column), [], 0
    for number, fields in rows:
        if fields and len(fields) != len(header):
            raise _problem(path, number, f"{len(fields)} fields instead of {len(header)} ({', '.join(header)})",
                           'write a text that holds commas in double quotes ("good, really"); no tab inside a '
                           ".tsv text")
        text = fields[at].strip() if fields else ""
        if text:
            texts.append(text)
        else:
            empty += 1
    return texts, empty


def read_texts(path: str | Path, text_column: str = "document") -> tuple[list[str], dict]:
    """The texts of one file, or of every .csv/.tsv/.txt file of a folder (sorted by name); empty texts are
    skipped and counted. Returns (texts, stats {"files", "texts", "empty"})."""
    path = Path(path).expanduser().resolve()
    if not path.exists():
        raise CorpusError(f"{path} does not exist. Fix: give a .csv/.tsv/.txt file, or a folder holding such files")
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in SUFFIXES and p.is_file()) if path.is_dir() \
        else [path]
    if not files:
        raise CorpusError(f"{path}: no .csv, .tsv or .txt file in this folder. Fix: put your text files there")
    texts, empty = [], 0
    for file in files:
        found, skipped = _texts_of(file, text_column)
        texts += found
        empty += skipped
    if len(texts) < 2:
        raise CorpusError(f"{path}: {len(texts)} non-empty text(s); pretraining needs at least 2 (one is held out). "
                          "Fix: add text")
    return texts, {"files": [str(file) for file in files], "texts": len(texts), "empty": empty}


def split_heldout(texts: list[str], plan: PretrainingPlan) -> tuple[list[str], list[str]]:
    """(train, held-out): a seeded HELDOUT_SHARE of the texts (at least 1, at most plan.heldout_documents)."""
    order = list(range(len(texts)))
    random.Random(f"nlpbook-own-pretraining:{plan.seed}").shuffle(order)
    n = min(plan.heldout_documents, max(1, round(len(texts) * HELDOUT_SHARE)))
    return [texts[i] for i in sorted(order[n:])], [texts[i] for i in sorted(order[:n])]


class _StepBatches(torch.utils.data.Dataset):
    """Item i is the masked batch of optimizer step start + i: its texts (length-grouped shuffle of its epoch)
    and its masks depend on the seed and the step alone, so a resumed run sees what the first one would have."""

    def __init__(self, features: list[dict], tokenizer, plan: PretrainingPlan, start: int):
        self.features, self.tokenizer, self.plan, self.start = features, tokenizer, plan, start
        self.size = min(plan.batch_size, len(features))
        self.per_epoch, self.orders = len(features) // self.size, {}

    def __len__(self) -> int:
        return self.plan.steps        # Lightning stops at max_steps; never fewer items than steps left

    def __getitem__(self, index: int) -> dict:
        step = self.start + index
        epoch, position = divmod(step, self.per_epoch)
        if epoch not in self.orders:
            self.orders = {epoch: list(LengthGroupedSampler(self.size, lengths=[len(f["input_ids"]) for f in
                                                                              self.features],
                                                            generator=torch.Generator().manual_seed(
                                                                self.plan.seed * 100_003 + epoch)))}
        chosen = self.orders[epoch][position * self.size:(position + 1) * self.size]
        masker = DataCollatorForLanguageModeling(self.tokenizer, mlm_probability=self.plan.mlm_probability,
                                                 seed=self.plan.seed * 1_000_003 + step)
        return masker([self.features[i] for i in chosen])


class _SaveLast(pl.Callback):
    """`last.ckpt` after each held-out evaluation (every report_every steps), the progress curve included."""

    def __init__(self, path: Path):
        self.path = path

    def on_validation_end(self, trainer, task) -> None:
        if trainer.state.fn == "fit" and not trainer.sanity_checking:
            trainer.save_checkpoint(self.path)


def _fingerprint(texts: list[str], stats: dict, plan: PretrainingPlan, from_scratch: bool) -> dict:
    return {"corpus_sha256": text_sha256(texts), "files": stats["files"], "plan": dataclasses.asdict(plan),
            "from_scratch": from_scratch, "vocab_sha256": hashlib.sha256(OFFLINE_VOCAB.read_bytes()).hexdigest()}


def _start(out: Path, fingerprint: dict, overwrite: bool) -> dict | None:
    """The unfinished run's file to continue from, or None to start; refuses to replace what it must not."""
    _check_out(out, overwrite)
    run = json.loads((out / RUN_FILE).read_text(encoding="utf-8")) if (out / RUN_FILE).is_file() else None
    if run and run["fingerprint"] == fingerprint:
        if (out / CHECKPOINT).is_file():
            return run                 # else stopped before its first checkpoint: nothing to keep
    elif run and not overwrite:
        changed = [key for key in fingerprint if run["fingerprint"].get(key) != fingerprint[key]] or ["checkpoint"]
        raise FileExistsError(f"{out} holds an unfinished pretraining with other {', '.join(changed)}; it was left "
                              "as it is. Fix: run it with the same text and settings to continue, add --overwrite "
                              "to start over, or choose another --out")
    if out.exists():
        shutil.rmtree(out)             # an empty folder, an unfinished run or (overwrite) a finished model
    return None


def pretrain_on_texts(out: str | Path, texts: list[str], stats: dict, plan: PretrainingPlan = PretrainingPlan(),
                      from_scratch: bool = False, command: str = "", overwrite: bool = False,
                      callbacks: list[pl.Callback] = (),
                      print_line: Callable[[str], None] = lambda line: print(line, flush=True)) -> dict:
    """Continue masked-LM pretraining of the shipped tiny BERT (from_scratch: random weights) on `texts`; resume an
    interrupted run in `out`; save the model there (kcbert layout + pretraining_record.json); return the record.
    Notebook 03, 내 텍스트로 프리트레인 이어 하기."""
    with quiet_lightning(), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*(num_workers|does not have many workers|LeafSpec|resuming from a "
                                                  "checkpoint that ended before).*")
        return _pretrain(Path(out).expanduser().resolve(), texts, stats, plan, from_scratch, command, overwrite,
                         callbacks, print_line)


def _pretrain(out: Path, texts: list[str], stats: dict, plan: PretrainingPlan, from_scratch: bool, command: str,
              overwrite: bool, callbacks, print_line: Callable[[str], None]) -> dict:
    out = Path(out).expanduser().resolve()
    fingerprint = _fingerprint(texts, stats, plan, from_scratch)
    run = _start(out, fingerprint, overwrite)
    started = time.perf_counter()
    pl.seed_everything(plan.seed, workers=True, verbose=False)
    train_texts, heldout_texts = split_heldout(texts, plan)
    tokenizer = offline_tokenizer()
    features = _tokenize(tokenizer, train_texts, plan.max_length)
    heldout = _tokenize(tokenizer, heldout_texts, plan.max_length)
    masker = DataCollatorForLanguageModeling(tokenizer, mlm_probability=plan.mlm_probability, seed=plan.seed + 1)
    heldout_loader = torch.utils.data.DataLoader([masker(heldout[i:i + plan.batch_size]) for i in
                                                  range(0, len(heldout), plan.batch_size)], batch_size=None,
                                                 generator=torch.Generator())   # the global RNG is dropout's alone
    model = tiny_bert(TINY_MODEL, plan.seed) if from_scratch else BertForMaskedLM.from_pretrained(SHIPPED_MODEL)
    task = MaskedLMTask(model, plan)
    progress = _Progress(plan, print_line)
    trainer = pl.Trainer(max_steps=plan.steps, max_epochs=-1, accelerator="auto", devices=1, precision="32-true",
                         val_check_interval=plan.report_every, check_val_every_n_epoch=None, num_sanity_val_steps=0,
                         logger=False, enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False, deterministic=True,
                         callbacks=[progress, _SaveLast(out / CHECKPOINT), *callbacks], plugins=[AtomicCheckpointIO()])
    if run is None:
        initial = float(trainer.validate(task, heldout_loader, verbose=False)[0]["heldout_loss"])
        run = {"fingerprint": fingerprint, "heldout_loss_initial": round(initial, 4)}
        out.mkdir(parents=True, exist_ok=True)
        (out / RUN_FILE).write_text(json.dumps(run, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    resume = out / CHECKPOINT if (out / CHECKPOINT).is_file() else None
    start = torch.load(resume, map_location="cpu", weights_only=False)["global_step"] if resume else 0
    print_line(f"pretraining on {len(features):,} texts of {len(stats['files'])} file(s) ({stats['empty']} empty "
               f"skipped), {len(heldout)} held out; {plan.steps} steps of {min(plan.batch_size, len(features))}; "
               f"{'random weights' if from_scratch else 'from the shipped tiny BERT'}"
               + (f"; continuing from step {start}" if start else ""))
    train_loader = torch.utils.data.DataLoader(_StepBatches(features, tokenizer, plan, start), batch_size=None,
                                               generator=torch.Generator())
    with stopped_by_signal(lambda: f"pretraining was stopped by SIGTERM at step {trainer.global_step} of {plan.steps}"
                                   f"; {out / CHECKPOINT} keeps the last saved step. Fix: run the same command again "
                                   "to continue"):
        trainer.fit(task, train_dataloaders=train_loader, val_dataloaders=heldout_loader, ckpt_path=resume)
    final = float(trainer.validate(task, heldout_loader, verbose=False)[0]["heldout_loss"])
    record = {"model": "BertForMaskedLM", "dims": TINY_MODEL, "vocab_size": model.config.vocab_size,
              "start": "random weights" if from_scratch else "the shipped tiny BERT",
              "corpus": {"files": stats["files"], "texts": stats["texts"], "empty_skipped": stats["empty"],
                         "sha256": fingerprint["corpus_sha256"], "heldout_texts": len(heldout)},
              **dataclasses.asdict(plan), "steps_done": trainer.global_step, "resumed_from_step": start,
              "heldout_loss_initial": run["heldout_loss_initial"], "heldout_loss_final": round(final, 4),
              "curve": progress.curve, "seconds_this_process": round(time.perf_counter() - started, 1),
              "device": str(trainer.strategy.root_device), "threads": torch.get_num_threads(),
              "versions": _versions(), "command": command}
    _save(out, task.model, OFFLINE_VOCAB, record, overwrite=True)     # replaces the unfinished run's folder
    print_line(f"held-out masked-LM loss {record['heldout_loss_initial']:.3f} → {record['heldout_loss_final']:.3f}; "
               f"saved to {out}")
    return record
