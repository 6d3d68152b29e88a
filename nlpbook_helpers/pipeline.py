"""Stages 1→7 in one call (notebook 07, 9. 한데 모으기: `train(args)`): `restore` rebuilds what notebooks 02..N built,
`train` runs them all and fits. `report(stage, text)` gets one Korean line per stage (the command line prints them)."""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Callable, Sequence

import pytorch_lightning as pl

from .corpus import Corpus, download_corpus, load_corpus
from .data import NsmcDataset, check_splits, make_dataloader
from .guards import runs_locked_until_end
from .model import count_parameters, load_pretrained_model, prepare_pretrained
from .runs import Resume, Run, model_dir, new_run, pick_run, recorder_of, run_fingerprint
from .settings import shown_path
from .task import ClassificationTask, check_monitor
from .tokenizer import check_vocab_matches, load_tokenizer
from .training import TrainingResult, _make_trainer, fit, save_finetuned

__all__ = ["Stages", "restore", "prepare_stages", "train"]

Report = Callable[[int, str], None]
STAGES = range(2, 7)        # what restore can rebuild: notebooks 02 … 06


def _silent(stage: int, text: str) -> None:
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


def restore(args, upto: int, report: Report = _silent) -> Stages:
    """Rebuild stages 2..`upto` as notebooks 02..`upto` do by hand (notebook 07, 1. 앞 단계에서 만든 것 불러오기):
    2 corpus, 3 pretrained model (seeded by `args.seed` just before it, as notebook 07), 4 tokenizer,
    5 datasets and data loaders (feature cache in `<downstream_model_dir>/features`), 6 task."""
    if upto not in STAGES:
        raise ValueError(f"restore(args, upto={upto!r}): upto must be one of {STAGES.start}..{STAGES.stop - 1} "
                         "(the notebook whose stage is the last to rebuild)")
    report(1, f"설정: 프리셋 {args.preset}, 에포크 {args.epochs}번, 배치 크기 {args.batch_size}")
    return _build(Stages(), args, upto, report)


def _build(stages: Stages, args, upto: int, report: Report) -> Stages:
    """Fill the stages of `stages` up to `upto` that are still None, in the notebooks' order."""
    if stages.corpus is None:
        download_corpus(args)
        corpus = stages.corpus = load_corpus(args)
        check_splits(corpus, args)
        if corpus.val:      # your corpus: its validation split and its labels
            report(2, f"말뭉치: 학습 {len(corpus.train)}개 / 검증 {len(corpus.val)}개 / 테스트 {len(corpus.test)}개 "
                      f"인스턴스, 레이블 {len(corpus.label_names)}개: {', '.join(corpus.label_names)}")
        else:
            report(2, f"말뭉치: 학습 {len(corpus.train)}개 / 테스트 {len(corpus.test)}개 리뷰")
    if upto >= 3 and stages.model is None:
        prepare_pretrained(args)
        pl.seed_everything(args.seed, workers=True, verbose=False)   # the classifier head's weights, dropout
        model = stages.model = load_pretrained_model(args, num_labels=len(stages.corpus.label_names))
        if args.corpus_source == "files":   # the head has one output per label; the names travel with the model
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
        stages.task = ClassificationTask(stages.model, args)
        report(6, f"태스크: AdamW 학습률 {args.learning_rate}, 워밍업 {args.warmup_ratio:.0%} 뒤 선형 감소")
    return stages


def _build_loaders(stages: Stages, args, report: Report) -> None:
    """Stage 5: datasets (features cached in `<downstream_model_dir>/features`) and their data loaders."""
    corpus, tokenizer = stages.corpus, stages.tokenizer
    cache_dir = model_dir(args) / "features"        # Path(args.downstream_model_dir) / "features", as notebook 07
    dataset = lambda examples: NsmcDataset(examples, tokenizer, args.max_seq_length, cache_dir=cache_dir)
    stages.train_dataset, stages.test_dataset = dataset(corpus.train), dataset(corpus.test)
    stages.train_loader = make_dataloader(stages.train_dataset, args, tokenizer, train=True)
    stages.test_loader = make_dataloader(stages.test_dataset, args, tokenizer, train=False)
    batches = [f"학습 배치 {len(stages.train_loader)}개"]
    if corpus.val:                          # your corpus: validated on its own split, the test split only at the end
        stages.val_dataset = dataset(corpus.val)
        stages.val_loader = make_dataloader(stages.val_dataset, args, tokenizer, train=False)
        batches.append(f"검증 배치 {len(stages.val_loader)}개")
    batches.append(f"테스트 배치 {len(stages.test_loader)}개")
    padding = "동적 패딩" if args.padding == "dynamic" else f"max_seq_length {args.max_seq_length}까지 패딩"
    report(5, f"데이터 로더: {' / '.join(batches)} ({padding})")


def prepare_stages(args, report: Report = _silent):
    """Stages 2→4 (notebooks 02–04): corpus (downloaded or written once, checked), pretrained model (built once
    offline), tokenizer; returns (corpus, model, tokenizer). `restore(args, upto=4)` gives them as `Stages`."""
    stages = restore(args, upto=4, report=report)
    return stages.corpus, stages.model, stages.tokenizer


