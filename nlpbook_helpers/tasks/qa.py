"""질의응답 (question answering): a question and a context → the answer, a span of the context. What changes against
document classification, stage by stage:

2 corpus   KorQuAD 1.0 JSON (KorQuAD_v1.0_train.json, KorQuAD_v1.0_dev.json; offline: the embedded paragraphs of the
           movie world in that very layout); examples are QaExample (every answer checked against its answer_start)
3 model    AutoModelForQuestionAnswering: two outputs per token, the start and the end logit; no label names
5 data     a question and a long context → windows (truncation="only_second", stride, return_overflowing_tokens);
           offset_mapping and sequence_ids() turn the answer's characters into its first and last token, [CLS] (0, 0)
           in a window without the answer
6 task     QaTask: each question answered over all its windows (n-best starts and ends, end >= start, a maximum
           length), exact match and character-level F1 instead of accuracy
"""
from __future__ import annotations

from pathlib import Path

from transformers import AutoModelForQuestionAnswering

from ..corpus import Corpus, CorpusError, corpus_dir
from ..qa_corpus import QA_FILES, read_korquad_file
from ..qa_data import QaDataset
from ..qa_paragraphs import write_embedded_qa
from ..qa_task import QaTask
from . import Task, prepare_task_files

__all__ = ["TASK", "qa_files", "prepare_qa_corpus", "load_qa_corpus", "qa_result_lines", "qa_summary"]


def qa_files(args) -> dict[str, Path]:
    """The corpus files by split: KorQuAD 1.0's train file and its dev file (the test split, as the book uses it)."""
    return {split: corpus_dir(args) / name for split, name in QA_FILES.items()}


def prepare_qa_corpus(args) -> Path:
    """Put the corpus files into corpus_dir(args) unless they are there (a file there is never touched): embedded →
    the offline paragraphs in KorQuAD's layout; KorQuAD itself is not in Korpora: an error says where to put it."""
    return prepare_task_files(
        args, qa_files(args), "question answering", lambda target, seed: write_embedded_qa(target, seed=seed),
        ("", ()), embedded_only="",
        not_in_korpora=f"Korpora does not carry KorQuAD: put KorQuAD 1.0's {' and '.join(QA_FILES.values())} (from "
                       f"korquad.github.io; the book's download_downstream_dataset fetches them too) into "
                       f"{corpus_dir(args)}, then run again; or set corpus_source='embedded' (the offline paragraphs)")


def load_qa_corpus(args) -> Corpus:
    """Read both files, keep max_*_examples of each split; CorpusError when a split has no questions."""
    splits, stats = {}, {}
    for split, path in qa_files(args).items():
        examples, stats[split] = read_korquad_file(path)
        limit = getattr(args, f"max_{split}_examples")
        splits[split] = examples if limit is None else examples[:limit]
        stats[split]["used"] = len(splits[split])
        if not splits[split]:
            raise CorpusError(f"{path}: no {split} questions. Fix: add questions, or raise max_{split}_examples")
    return Corpus(train=splits["train"], test=splits["test"], stats=stats, label_names=("start", "end"))


def qa_result_lines(metrics: dict) -> list[str]:
    """The command line's result lines: loss, then exact match and F1 (KorQuAD's two figures)."""
    return [f"test loss: {metrics['test_loss']:.4f}", f"test exact match: {metrics['test_exact_match']:.4f}",
            f"test F1: {metrics['test_f1']:.4f}"]


def qa_summary(metrics: dict) -> str:
    """Stage 7's Korean report: exact match and F1."""
    return f"테스트 EM {metrics['test_exact_match']:.3f}, F1 {metrics['test_f1']:.3f}"


TASK = Task(name="qa", prepare_corpus=prepare_qa_corpus, corpus_files=lambda args: list(qa_files(args).values()),
            load_corpus=load_qa_corpus, label_names=("start", "end"), model_class=AutoModelForQuestionAnswering,
            texts=lambda example: (example.question, example.context), lightning_module=QaTask, unit="질문",
            make_dataset=lambda examples, tokenizer, args, cache_dir: QaDataset(examples, tokenizer,
                                                                                args.max_seq_length),
            result_lines=qa_result_lines, summary=qa_summary)
