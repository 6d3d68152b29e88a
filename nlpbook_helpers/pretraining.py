"""Masked-language-model pretraining of the offline tiny BERT (notebook 03, section "프리트레인").

The same stages the series teaches, on unlabeled text: a corpus (this project's generated documents, each 2–4
reviews that agree, `embedded_corpus.generate_pretraining_documents`), the offline tokenizer, batches of similar
lengths whose collate function masks 15 % of the tokens (transformers' `DataCollatorForLanguageModeling`), a small
task (BertForMaskedLM + AdamW + linear warmup/decay) and a Lightning Trainer. `python -m nlpbook_helpers pretrain`
runs it and saves the result in the layout of beomi/kcbert-base, with `pretraining_record.json` saying how.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytorch_lightning as pl
import torch
from transformers import BertTokenizer, DataCollatorForLanguageModeling, get_linear_schedule_with_warmup
from transformers.trainer_pt_utils import LengthGroupedSampler
from transformers.utils import logging as transformers_logging

from .pretraining_text import generated_documents
from .files import build_lock, make_temp_dir, match_umask, remove_leftovers
from .guards import stopped_by_signal
from .model import OFFLINE_VOCAB, save_tokenizer_files, tiny_bert
from .settings import TINY_MODEL

__all__ = ["PretrainingPlan", "QUICK_PLAN", "RECORD_FILE", "RUN_FILE", "PROBE_DOCUMENTS", "pretraining_corpus", "text_sha256",
           "describe_corpus", "offline_tokenizer", "masked_lm_loss", "MaskedLMTask", "pretrain"]

RECORD_FILE = "pretraining_record.json"
RUN_FILE = "pretraining_run.json"      # an unfinished `pretrain --corpus` run (own_pretraining.py): it can continue
PROBE_DOCUMENTS = 1000


@dataclass(frozen=True)
class PretrainingPlan:
    """What one pretraining run does; the defaults are the shipped model's (about 15 minutes on 2 CPU cores)."""

    documents: int = 50_000            # 2–4 reviews each: at least 100,000 reviews
    heldout_documents: int = 500       # the last ones, never trained on: held-out masked-LM loss
    world_share: float = 0.0           # of the documents: film facts (pretraining_text.py); 0: reviews only,
    pair_share: float = 0.0            # NLI-like pairs; the shipped run: 0 and 0 (see docs/pretraining.md)
    steps: int = 2_400
    batch_size: int = 128
    learning_rate: float = 1e-3
    warmup_ratio: float = 0.05
    weight_decay: float = 0.01
    max_length: int = 128              # tokens per document, [CLS] and [SEP] included
    mlm_probability: float = 0.15
    seed: int = 7                      # the offline presets' seed: pretraining starts from offline-scratch's weights
    report_every: int = 100            # steps between progress lines (and held-out evaluations)


QUICK_PLAN = PretrainingPlan(documents=2_000, heldout_documents=100, steps=30, batch_size=32, report_every=10)


def pretraining_corpus(plan: PretrainingPlan) -> tuple[list[str], list[str]]:
    """(train documents, held-out documents): generated_documents(documents + heldout, seed, shares), split."""
    documents = generated_documents(plan.documents + plan.heldout_documents, plan.seed, plan.world_share,
                                    plan.pair_share)
    return documents[:plan.documents], documents[plan.documents:]


def text_sha256(documents: list[str]) -> str:
    """sha256 of the documents written one per line (UTF-8): what records compare to tell one text from another."""
    digest = hashlib.sha256()
    for document in documents:
        digest.update(document.encode("utf-8") + b"\n")
    return digest.hexdigest()


