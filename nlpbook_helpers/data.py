"""Stage 5 (notebook 05): tokenized Dataset, collate (dynamic or fixed padding), DataLoader."""
from __future__ import annotations

import hashlib
import json
import logging
import zipfile
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset
from transformers import DataCollatorWithPadding
from transformers.trainer_pt_utils import LengthGroupedSampler

from .corpus import LABEL_NAMES, Corpus, CorpusError
from .files import save_in_cache

__all__ = ["NsmcDataset", "check_splits", "feature_cache_key", "make_collate", "make_dataloader", "padding_stats"]

FEATURES = ("input_ids", "token_type_ids", "attention_mask")
log = logging.getLogger(__name__)


def check_splits(corpus: Corpus, args) -> None:
    """Before tokenizing: each split has reviews and the training reviews hold both labels; errors name the file.
    Not shown in a notebook; restore and train (notebook 07, 9. 한데 모으기) call it."""
    own = getattr(args, "corpus_source", "") == "files"
    splits = [("train", corpus.train), ("test", corpus.test)]
    if corpus.stats.get("val"):             # your corpus' validation split (a file of its own, or cut from train)
        splits.append(("val", corpus.val))
    for split, examples in splits:
        stats = corpus.stats[split]
        if not examples:
            skipped = stats["lines"] > 0 and stats.get("empty") == stats["lines"] and stats.get("kept") == 0
            why = ("it has only its header line" if stats["lines"] == 0 else
                   f"all {stats['lines']} reviews are empty and empty_documents='skip' dropped them" if skipped else
                   f"none of its {stats['lines']} lines is left for this split")
            raise CorpusError(f"{stats['path']}: no {split} reviews ({why}). Fix: add reviews below the header "
                              + ("(one per line)" if own else "(id<TAB>document<TAB>label, one per line)")
                              + (", or set empty_documents='keep'" if skipped else ""))
    labels = {example.label for example in corpus.train}
    if len(labels) == 1:
        label, limit = labels.pop(), args.max_train_examples
        cut = limit is not None and corpus.stats["train"]["kept"] > limit
        scope = f"the first {limit} (max_train_examples={limit})" if cut else f"all {len(corpus.train)}"
        name = (repr(corpus.label_names[label]) if own else
                f"{label} ({LABEL_NAMES[label]})" if label in LABEL_NAMES else label)
        raise CorpusError(f"{corpus.stats['train']['path']}: {scope} training reviews have label "
                          f"{name}: a classifier learns nothing from one class. Fix: add "
                          + ("examples of other labels" if own else "reviews of the other label")
                          + " (check the label column)" + (", or raise max_train_examples" if cut else ""))


def review_text(example) -> tuple[str]:
    """What the tokenizer reads of a review: its one text (a task's `texts`; pairs read two)."""
    return (example.text,)


def feature_cache_key(examples: Sequence, tokenizer, max_seq_length: int,
                      texts: Callable[[object], tuple[str, ...]] = review_text) -> str:
    """A hash of everything that changes the features: the texts and labels, the tokenizer (vocabulary,
    normalisation, special tokens: its full serialisation) and max_seq_length. Notebook 05, 4. 피처 캐시(cache)."""
    digest = hashlib.sha256()
    backend = json.loads(tokenizer.backend_tokenizer.to_str())
    backend.pop("truncation", None), backend.pop("padding", None)   # call-time state, not the tokenizer itself
    digest.update(json.dumps(backend, sort_keys=True, ensure_ascii=False).encode("utf-8"))
    digest.update(json.dumps({"max_seq_length": max_seq_length, "class": type(tokenizer).__name__}).encode())
    for example in examples:
        digest.update("\t".join((example.id, *texts(example), str(example.label))).encode("utf-8") + b"\n")
    return digest.hexdigest()


