"""Causal-LM pretraining of the offline tiny GPT (notebook 11, 3. 프리트레인 모델: 작은 GPT).

The GPT twin of pretraining.py: this project's generated documents (each 2–4 reviews that agree, nothing labeled,
`embedded_corpus.generate_pretraining_documents`) plus the movie world's fact sentences, a byte-level BPE tokenizer
trained on that text (every byte has a token: no `<unk>` is ever needed), GPT2LMHeadModel predicting each next
token, AdamW with linear warmup/decay. `python -m nlpbook_helpers pretrain --task generation` runs it and saves the
result in the layout of skt/kogpt2-base-v2 (config.json, model.safetensors, tokenizer.json, tokenizer_config.json)
with `pretraining_record.json` saying how.
"""
from __future__ import annotations

import json
import math
import platform
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import torch
from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast, get_linear_schedule_with_warmup

from .embedded_corpus import generate_pretraining_documents
from .files import build_lock, make_temp_dir, match_umask, remove_leftovers
from .world import make_world

__all__ = ["GptPretrainingPlan", "QUICK_GPT_PLAN", "SPECIAL_TOKENS", "TINY_GPT", "gpt_pretraining_text",
           "train_gpt_tokenizer", "encode_with_eos", "tiny_gpt", "pretrain_gpt"]

RECORD_FILE = "pretraining_record.json"
# kogpt2's special tokens, at its ids: </s> starts and ends a text (bos = eos), <pad> is a token of its own
SPECIAL_TOKENS = ("<s>", "</s>", "<usr>", "<pad>", "<sys>", "<unk>", "<mask>")
TINY_GPT = dict(n_embd=128, n_layer=3, n_head=4, n_positions=128)


@dataclass(frozen=True)
class GptPretrainingPlan:
    """What one pretraining run does; the defaults are the shipped model's (docs/generation.md: time and loss)."""

    documents: int = 20_000            # 2–4 agreeing reviews each
    heldout_documents: int = 300       # the last ones, never trained on: held-out loss
    vocab_size: int = 6_000
    steps: int = 500
    batch_size: int = 32
    learning_rate: float = 2e-3
    warmup_ratio: float = 0.05
    weight_decay: float = 0.01
    max_length: int = 128              # tokens per document, </s> included
    seed: int = 7
    report_every: int = 50


QUICK_GPT_PLAN = GptPretrainingPlan(documents=600, heldout_documents=50, vocab_size=1_000, steps=20,
                                    batch_size=16, report_every=10)


def gpt_pretraining_text(plan: GptPretrainingPlan) -> tuple[list[str], list[str]]:
    """(train documents, held-out documents): agreeing reviews joined, and each film's fact sentences as one
    document, shuffled by the seed. No labeled review of the embedded corpus is in it (generate_pretraining_documents)."""
    reviews = generate_pretraining_documents(plan.documents + plan.heldout_documents, plan.seed)
    world = make_world(plan.seed)
    facts = [" ".join(world.fact_sentences(film)) for film in world.films]
    documents = reviews[:plan.documents] + facts
    random.Random(plan.seed).shuffle(documents)
    return documents, reviews[plan.documents:]


def train_gpt_tokenizer(texts: list[str], vocab_size: int) -> PreTrainedTokenizerFast:
    """A byte-level BPE tokenizer (GPT-2's kind, as kogpt2) trained on `texts`, with kogpt2's special tokens.
    Training is not byte-identical from run to run: the project ships the one it trained."""
    from tokenizers import ByteLevelBPETokenizer

    bpe = ByteLevelBPETokenizer(add_prefix_space=False)
    bpe.train_from_iterator(texts, vocab_size=vocab_size, min_frequency=2, special_tokens=list(SPECIAL_TOKENS),
                            show_progress=False)
    return PreTrainedTokenizerFast(tokenizer_object=bpe._tokenizer, bos_token="</s>", eos_token="</s>",
                                   unk_token="<unk>", pad_token="<pad>", mask_token="<mask>")


def encode_with_eos(tokenizer, texts: list[str], max_length: int) -> list[list[int]]:
    """Token ids of each text followed by `</s>` (the model learns where a text ends); a text longer than
    `max_length` is cut there and gets no `</s>`, since it did not end. Notebook 11, 5. 레이블은 입력 그 자체."""
    rows = tokenizer(list(texts), add_special_tokens=False)["input_ids"]
    return [ids + [tokenizer.eos_token_id] if len(ids) < max_length else ids[:max_length] for ids in rows]


def tiny_gpt(tokenizer, dims: dict, seed: int) -> GPT2LMHeadModel:
    """GPT2LMHeadModel of `dims` with random weights (seeded, the caller's random state left alone)."""
    config = GPT2Config(vocab_size=len(tokenizer), bos_token_id=tokenizer.bos_token_id,
                        eos_token_id=tokenizer.eos_token_id, pad_token_id=tokenizer.pad_token_id, **dims)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return GPT2LMHeadModel(config)


def _batches(rows: list[list[int]], size: int, pad_id: int, generator: torch.Generator | None):
    """Padded batches with labels = input ids and -100 where padded (shuffled when a generator is given)."""
    order = torch.randperm(len(rows), generator=generator).tolist() if generator else range(len(rows))
    order = list(order)
    for start in range(0, len(order) - (size - 1 if generator else 0), size):
        chunk = [rows[i] for i in order[start:start + size]]
        width = max(map(len, chunk))
        ids = torch.tensor([row + [pad_id] * (width - len(row)) for row in chunk])
        mask = torch.tensor([[1] * len(row) + [0] * (width - len(row)) for row in chunk])
        yield {"input_ids": ids, "attention_mask": mask, "labels": ids.masked_fill(mask == 0, -100)}


