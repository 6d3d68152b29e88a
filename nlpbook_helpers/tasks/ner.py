"""개체명 인식 (named entity recognition): a sentence → a BIO label for each subword. What changes against
document classification, stage by stage:

2 corpus   the book's markup (`raw␞<surface:TAG> marks`, train.txt/val.txt; offline: the embedded sentences of the
           movie world in that very layout) or naver_changwon_ner (`downstream_corpus_name="naver_changwon_ner"`,
           fetched by Korpora; its test sentences are split off by test_ratio); examples are NerExample
3 model    AutoModelForTokenClassification: one output per BIO label, on every token; id2label O, B-PER, I-PER, …
5 data     offset_mapping turns character spans into subword labels; -100 on [CLS], [SEP] and padding
           (DataCollatorForTokenClassification)
6 task     NerTask: entity-level F1 (seqeval) instead of accuracy over examples
"""
from __future__ import annotations

from pathlib import Path

from transformers import AutoModelForTokenClassification

from ..corpus import Corpus, CorpusError, corpus_dir
from ..ner_corpus import (BOOK_TAGS, CHANGWON_FILE, CHANGWON_TAGS, NER_FILES, bio_names, read_changwon_file,
                          read_markup_file, split_sentences)
from ..ner_data import NerDataset, make_ner_collate
from ..ner_sentences import write_embedded_ner
from ..ner_task import NerTask
from . import Task, prepare_task_files

__all__ = ["TASK", "CHANGWON", "ner_files", "ner_label_names", "prepare_ner_corpus", "load_ner_corpus",
           "ner_result_lines", "ner_summary"]

CHANGWON = "naver_changwon_ner"


def ner_files(args) -> dict[str, Path]:
    """The corpus files by split: the book's train.txt and val.txt, or naver_changwon_ner's one file ("all")."""
    if args.downstream_corpus_name == CHANGWON:
        return {"all": corpus_dir(args) / CHANGWON_FILE}
    return {split: corpus_dir(args) / name for split, name in NER_FILES.items()}


def ner_label_names(args) -> tuple[str, ...]:
    """The BIO label names of the corpus' tag set: O, B-PER, I-PER, … (the book's 10 tags or 창원's 14)."""
    return bio_names(CHANGWON_TAGS if args.downstream_corpus_name == CHANGWON else BOOK_TAGS)


def prepare_ner_corpus(args) -> Path:
    """Put the corpus files into corpus_dir(args) unless they are there (a file there is never touched): embedded →
    the offline sentences in the book's markup; korpora → Korpora fetches naver_changwon_ner; the book's own files
    are not in Korpora: an error says where to put them."""
    return prepare_task_files(
        args, ner_files(args), "NER", lambda target, seed: write_embedded_ner(target, seed=seed),
        (CHANGWON, (CHANGWON_FILE,)),
        embedded_only=f"the embedded sentences come in the book's markup: set downstream_corpus_name='ner' (or "
                      f"corpus_source='korpora' to download {CHANGWON})",
        not_in_korpora=f"Korpora does not carry the book's NER corpus: put its {' and '.join(NER_FILES.values())} "
                       "(one sentence a line: raw sentence␞sentence with <surface:TAG> marks; the book's "
                       f"download_downstream_dataset fetches them) into {corpus_dir(args)}, then run again; or set "
                       f"downstream_corpus_name='{CHANGWON}' (Korpora downloads it)")


def load_ner_corpus(args) -> Corpus:
    """Read the files (naver_changwon_ner: its one file split by test_ratio and seed), keep max_*_examples of each
    split; CorpusError when a split has no sentences or the training sentences no entity."""
    files = ner_files(args)
    if args.downstream_corpus_name == CHANGWON:
        examples, stats = read_changwon_file(files["all"])
        read = dict(zip(("train", "test"), split_sentences(examples, args.test_ratio, args.seed)))
        stats = {split: dict(stats) for split in read}
    else:
        read, stats = {}, {}
        for split, path in files.items():
            read[split], stats[split] = read_markup_file(path)
    splits = {}
    for split, examples in read.items():
        limit = getattr(args, f"max_{split}_examples")
        splits[split] = examples if limit is None else examples[:limit]
        stats[split]["used"] = len(splits[split])
        if not splits[split]:
            raise CorpusError(f"{stats[split]['path']}: no {split} sentences. Fix: add sentences, one a line")
    if not any(example.entities for example in splits["train"]):
        raise CorpusError(f"{stats['train']['path']}: the training sentences used mark no entity: a tagger learns "
                          "nothing but O from them. Fix: mark entities as <surface:TAG>, or raise max_train_examples")
    return Corpus(train=splits["train"], test=splits["test"], stats=stats, label_names=ner_label_names(args))


def ner_result_lines(metrics: dict) -> list[str]:
    """The command line's result lines: entity F1 (precision, recall), token accuracy, loss; then F1 per tag."""
    tags = sorted(name.removeprefix("test_f1_") for name in metrics if name.startswith("test_f1_"))
    return [f"test entity F1: {metrics['test_f1']:.4f}  precision: {metrics['test_precision']:.4f}  recall: "
            f"{metrics['test_recall']:.4f}  token accuracy: {metrics['test_acc']:.4f}  test loss: "
            f"{metrics['test_loss']:.4f}",
            "test F1 per tag: " + ", ".join(f"{tag} {metrics['test_f1_' + tag]:.3f}" for tag in tags)]


def ner_summary(metrics: dict) -> str:
    """Stage 7's Korean report: entity F1, precision and recall."""
    return (f"테스트 개체 F1 {metrics['test_f1']:.3f} (정밀도 {metrics['test_precision']:.3f}, "
            f"재현율 {metrics['test_recall']:.3f})")


TASK = Task(name="ner", prepare_corpus=prepare_ner_corpus, corpus_files=lambda args: list(ner_files(args).values()),
            load_corpus=load_ner_corpus, label_names=bio_names(BOOK_TAGS), model_class=AutoModelForTokenClassification,
            texts=lambda example: (example.text,), lightning_module=NerTask, unit="문장",
            make_dataset=lambda examples, tokenizer, args, cache_dir: NerDataset(examples, tokenizer,
                                                                                 args.max_seq_length,
                                                                                 ner_label_names(args)),
            make_collate=lambda tokenizer, args: make_ner_collate(tokenizer, args.padding, args.max_seq_length),
            result_lines=ner_result_lines, summary=ner_summary)
