"""Stage 1 (notebook 01): the arguments of a run, three presets, validation."""
from __future__ import annotations

import dataclasses
import math
import os
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Arguments", "PRESETS", "TINY_MODEL", "TINY_WEIGHTS", "make_arguments", "nlpbook_home", "model_source",
           "shown_path", "ArgumentsError", "use_google_drive", "network_timeout", "hub_unreachable"]

NETWORK_TIMEOUT = 30.0     # seconds to wait for an answer (Korpora's download, the hub); $NLPBOOK_NETWORK_TIMEOUT


class ArgumentsError(ValueError):
    """An argument has a value the pipeline cannot run with; the message says how to fix it."""


def nlpbook_home() -> Path:
    """Where corpora, models and checkpoints live: $NLPBOOK_HOME, else ~/nlpbook (laptop, Colab, Binder alike)."""
    return Path(os.environ.get("NLPBOOK_HOME", Path.home() / "nlpbook")).expanduser()


def use_google_drive(mount_point: str = "/content/drive") -> Path:
    """Colab: mount Google Drive and make NLPBOOK_HOME `<mount_point>/MyDrive/nlpbook`, so checkpoints outlive the runtime."""
    from google.colab import drive  # only in Colab; the notebooks' first cell calls this inside its Colab guard

    drive.mount(mount_point)
    my_drive = Path(mount_point) / "MyDrive"
    if not my_drive.is_dir():
        raise ArgumentsError(f"Google Drive is not mounted: {my_drive} does not exist after drive.mount"
                             f"({mount_point!r}). Run the first cell again and allow access, or set USE_DRIVE = False.")
    home = my_drive / "nlpbook"
    home.mkdir(exist_ok=True)
    os.environ["NLPBOOK_HOME"] = str(home)
    print(f"NLPBOOK_HOME = {home} (Google Drive: corpus, models and checkpoints stay after the runtime ends)")
    return home


def shown_path(path: str | Path) -> str:
    """A path as notebooks print it: `$NLPBOOK_HOME/...` under the home, so outputs read the same on every machine."""
    path, home = Path(path).expanduser(), nlpbook_home()
    try:
        return str(Path("$NLPBOOK_HOME") / path.relative_to(home))
    except ValueError:
        return str(path)


def network_timeout() -> float:
    """Seconds to wait for the network to answer: $NLPBOOK_NETWORK_TIMEOUT, else 30."""
    raw = os.environ.get("NLPBOOK_NETWORK_TIMEOUT", "").strip()
    try:
        seconds = float(raw) if raw else NETWORK_TIMEOUT
    except ValueError:
        seconds = math.nan
    if not 0 < seconds < math.inf:
        raise ArgumentsError(f"NLPBOOK_NETWORK_TIMEOUT={raw!r}: must be a number of seconds > 0, e.g. 30")
    return seconds


def hub_unreachable(name: str) -> str | None:
    """None if the Hugging Face hub answers within network_timeout() (or HF_HUB_OFFLINE=1), else why it does not."""
    from huggingface_hub import constants

    if getattr(constants, "HF_HUB_OFFLINE", False):
        return None                          # the hub client will not ask the network at all
    seconds = network_timeout()
    try:
        urllib.request.urlopen(f"{constants.ENDPOINT}/api/models/{name}", timeout=seconds).close()
    except urllib.error.HTTPError:
        return None                          # it answered (e.g. 404): from_pretrained says what is wrong
    except (OSError, ValueError) as error:   # no network, a refused or stalled connection, a broken proxy setting
        reason = getattr(error, "reason", error)
        if isinstance(reason, TimeoutError):
            return (f"{constants.ENDPOINT} did not answer within {seconds:g} s; "
                    "set NLPBOOK_NETWORK_TIMEOUT=<seconds> to wait longer")
        return f"{constants.ENDPOINT} cannot be reached ({reason})"
    return None


def model_source(name: str) -> tuple[str, bool]:
    """(what to pass to from_pretrained, whether it is a local directory) for a hub name or a path."""
    local = Path(name).expanduser()
    is_local = local.is_absolute() or name.startswith((".", "~")) or local.exists()
    return (str(local) if is_local else name), is_local


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)    # True is an int to Python, not to a student


# annotation of an Arguments field → (accepted types, what to tell the user)
_TYPES = {"int": ((int,), "an integer"), "float": ((int, float), "a number"), "bool": ((bool,), "True or False"),
          "str": ((str,), "a string"), "int | None": ((int, type(None)), "an integer or None"),
          "int | str": ((int, str), "an integer or a string"), "dict": ((dict,), "a dict")}


def _type_problem(item: dataclasses.Field, value) -> str | None:
    """What is wrong with the type of `value` for the field `item`, or None."""
    accepted, words = _TYPES.get(str(item.type), ((object,), ""))
    if isinstance(value, accepted) and (bool in accepted or not isinstance(value, bool)):
        return None
    example = "" if item.default in (dataclasses.MISSING, "") else f" (e.g. {item.name}={item.default!r})"
    return f"{item.name}={value!r}: must be {words}, not {type(value).__name__}{example}"


