"""Stage 3 (notebook 03): the pretrained model, loaded with from_pretrained; the offline checkpoint built once.

The offline preset has no hub to download from, so it builds a *tiny BERT with random weights* (not pretrained:
it knows nothing about Korean until fine-tuning) and saves it with `save_pretrained` in the layout of
beomi/kcbert-base: config.json, vocab.txt, tokenizer_config.json, model.safetensors. From then on both presets
load with the very same `BertForSequenceClassification.from_pretrained(name_or_dir, num_labels=...)`.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import torch
from transformers import BertConfig, BertForSequenceClassification, BertModel
from transformers.utils import logging as transformers_logging

from .files import build_lock, make_temp_dir, match_umask, remove_leftovers
from .settings import hub_unreachable, model_source

__all__ = ["ModelLoadError", "OFFLINE_VOCAB", "build_offline_checkpoint", "prepare_pretrained",
           "load_pretrained_model", "count_parameters"]

OFFLINE_VOCAB = Path(__file__).parent / "assets" / "offline_vocab.txt"
RECIPE_FILE = "nlpbook_recipe.json"
RECIPE_VERSION = 1


class ModelLoadError(OSError):
    """The pretrained model cannot be loaded; the message says why and what to do."""


def _recipe(dims: dict, seed: int, vocab_file: Path) -> dict:
    vocab_sha = hashlib.sha256(Path(vocab_file).read_bytes()).hexdigest()
    return {"version": RECIPE_VERSION, "dims": dict(sorted(dims.items())), "seed": seed, "vocab_sha256": vocab_sha}


def _built_recipe(directory: Path) -> dict | None:
    try:
        return json.loads((directory / RECIPE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):            # missing, unreadable or cut short: not a finished build
        return None


def build_offline_checkpoint(directory: str | Path, dims: dict, seed: int,
                             vocab_file: str | Path = OFFLINE_VOCAB) -> Path:
    """Build the tiny random-weight BERT (and its tokenizer files) in `directory` once; reuse it afterwards.

    The directory records the recipe (dims, seed, vocab hash); a directory built by another recipe is rebuilt.
    Built in a temporary directory and renamed into place while holding a lock on the parent folder, so an
    interrupted build leaves nothing half-written and processes building at once never delete each other's work.
    """
    directory = Path(directory).expanduser()
    vocab_file = Path(vocab_file)
    if not vocab_file.is_file():
        raise ModelLoadError(f"{vocab_file}: vocabulary file missing; reinstall nlpbook_helpers (it ships this file)")
    recipe = _recipe(dims, seed, vocab_file)
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
            match_umask(_save_offline_checkpoint(staging, dims, seed, vocab_file, recipe))
            if directory.exists():           # another recipe's build: moved aside first, deleted once replaced
                old = make_temp_dir(directory.parent, ".building-replaced-")
                os.replace(directory, old / directory.name)
            os.replace(staging, directory)
        finally:
            remove_leftovers(directory.parent, ".building-*")
    return directory


def _save_offline_checkpoint(folder: Path, dims: dict, seed: int, vocab_file: Path, recipe: dict) -> Path:
    vocab_size = sum(1 for line in vocab_file.read_text(encoding="utf-8").splitlines() if line)
    config = BertConfig(vocab_size=vocab_size, type_vocab_size=2, pad_token_id=0, **dims)
    with torch.random.fork_rng(devices=[]):      # seeded here without disturbing the caller's random state
        torch.manual_seed(seed)
        model = BertModel(config)
    model.save_pretrained(folder)
    shutil.copyfile(vocab_file, folder / "vocab.txt")
    tokenizer_config = {"do_lower_case": False, "model_max_length": config.max_position_embeddings,
                        "tokenizer_class": "BertTokenizer"}
    (folder / "tokenizer_config.json").write_text(json.dumps(tokenizer_config, indent=2), encoding="utf-8")
    (folder / RECIPE_FILE).write_text(json.dumps(recipe, indent=2), encoding="utf-8")   # last: marks it finished
    return folder


def prepare_pretrained(args) -> str:
    """Make `args.pretrained_model_name` loadable: the offline preset builds its local checkpoint (once)."""
    if args.tiny_model:
        build_offline_checkpoint(args.pretrained_model_name, args.tiny_model, args.seed)
    return args.pretrained_model_name


def load_pretrained_model(args, num_labels: int = 2) -> BertForSequenceClassification:
    """`BertForSequenceClassification.from_pretrained` for a hub name or a local directory, with clear errors.

    The classifier head on top is new (randomly initialised) in both presets; only the body is pretrained
    (`from_pretrained(..., output_loading_info=True)` lists those new weights; notebook 03 shows it).
    Also checks `args.max_seq_length` against the model's `max_position_embeddings`.
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
        model = BertForSequenceClassification.from_pretrained(   # hub unreachable: only the local cache is tried
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
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
