"""Stages 2→6 rebuilt in the notebooks' order (notebook 07, 1. 앞 단계에서 만든 것 불러오기: `restore`), each asking
the task (`args.downstream_task_name`, tasks/) for what differs. `report(stage, text)` gets one Korean line per stage
(the command line prints them). training.train (stage 7) builds on it; pipeline.py gathers both."""
from __future__ import annotations

import dataclasses
from typing import Callable

import pytorch_lightning as pl

from .corpus import NSMC_LABELS, Corpus
from .data import NsmcDataset, make_dataloader
from .model import count_parameters, load_pretrained_model, prepare_pretrained
from .runs import model_dir
from .settings import shown_path
from .task import ClassificationTask
from .tasks import DEFAULT_TASK, get_task
from .tokenizer import check_vocab_matches, load_tokenizer

__all__ = ["Report", "no_report", "Stages", "restore", "build_stages", "prepare_stages"]

Report = Callable[[int, str], None]
STAGES = range(2, 7)        # what restore can rebuild: notebooks 02 … 06


def no_report(stage: int, text: str) -> None:
    pass


@dataclasses.dataclass
class Stages:
    """What notebooks 02..N built (notebook 07, 1. 앞 단계에서 만든 것 불러오기); None for stages not restored.
    `val_*`: your corpus' validation split (notebook 08), None for NSMC."""

    corpus: Corpus | None = None
    model: object = None
    tokenizer: object = None
    train_dataset: NsmcDataset | None = None
    test_dataset: NsmcDataset | None = None
    train_loader: object = None
    test_loader: object = None
    task: ClassificationTask | None = None
    val_dataset: NsmcDataset | None = None
    val_loader: object = None

    def __str__(self) -> str:
        names = {"corpus": "말뭉치", "model": "모델", "tokenizer": "토크나이저", "train_loader": "데이터 로더",
                 "task": "태스크"}
        done = [word for name, word in names.items() if getattr(self, name) is not None]
        return f"Stages({', '.join(done) or '없음'})"


def restore(args, upto: int, report: Report = no_report) -> Stages:
    """Rebuild stages 2..`upto` as notebooks 02..`upto` do by hand (notebook 07, 1. 앞 단계에서 만든 것 불러오기):
    2 corpus, 3 pretrained model (seeded by `args.seed` just before it, as notebook 07), 4 tokenizer,
    5 datasets and data loaders (feature cache in `<downstream_model_dir>/features`), 6 task."""
    if upto not in STAGES:
        raise ValueError(f"restore(args, upto={upto!r}): upto must be one of {STAGES.start}..{STAGES.stop - 1} "
                         "(the notebook whose stage is the last to rebuild)")
    task = "" if args.downstream_task_name == DEFAULT_TASK else f", 태스크 {args.downstream_task_name}"
    report(1, f"설정: 프리셋 {args.preset}{task}, 에포크 {args.epochs}번, 배치 크기 {args.batch_size}")
    return build_stages(Stages(), args, upto, report)


def build_stages(stages: Stages, args, upto: int, report: Report) -> Stages:
    """Fill the stages of `stages` up to `upto` that are still None, in the notebooks' order."""
    task = get_task(args)
    if stages.corpus is None:
        task.prepare_corpus(args)
        corpus = stages.corpus = task.load_corpus(args)
        if corpus.val:      # your corpus: its validation split and its labels
            report(2, f"말뭉치: 학습 {len(corpus.train)}개 / 검증 {len(corpus.val)}개 / 테스트 {len(corpus.test)}개 "
                      f"인스턴스, 레이블 {len(corpus.label_names)}개: {', '.join(corpus.label_names)}")
        elif corpus.label_names and corpus.label_names != NSMC_LABELS:
            report(2, f"말뭉치: 학습 {len(corpus.train)}개 / 테스트 {len(corpus.test)}개 {task.unit}, "
                      f"레이블 {len(corpus.label_names)}개: {', '.join(corpus.label_names)}")
        else:
            report(2, f"말뭉치: 학습 {len(corpus.train)}개 / 테스트 {len(corpus.test)}개 {task.unit}")
    if upto >= 3 and stages.model is None:
        prepare_pretrained(args)
        pl.seed_everything(args.seed, workers=True, verbose=False)   # the classifier head's weights, dropout
        model = stages.model = load_pretrained_model(args, num_labels=len(stages.corpus.label_names),
                                                     model_class=task.model_class)
        if stages.corpus.label_names != NSMC_LABELS:   # one output per label; the names travel with the model
            model.config.id2label = dict(enumerate(stages.corpus.label_names))
            model.config.label2id = {name: label for label, name in model.config.id2label.items()}
        report(3, f"프리트레인 모델: {shown_path(args.pretrained_model_name)} (파라미터 {count_parameters(model):,}개)")
    if upto >= 4 and stages.tokenizer is None:
        stages.tokenizer = load_tokenizer(args)
        check_vocab_matches(stages.tokenizer, stages.model)
        report(4, f"토크나이저: 어휘 집합 토큰 {len(stages.tokenizer)}개")
    if upto >= 5 and stages.train_loader is None:
        _build_loaders(stages, args, report)
    if upto >= 6 and stages.task is None:
        stages.task = task.lightning_module(stages.model, args)
        report(6, f"태스크: AdamW 학습률 {args.learning_rate}, 워밍업 {args.warmup_ratio:.0%} 뒤 선형 감소")
    return stages


def _build_loaders(stages: Stages, args, report: Report) -> None:
    """Stage 5: datasets (features cached in `<downstream_model_dir>/features`) and their data loaders."""
    corpus, tokenizer = stages.corpus, stages.tokenizer
    cache_dir = model_dir(args) / "features"        # Path(args.downstream_model_dir) / "features", as notebook 07
    task = get_task(args)
    if task.make_dataset is None:                   # the classifications: one review, or a premise and a hypothesis
        dataset = lambda examples: NsmcDataset(examples, tokenizer, args.max_seq_length, cache_dir=cache_dir,
                                               texts=task.texts)
    else:                                           # a task with its own features (labels per token, ...)
        dataset = lambda examples: task.make_dataset(examples, tokenizer, args, cache_dir)
    collate = task.make_collate(tokenizer, args) if task.make_collate else None
    loader = lambda data, train: make_dataloader(data, args, tokenizer, train=train, collate=collate)
    stages.train_dataset, stages.test_dataset = dataset(corpus.train), dataset(corpus.test)
    stages.train_loader = loader(stages.train_dataset, True)
    stages.test_loader = loader(stages.test_dataset, False)
    batches = [f"학습 배치 {len(stages.train_loader)}개"]
    if corpus.val:                          # your corpus: validated on its own split, the test split only at the end
        stages.val_dataset = dataset(corpus.val)
        stages.val_loader = loader(stages.val_dataset, False)
        batches.append(f"검증 배치 {len(stages.val_loader)}개")
    batches.append(f"테스트 배치 {len(stages.test_loader)}개")
    padding = "동적 패딩" if args.padding == "dynamic" else f"max_seq_length {args.max_seq_length}까지 패딩"
    report(5, f"데이터 로더: {' / '.join(batches)} ({padding})")


def prepare_stages(args, report: Report = no_report):
    """Stages 2→4 (notebooks 02–04): corpus (downloaded or written once, checked), pretrained model (built once
    offline), tokenizer; returns (corpus, model, tokenizer). `restore(args, upto=4)` gives them as `Stages`."""
    stages = restore(args, upto=4, report=report)
    return stages.corpus, stages.model, stages.tokenizer