@dataclass
class Arguments:
    """Everything one fine-tuning run needs; field names follow the book (ratsnlp's ClassificationTrainArguments)."""

    preset: str = "offline"
    pretrained_model_name: str = ""            # hub name (beomi/kcbert-base) or a local checkpoint directory
    downstream_task_name: str = "document-classification"
    downstream_corpus_name: str = "nsmc"
    corpus_source: str = "embedded"            # "embedded" (this project's), "korpora" (downloaded), "files" (yours)
    downstream_corpus_root_dir: str = ""       # the corpus lies in <root>/<corpus name>/ratings_{train,test}.txt
    downstream_model_dir: str = ""             # checkpoints, logs and the fine-tuned model go here
    max_seq_length: int = 128
    padding: str = "dynamic"                   # "dynamic" (longest in batch) or "max_length" (the book's way)
    group_by_length: bool = True               # batches of similar lengths: less padding
    empty_documents: str = "keep"              # "keep" or "skip" reviews whose text is empty ("error": stop there)
    corpus_path: str = ""                      # files: one .csv/.tsv file, or a folder with train/test(/validation)
    text_column: str = "document"              # files: header names of the text and the label columns
    label_column: str = "label"
    val_ratio: float = 0.1                     # files: share of train held out for validation (seeded, stratified)
    test_ratio: float = 0.1                    # files, one file only: share held out for the test
    max_train_examples: int | None = None      # use only the first N training examples (fast runs)
    max_test_examples: int | None = None
    save_top_k: int = 1
    monitor: str = "min val_loss"
    seed: int = 7
    learning_rate: float = 5e-5
    warmup_ratio: float = 0.1
    weight_decay: float = 0.01
    batch_size: int = 32
    epochs: int = 3
    cpu_workers: int = 0
    accelerator: str = "auto"
    devices: int | str = "auto"
    strategy: str = "auto"
    num_nodes: int = 1                         # machines (DDP); effective batch = batch_size × devices × num_nodes
    precision: str = "32-true"                 # "auto": bf16-mixed / 16-mixed on a GPU, 32-true on the CPU
    fast_dev_run: bool = False                 # Lightning's quick test: one batch of train and val, no checkpoints
    progress_bar: bool = True
    log_every_n_steps: int = 10
    tiny_model: dict = field(default_factory=dict)  # dimensions of the offline tiny BERT (offline presets only)
    tiny_weights: str = ""                     # offline presets: "pretrained" (shipped) or "random"; "" loads as is

    def validate(self, max_position_embeddings: int | None = None) -> "Arguments":
        """Raise ArgumentsError naming the field and the fix; return self when all is well."""
        def need(ok: bool, message: str) -> None:
            if not ok:
                raise ArgumentsError(message)

        need(self.preset in PRESETS, f"preset={self.preset!r}: choose one of {sorted(PRESETS)}")
        need(bool(self.pretrained_model_name), "pretrained_model_name is empty: give a hub name or a local directory")
        need(self.corpus_source in ("embedded", "korpora", "files"),
             f"corpus_source={self.corpus_source!r}: use 'embedded' (offline), 'korpora' (download) or 'files' "
             "(your own .csv/.tsv; on the command line --corpus PATH)")
        need(self.corpus_source != "files" or bool(self.corpus_path),
             "corpus_source='files' needs corpus_path: a .csv/.tsv file or a folder with train and test files "
             "(on the command line --corpus PATH)")
        need(_is_int(self.batch_size) and self.batch_size >= 1,
             f"batch_size={self.batch_size!r}: must be an integer >= 1 (the book uses 32)")
        need(_is_int(self.epochs) and self.epochs >= 1, f"epochs={self.epochs!r}: must be an integer >= 1")
        need(_is_int(self.max_seq_length) and self.max_seq_length >= 8,
             f"max_seq_length={self.max_seq_length!r}: must be an integer >= 8")
        for item in dataclasses.fields(self):
            problem = _type_problem(item, getattr(self, item.name))
            need(problem is None, problem or "")
        need(self.tiny_weights in TINY_WEIGHTS,
             f"tiny_weights={self.tiny_weights!r}: use 'pretrained' (the tiny BERT shipped with nlpbook_helpers), "
             "'random' (the same model with random weights) or '' (load pretrained_model_name as it is)")
        need(not self.tiny_weights or bool(self.tiny_model),
             f"tiny_weights={self.tiny_weights!r} needs tiny_model (the tiny BERT's dimensions, e.g. "
             "make_arguments('offline').tiny_model), or set tiny_weights='' to load pretrained_model_name as it is")
        need(self.learning_rate > 0, f"learning_rate={self.learning_rate!r}: must be > 0 (the book uses 5e-5)")
        need(0 <= self.warmup_ratio < 1, f"warmup_ratio={self.warmup_ratio!r}: must be in [0, 1)")
        if max_position_embeddings is not None:
            need(self.max_seq_length <= max_position_embeddings,
                 f"max_seq_length={self.max_seq_length} is longer than the model's max_position_embeddings="
                 f"{max_position_embeddings}: set max_seq_length <= {max_position_embeddings}")
        need(self.padding in ("dynamic", "max_length"),
             f"padding={self.padding!r}: use 'dynamic' (pad to the longest in the batch) or 'max_length'")
        need(self.empty_documents in ("keep", "skip", "error"),
             f"empty_documents={self.empty_documents!r}: use 'keep', 'skip' or 'error' (stop at an empty text)")
        need(0 <= self.val_ratio < 1 and 0 < self.test_ratio < 1 and self.val_ratio + self.test_ratio < 1,
             f"val_ratio={self.val_ratio!r}, test_ratio={self.test_ratio!r}: each in [0, 1) (test_ratio > 0) and "
             "together < 1, e.g. val_ratio=0.1, test_ratio=0.1 (val_ratio=0 validates on the test split)")
        need(self.cpu_workers >= 0, f"cpu_workers={self.cpu_workers!r}: must be >= 0")
        need(self.num_nodes >= 1, f"num_nodes={self.num_nodes!r}: must be an integer >= 1 (machines; 1 unless DDP "
                                  "across several)")
        direction, _, metric = self.monitor.partition(" ")
        need(direction in ("min", "max") and bool(metric),
             f"monitor={self.monitor!r}: write '<min|max> <metric>', e.g. 'min val_loss' or 'max val_acc'")
        for name in ("max_train_examples", "max_test_examples"):
            value = getattr(self, name)
            need(value is None or (_is_int(value) and value >= 1), f"{name}={value!r}: use None or an integer >= 1")
        return self