@torch.no_grad()
def _heldout_loss(model, rows: list[list[int]], pad_id: int) -> float:
    """Mean next-token loss over every held-out token (not a mean of batch means)."""
    model.eval()
    total, count = 0.0, 0
    for batch in _batches(rows, 64, pad_id, None):
        tokens = int((batch["labels"][:, 1:] != -100).sum())
        total, count = total + float(model(**batch).loss) * tokens, count + tokens
    model.train()
    return total / count


def pretrain_gpt(out: str | Path, plan: GptPretrainingPlan = GptPretrainingPlan(), dims: dict | None = None,
                 command: str = "", threads: int | None = None, overwrite: bool = False,
                 print_line: Callable[[str], None] = lambda line: print(line, flush=True)) -> dict:
    """Train the tokenizer, pretrain the tiny GPT on `plan`'s text, save both to `out` (atomically); the record."""
    dims = dict(TINY_GPT if dims is None else dims)
    out = Path(out).expanduser().resolve()
    if (out / RECORD_FILE).is_file() and not overwrite:
        raise FileExistsError(f"{out} already holds a model that an earlier pretrain saved (see its {RECORD_FILE}); "
                              "left as it is. Fix: choose another --out, or add --overwrite to replace it")
    if out.exists() and any(out.iterdir()) and not (out / RECORD_FILE).is_file():
        raise FileExistsError(f"{out} exists and was not written by pretrain (no {RECORD_FILE}): move it away")
    if threads is not None:
        torch.set_num_threads(threads)
    started = time.perf_counter()
    train_text, heldout_text = gpt_pretraining_text(plan)
    tokenizer = train_gpt_tokenizer(train_text, plan.vocab_size)
    rows, heldout = (encode_with_eos(tokenizer, text, plan.max_length) for text in (train_text, heldout_text))
    tokens = sum(map(len, rows))
    print_line(f"pretraining text: {len(rows):,} documents ({tokens:,} tokens, {len(tokenizer)}-token byte-level BPE), "
               f"{len(heldout)} held out; {plan.steps} steps of {plan.batch_size} ({time.perf_counter() - started:.0f} s)")
    model = tiny_gpt(tokenizer, dims, plan.seed).train()
    decay = [p for p in model.parameters() if p.ndim >= 2]
    rest = [p for p in model.parameters() if p.ndim < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": plan.weight_decay},
                                   {"params": rest, "weight_decay": 0.0}], lr=plan.learning_rate)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(plan.steps * plan.warmup_ratio), plan.steps)
    generator = torch.Generator().manual_seed(plan.seed)
    curve, recent, step = [], [], 0
    initial = _heldout_loss(model, heldout, tokenizer.pad_token_id)
    torch.manual_seed(plan.seed)                                  # dropout
    while step < plan.steps:
        for batch in _batches(rows, plan.batch_size, tokenizer.pad_token_id, generator):
            loss = model(**batch).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step(), scheduler.step(), optimizer.zero_grad()
            step, recent = step + 1, (recent + [loss.item()])[-plan.report_every:]
            if step % plan.report_every == 0 or step == plan.steps:
                point = {"step": step, "train_loss": round(sum(recent) / len(recent), 4),
                         "heldout_loss": round(_heldout_loss(model, heldout, tokenizer.pad_token_id), 4),
                         "seconds": round(time.perf_counter() - started, 1)}
                curve.append(point)
                print_line(f"step {step}/{plan.steps}  train loss {point['train_loss']:.3f}  held-out loss "
                           f"{point['heldout_loss']:.3f} (perplexity {math.exp(point['heldout_loss']):.1f})  "
                           f"({point['seconds']:.0f} s)")
            if step == plan.steps:
                break
    record = {"model": "GPT2LMHeadModel", "dims": dims, "vocab_size": len(tokenizer),
              "text": {"reviews": "embedded_corpus.generate_pretraining_documents(documents + heldout_documents, "
                                  "seed): documents of 2-4 agreeing reviews, no labeled review, no label",
                       "world": "world.make_world(seed): each film's fact sentences as one document",
                       "train_documents": len(rows), "train_tokens": tokens, "heldout_documents": len(heldout)},
              **asdict(plan), "epochs_seen": round(step * plan.batch_size / len(rows), 2),
              "heldout_loss_initial": round(initial, 4), "heldout_loss_final": curve[-1]["heldout_loss"],
              "curve": curve, "seconds": round(time.perf_counter() - started, 1), "threads": torch.get_num_threads(),
              "machine": f"{platform.machine()}, {torch.backends.cpu.get_cpu_capability()}, CPU only",
              "versions": _versions(), "command": command}
    _save(out, model, tokenizer, record)
    print_line(f"held-out loss {initial:.3f} → {record['heldout_loss_final']:.3f}; saved to {out} "
               f"({record['seconds']:.0f} s)")
    return record


def _versions() -> dict:
    import tokenizers
    import transformers

    return {"python": platform.python_version(), "torch": torch.__version__, "transformers": transformers.__version__,
            "tokenizers": tokenizers.__version__}


def _save(out: Path, model, tokenizer, record: dict) -> None:
    """save_pretrained of the model and the tokenizer + the record in a temporary folder, renamed to `out`."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with build_lock(out.parent):
        remove_leftovers(out.parent, ".pretraining-*")
        staging = make_temp_dir(out.parent, ".pretraining-")
        try:
            model.save_pretrained(staging)
            tokenizer.save_pretrained(staging)
            (staging / RECORD_FILE).write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n",
                                               encoding="utf-8")
            match_umask(staging)
            if out.exists():
                old = make_temp_dir(out.parent, ".pretraining-replaced-")
                out.replace(old / out.name)
            staging.replace(out)
        finally:
            remove_leftovers(out.parent, ".pretraining-*")