class NsmcDataset(Dataset):
    """Reviews tokenized once (batched, fast tokenizer, truncated to max_seq_length, *not* padded).

    Items are dicts of python lists plus an int label; padding happens later, per batch, in the collate function.
    With `cache_dir`, features are stored as `features-<key>.npz` and reused only when the key matches.
    `texts` says what the tokenizer reads of one example (a task's `texts`): a review's text, or a sentence pair's
    premise and hypothesis (`tokenizer(premises, hypotheses)`: token_type_ids 1 for the second).
    Notebook 05, 3. `NsmcDataset`: 말뭉치 전체를 피처로.
    """

    def __init__(self, examples: Sequence, tokenizer, max_seq_length: int, cache_dir: str | Path | None = None,
                 texts: Callable[[object], tuple[str, ...]] = review_text):
        self.examples = list(examples)
        if not self.examples:
            raise CorpusError("NsmcDataset got no examples: the split is empty (check the corpus file, "
                              "max_*_examples and empty_documents; check_splits(corpus, args) names the file)")
        self.labels = [example.label for example in self.examples]
        self.cache_file = None
        self.loaded_from_cache = False
        if cache_dir is not None:
            key = feature_cache_key(self.examples, tokenizer, max_seq_length, texts)
            self.cache_file = Path(cache_dir).expanduser() / f"features-{key[:24]}.npz"
        if self.cache_file is not None and self.cache_file.is_file():
            self.features = self._load_or_discard(self.cache_file, len(self.examples))
            self.loaded_from_cache = self.features is not None
        if not self.loaded_from_cache:
            columns = [list(column) for column in zip(*map(texts, self.examples))]   # [texts] or [premises, hypotheses]
            encoded = tokenizer(*columns, truncation=True, max_length=max_seq_length)
            self.features = {name: encoded[name] for name in FEATURES}
            if self.cache_file is not None:
                self._save(self.cache_file)
        self.lengths = [len(ids) for ids in self.features["input_ids"]]

    def __len__(self) -> int:
        return len(self.examples)

    def __getitem__(self, index: int) -> dict:
        item = {name: self.features[name][index] for name in FEATURES}
        item["labels"] = self.labels[index]
        return item

    def _save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {name: np.concatenate([np.asarray(row, dtype=np.int32) for row in self.features[name]])
                  if self.features[name] else np.zeros(0, np.int32) for name in FEATURES}
        arrays["lengths"] = np.asarray([len(row) for row in self.features["input_ids"]], dtype=np.int64)
        # umask permissions, renamed into place, older versions' tmp*.npz removed, only the 8 newest caches kept
        save_in_cache(path, lambda stream: np.savez(stream, **arrays), "features-*.npz", keep=8,
                      leftovers=("tmp*.npz",))

    @classmethod
    def _load_or_discard(cls, path: Path, count: int) -> dict | None:
        """The cached features, or None after deleting a damaged cache file (truncated, or not of `count` reviews)."""
        try:
            features = cls._load(path)
            if len(features["input_ids"]) == count:
                return features
            problem = f"{len(features['input_ids'])} reviews instead of {count}"
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, KeyError) as error:
            problem = f"{type(error).__name__}: {error}"
        log.warning(f"{path}: 피처 캐시가 망가져 지우고 다시 토큰화합니다 (damaged feature cache: {problem})")
        path.unlink(missing_ok=True)
        return None

    @staticmethod
    def _load(path: Path) -> dict:
        with np.load(path) as stored:
            arrays = {name: stored[name] for name in (*FEATURES, "lengths")}   # read each array once
        split_at = np.cumsum(arrays["lengths"])[:-1]
        return {name: [row.tolist() for row in np.split(arrays[name], split_at)] for name in FEATURES}


def make_collate(tokenizer, padding: str = "dynamic", max_seq_length: int | None = None) -> DataCollatorWithPadding:
    """transformers' DataCollatorWithPadding: 'dynamic' pads to the longest review of each batch,
    'max_length' pads every batch to max_seq_length (the book's way). Notebook 05, 5. 컬레이트(collate)."""
    if padding == "dynamic":
        return DataCollatorWithPadding(tokenizer, padding="longest", return_tensors="pt")
    if padding == "max_length":
        if not max_seq_length:
            raise ValueError("padding='max_length' needs max_seq_length")
        return DataCollatorWithPadding(tokenizer, padding="max_length", max_length=max_seq_length, return_tensors="pt")
    raise ValueError(f"padding={padding!r}: use 'dynamic' or 'max_length'")


def make_dataloader(dataset: NsmcDataset, args, tokenizer, train: bool, collate: Callable | None = None) -> DataLoader:
    """A DataLoader as the arguments say: shuffled (and grouped by length if `args.group_by_length`) for
    training, in order for evaluation; reproducible from `args.seed`. `collate`: a task's own collate function
    (default: `make_collate` as `args.padding` says). Notebook 05, 6. 데이터 로더(data loader) / `make_dataloader`."""
    collate = collate or make_collate(tokenizer, args.padding, args.max_seq_length)
    generator = torch.Generator().manual_seed(args.seed)
    sampler = None
    if train and args.group_by_length:
        sampler = LengthGroupedSampler(args.batch_size, lengths=dataset.lengths, generator=generator)
    return DataLoader(dataset, batch_size=args.batch_size, shuffle=train and sampler is None, sampler=sampler,
                      generator=generator if train and sampler is None else None, collate_fn=collate,
                      num_workers=args.cpu_workers, persistent_workers=args.cpu_workers > 0)


def padding_stats(batch: dict) -> dict:
    """Real tokens, computed tokens (batch × padded length) and the padding ratio of one collated batch.
    Notebook 05, 5. 컬레이트(collate)."""
    mask = batch["attention_mask"]
    real, computed = int(mask.sum()), mask.numel()
    return {"batch_size": mask.shape[0], "padded_length": mask.shape[1], "real_tokens": real,
            "computed_tokens": computed, "padding_ratio": 1 - real / computed, "efficiency": real / computed}
