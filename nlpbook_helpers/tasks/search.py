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
from transformers import AutoModel

from ..corpus import Corpus
from ..search_data import SearchDataset, make_search_collate, pairs_from_qa
from ..search_task import SearchTask
from . import Task
from .qa import load_qa_corpus, prepare_qa_corpus, qa_files

__all__ = ["TASK", "load_search_corpus", "search_result_lines", "search_summary"]


def load_search_corpus(args) -> Corpus:
    """The question-answering corpus (tasks.qa, max_*_examples questions of each split) as (query, document) pairs:
    SearchPair, documents named train-<n> and test-<n>."""
    corpus = load_qa_corpus(args)
    return Corpus(train=pairs_from_qa(corpus.train, "train"), test=pairs_from_qa(corpus.test, "test"),
                  stats=corpus.stats, label_names=())


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


TASK = Task(name="search", prepare_corpus=prepare_qa_corpus,      # the question-answering corpus: the same files
            corpus_files=lambda args: list(qa_files(args).values()), load_corpus=load_search_corpus,
            label_names=(), model_class=AutoModel, texts=lambda pair: (pair.query, pair.document),
            lightning_module=SearchTask, unit="질문",
            make_dataset=lambda pairs, tokenizer, args, cache_dir: SearchDataset(pairs, tokenizer, args.max_seq_length),
            make_collate=lambda tokenizer, args: make_search_collate(tokenizer, args.padding, args.max_seq_length),
            result_lines=search_result_lines, summary=search_summary)
