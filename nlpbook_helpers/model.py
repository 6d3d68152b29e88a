"""Stage 3 (notebook 03): the pretrained model, loaded with from_pretrained; the offline checkpoints installed once.

The offline preset has no hub to download from. It uses a *tiny BERT that this project pretrained* (masked LM on
its own generated Korean text: `python -m nlpbook_helpers pretrain`, pretraining.py) and ships inside the package
in the layout of beomi/kcbert-base: config.json, vocab.txt, tokenizer_config.json, model.safetensors.
`prepare_pretrained` copies it into the home once. The offline-scratch preset builds the same model with *random
weights* instead (it knows nothing about Korean until fine-tuning), to show what pretraining adds. From then on
every preset loads with the very same `BertForSequenceClassification.from_pretrained(name_or_dir, num_labels=...)`.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Callable

import torch
from transformers import BertConfig, BertForMaskedLM, BertForSequenceClassification
from transformers.utils import logging as transformers_logging

from .files import build_lock, make_temp_dir, match_umask, remove_leftovers
from .settings import hub_unreachable, model_source
from .tasks import TASKS

__all__ = ["ModelLoadError", "OFFLINE_VOCAB", "SHIPPED_MODEL", "PRETRAIN_COMMAND", "tiny_bert", "save_tokenizer_files",
           "build_offline_checkpoint", "install_shipped_checkpoint", "prepare_pretrained", "load_pretrained_model",
           "count_parameters"]

ASSETS = Path(__file__).parent / "assets"
OFFLINE_VOCAB = ASSETS / "offline_vocab.txt"
SHIPPED_MODEL = ASSETS / "tiny-kcbert"      # written by `python -m nlpbook_helpers pretrain --out <this folder>`
PRETRAIN_COMMAND = "python -m nlpbook_helpers pretrain --out nlpbook_helpers/assets/tiny-kcbert"
PRETRAIN_GPT_COMMAND = ("python -m nlpbook_helpers pretrain --task generation --threads 2 "
                        "--out nlpbook_helpers/assets/tiny-kogpt2")
RECIPE_FILE = "nlpbook_recipe.json"
RECIPE_VERSION = 3                          # 3: an extended vocabulary grows the table (2: BertForMaskedLM, 1: BertModel)


class ModelLoadError(OSError):
    """The pretrained model cannot be loaded; the message says why and what to do.
    Notebook 03, 모델 불러오기: `from_pretrained`."""


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _built_recipe(directory: Path) -> dict | None:
    try:
        return json.loads((directory / RECIPE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):            # missing, unreadable or cut short: not a finished build
        return None


def tiny_bert(dims: dict, seed: int, vocab_file: str | Path = OFFLINE_VOCAB) -> BertForMaskedLM:
    """The offline tiny BERT with random weights (seeded, without disturbing the caller's random state).
    Notebook 03, 작은 BERT와 kcbert-base 비교.
    An extended vocabulary (tools/extend_offline_vocab.py) is built as the shipped model's was: the model of the
    pretrained vocabulary, then its embedding table grown by `resize_token_embeddings` (seeded) — so offline-scratch
    stays the weights pretraining started from, for every token the pretrained vocabulary has.
    """
    vocab_size = sum(1 for line in Path(vocab_file).read_text(encoding="utf-8").splitlines() if line)
    base_size = _extended_from(Path(vocab_file)) or vocab_size
    config = BertConfig(vocab_size=base_size, type_vocab_size=2, pad_token_id=0, **dims)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = BertForMaskedLM(config)
        if base_size != vocab_size:
            torch.manual_seed(seed)
            verbosity = transformers_logging.get_verbosity()
            transformers_logging.set_verbosity_error()      # its note on how new rows are drawn: said above
            try:
                model.resize_token_embeddings(vocab_size, mean_resizing=True)
            finally:
                transformers_logging.set_verbosity(verbosity)
        return model


def _extended_from(vocab_file: Path) -> int | None:
    """The pretrained vocabulary's size when `vocab_file` is the extension its .json records, else None."""
    try:
        extension = json.loads(vocab_file.with_suffix(".json").read_text(encoding="utf-8")).get("extension") or {}
    except (OSError, ValueError):
        return None
    return extension.get("from_vocab_size") if extension.get("vocab_sha256") == _sha256(vocab_file) else None


def save_tokenizer_files(folder: Path, vocab_file: str | Path, max_length: int) -> None:
    """vocab.txt and tokenizer_config.json as kcbert-base has them: cased (do_lower_case False).
    Notebook 03, 모델 폴더에 든 파일."""
    shutil.copyfile(vocab_file, folder / "vocab.txt")
    tokenizer_config = {"do_lower_case": False, "model_max_length": max_length, "tokenizer_class": "BertTokenizer"}
    (folder / "tokenizer_config.json").write_text(json.dumps(tokenizer_config, indent=2), encoding="utf-8")


def _install(directory: str | Path, recipe: dict, write: Callable[[Path], None]) -> Path:
    """Put what `write(folder)` writes at `directory` once, marked with `recipe`; redo it when the recipe changes.

    Written in a temporary folder and renamed into place while holding a lock on the parent folder, so an
    interrupted build leaves nothing half-written and processes building at once never delete each other's work.
    """
    directory = Path(directory).expanduser()
    if _built_recipe(directory) == recipe:
        return directory                     # the usual case: built before, nothing is written
    with build_lock(directory.parent):
        remove_leftovers(directory.parent, ".building-*")    # an interrupted build's (only lock holders write them)
        if _built_recipe(directory) == recipe:
            return directory                 # another process built it while this one waited for the lock
        if directory.exists() and any(directory.iterdir()) and not (directory / RECIPE_FILE).is_file():
            raise ModelLoadError(f"{directory} exists but was not built by nlpbook_helpers (no {RECIPE_FILE}); "
                                 "move it away or point pretrained_model_name elsewhere")
        staging = make_temp_dir(directory.parent, ".building-")
        try:
            write(staging)
            (staging / RECIPE_FILE).write_text(json.dumps(recipe, indent=2), encoding="utf-8")  # last: finished
            match_umask(staging)
            if directory.exists():           # another recipe's build: moved aside first, deleted once replaced
                old = make_temp_dir(directory.parent, ".building-replaced-")
                os.replace(directory, old / directory.name)
            os.replace(staging, directory)
        finally:
            remove_leftovers(directory.parent, ".building-*")
    return directory


def build_offline_checkpoint(directory: str | Path, dims: dict, seed: int,
                             vocab_file: str | Path = OFFLINE_VOCAB) -> Path:
    """Build the tiny random-weight BERT (a BertForMaskedLM) and its tokenizer files in `directory` once.

    The directory records the recipe (dims, seed, vocab hash); a directory built by another recipe is rebuilt.
    Notebook 03, 작은 BERT와 kcbert-base 비교.
    """
    vocab_file = Path(vocab_file)
    if not vocab_file.is_file():
        raise ModelLoadError(f"{vocab_file}: vocabulary file missing; reinstall nlpbook_helpers (it ships this file)")
    recipe = {"version": RECIPE_VERSION, "weights": "random", "dims": dict(sorted(dims.items())), "seed": seed,
              "vocab_sha256": _sha256(vocab_file)}

    def write(folder: Path) -> None:
        model = tiny_bert(dims, seed, vocab_file)
        model.save_pretrained(folder)
        save_tokenizer_files(folder, vocab_file, model.config.max_position_embeddings)

    return _install(directory, recipe, write)


def install_shipped_checkpoint(directory: str | Path, dims: dict, shipped: str | Path = SHIPPED_MODEL,
                               vocab_file: str | Path | None = OFFLINE_VOCAB) -> Path:
    """Copy the pretrained tiny BERT shipped in the package to `directory` (once; again when the package's changes).

    Checks first that the shipped model has the dimensions `dims` and the shipped offline vocabulary
    (`vocab_file=None`: a model with its own tokenizer.json, the tiny GPT of notebook 11).
    Notebook 03, 모델 폴더에 든 파일.
    """
    shipped = Path(shipped)
    if vocab_file is None:                   # a model with its own tokenizer.json (the tiny GPT)
        needed, command = ("config.json", "model.safetensors", "tokenizer.json"), PRETRAIN_GPT_COMMAND
    else:
        needed, command = ("config.json", "model.safetensors", "vocab.txt"), PRETRAIN_COMMAND
    if not all((shipped / name).is_file() for name in needed):
        raise ModelLoadError(f"{shipped}: the pretrained tiny model is not there ({', '.join(needed)}). In a checkout, "
                             f"build it once with `{command}` (10-15 minutes on 2 CPU cores); or use the preset "
                             "offline-scratch (the tiny BERT with random weights)")
    config = json.loads((shipped / "config.json").read_text(encoding="utf-8"))
    found = {name: config.get(name) for name in dims}
    if found != dict(dims):
        raise ModelLoadError(f"{shipped / 'config.json'}: the shipped model has dims {found}, but tiny_model asks "
                             f"for {dict(dims)}. Use the preset offline-scratch for other dims (random weights), or "
                             f"pretrain your own: python -m nlpbook_helpers pretrain --out DIR")
    if vocab_file is not None and (shipped / "vocab.txt").read_bytes() != Path(vocab_file).read_bytes():
        raise ModelLoadError(f"{shipped / 'vocab.txt'} differs from {vocab_file}: the model was pretrained with "
                             f"another vocabulary; pretrain it again: {PRETRAIN_COMMAND}")
    files = sorted(path.name for path in shipped.iterdir() if path.is_file() and not path.name.startswith("."))
    recipe = {"version": RECIPE_VERSION, "weights": "pretrained", "shipped": {name: _sha256(shipped / name)
                                                                              for name in files}}

    def copy(folder: Path) -> None:
        for name in files:
            shutil.copyfile(shipped / name, folder / name)

    return _install(directory, recipe, copy)


def prepare_pretrained(args) -> str:
    """Make `args.pretrained_model_name` loadable: the offline presets install their local checkpoint (once).
    A folder that `pretrain` wrote (pretraining_record.json, not an installed copy) is loaded as it is.
    Notebook 03, 프리트레인이란."""
    folder = Path(args.pretrained_model_name).expanduser()
    if (folder / "pretraining_record.json").is_file() and not (folder / RECIPE_FILE).is_file():
        return args.pretrained_model_name
    offline_model = TASKS[args.downstream_task_name].offline_model     # a task's own model (the tiny GPT)
    if args.tiny_weights == "pretrained" and offline_model:
        install_shipped_checkpoint(args.pretrained_model_name, args.tiny_model, ASSETS / offline_model, None)
    elif args.tiny_weights == "pretrained":
        install_shipped_checkpoint(args.pretrained_model_name, args.tiny_model)
    elif args.tiny_weights == "random":
        build_offline_checkpoint(args.pretrained_model_name, args.tiny_model, args.seed)
    return args.pretrained_model_name


def load_pretrained_model(args, num_labels: int = 2, model_class: type = BertForSequenceClassification
                          ) -> BertForSequenceClassification:
    """`BertForSequenceClassification.from_pretrained` for a hub name or a local directory, with clear errors
    (`model_class`: the task's class, e.g. AutoModelForSequenceClassification, which resolves to the same one).

    The classifier head on top is new (randomly initialised) in every preset; only the body is pretrained
    (`from_pretrained(..., output_loading_info=True)` lists those new weights; notebook 03 shows it). The tiny
    BERTs are saved as BertForMaskedLM, which has no pooler: their pooler is new as well.
    Also checks `args.max_seq_length` against the model's `max_position_embeddings`.
    Notebook 03, 모델 불러오기: `from_pretrained`.
    """
    name = args.pretrained_model_name
    source, is_local = model_source(name)
    if is_local and not (Path(source) / "config.json").is_file():
        raise ModelLoadError(f"{source}: no config.json there. For the offline preset run prepare_pretrained(args) "
                             "first; for a checkpoint of your own, point pretrained_model_name at the directory "
                             "that holds config.json and the weights")
    unreachable = None if is_local else hub_unreachable(name)   # a stalled network must not hang from_pretrained
    verbosity = transformers_logging.get_verbosity()
    transformers_logging.set_verbosity_error()   # its LOAD REPORT (absolute path, terminal-width table) is noise here
    try:
        model = model_class.from_pretrained(   # hub unreachable: only the local cache is tried
            source, num_labels=num_labels, local_files_only=is_local or unreachable is not None)
    except OSError as error:
        why = unreachable or f"{error.__class__.__name__}: {str(error).splitlines()[0]}"
        raise ModelLoadError(
            f"could not load {name!r} ({why}). Without network access use the offline preset "
            "(make_arguments('offline'), or --preset offline on the command line), or download the model where "
            "there is a network and set pretrained_model_name to its local directory") from error
    finally:
        transformers_logging.set_verbosity(verbosity)
    args.validate(max_position_embeddings=model.config.max_position_embeddings)
    return model


def count_parameters(model: torch.nn.Module) -> int:
    """Number of trainable parameters. Notebook 03, 블록별 파라미터 수."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