def describe_corpus(plan: PretrainingPlan, documents: list[str]) -> dict:
    """How the pretraining text was made, for the records of the vocabulary and of the model. `probe` is the hash
    of the first PROBE_DOCUMENTS documents the generator makes: a check that takes a moment, not seconds."""
    mixed = plan.world_share or plan.pair_share
    return {"generator": "nlpbook_helpers." + ("pretraining_text.generated_documents" if mixed else
                                               "embedded_corpus.generate_pretraining_documents"),
            "arguments": {"n": plan.documents + plan.heldout_documents, "seed": plan.seed,
                          **({"world_share": plan.world_share, "pair_share": plan.pair_share} if mixed else {})},
            "sha256": text_sha256(documents), "documents": len(documents),
            "probe": {"n": PROBE_DOCUMENTS,
                      "sha256": text_sha256(generated_documents(PROBE_DOCUMENTS, plan.seed, plan.world_share,
                                                                plan.pair_share))}}


def masked_lm_loss(model, batch: dict) -> torch.Tensor:
    """BertForMaskedLM's loss, computing the vocabulary logits only where a token is masked (about 15 %).

    The same value as `model(**batch).loss` (cross-entropy over the masked tokens, -100 elsewhere), without the
    logits of the other 85 % of the positions: on a CPU that halves the time of a step for this tiny model.
    """
    inputs = {key: value for key, value in batch.items() if key != "labels"}
    hidden = model.bert(**inputs).last_hidden_state
    masked = batch["labels"] != -100
    logits = model.cls(hidden[masked])
    return torch.nn.functional.cross_entropy(logits, batch["labels"][masked])


class MaskedLMTask(pl.LightningModule):
    """The task of pretraining: predict the masked tokens. Logs `train_loss` every step, `heldout_loss` when validated."""

    def __init__(self, model: torch.nn.Module, plan: PretrainingPlan):
        super().__init__()
        self.model = model.train()
        self.plan = plan

    def training_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        loss = masked_lm_loss(self.model, batch)
        self.log("train_loss", loss, on_step=True, on_epoch=False)
        return loss

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        checkpoint["nlpbook_torch_rng"] = torch.get_rng_state()      # dropout continues the same after a resume

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        if "nlpbook_torch_rng" in checkpoint:
            torch.set_rng_state(checkpoint["nlpbook_torch_rng"])

    def validation_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        loss = self.model(**batch).loss          # mean over the masked tokens of this batch
        self.log("heldout_loss", loss, on_epoch=True, batch_size=int((batch["labels"] != -100).sum()))
        return loss

    def configure_optimizers(self):
        decay = [p for p in self.model.parameters() if p.ndim >= 2]          # no decay on biases and LayerNorm
        no_decay = [p for p in self.model.parameters() if p.ndim < 2]
        optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": self.plan.weight_decay},
                                       {"params": no_decay, "weight_decay": 0.0}], lr=self.plan.learning_rate)
        scheduler = get_linear_schedule_with_warmup(optimizer, int(self.plan.steps * self.plan.warmup_ratio),
                                                    self.plan.steps)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}


class _Progress(pl.Callback):
    """A plain line every `report_every` steps (no progress bar); keeps the loss curve for the record."""

    def __init__(self, plan: PretrainingPlan, print_line: Callable[[str], None]):
        self.plan, self.print_line, self.started = plan, print_line, time.perf_counter()
        self.recent: list[float] = []
        self.curve: list[dict] = []

    def on_train_batch_end(self, trainer, task, outputs, batch, batch_idx) -> None:
        loss = outputs["loss"] if isinstance(outputs, dict) else outputs
        self.recent = (self.recent + [float(loss)])[-self.plan.report_every:]

    def state_dict(self) -> dict:                # in the checkpoint: a resumed run keeps its curve
        return {"recent": self.recent, "curve": self.curve}

    def load_state_dict(self, state_dict: dict) -> None:
        self.recent, self.curve = list(state_dict["recent"]), list(state_dict["curve"])

    def on_validation_end(self, trainer, task) -> None:
        if trainer.sanity_checking or trainer.state.fn != "fit":     # not the evaluations before and after fit
            return
        point = {"step": trainer.global_step, "train_loss": round(sum(self.recent) / len(self.recent), 4),
                 "heldout_loss": round(float(trainer.callback_metrics["heldout_loss"]), 4)}
        self.curve.append(point)
        self.print_line(f"step {point['step']}/{self.plan.steps}  train loss {point['train_loss']:.3f}  held-out loss "
                        f"{point['heldout_loss']:.3f}  lr {trainer.optimizers[0].param_groups[0]['lr']:.2e}  "
                        f"({time.perf_counter() - self.started:.0f} s)")


