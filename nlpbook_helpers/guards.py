"""Stage 7's guards (notebook 07, 8. 끊긴 학습 이어 하기): what keeps a run from giving a silently wrong result.

- A run in use is locked (an flock on its folder, held while it trains, gone with the process however it ends):
  a second process with the same settings trains a run of its own instead of joining it.
- A resumed run is the same run: the random states (dropout, the train loader's shuffling) travel in the checkpoint.
- Checkpoints are written whole or not at all (a full disk keeps the previous one and says so).
- A run stopped by SIGTERM raises RunInterrupted (the command exits 143), not a silent success.
- A trainer option Lightning refuses (devices=0, a GPU that is not there) is an ArgumentsError naming the fix.
"""
from __future__ import annotations

import contextlib
import errno
import io
import logging
import os
import random
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import pytorch_lightning as pl
import torch
from pytorch_lightning.plugins.io import TorchCheckpointIO
from pytorch_lightning.utilities.exceptions import MisconfigurationException, SIGTERMException

from .files import write_atomically
from .settings import ArgumentsError

try:
    import fcntl
except ImportError:                 # Windows: no advisory locks; runs are not marked in use there
    fcntl = None

__all__ = ["reserve_run", "release_run", "run_in_use", "runs_locked_until_end", "rng_state", "set_rng_state",
           "AtomicCheckpointIO", "RunInterrupted", "stopped_by_signal", "build_trainer", "quiet_lightning"]

_held: dict[str, int] = {}          # run folder → descriptor of the flock this process holds on it
_scopes: list[set[str]] = []        # open runs_locked_until_end scopes: the folders each releases when it ends


def _try_lock(folder: Path) -> int | None:
    """A descriptor holding an exclusive flock on `folder`, or None when another process holds one."""
    handle = os.open(folder, os.O_RDONLY)   # read access is enough for flock: a classmate's run can be marked too
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(handle)
        return None
    except OSError:                         # a file system without locks (some network mounts): not marked
        pass
    return handle


def reserve_run(folder: str | Path) -> bool:
    """Mark the run folder as in use by this process (kept until release_run); False when another process has it."""
    key = os.path.realpath(folder)
    if fcntl is None or key in _held:
        return True
    handle = _try_lock(Path(key))
    if handle is None:
        return False
    _held[key] = handle
    if _scopes:
        _scopes[-1].add(key)
    return True


def release_run(folder: str | Path) -> None:
    """Unmark the run folder (inside runs_locked_until_end: when that scope ends)."""
    key = os.path.realpath(folder)
    if key in _held and not any(key in scope for scope in _scopes):
        os.close(_held.pop(key))


def run_in_use(folder: str | Path) -> bool:
    """True when another process holds the run folder (trains in it right now)."""
    key = os.path.realpath(folder)
    if fcntl is None or key in _held or not os.path.isdir(key):
        return False
    handle = _try_lock(Path(key))
    if handle is None:
        return True
    os.close(handle)
    return False


@contextlib.contextmanager
def runs_locked_until_end() -> Iterator[None]:
    """Keep every run reserved inside the block marked until the block ends (train: fit, test and save as one)."""
    _scopes.append(set())
    try:
        yield
    finally:
        for key in _scopes.pop():
            if key in _held:
                os.close(_held.pop(key))


# ---- a resumed run continues the same random sequences ----------------------------------------------------------

def _loader_generators(loader) -> list[torch.Generator]:
    """The torch.Generators that shuffle a train loader (its own, and its sampler's when that is another one)."""
    found: list[torch.Generator] = []
    for generator in (getattr(loader, "generator", None), getattr(getattr(loader, "sampler", None), "generator", None)):
        if isinstance(generator, torch.Generator) and all(generator is not seen for seen in found):
            found.append(generator)
    return found


