"""Stage 7's bookkeeping: each run in its own numbered folder, with a fingerprint of what decides its result.

    <downstream_model_dir>/run_<N>/run.json          fingerprint (what it was trained on), then its test figures
                                   checkpoints/      best-*.ckpt and last.ckpt (each records the fingerprint too)
                                   logs/version_<K>/ one CSV log per trainer (a resumed run adds the next version)
                                   finetuned/        the fine-tuned model of this run (save_pretrained)

A run continues (resumes) only when the fingerprint matches, no other process trains in it (guards.py) and its
checkpoints are whole; anything else starts a new run_<N+1> and says why. Old runs are never deleted or overwritten.
Paths in records are relative to the run folder, so a copied or moved NLPBOOK_HOME keeps its runs. This module alone
decides it: which run a training writes into (`choose_run`), whether fit continues a checkpoint (`resume_point`),
what a finished run recorded (`finished_result`, `record_result`); training.py asks it.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
import os
import re
from pathlib import Path
from typing import Literal

import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import ModelCheckpoint
from pytorch_lightning.loggers import CSVLogger

from .corpus import corpus_dir
from .guards import release_run, reserve_run, rng_state, run_in_use, set_rng_state
from .settings import model_source, shown_path
from .tasks import get_task

__all__ = ["figures_of_test", "NOT_IN_FINGERPRINT", "FINGERPRINT_KEY", "Run", "RunError", "Resume", "run_fingerprint", "describe_changes",
           "model_dir", "list_runs", "latest_run", "new_run", "pick_run", "read_checkpoint", "checkpoint_epochs",
           "EpochCheckpoint", "RunRecorder", "recorder_of", "move_to_new_run", "RUN_DIR_ENV", "RNG_KEY", "is_rank_zero",
           "stopped_message", "choose_run", "resume_point", "finished_result", "record_result"]

# Arguments fields and Trainer options that do NOT decide what a run learns; every other field and option is in
# the fingerprint. Paths are left out because the files behind them are hashed (moving NLPBOOK_HOME keeps a run);
# `epochs`/`max_epochs` because more epochs continue the same run (a run past `epochs` is never reused).
NOT_IN_FINGERPRINT = frozenset({
    "preset", "pretrained_model_name", "corpus_source", "downstream_corpus_root_dir", "downstream_corpus_name",
    "downstream_model_dir", "default_root_dir", "corpus_path",               # where: hashed files stand for them
    "epochs", "max_epochs",                                                  # how long
    "progress_bar", "enable_progress_bar", "enable_model_summary", "log_every_n_steps", "logger", "callbacks",
    "cpu_workers", "accelerator", "save_top_k", "enable_checkpointing",      # display, loading, device, storage
})
MODEL_FILES = ("config.json", "model.safetensors", "pytorch_model.bin", "vocab.txt", "tokenizer.json",
               "tokenizer_config.json", "special_tokens_map.json")
FINGERPRINT_KEY = "nlpbook_fingerprint"     # where each checkpoint stores it
RNG_KEY = "nlpbook_rng"                     # the random states a resumed run continues from (guards.rng_state)
RECORD = "run.json"
# DDP: Lightning's launcher (devices=N) starts ranks 1..N-1 by running the same command again, after rank 0 has
# chosen (and maybe created) run_<N>; left to choose for themselves they would reserve run_<N+1>. So rank 0 puts
# its folder in this variable while it fits (the launcher copies the environment) and the other ranks take it.
RUN_DIR_ENV = "NLPBOOK_RUN_DIR"
Resume = bool | Literal["require"]
log = logging.getLogger(__name__)


class RunError(RuntimeError):
    """A run cannot be resumed or read; the message names the file or the change, and the way out."""


@functools.lru_cache(maxsize=64)
def _sha256(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return "sha256:" + digest.hexdigest()[:16]


def _file_hash(path: Path) -> str | None:
    if not path.is_file():
        return None
    stat = path.stat()
    return _sha256(str(path), stat.st_size, stat.st_mtime_ns)


def _model_identity(name: str) -> dict:
    source, is_local = model_source(name)
    if is_local:
        return {f"model/{file}": _file_hash(Path(source) / file) for file in MODEL_FILES
                if (Path(source) / file).is_file()}
    from huggingface_hub import try_to_load_from_cache     # the revision the hub cache holds; no network

    cached = try_to_load_from_cache(source, "config.json")
    return {"model": source, "model/revision": Path(cached).parent.name if isinstance(cached, str) else "unknown"}


def _plain(value):
    return value if isinstance(value, (bool, int, float, str, type(None), dict, list)) else type(value).__name__


def run_fingerprint(args, trainer_options: dict | None = None) -> dict:
    """What decides the result: the hashes of the corpus files the task reads, the pretrained model's files (or
    hub name + revision), and every argument (the task's name among them) and Trainer option not in
    NOT_IN_FINGERPRINT. Flat, so changes read as `key: old → new`."""
    fingerprint = {f"corpus/{path.name}": _file_hash(path) for path in get_task(args).corpus_files(args)}
    fingerprint.update(_model_identity(args.pretrained_model_name))
    for field in dataclasses.fields(args):
        if field.name not in NOT_IN_FINGERPRINT:
            fingerprint[f"args.{field.name}"] = _plain(getattr(args, field.name))
    for name, value in sorted((trainer_options or {}).items()):
        if name not in NOT_IN_FINGERPRINT:
            fingerprint[f"trainer.{name}"] = _plain(value)
    return json.loads(json.dumps(fingerprint))       # as run.json will read it back (tuples → lists, …)


def describe_changes(old: dict | None, new: dict) -> list[str]:
    """`key: old → new` for every entry that differs; a checkpoint without a fingerprint differs in everything."""
    if not old:
        return ["it has no fingerprint (made before runs recorded one)"]
    keys = sorted(set(old) | set(new))
    return [f"{key}: {old.get(key, '(none)')!r} → {new.get(key, '(none)')!r}" for key in keys
            if old.get(key) != new.get(key)]


@dataclasses.dataclass
class Run:
    """One run's folder and the fingerprint it was (or will be) trained on; `note` says why it was chosen."""

    directory: Path
    fingerprint: dict
    note: str = ""

    @property
    def checkpoints(self) -> Path:
        return self.directory / "checkpoints"

    @property
    def last_checkpoint(self) -> Path | None:
        path = self.checkpoints / "last.ckpt"
        return path if path.is_file() else None

    def record(self) -> dict:
        try:
            return json.loads((self.directory / RECORD).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def write_record(self, **entries) -> None:
        """Merge `entries` into run.json (written whole, then renamed: a reader never sees half of it)."""
        record = {**self.record(), **entries}
        staging = self.directory / f".{RECORD}.{os.getpid()}.tmp"
        staging.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(staging, self.directory / RECORD)


def model_dir(args) -> Path:
    return Path(args.downstream_model_dir).expanduser()


def list_runs(folder: Path) -> list[Run]:
    """The runs in `folder` (a downstream_model_dir) that recorded a fingerprint, oldest (lowest number) first."""
    found = []
    for path in Path(folder).expanduser().glob("run_*"):
        if re.fullmatch(r"run_\d+", path.name) and path.is_dir():
            fingerprint = Run(path, {}).record().get("fingerprint")
            if fingerprint:
                found.append(Run(path, fingerprint))
    return sorted(found, key=lambda run: int(run.directory.name[4:]))


def latest_run(args) -> Run | None:
    """The run under `downstream_model_dir` whose last.ckpt was written most recently."""
    runs = [run for run in list_runs(model_dir(args)) if run.last_checkpoint]
    return max(runs, key=lambda run: run.last_checkpoint.stat().st_mtime_ns, default=None)


def is_rank_zero() -> bool:
    """False in the other processes of a DDP run, as their launcher says before torch.distributed starts
    (Lightning's own: LOCAL_RANK/NODE_RANK; torchrun: RANK; SLURM: SLURM_PROCID). True when alone."""
    return all(os.environ.get(name, "0") in ("", "0") for name in ("RANK", "LOCAL_RANK", "NODE_RANK", "SLURM_PROCID"))


def _run_of_rank_zero(fingerprint: dict) -> Run | None:
    """On a DDP rank other than 0: the run folder rank 0 chose ($NLPBOOK_RUN_DIR), instead of choosing another."""
    chosen = os.environ.get(RUN_DIR_ENV)
    return None if is_rank_zero() or not chosen else Run(Path(chosen), fingerprint, "")


def new_run(folder: Path, fingerprint: dict, note: str = "") -> Run:
    """Reserve the next `run_<N>` (mkdir is atomic: two processes never get the same one) and record the fingerprint."""
    shared = _run_of_rank_zero(fingerprint)
    if shared:
        return shared
    folder = Path(folder).expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    numbers = [int(p.name[4:]) for p in folder.glob("run_*") if re.fullmatch(r"run_\d+", p.name)]
    number = max(numbers, default=-1) + 1
    while True:
        try:
            (folder / f"run_{number}").mkdir()
            break
        except FileExistsError:
            number += 1
    run = Run(folder / f"run_{number}", fingerprint, note)
    if is_rank_zero():
        reserve_run(run.directory)          # in use from now on: no other process continues it
    run.write_record(fingerprint=fingerprint)
    return run


def read_checkpoint(path: Path) -> dict:
    """`torch.load` of a Lightning checkpoint (memory-mapped: cheap), or RunError naming the file and the fix."""
    try:
        return torch.load(path, map_location="cpu", weights_only=False, mmap=True)
    except Exception as error:  # a truncated zip, a half-synced file: torch raises several kinds
        raise RunError(
            f"{path} cannot be read ({type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}): "
            "the file is incomplete (a save or a copy was interrupted, or Google Drive has not finished syncing it). "
            "Fix: start a fresh run (command line --fresh, or train(args, resume=False) / fit(..., resume=False)); "
            f"or delete {path} and run again (a new run folder is used; the old one is kept)") from error


def checkpoint_epochs(path: Path) -> int | None:
    """Epochs a checkpoint has trained (saved at an epoch's end or at the end of fit), None when it cannot be read."""
    try:
        return int(read_checkpoint(path)["loops"]["fit_loop"]["epoch_progress"]["current"]["processed"])
    except (RunError, KeyError, TypeError):
        return None


_IN_USE = ("{name} is being trained by another process right now (another `train` with the same settings, or a "
           "notebook): it is left to that process")


def _best_checkpoints(run: Run) -> set[Path]:
    """The run's best checkpoint(s) as its run.json and its last.ckpt name them, looked for in its own folder."""
    names = {Path(run.record().get("result", {}).get("best_checkpoint") or "").name}
    try:
        state = read_checkpoint(run.last_checkpoint).get("callbacks", {}) if run.last_checkpoint else {}
    except RunError:
        state = {}
    names |= {Path(value.get("best_model_path") or "").name for value in state.values() if isinstance(value, dict)}
    return {run.checkpoints / name for name in names if name}


def _cannot_continue(run: Run) -> str | None:
    """Why `run` (same fingerprint) can be neither continued nor reported, or None: in use, or a checkpoint gone."""
    name = run.directory.name
    if is_rank_zero() and run_in_use(run.directory):    # DDP: the other ranks train in rank 0's run, locked
        return _IN_USE.format(name=name)
    if run.last_checkpoint is None:
        if run.record().get("result") or any(run.checkpoints.glob("best-*.ckpt")):
            return (f"{name} has these inputs but its checkpoints/last.ckpt is missing (deleted or moved), so it "
                    "cannot continue")
        return f"{name} has these inputs but stopped before its first epoch ended (no last.ckpt to continue from)"
    for best in sorted(_best_checkpoints(run)):
        if not best.is_file():
            return f"{name}'s best checkpoint {shown_path(best)} is missing (deleted or moved)"
        try:
            read_checkpoint(best)
        except RunError:
            return (f"{name}'s best checkpoint {shown_path(best)} cannot be read: the file is incomplete (a save or "
                    "a copy was interrupted)")
    return None


def pick_run(args, fingerprint: dict, reuse_finished: bool, require: bool = False) -> Run:
    """The newest run with this fingerprint that can continue (a last.ckpt short of `args.epochs`, or exactly at it
    when `reuse_finished`; not in use by another process; its best checkpoint whole), reserved for this process, else
    a new run whose `note` says why (what changed). `require`: RunError instead."""
    shared = _run_of_rank_zero(fingerprint)
    if shared:
        return shared
    folder = model_dir(args)
    runs = list_runs(folder)
    problems, reason = [], ""
    for run in reversed([run for run in runs if run.fingerprint == fingerprint]):
        problem = _cannot_continue(run)
        if problem:
            problems.append(problem)
            continue
        done = checkpoint_epochs(run.last_checkpoint)
        if done is None or done < args.epochs or (reuse_finished and done == args.epochs):
            if not is_rank_zero() or reserve_run(run.directory):
                return run
            problems.append(_IN_USE.format(name=run.directory.name))      # taken a moment ago
            continue
        reason = (f"{run.directory.name} already finished its {done} epoch(s) on these inputs" if done == args.epochs
                  else f"{run.directory.name} has already trained {done} epochs on these inputs, more than "
                       f"epochs={args.epochs}")
        break
    if not reason and problems:
        reason = problems[0]
    if not reason and runs:
        newest = runs[-1]
        changes = describe_changes(newest.fingerprint, fingerprint)
        if any(change.startswith(("corpus/", "model/")) for change in changes):
            where = f"corpus/ = {shown_path(corpus_dir(args))}, model/ = {shown_path(args.pretrained_model_name)}"
            changes.append(f"({where})")
        reason = (f"{newest.directory.name} was trained on other inputs:\n    " + "\n    ".join(changes) if changes
                  else f"{newest.directory.name} has these inputs but no last.ckpt to continue from")
    legacy = folder / "checkpoints" / "last.ckpt"
    if not reason and legacy.is_file():
        reason = f"{shown_path(legacy)} comes from an older nlpbook_helpers (no run folder, no fingerprint)"
    if require:
        raise RunError(f"cannot resume in {shown_path(folder)}: {reason or 'there is no earlier run'}\n"
                       "Fix: leave out --resume, or use --fresh (resume=False) to start a new run (earlier runs are "
                       "kept)" + (", or undo the change" if " → " in reason else ""))
    run = new_run(folder, fingerprint)
    if reason:
        run.note = f"{reason}\nStarting a new run in {shown_path(run.directory)} (the earlier runs are kept)."
        log.warning(run.note)
    return run


class EpochCheckpoint(ModelCheckpoint):
    """ModelCheckpoint whose last.ckpt follows every epoch: since Lightning 2.6 it is written only with a new best."""

    def _refresh_last(self, trainer: pl.Trainer) -> None:
        if self.save_last and not self._should_skip_saving_checkpoint(trainer):   # skipped: saved at this step
            self._save_last_checkpoint(trainer, self._monitor_candidates(trainer))

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        super().on_train_epoch_end(trainer, pl_module)
        if self._should_save_on_train_epoch_end(trainer):
            self._refresh_last(trainer)

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        super().on_validation_end(trainer, pl_module)
        if not self._should_save_on_train_epoch_end(trainer):
            self._refresh_last(trainer)

    def load_state_dict(self, state_dict: dict) -> None:
        """A checkpoint names files by absolute path; in a copied or moved run folder they are this folder's files."""
        old = state_dict.get("dirpath")
        if old and self.dirpath and old != self.dirpath:
            here = lambda path: (os.path.join(self.dirpath, os.path.basename(path))
                                 if path and os.path.dirname(path) == old else path)
            state_dict = {**state_dict, "dirpath": self.dirpath,
                          **{key: here(state_dict.get(key)) for key in ("best_model_path", "kth_best_model_path",
                                                                         "last_model_path") if key in state_dict},
                          "best_k_models": {here(path): score for path, score in
                                            state_dict.get("best_k_models", {}).items()}}
        super().load_state_dict(state_dict)


class RunRecorder(pl.Callback):
    """Writes the run's fingerprint and random states into every checkpoint the trainer saves (a resumed run draws
    the same dropout masks and batch order as one never stopped); knows the run's folder."""

    def __init__(self, run: Run):
        self.run = run
        self.train_loader = None            # fit sets it: the loader whose shuffling a resumed run continues

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        # torchrun/SLURM start all ranks at once, before any could pass its folder on: each chose one. Follow global
        # rank 0's (checkpoints go there anyway) and remove the folder this rank reserved in vain (only run.json).
        chosen = Path(trainer.strategy.broadcast(str(self.run.directory), src=0))
        if chosen != self.run.directory:
            mine, self.run = self.run.directory, Run(chosen, self.run.fingerprint)
            if [path.name for path in mine.iterdir()] == [RECORD]:
                (mine / RECORD).unlink()
                mine.rmdir()

    def on_save_checkpoint(self, trainer: pl.Trainer, pl_module: pl.LightningModule, checkpoint: dict) -> None:
        checkpoint[FINGERPRINT_KEY] = self.run.fingerprint
        checkpoint[RNG_KEY] = rng_state(self.train_loader)

    def on_load_checkpoint(self, trainer: pl.Trainer, pl_module: pl.LightningModule, checkpoint: dict) -> None:
        if checkpoint.get(RNG_KEY):         # resuming: before the train loader's first iterator draws from them
            set_rng_state(self.train_loader, checkpoint[RNG_KEY])


def stopped_message(run: Run) -> str:
    """What a run stopped by SIGTERM kept, and how to continue it (guards.RunInterrupted's message)."""
    kept = (f"{shown_path(run.last_checkpoint)} holds its last finished epoch. Fix: run the same command again "
            "(train(args) in a notebook): it continues from there" if run.last_checkpoint else
            "it stopped before its first epoch ended, so nothing was kept. Fix: run the same command again")
    return f"training was stopped by SIGTERM before it ended (no test, no result); {kept}"


def recorder_of(trainer: pl.Trainer) -> RunRecorder:
    """The trainer's RunRecorder (make_trainer adds one), or RunError."""
    for callback in trainer.callbacks:
        if isinstance(callback, RunRecorder):
            return callback
    raise RunError("fit(trainer, ...) needs a trainer made by make_trainer(args): it knows the run's folder")


def move_to_new_run(trainer: pl.Trainer, args, why: str) -> Run:
    """Point the trainer's checkpoints and logs at a new run folder (the old run stays as it is); say why."""
    recorder = recorder_of(trainer)
    old, run = recorder.run, new_run(model_dir(args), recorder.run.fingerprint)
    release_run(old.directory)
    trainer.checkpoint_callback.dirpath = os.path.realpath(run.checkpoints)
    trainer.loggers = [CSVLogger(save_dir=run.directory, name="logs")]
    recorder.run = run
    run.note = f"{why}: training a new run in {shown_path(run.directory)} ({old.directory.name} is kept)"
    log.warning(run.note)
    return run


def choose_run(args, trainer_options: dict, resume: Resume, reuse_finished: bool) -> Run:
    """The run a training writes into: a new one for `resume=False`, else pick_run's (`resume="require"`: RunError
    unless one with these inputs can continue)."""
    fingerprint = run_fingerprint(args, trainer_options)
    if resume is False:
        return new_run(model_dir(args), fingerprint)
    return pick_run(args, fingerprint, reuse_finished=reuse_finished, require=resume == "require")


def resume_point(trainer: pl.Trainer, args, resume: Resume) -> Path | None:
    """The last.ckpt `trainer.fit` continues, or None: the trainer's run's checkpoint when `resume` and its
    fingerprint matches; otherwise the trainer moves to a new run folder (what changed is logged), or, for
    `resume="require"`, RunError says why it cannot continue."""
    run = recorder_of(trainer).run
    resume_from = run.last_checkpoint
    if resume_from is None and resume == "require":
        why = run.note.splitlines()[0] if run.note else "there is no earlier run with these inputs"
        raise RunError(f"nothing to resume in {shown_path(run.directory)}: {why}. Fix: fit(..., resume=True) "
                       "continues a run only when its inputs match, else starts a new one")
    if resume_from is not None and resume is False:
        move_to_new_run(trainer, args, "resume=False")
        return None
    if resume_from is not None:
        changes = describe_changes(read_checkpoint(resume_from).get(FINGERPRINT_KEY), run.fingerprint)
        if changes:
            why = f"{resume_from} was trained on other inputs:\n    " + "\n    ".join(changes)
            if resume == "require":
                raise RunError(f"cannot resume: {why}\nStart a new run with --fresh (resume=False), or undo the change")
            move_to_new_run(trainer, args, why)
            return None
    return resume_from


def finished_result(run: Run, args) -> dict | None:
    """The test figures run.json holds when the run finished exactly `args.epochs` (and its files are there)."""
    result = run.record().get("result") or {}
    files = (run.directory / result.get("best_checkpoint", "?"), run.directory / "finetuned" / "config.json")
    recorded = Path(result.get("best_checkpoint", "?"))
    inside = not recorded.is_absolute() and ".." not in recorded.parts    # an older record may point into another home
    return result if result.get("epochs") == args.epochs and inside and all(p.is_file() for p in files) else None


def figures_of_test(metrics: dict) -> dict:
    """The test figures of a test run or of run.json: every `test_*` value (the task's own) as a float."""
    return {name: float(value) for name, value in metrics.items() if name.startswith("test_")}


def record_result(run: Run, args, global_step: int, metrics: dict, best: str) -> None:
    """Write a finished run's test figures into its run.json (what finished_result reads back)."""
    run.write_record(result={"epochs": args.epochs, "global_step": global_step, **figures_of_test(metrics),
                             "best_checkpoint": os.path.relpath(best, os.path.realpath(run.directory)) if best else ""})