def offline_tokenizer(vocab_file: str | Path = OFFLINE_VOCAB) -> BertTokenizer:
    """The offline tokenizer (cased) from its vocab.txt; fails loudly if it would have only the special tokens."""
    tokens = Path(vocab_file).read_text(encoding="utf-8").splitlines()
    tokenizer = BertTokenizer(vocab={token: i for i, token in enumerate(tokens)}, do_lower_case=False)
    if len(tokenizer) != len(tokens):
        raise ValueError(f"{vocab_file}: {len(tokens)} lines but the tokenizer has {len(tokenizer)} tokens; "
                         "one token per line, no duplicates (python -m nlpbook_helpers build-vocab writes it)")
    return tokenizer


def _tokenize(tokenizer, documents: list[str], max_length: int) -> list[dict]:
    encoded = tokenizer(documents, truncation=True, max_length=max_length, return_special_tokens_mask=True,
                        return_token_type_ids=False, return_attention_mask=False)
    return [{"input_ids": ids, "special_tokens_mask": special}
            for ids, special in zip(encoded["input_ids"], encoded["special_tokens_mask"])]


def pretrain(out: str | Path, plan: PretrainingPlan = PretrainingPlan(), dims: dict | None = None,
             vocab_file: str | Path = OFFLINE_VOCAB, command: str = "", threads: int | None = None,
             print_line: Callable[[str], None] = lambda line: print(line, flush=True), overwrite: bool = False) -> dict:
    """Pretrain the tiny BERT (masked LM) on `plan`'s documents; save it to `out` (atomically); return the record.

    `threads`: CPU threads for torch (None: torch's default). The last digits of the weights depend on it.
    `overwrite`: replace a model an earlier pretrain saved in `out` (else FileExistsError before training).
    """
    dims = dict(TINY_MODEL if dims is None else dims)
    if threads is not None:
        torch.set_num_threads(threads)
    out = Path(out).expanduser().resolve()
    _check_out(out, overwrite)
    started = time.perf_counter()
    pl.seed_everything(plan.seed, workers=True, verbose=False)
    train_documents, heldout_documents = pretraining_corpus(plan)
    tokenizer = offline_tokenizer(vocab_file)
    train_set = _tokenize(tokenizer, train_documents, plan.max_length)
    heldout_masker = DataCollatorForLanguageModeling(tokenizer, mlm_probability=plan.mlm_probability,
                                                     seed=plan.seed + 1)    # the same masks at every evaluation
    heldout_set = _tokenize(tokenizer, heldout_documents, plan.max_length)
    heldout_batches = [heldout_masker(heldout_set[i:i + plan.batch_size])
                       for i in range(0, len(heldout_set), plan.batch_size)]
    sampler = LengthGroupedSampler(plan.batch_size, lengths=[len(x["input_ids"]) for x in train_set],
                                   generator=torch.Generator().manual_seed(plan.seed))   # less padding, as stage 5
    train_loader = torch.utils.data.DataLoader(
        train_set, batch_size=plan.batch_size, sampler=sampler, drop_last=True,
        collate_fn=DataCollatorForLanguageModeling(tokenizer, mlm_probability=plan.mlm_probability, seed=plan.seed))
    heldout_loader = torch.utils.data.DataLoader(heldout_batches, batch_size=None)
    print_line(f"pretraining corpus: {len(train_set):,} documents ({sum(len(x['input_ids']) for x in train_set):,} "
               f"tokens), {len(heldout_set)} held out; {plan.steps} steps of {plan.batch_size}")
    task = MaskedLMTask(tiny_bert(dims, plan.seed, vocab_file), plan)
    progress = _Progress(plan, print_line)
    trainer = pl.Trainer(max_steps=plan.steps, max_epochs=-1, accelerator="auto", devices=1, precision="32-true",
                         val_check_interval=plan.report_every, check_val_every_n_epoch=None, num_sanity_val_steps=0,
                         logger=False, enable_checkpointing=False, enable_progress_bar=False,
                         enable_model_summary=False, deterministic=True, callbacks=[progress])
    initial = trainer.validate(task, heldout_loader, verbose=False)[0]["heldout_loss"]
    with stopped_by_signal(lambda: f"pretraining was stopped by SIGTERM at step {trainer.global_step} of {plan.steps}; "
                                   f"nothing was saved (pretraining keeps no checkpoints), {out} is as it was. "
                                   "Fix: run the same command again"):
        trainer.fit(task, train_dataloaders=train_loader, val_dataloaders=heldout_loader)
    final = trainer.validate(task, heldout_loader, verbose=False)[0]["heldout_loss"]
    tokens = sum(len(x["input_ids"]) for x in train_set)
    record = {
        "model": "BertForMaskedLM", "dims": dims, "vocab_size": task.model.config.vocab_size,
        "vocab_sha256": hashlib.sha256(Path(vocab_file).read_bytes()).hexdigest(),
        "corpus": {**describe_corpus(plan, train_documents + heldout_documents), "train_tokens": tokens},
        **dataclasses.asdict(plan), "steps_done": trainer.global_step,
        "epochs_seen": round(trainer.global_step * plan.batch_size / len(train_set), 2),
        "train_loss_final": round(sum(progress.recent) / len(progress.recent), 4),   # mean of the last steps
        "heldout_loss_initial": round(float(initial), 4), "heldout_loss_final": round(float(final), 4),
        "curve": progress.curve, "seconds": round(time.perf_counter() - started, 1),
        "device": str(trainer.strategy.root_device), "threads": torch.get_num_threads(),
        "versions": _versions(), "command": command,
    }
    _save(out, task.model, vocab_file, record, overwrite)
    print_line(f"held-out masked-LM loss {record['heldout_loss_initial']:.3f} → {record['heldout_loss_final']:.3f}; "
               f"saved to {out} ({record['seconds']:.0f} s)")
    return record


