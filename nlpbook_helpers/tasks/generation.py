"""문장 생성 (sentence generation): a sentiment → a review of it, written by a GPT (notebook 11). What changes
against document classification, stage by stage:

2 corpus    the same NSMC-format reviews (embedded, or NSMC by Korpora); each becomes "<긍정|부정> <review></s>"
3 model     AutoModelForCausalLM (GPT2LMHeadModel): no new head, every weight is pretrained
4 tokenizer byte-level BPE; `</s>` ends a text, `<pad>` is a token of its own (the book pads with `</s>`)
5 data      labels = the input ids (the model shifts them by one); padding → -100, the real `</s>` is kept
6 task      causal-LM loss, perplexity = exp(mean loss per token); sentiment match of generated reviews
"""
from __future__ import annotations

import dataclasses
import math
from typing import Callable

import pytorch_lightning as pl
import torch
from pytorch_lightning.utilities.seed import isolate_rng
from torch.utils.data import Dataset
from torchmetrics.text import Perplexity
from transformers import AutoModelForCausalLM, AutoTokenizer, DataCollatorForLanguageModeling

from ..corpus import NSMC_LABELS, corpus_files, download_corpus
from ..data import review_text
from ..gpt_pretraining import encode_with_eos
from ..task import ClassificationTask
from . import Task
from .document_classification import load_checked_corpus

__all__ = ["TASK", "PREFIXES", "SAMPLES_PER_PREFIX", "prompt_text", "generation_text", "GenerationDataset",
           "make_lm_collate", "load_gpt_tokenizer", "sample_reviews", "sentiment_match", "GenerationTask"]

PREFIXES = dict(enumerate(NSMC_LABELS))     # 0 → 부정, 1 → 긍정: the first word says which review to write
SAMPLES_PER_PREFIX = 50                     # reviews generated per sentiment for the sentiment match
Judge = Callable[[list[str]], list[int]]    # reviews → the sentiment label a classifier reads in each


def prompt_text(label: int) -> str:
    """What the model is given to write a review of `label`: its sentiment word. No space after it: byte-level BPE
    joins a space to the word after it (' 영화'), so a prompt ending in a space would start in the middle of one."""
    return PREFIXES[label]


def generation_text(example) -> tuple[str]:
    """What the model learns to write: the sentiment word, a space, the review (notebook 11, 2. 말뭉치)."""
    return (f"{prompt_text(example.label)} {review_text(example)[0]}",)


class GenerationDataset(Dataset):
    """Reviews tokenized once as "<sentiment> <review></s>" (cut at max_seq_length); items: {"input_ids": [...]}.
    Tokenizing 6,000 short reviews takes a moment: no feature cache. Notebook 11, 5. 레이블은 입력 그 자체."""

    def __init__(self, examples, tokenizer, max_seq_length: int):
        self.examples = list(examples)
        self.rows = encode_with_eos(tokenizer, [generation_text(e)[0] for e in self.examples], max_seq_length)
        self.lengths = [len(row) for row in self.rows]

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: int) -> dict:
        return {"input_ids": self.rows[index]}


def make_lm_collate(tokenizer, args) -> DataCollatorForLanguageModeling:
    """transformers' collate for causal LM (`mlm=False`): pads with `<pad>`, labels = input ids with -100 where the
    token is `<pad>`. With pad = `</s>` (the book's setting) it would mask the real `</s>` too; so it must differ."""
    if tokenizer.pad_token_id is None or tokenizer.pad_token_id == tokenizer.eos_token_id:
        raise ValueError(f"the tokenizer pads with {tokenizer.pad_token!r}, its end-of-text token is "
                         f"{tokenizer.eos_token!r}: labels of padding are masked by id, so the real end would never be "
                         "learned. Fix: give the tokenizer a pad token of its own (pad_token='<pad>')")
    multiple = args.max_seq_length if args.padding == "max_length" else None
    return DataCollatorForLanguageModeling(tokenizer, mlm=False, pad_to_multiple_of=multiple, return_tensors="pt")