def _recorded_result(run: Run, args) -> dict | None:
    """The test figures run.json holds when the run finished exactly `args.epochs` (and its files are there)."""
    result = run.record().get("result") or {}
    files = (run.directory / result.get("best_checkpoint", "?"), run.directory / "finetuned" / "config.json")
    recorded = Path(result.get("best_checkpoint", "?"))
    inside = not recorded.is_absolute() and ".." not in recorded.parts    # an older record may point into another home
    return result if result.get("epochs") == args.epochs and inside and all(p.is_file() for p in files) else None


def _scores(accuracy: float, f1: float | None) -> str:
    return f"테스트 정확도 {accuracy:.3f}" + ("" if f1 is None else f", 매크로 F1 {f1:.3f}")


@runs_locked_until_end()       # its run stays marked in use through fit, test and save (guards.py)
def train(args, callbacks: Sequence[pl.Callback] = (), resume: Resume = True, report: Report = _silent,
          **trainer_overrides) -> TrainingResult:
    """Stages 1→7 in one call (notebook 07, 9. 한데 모으기: `train(args)`; notebook 08, 4. 학습: `train(args)`):
    corpus, pretrained model, tokenizer, data loaders, task, fit, test, save. `report(stage, text)` is called as
    each stage is done. A run that finished `args.epochs` on the same inputs is neither trained nor tested again:
    its recorded figures come back (status "already finished"). `resume=False` trains a new run; `resume="require"`
    fails (RunError, saying what changed) unless a run with the same inputs can continue."""
    check_monitor(args.monitor)
    stages = restore(args, upto=4, report=report)
    model, tokenizer = stages.model, stages.tokenizer
    fingerprint = run_fingerprint(args, trainer_overrides)
    run = (new_run(model_dir(args), fingerprint) if resume is False else
           pick_run(args, fingerprint, reuse_finished=True, require=resume == "require"))
    recorded = _recorded_result(run, args)
    if recorded:
        report(7, f"학습: 같은 입력으로 에포크 {args.epochs}번을 이미 마친 실행 폴더 {shown_path(run.directory)}, 기록된 "
                  f"{_scores(recorded['test_acc'], recorded.get('test_f1'))} (다시 학습하거나 테스트하지 않습니다; "
                  "새로 학습하려면 resume=False, 명령줄에서는 --fresh)")
        best = run.directory / recorded["best_checkpoint"]
        task = ClassificationTask.load_from_checkpoint(best, model=model, args=args, weights_only=False)
        return TrainingResult(recorded["test_loss"], recorded["test_acc"], str(best), run.directory / "finetuned",
                              task, tokenizer, run.directory, "already finished", recorded.get("test_f1"))
    stages = _build(stages, args, 6, report)
    val_loader = stages.val_loader or stages.test_loader    # NSMC validates on its test file, as the book does
    trainer = _make_trainer(args, run, callbacks, trainer_overrides)
    resumed = fit(trainer, stages.task, stages.train_loader, val_loader, args, resume=resume)
    run = recorder_of(trainer).run                         # fit moves to a new run when the checkpoint disagrees
    if resumed:
        report(7, f"이어 학습: {shown_path(resumed)}에서 이어 했습니다")
    best = trainer.checkpoint_callback.best_model_path if trainer.checkpoint_callback else ""
    best = trainer.strategy.broadcast(best)   # DDP: only rank 0 saved it; other ranks' names carry their own val_loss
    task = stages.task
    if best:
        task = ClassificationTask.load_from_checkpoint(best, model=model, args=args, weights_only=False)
    metrics = trainer.test(task, dataloaders=stages.test_loader, verbose=False)[0]
    status, f1 = "resumed" if resumed else "new", metrics.get("test_f1")
    if args.fast_dev_run:                   # one batch of each: a check of the code, not a result; nothing is kept
        report(7, "fast_dev_run: 학습, 검증, 테스트를 한 배치씩만 돌려 코드를 점검했습니다 (한 배치의 정확도는 결과가 "
                  "아니므로 보여 주지 않고, 모델도 기록도 저장하지 않습니다)")
        return TrainingResult(metrics["test_loss"], metrics["test_acc"], best, run.directory / "finetuned", task,
                              tokenizer, run.directory, "fast_dev_run", f1)
    if not trainer.is_global_zero:          # DDP: rank 0 alone writes the fine-tuned model, run.json and the report
        return TrainingResult(metrics["test_loss"], metrics["test_acc"], best, run.directory / "finetuned", task,
                              tokenizer, run.directory, status, f1)
    finetuned = save_finetuned(task.model, tokenizer, args, run_dir=run.directory)
    run.write_record(result={"epochs": args.epochs, "global_step": trainer.global_step,
                             "test_acc": metrics["test_acc"], "test_loss": metrics["test_loss"],
                             **({"test_f1": f1} if f1 is not None else {}),
                             "best_checkpoint": os.path.relpath(best, os.path.realpath(run.directory)) if best else ""})
    report(7, f"학습 끝: {_scores(metrics['test_acc'], f1)}, 체크포인트 {Path(best).name if best else '없음'}, "
              f"파인튜닝한 모델 저장: {shown_path(finetuned)}")
    return TrainingResult(metrics["test_loss"], metrics["test_acc"], best, finetuned, task, tokenizer, run.directory,
                          status, f1)
