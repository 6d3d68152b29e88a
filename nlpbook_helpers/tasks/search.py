"""문서 검색 (document search): a query → the document that answers it, found by comparing embeddings (notebook 13).
What changes against document classification, stage by stage:

2 corpus   KorQuAD 1.0 files (the question-answering corpus, `downstream_corpus_name="korquad"`; offline: the embedded
           one of the movie world): each question is a query, its paragraph (context) the one right document;
           the held-out queries (the dev file) are searched among the dev file's paragraphs
3 model    AutoModel: the BERT body alone, no head; one encoder embeds queries and documents (a bi-encoder)
5 data     two padded batches, queries and their documents, and each pair's document number
6 task     SearchTask: mean pooling, cosine similarity, contrastive loss over in-batch negatives
7 result   recall@1, recall@5 and MRR of the held-out queries, before → after fine-tuning
"""
from __future__ import annotations

import math
from pathlib import Path

from transformers import AutoModel

from ..corpus import Corpus, CorpusError, corpus_dir
from ..qa_corpus import QA_FILES, read_korquad_file
from ..qa_paragraphs import write_embedded_qa
from ..search_data import SearchDataset, make_search_collate, pairs_from_qa
from ..search_task import SearchTask
from . import Task, prepare_task_files

__all__ = ["TASK", "search_files", "prepare_search_corpus", "load_search_corpus", "search_result_lines",
           "search_summary"]

KORQUAD = "korquad"


def search_files(args) -> dict[str, Path]:
    """The KorQuAD 1.0 files by split: train (KorQuAD_v1.0_train.json) and test (KorQuAD_v1.0_dev.json)."""
    return {split: corpus_dir(args) / name for split, name in QA_FILES.items()}


def prepare_search_corpus(args) -> Path:
    """Put the KorQuAD files into corpus_dir(args) unless they are there (a file there is never touched): embedded →
    the movie world's paragraphs and questions (the question-answering corpus); KorQuAD itself is not in Korpora."""
    return prepare_task_files(
        args, search_files(args), "document search", lambda target, seed: write_embedded_qa(target, seed=seed),
        ("", ()), embedded_only="",
        not_in_korpora=f"Korpora does not carry KorQuAD 1.0: put {' and '.join(QA_FILES.values())} (from "
                       f"korquad.github.io) into {corpus_dir(args)}, then run again")


def load_search_corpus(args) -> Corpus:
    """(query, document) pairs of each file (SearchPair; documents named train-<n>, test-<n>), keeping
    max_*_examples of each split; CorpusError when a split has no questions."""
    splits, stats = {}, {}
    for split, path in search_files(args).items():
        examples, stats[split] = read_korquad_file(path)
        limit = getattr(args, f"max_{split}_examples")
        splits[split] = pairs_from_qa(examples if limit is None else examples[:limit], split)
        stats[split]["used"] = len(splits[split])
        if not splits[split]:
            raise CorpusError(f"{path}: no {split} questions. Fix: add paragraphs with questions (data[].paragraphs"
                              "[].qas[].question)")
    return Corpus(train=splits["train"], test=splits["test"], stats=stats, label_names=())


def search_result_lines(metrics: dict) -> list[str]:
    """The command line's result lines: recall@1, recall@5 and MRR, before → after fine-tuning; the in-batch loss."""
    before = lambda name: metrics.get(f"test_{name}_before", math.nan)
    note = "  (before → after fine-tuning)"
    return [f"test recall@1: {before('recall_at_1'):.4f} → {metrics['test_recall_at_1']:.4f}{note}",
            f"test recall@5: {before('recall_at_5'):.4f} → {metrics['test_recall_at_5']:.4f}",
            f"test MRR: {before('mrr'):.4f} → {metrics['test_mrr']:.4f}  test loss: {metrics['test_loss']:.4f}"]


def search_summary(metrics: dict) -> str:
    """Stage 7's Korean report: recall@1, recall@5 and MRR, before → after fine-tuning."""
    return ", ".join(f"{word} {metrics.get(f'test_{name}_before', math.nan):.3f} → {metrics[f'test_{name}']:.3f}"
                     for word, name in (("테스트 recall@1", "recall_at_1"), ("recall@5", "recall_at_5"),
                                        ("MRR", "mrr")))


TASK = Task(name="search", prepare_corpus=prepare_search_corpus,
            corpus_files=lambda args: list(search_files(args).values()), load_corpus=load_search_corpus,
            label_names=(), model_class=AutoModel, texts=lambda pair: (pair.query, pair.document),
            lightning_module=SearchTask, unit="질문",
            make_dataset=lambda pairs, tokenizer, args, cache_dir: SearchDataset(pairs, tokenizer, args.max_seq_length),
            make_collate=lambda tokenizer, args: make_search_collate(tokenizer, args.padding, args.max_seq_length),
            result_lines=search_result_lines, summary=search_summary)
