"""문서 분류 (document classification): one review → a label; notebooks 01–08 teach it on NSMC.

Its stage code is the stage modules' own (corpus.py reads NSMC-format files or your .csv/.tsv, data.py tokenizes
one text, task.py's ClassificationTask): this module only names those pieces for the stages.
"""
from __future__ import annotations

from transformers import BertForSequenceClassification

from ..corpus import NSMC_LABELS, Corpus, corpus_files, download_corpus, load_corpus
from ..data import check_splits, review_text
from ..task import ClassificationTask
from . import Task

__all__ = ["TASK", "load_checked_corpus"]


def load_checked_corpus(args) -> Corpus:
    """load_corpus(args), then check_splits: each split has reviews, the training reviews hold two labels."""
    corpus = load_corpus(args)
    check_splits(corpus, args)
    return corpus


TASK = Task(name="document-classification", prepare_corpus=download_corpus, corpus_files=corpus_files,
            load_corpus=load_checked_corpus, label_names=NSMC_LABELS, model_class=BertForSequenceClassification,
            texts=review_text, lightning_module=ClassificationTask, unit="리뷰")