TINY_WEIGHTS = ("pretrained", "random", "")
TINY_MODEL = dict(hidden_size=128, num_hidden_layers=2, num_attention_heads=2, intermediate_size=512,
                  max_position_embeddings=300)


def _offline(home: Path) -> dict:
    """The tiny BERT that nlpbook_helpers pretrained (masked LM on its own text) and ships inside the package."""
    return dict(
        pretrained_model_name=str(home / "models" / "tiny-kcbert"),
        corpus_source="embedded",
        downstream_corpus_root_dir=str(home / "data" / "embedded"),
        downstream_model_dir=str(home / "checkpoints" / "offline-nsmc"),
        max_seq_length=64, learning_rate=1e-3, batch_size=32, epochs=2, accelerator="cpu", devices=1,
        precision="32-true", tiny_model=dict(TINY_MODEL), tiny_weights="pretrained",
    )


def _offline_scratch(home: Path) -> dict:
    """The same tiny BERT (dims, vocabulary) with random weights: what pretraining adds is the difference."""
    return dict(_offline(home), pretrained_model_name=str(home / "models" / "tiny-kcbert-scratch"),
                downstream_model_dir=str(home / "checkpoints" / "offline-scratch-nsmc"), tiny_weights="random")


def _kcbert_nsmc(home: Path) -> dict:
    return dict(
        pretrained_model_name="beomi/kcbert-base",
        corpus_source="korpora",
        downstream_corpus_root_dir=str(home / "data" / "korpora"),
        downstream_model_dir=str(home / "checkpoints" / "kcbert-nsmc"),
        max_seq_length=128, learning_rate=5e-5, batch_size=32, epochs=3, accelerator="auto", devices="auto",
        precision="auto",
    )


PRESETS = {"offline": _offline, "offline-scratch": _offline_scratch, "kcbert-nsmc": _kcbert_nsmc}


def make_arguments(preset: str = "offline", **overrides) -> Arguments:
    """The arguments of a preset ('offline', 'offline-scratch' or 'kcbert-nsmc'), any field overridden, validated."""
    if preset not in PRESETS:
        raise ArgumentsError(f"unknown preset {preset!r}: choose one of {sorted(PRESETS)}")
    known = {f.name for f in dataclasses.fields(Arguments)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ArgumentsError(f"unknown argument(s) {unknown}: the fields are {sorted(known)}")
    values = PRESETS[preset](nlpbook_home())
    values.update(overrides)
    if values.get("corpus_source") == "files" and "downstream_model_dir" not in overrides and values.get("corpus_path"):
        # your corpus' runs beside the preset's, not among them: checkpoints/offline-my_reviews
        name = f"{preset}-{Path(values['corpus_path']).expanduser().resolve().stem}"
        values["downstream_model_dir"] = str(Path(values["downstream_model_dir"]).with_name(name))
    return Arguments(preset=preset, **values).validate()