def rng_state(train_loader) -> dict:
    """Every random state the next epoch draws from: torch (dropout), CUDA, numpy, random, the loader's shuffling."""
    kind, keys, position, has_gauss, gauss = np.random.get_state()
    return {"torch": torch.get_rng_state(), "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
            "numpy": [kind, keys.tolist(), position, has_gauss, gauss], "python": random.getstate(),
            "loader": [generator.get_state() for generator in _loader_generators(train_loader)]}


def set_rng_state(train_loader, state: dict) -> None:
    """Put back what rng_state saved (when fit starts, after the checkpoint is restored, before the first batch)."""
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available() and len(state["cuda"]) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(state["cuda"])
    kind, keys, position, has_gauss, gauss = state["numpy"]
    np.random.set_state((kind, np.asarray(keys, dtype=np.uint32), position, has_gauss, gauss))
    random.setstate(tuple(item if not isinstance(item, list) else tuple(item) for item in state["python"]))
    generators = _loader_generators(train_loader)
    if len(generators) == len(state["loader"]):
        for generator, saved in zip(generators, state["loader"]):
            generator.set_state(saved)


# ---- checkpoints whole or not at all ------------------------------------------------------------------------------

class AtomicCheckpointIO(TorchCheckpointIO):
    """Writes a checkpoint under a temporary name and renames it into place; a full disk keeps the previous file."""

    def save_checkpoint(self, checkpoint: dict, path, storage_options=None) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            buffer = io.BytesIO()           # torch.save turns a failed write into a RuntimeError: write it ourselves
            torch.save(checkpoint, buffer)
            write_atomically(path, lambda stream: stream.write(buffer.getbuffer()))
        except OSError as error:
            if error.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
                raise
            from .runs import RunError      # here: runs imports this module

            raise RunError(f"cannot save {path}: {error.strerror or error} (the disk is full, or a quota or file size "
                           "limit is reached); no half-written file was left, the checkpoints saved before it are kept "
                           "whole. Fix: free some space (e.g. delete run folders you no longer "
                           "need, or the Hugging Face cache), then run the same command again: it continues from the "
                           "last complete checkpoint") from None


# ---- a killed run is not a success ------------------------------------------------------------------------------

class RunInterrupted(RuntimeError):
    """Training stopped by a signal (SIGTERM) before it ended; the message says what was kept and how to continue."""

    exit_code = 143                  # 128 + SIGTERM, as a shell reports a process that SIGTERM ended


@contextlib.contextmanager
def stopped_by_signal(describe: Callable[[], str]) -> Iterator[None]:
    """Turn Lightning's SIGTERMException (a SystemExit with status 0) into RunInterrupted(describe())."""
    try:
        yield
    except SIGTERMException:
        raise RunInterrupted(describe()) from None


def build_trainer(options: dict) -> pl.Trainer:
    """`pl.Trainer(**options)`; where Lightning refuses the device, an ArgumentsError naming the field and the fix."""
    try:
        return pl.Trainer(**options)
    except MisconfigurationException as error:
        first = str(error).split(". ")[0].strip()
        accelerator, devices = options.get("accelerator"), options.get("devices")
        if accelerator not in (None, "auto", "cpu"):
            raise ArgumentsError(f"accelerator={accelerator!r}: there is no such device on this machine, or torch "
                                 f"cannot use it ({first}). "
                                 "Fix: --set accelerator=auto (the GPU when there is one, else the CPU) or "
                                 "accelerator=cpu") from None
        raise ArgumentsError(f"accelerator={accelerator!r}, devices={devices!r}: Lightning refuses them ({first}). "
                             "Fix: --set accelerator=auto --set devices=auto") from None


@contextlib.contextmanager
def quiet_lightning():
    """Lightning's info lines ("GPU available", "`Trainer.fit` stopped") off for many short runs; warnings stay."""
    loggers = [logging.getLogger(name) for name in ("pytorch_lightning", "lightning_fabric")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(max(logger.getEffectiveLevel(), logging.WARNING))
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)
