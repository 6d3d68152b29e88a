"""문장 쌍 분류 (pair classification, NLI): a premise and a hypothesis → 함의/중립/모순 (entailment, neutral,
contradiction). What changes against document classification, stage by stage:

2 corpus   KLUE-NLI JSON (`klue-nli-v1.1_{train,dev}.json`; offline: the embedded pairs in that very layout) or KorNLI
           TSV (`downstream_corpus_name="kornli"`, downloaded by Korpora); examples are PairExample
3 model    the same classifier class, three outputs; id2label 함의/중립/모순
5 data     the tokenizer reads two texts: `tokenizer(premise, hypothesis)` → [CLS] premise [SEP] hypothesis [SEP],
           token_type_ids 0 for the first segment and 1 for the second; the same collate pads them
6 task     the same ClassificationTask: with three labels it logs accuracy and macro-F1
"""
from __future__ import annotations

from pathlib import Path

from transformers import AutoModelForSequenceClassification

from ..corpus import Corpus, CorpusError, corpus_dir
from ..pair_corpus import KLUE_NLI_FILES, NLI_LABEL_NAMES_KO, read_klue_nli, read_kornli, write_embedded_nli
from ..task import ClassificationTask
from . import Task, prepare_task_files

__all__ = ["TASK", "KORNLI_FILES", "pair_files", "prepare_pair_corpus", "load_pair_corpus", "premise_and_hypothesis"]

# KorNLI as Korpora fetches it (<root>/kornli/): trained on MultiNLI's translation, tested on XNLI's dev set
KORNLI_FILES = {"train": "multinli.train.ko.tsv", "test": "xnli.dev.ko.tsv"}
KLUE_SOURCE = "https://github.com/KLUE-benchmark/KLUE (klue_benchmark/klue-nli-v1.1/)"


def pair_files(args) -> dict[str, Path]:
    """The train and test files by split: KorNLI's TSV files for downstream_corpus_name='kornli', else KLUE-NLI's."""
    names = KORNLI_FILES if args.downstream_corpus_name == "kornli" else KLUE_NLI_FILES
    return {split: corpus_dir(args) / name for split, name in names.items()}


def prepare_pair_corpus(args) -> Path:
    """Put the train and test files into corpus_dir(args) unless both are there (a file there is never touched):
    embedded → the offline pairs in KLUE-NLI's layout; korpora → Korpora fetches KorNLI; KLUE-NLI itself is not in
    Korpora: an error says where to get it."""
    return prepare_task_files(
        args, pair_files(args), "pair classification", lambda target, seed: write_embedded_nli(target, seed=seed),
        ("kornli", tuple(KORNLI_FILES.values())),
        embedded_only="the embedded pairs come in KLUE-NLI's layout: set downstream_corpus_name='klue-nli' (or "
                      "corpus_source='korpora' to download KorNLI)",
        not_in_korpora=f"Korpora does not carry KLUE-NLI: download {' and '.join(KLUE_NLI_FILES.values())} from "
                       f"{KLUE_SOURCE} into {corpus_dir(args)}, then run again; or set downstream_corpus_name='kornli' "
                       "(Korpora downloads KorNLI)")


def load_pair_corpus(args) -> Corpus:
    """Read the train and test files (KLUE-NLI JSON or KorNLI TSV; pairs without a gold label are skipped and
    counted in stats), keep max_*_examples of each; CorpusError when a split has no pairs or the training pairs hold
    a single label."""
    read = read_kornli if args.downstream_corpus_name == "kornli" else read_klue_nli
    splits, stats = {}, {}
    for split, path in pair_files(args).items():
        examples, stats[split] = read(path)         # stats: path, entries or lines, skipped (no gold label), kept
        limit = getattr(args, f"max_{split}_examples")
        splits[split] = examples if limit is None else examples[:limit]
        stats[split]["used"] = len(splits[split])
        if not splits[split]:
            raise CorpusError(f"{path}: no {split} pairs with a gold label ({stats[split]['skipped']} without one "
                              "were skipped). Fix: add pairs whose gold_label is entailment, neutral or contradiction")
    if len({example.label for example in splits["train"]}) < 2:
        raise CorpusError(f"{stats['train']['path']}: the training pairs used all have one label: a classifier "
                          "learns nothing from one class. Fix: check gold_label, or raise max_train_examples")
    return Corpus(train=splits["train"], test=splits["test"], stats=stats, label_names=NLI_LABEL_NAMES_KO)


def premise_and_hypothesis(example) -> tuple[str, str]:
    """The tokenizer reads two texts: `tokenizer(premise, hypothesis)` joins them as [CLS] p [SEP] h [SEP]."""
    return (example.premise, example.hypothesis)


TASK = Task(name="pair-classification", prepare_corpus=prepare_pair_corpus,
            corpus_files=lambda args: list(pair_files(args).values()), load_corpus=load_pair_corpus,
            label_names=NLI_LABEL_NAMES_KO, model_class=AutoModelForSequenceClassification,
            texts=premise_and_hypothesis, lightning_module=ClassificationTask, unit="문장 쌍")