def load_gpt_tokenizer(source: str, local_files_only: bool):
    """AutoTokenizer with kogpt2's special tokens named (its files do not name them): `</s>` begins and ends a
    text, `<pad>` pads. Notebook 11, 4. 토크나이저: pad와 eos."""
    return AutoTokenizer.from_pretrained(source, bos_token="</s>", eos_token="</s>", unk_token="<unk>",
                                         pad_token="<pad>", mask_token="<mask>", local_files_only=local_files_only)


@torch.no_grad()
def sample_reviews(model, tokenizer, label: int, n: int, seed: int, max_new_tokens: int = 40) -> list[str]:
    """`n` reviews of sentiment `label` by seeded sampling (`model.generate(do_sample=True)`, top-k 50), without
    the prompt; the caller's random state is left alone. Notebook 11, 8. 디코딩."""
    prompt = tokenizer(prompt_text(label), add_special_tokens=False, return_tensors="pt")["input_ids"]
    was_training = model.training
    model.eval()
    try:
        with isolate_rng():
            torch.manual_seed(seed)
            prompts = prompt.repeat(n, 1).to(model.device)
            output = model.generate(prompts, attention_mask=torch.ones_like(prompts), do_sample=True, top_k=50,
                                    max_new_tokens=max_new_tokens, pad_token_id=tokenizer.eos_token_id,
                                    eos_token_id=tokenizer.eos_token_id)
    finally:
        model.train(was_training)
    return [text.strip() for text in tokenizer.batch_decode(output[:, prompt.shape[1]:], skip_special_tokens=True)]


def sentiment_match(model, tokenizer, judge: Judge, n: int = SAMPLES_PER_PREFIX, seed: int = 7) -> float:
    """Share of generated reviews (n per sentiment) that `judge` reads as the sentiment asked for."""
    matches = []
    for label in PREFIXES:
        reviews = sample_reviews(model, tokenizer, label, n, seed + label)
        matches += [read == label for read in judge(reviews)]
    return sum(matches) / len(matches)