def _versions() -> dict:
    import tokenizers
    import transformers

    return {"python": platform.python_version(), "torch": torch.__version__, "transformers": transformers.__version__,
            "pytorch-lightning": pl.__version__, "tokenizers": tokenizers.__version__}


def _check_out(out: Path, overwrite: bool) -> None:
    """Refuse before training (not after 20 minutes) to replace a folder that pretrain did not write, or, unless
    `overwrite`, a model that an earlier pretrain saved there."""
    written = (out / RECORD_FILE).is_file() or (out / RUN_FILE).is_file()
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not written)):
        raise FileExistsError(f"{out} exists and was not written by pretrain (no {RECORD_FILE}): move it away or "
                              "choose another --out")
    if not overwrite and (out / RECORD_FILE).is_file():
        raise FileExistsError(f"{out} already holds a model that an earlier pretrain saved (see its {RECORD_FILE}); "
                              "it was left as it is. Fix: choose another --out, or add --overwrite to replace it "
                              "(pretrain(..., overwrite=True))")


def _save(out: Path, model, vocab_file: str | Path, record: dict, overwrite: bool) -> None:
    """save_pretrained + tokenizer files + the record in a temporary folder, then renamed to `out`."""
    with build_lock(out.parent):
        remove_leftovers(out.parent, ".pretraining-*")
        _check_out(out, overwrite)
        staging = make_temp_dir(out.parent, ".pretraining-")
        bars = transformers_logging.is_progress_bar_enabled()
        transformers_logging.disable_progress_bar()      # save_pretrained's shard bar: plain lines only here
        try:
            model.save_pretrained(staging)
            save_tokenizer_files(staging, vocab_file, model.config.max_position_embeddings)
            (staging / RECORD_FILE).write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n",
                                               encoding="utf-8")
            match_umask(staging)
            if out.exists():
                old = make_temp_dir(out.parent, ".pretraining-replaced-")
                os.replace(out, old / out.name)
            os.replace(staging, out)
        finally:
            if bars:
                transformers_logging.enable_progress_bar()
            remove_leftovers(out.parent, ".pretraining-*")