class GenerationTask(pl.LightningModule):
    """Fine-tunes a GPT on sentiment-prefixed reviews: logs `train_loss`, `val_loss`/`val_perplexity`; on test,
    `test_loss`, `test_perplexity` and `test_sentiment_match`, each also `…_before` (the pretrained model, measured
    when fitting starts and kept in the checkpoints). `judge` reads a review's sentiment (default: the document
    classifier of notebook 07, decoding.classifier_judge). Notebook 11, 6. 태스크."""

    def __init__(self, model: torch.nn.Module, args, judge: Judge | None = None, tokenizer=None):
        super().__init__()
        self.model = model.train()
        self.args = args
        self.save_hyperparameters({"args": dataclasses.asdict(args)})
        self.judge, self.tokenizer = judge, tokenizer
        self.before: dict[str, float] = {}
        self.val_perplexity, self.test_perplexity = Perplexity(ignore_index=-100), Perplexity(ignore_index=-100)

    def _judged(self) -> tuple[Judge, object]:
        if self.tokenizer is None:
            from ..tokenizer import load_tokenizer
            self.tokenizer = load_tokenizer(self.args)
        if self.judge is None:                  # stage 7's classifier, asked for only when the task needs it
            from ..decoding import classifier_judge
            self.judge = classifier_judge(self.args)
        return self.judge, self.tokenizer

    def training_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        loss = self.model(**batch).loss
        self.log("train_loss", loss, on_step=True, on_epoch=False, prog_bar=True)
        return loss

    def _evaluate(self, batch: dict, stage: str, perplexity: Perplexity) -> torch.Tensor:
        output = self.model(**batch)
        perplexity(output.logits[:, :-1].float(), batch["labels"][:, 1:])     # token t predicts token t+1
        tokens = int((batch["labels"][:, 1:] != -100).sum())
        self.log(f"{stage}_loss", output.loss, on_epoch=True, prog_bar=True, batch_size=tokens, sync_dist=True)
        self.log(f"{stage}_perplexity", perplexity, on_epoch=True, batch_size=tokens)
        return output.loss

    def validation_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        return self._evaluate(batch, "val", self.val_perplexity)

    def test_step(self, batch: dict, batch_idx: int) -> torch.Tensor:
        return self._evaluate(batch, "test", self.test_perplexity)

    @torch.no_grad()
    def on_train_start(self) -> None:
        """The pretrained model's figures, before the first step (not again when a run resumes)."""
        if self.before or self.args.fast_dev_run:
            return
        self.model.eval()
        perplexity = Perplexity(ignore_index=-100).to(self.device)
        for batch in self.trainer.val_dataloaders:
            batch = {name: value.to(self.device) for name, value in batch.items()}
            perplexity(self.model(**batch).logits[:, :-1].float(), batch["labels"][:, 1:])
        self.model.train()
        judge, tokenizer = self._judged()
        self.before = {"test_perplexity_before": float(perplexity.compute()),
                       "test_sentiment_match_before": sentiment_match(self.model, tokenizer, judge, seed=self.args.seed)}

    def on_test_epoch_end(self) -> None:
        if self.args.fast_dev_run:
            return
        judge, tokenizer = self._judged()
        self.log("test_sentiment_match", sentiment_match(self.model, tokenizer, judge, seed=self.args.seed))
        for name, value in self.before.items():
            self.log(name, value)

    def on_save_checkpoint(self, checkpoint: dict) -> None:
        checkpoint["generation_before"] = dict(self.before)

    def on_load_checkpoint(self, checkpoint: dict) -> None:
        self.before = dict(checkpoint.get("generation_before", {}))

    configure_optimizers = ClassificationTask.configure_optimizers    # AdamW, warmup then linear decay (notebook 06)


def result_lines(metrics: dict) -> list[str]:
    """The command line's result lines: test perplexity (and the pretrained model's), the sentiment match."""
    lines = [f"test perplexity: {metrics['test_perplexity']:.2f}"]
    if "test_perplexity_before" in metrics:
        lines[0] += f" (before fine-tuning: {metrics['test_perplexity_before']:.2f})"
    lines[0] += f"  test loss: {metrics['test_loss']:.4f}"
    if "test_sentiment_match" in metrics:
        before = metrics.get("test_sentiment_match_before", math.nan)
        lines.append(f"sentiment match: {before:.2f} → {metrics['test_sentiment_match']:.2f} (share of generated "
                     f"reviews, {SAMPLES_PER_PREFIX} per sentiment, that the document classifier reads as the "
                     "sentiment asked for; before → after fine-tuning)")
    return lines


def summary(metrics: dict) -> str:
    """Stage 7's Korean report: perplexity and sentiment match, before → after fine-tuning."""
    text = f"테스트 퍼플렉서티 {metrics.get('test_perplexity_before', math.nan):.2f} → {metrics['test_perplexity']:.2f}"
    if "test_sentiment_match" in metrics:
        text += (f", 감성 일치율 {metrics.get('test_sentiment_match_before', math.nan):.2f} → "
                 f"{metrics['test_sentiment_match']:.2f}")
    return text


TASK = Task(name="generation", prepare_corpus=download_corpus, corpus_files=corpus_files,
            load_corpus=load_checked_corpus, label_names=NSMC_LABELS, model_class=AutoModelForCausalLM,
            texts=generation_text, lightning_module=GenerationTask, unit="리뷰",
            make_dataset=lambda examples, tokenizer, args, cache_dir: GenerationDataset(examples, tokenizer,
                                                                                        args.max_seq_length),
            make_collate=make_lm_collate, load_tokenizer=load_gpt_tokenizer, result_lines=result_lines,
            summary=summary)
