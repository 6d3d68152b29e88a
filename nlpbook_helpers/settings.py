"""Stage 1 (notebook 01): the arguments of a run, three presets, validation."""
from __future__ import annotations

import dataclasses
import math
import os
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from .tasks import DEFAULT_TASK, TASKS, describe_tasks

__all__ = ["Arguments", "PRESETS", "TINY_MODEL", "TINY_WEIGHTS", "make_arguments", "nlpbook_home", "model_source",
           "shown_path", "field_help", "ArgumentsError", "use_google_drive", "network_timeout", "hub_unreachable",
           "TASK_PRESETS", "resolve_precision"]

NETWORK_TIMEOUT = 30.0     # seconds to wait for an answer (Korpora's download, the hub); $NLPBOOK_NETWORK_TIMEOUT


class ArgumentsError(ValueError):
    """An argument has a value the pipeline cannot run with; the message says how to fix it.
    Notebook 01, 검증: 잘못된 값은 시작하기 전에 잡습니다."""


def nlpbook_home() -> Path:
    """Where corpora, models and checkpoints live: $NLPBOOK_HOME, else ~/nlpbook (laptop, Colab, Binder alike).
    Notebook 01, 파일이 저장되는 곳: `NLPBOOK_HOME`."""
    return Path(os.environ.get("NLPBOOK_HOME", Path.home() / "nlpbook")).expanduser()


def use_google_drive(mount_point: str = "/content/drive") -> Path:
    """Colab: mount Google Drive and make NLPBOOK_HOME `<mount_point>/MyDrive/nlpbook`, so checkpoints outlive the runtime.
    Notebook 01, 코랩에서 체크포인트를 구글 드라이브에 남기기."""
    from google.colab import drive  # only in Colab; the notebooks' first cell calls this inside its Colab guard

    drive.mount(mount_point)
    my_drive = Path(mount_point) / "MyDrive"
    if not my_drive.is_dir():
        raise ArgumentsError(f"Google Drive is not mounted: {my_drive} does not exist after drive.mount"
                             f"({mount_point!r}). Run the first cell again and allow access, or set USE_DRIVE = False.")
    home = my_drive / "nlpbook"
    home.mkdir(exist_ok=True)
    os.environ["NLPBOOK_HOME"] = str(home)
    print(f"NLPBOOK_HOME = {home} (구글 드라이브: 말뭉치, 모델, 체크포인트가 런타임이 끝나도 남습니다)")
    return home


def shown_path(path: str | Path) -> str:
    """A path as notebooks print it: `$NLPBOOK_HOME/...` under the home, so outputs read the same on every machine.
    Notebook 01, 파일이 저장되는 곳: `NLPBOOK_HOME`."""
    path, home = Path(path).expanduser(), nlpbook_home()
    try:
        return str(Path("$NLPBOOK_HOME") / path.relative_to(home))
    except ValueError:
        return str(path)


def network_timeout() -> float:
    """Seconds to wait for the network to answer: $NLPBOOK_NETWORK_TIMEOUT, else 30.
    Not shown in a notebook; download_corpus (notebook 02) and from_pretrained (notebook 03) wait this long."""
    raw = os.environ.get("NLPBOOK_NETWORK_TIMEOUT", "").strip()
    try:
        seconds = float(raw) if raw else NETWORK_TIMEOUT
    except ValueError:
        seconds = math.nan
    if not 0 < seconds < math.inf:
        raise ArgumentsError(f"NLPBOOK_NETWORK_TIMEOUT={raw!r}: must be a number of seconds > 0, e.g. 30")
    return seconds


def hub_unreachable(name: str) -> str | None:
    """None if the Hugging Face hub answers within network_timeout() (or HF_HUB_OFFLINE=1), else why it does not.
    Not shown in a notebook; used by notebook 03's loading (모델 불러오기: `from_pretrained`)."""
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
    """(what to pass to from_pretrained, whether it is a local directory) for a hub name or a path.
    Notebook 03, 프리트레인이란."""
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


def _arg(default, help: str):
    """A field of Arguments with its one-line help (`python -m nlpbook_helpers fields` prints them)."""
    if isinstance(default, dict):
        return field(default_factory=lambda: dict(default), metadata={"help": help})
    return field(default=default, metadata={"help": help})


def field_help(name: str) -> str:
    """The one-line help of the field `name` of Arguments (notebook 01, 두 프리셋 나란히 보기).
    The fields: notebook 01, 두 프리셋 나란히 보기; all of them: `python -m nlpbook_helpers fields`."""
    return {item.name: item.metadata["help"] for item in dataclasses.fields(Arguments)}[name]


@dataclass
class Arguments:
    """Everything one fine-tuning run needs; field names follow the book (ratsnlp's ClassificationTrainArguments).
    Notebook 01, 책에서는 이렇게 했습니다."""

    preset: str = _arg("offline", "이 인자들이 나온 프리셋(preset)의 이름: offline, offline-scratch, kcbert-nsmc, "
                                  "kcbert-klue-nli, kcbert-ner")
    pretrained_model_name: str = _arg("", "프리트레인 모델: 허깅페이스 허브 이름(beomi/kcbert-base) 또는 로컬 체크포인트 폴더")
    downstream_task_name: str = _arg("document-classification", "다운스트림 태스크(downstream task): document-"
                                                                 "classification(문서 분류) pair-classification(문장 쌍 "
                                                                 "분류), ner(개체명 인식); 명령줄에서는 --task")
    downstream_corpus_name: str = _arg("nsmc", "말뭉치 이름: <downstream_corpus_root_dir>/<이 이름>/ 폴더, Korpora로 "
                                               "내려받을 말뭉치 (nsmc; 문장 쌍 분류는 klue-nli, kornli; "
                                               "개체명 인식은 ner, naver_changwon_ner)")
    corpus_source: str = _arg("embedded", "말뭉치를 어디서: embedded(이 패키지가 쓰는 내장 말뭉치), korpora(NSMC를 "
                                          "내려받음), files(내 .csv/.tsv)")
    downstream_corpus_root_dir: str = _arg("", "말뭉치 파일의 상위 폴더: <이 폴더>/<downstream_corpus_name>/"
                                               "ratings_{train,test}.txt")
    downstream_model_dir: str = _arg("", "체크포인트(checkpoint), 로그, 파인튜닝한 모델이 모이는 폴더 (실행 폴더 "
                                         "run_<N>과 피처 캐시 features/가 그 안에)")
    max_seq_length: int = _arg(128, "리뷰를 자르는 최대 토큰 수 (max sequence length, [CLS]와 [SEP] 포함)")
    padding: str = _arg("dynamic", "패딩(padding): dynamic(배치에서 가장 긴 리뷰까지, 동적 패딩) 또는 "
                                   "max_length(max_seq_length까지, 책의 방식)")
    group_by_length: bool = _arg(True, "학습 배치를 길이가 비슷한 리뷰끼리 묶어 패딩을 줄임 (LengthGroupedSampler)")
    empty_documents: str = _arg("keep", "텍스트가 빈 리뷰: keep(그대로 둠), skip(뺌), error(거기서 멈춤)")
    corpus_path: str = _arg("", "files: 내 .csv/.tsv 파일 하나, 또는 train/test(/validation) 파일이 든 폴더")
    text_column: str = _arg("document", "files: 텍스트 열의 헤더 이름")
    label_column: str = _arg("label", "files: 레이블(label) 열의 헤더 이름")
    val_ratio: float = _arg(0.1, "files, 검증 파일이 없을 때: 학습 세트에서 검증용으로 떼는 비율 (시드로, 층화해서; "
                                 "0이면 테스트 세트로 검증)")
    test_ratio: float = _arg(0.1, "files, 파일 하나일 때: 테스트용으로 떼는 비율")
    max_train_examples: int | None = _arg(None, "학습 인스턴스를 앞에서부터 N개만 씀 (빠른 실행; None이면 전부)")
    max_test_examples: int | None = _arg(None, "테스트(와 검증) 인스턴스를 앞에서부터 N개만 씀 (None이면 전부)")
    save_top_k: int = _arg(1, "monitor 기준으로 가장 좋은 체크포인트를 몇 개 남길지 (last.ckpt는 따로 늘 남김)")
    monitor: str = _arg("min val_loss", "가장 좋은 체크포인트를 고르는 기준: '<min|max> <지표>', 예: 'min val_loss', "
                                        "'max val_acc'")
    seed: int = _arg(7, "시드(seed): 분류기 헤드의 초깃값, 드롭아웃, 배치 순서, files의 세트 나누기")
    learning_rate: float = _arg(5e-5, "학습률(learning rate): AdamW의 최댓값, 워밍업 뒤 0까지 선형으로 줄어듦")
    warmup_ratio: float = _arg(0.1, "전체 스텝 중 학습률을 0에서 올리는 워밍업(warmup) 구간의 비율")
    weight_decay: float = _arg(0.01, "AdamW의 weight decay (가중치 행렬에만; 바이어스와 LayerNorm은 빼고)")
    batch_size: int = _arg(32, "배치 크기(batch size): 한 스텝에 프로세스 하나가 넣는 인스턴스 수")
    epochs: int = _arg(3, "에포크(epoch) 수: 학습 데이터 전체를 몇 번 볼지")
    cpu_workers: int = _arg(0, "데이터 로더가 배치를 만드는 프로세스 수 (DataLoader의 num_workers; 0이면 메인 "
                               "프로세스에서)")
    accelerator: str = _arg("auto", "Lightning의 accelerator: auto(있으면 GPU), cpu, gpu 등")
    devices: int | str = _arg("auto", "쓸 장치 수 (Lightning의 devices; auto면 있는 만큼)")
    strategy: str = _arg("auto", "Lightning의 분산 전략 (strategy): auto, ddp 등")
    num_nodes: int = _arg(1, "머신 수 (DDP); 실제 배치 크기 = batch_size × devices × num_nodes")
    precision: str = _arg("32-true", "정밀도(precision): 32-true, 16-mixed, bf16-mixed; auto는 GPU에서 "
                                     "bf16-mixed/16-mixed, CPU에서 32-true")
    fast_dev_run: bool = _arg(False, "Lightning의 빠른 점검 (fast_dev_run): 학습과 검증 배치 하나씩, 체크포인트 없음")
    progress_bar: bool = _arg(True, "학습 중에 진행 막대(progress bar)를 보일지")
    log_every_n_steps: int = _arg(10, "몇 스텝마다 CSV 로그에 적을지 (Lightning의 log_every_n_steps)")
    tiny_model: dict = _arg({}, "offline 프리셋: 작은 BERT의 크기 (hidden_size, num_hidden_layers 등)")
    tiny_weights: str = _arg("", "offline 프리셋: pretrained(패키지에 든 프리트레인 가중치), random(같은 모델, "
                                 "무작위 가중치), ''(pretrained_model_name을 그대로 불러옴)")

    def validate(self, max_position_embeddings: int | None = None) -> "Arguments":
        """Raise ArgumentsError naming the field and the fix; return self when all is well."""
        def need(ok: bool, message: str) -> None:
            if not ok:
                raise ArgumentsError(message)

        need(self.preset in PRESETS or self.preset in TASK_PRESETS,
             f"preset={self.preset!r}: choose one of {sorted(PRESETS) + sorted(TASK_PRESETS)}")
        need(self.downstream_task_name in TASKS, f"downstream_task_name={self.downstream_task_name!r}: no such task. "
                                                 f"The tasks are:\n{describe_tasks()}")
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
        need(not _is_int(self.devices) or self.devices >= 1 or self.devices == -1,
             f"devices={self.devices!r}: must be 'auto', -1 (all of them) or the number of devices to train on (>= 1)"
             ", e.g. devices=1")
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


def _kcbert_klue_nli(home: Path) -> dict:
    """The book's pair classification: kcbert-base on KLUE-NLI (max_seq_length 64, 5 epochs, as in the book)."""
    return dict(_kcbert_nsmc(home), downstream_task_name="pair-classification", downstream_corpus_name="klue-nli",
                downstream_model_dir=str(home / "checkpoints" / "kcbert-klue-nli"), max_seq_length=64, epochs=5)


def _kcbert_ner(home: Path) -> dict:
    """The book's NER: kcbert-base on its <surface:TAG> corpus (max_seq_length 64, 3 epochs, as in the book)."""
    return dict(_kcbert_nsmc(home), downstream_task_name="ner", downstream_corpus_name="ner",
                downstream_model_dir=str(home / "checkpoints" / "kcbert-ner"), max_seq_length=64, epochs=3)


def _kcbert_korquad(home: Path) -> dict:
    """The book's question answering: kcbert-base on KorQuAD 1.0 (max_seq_length 128, 3 epochs, as in the book);
    batches shuffled, not grouped by length (grouping gathers the long contexts' answerless windows: tasks.TASKS)."""
    return dict(_kcbert_nsmc(home), downstream_task_name="qa", downstream_corpus_name="korquad",
                downstream_model_dir=str(home / "checkpoints" / "kcbert-korquad"), max_seq_length=128, epochs=3,
                group_by_length=False)


def _kogpt2_nsmc(home: Path) -> dict:
    """The book's sentence generation: skt/kogpt2-base-v2 on NSMC reviews prefixed with their sentiment."""
    return dict(_kcbert_nsmc(home), pretrained_model_name="skt/kogpt2-base-v2", downstream_task_name="generation",
                downstream_model_dir=str(home / "checkpoints" / "kogpt2-nsmc"), max_seq_length=32)


def _kcbert_korquad_search(home: Path) -> dict:
    """Document search on the book's model: kcbert-base as a bi-encoder, KorQuAD 1.0's questions and paragraphs
    (256 tokens: most KorQuAD paragraphs fit; lr and epochs are the usual fine-tuning values, not measured here)."""
    return dict(_kcbert_nsmc(home), downstream_task_name="search", downstream_corpus_name="korquad",
                downstream_model_dir=str(home / "checkpoints" / "kcbert-korquad-search"), max_seq_length=256,
                learning_rate=2e-5, epochs=1, batch_size=32)


PRESETS = {"offline": _offline, "offline-scratch": _offline_scratch, "kcbert-nsmc": _kcbert_nsmc}
# the book's model on another task's corpus (the offline presets serve every task: see _task_values)
TASK_PRESETS = {"kcbert-klue-nli": _kcbert_klue_nli, "kcbert-ner": _kcbert_ner, "kogpt2-nsmc": _kogpt2_nsmc,
                "kcbert-korquad": _kcbert_korquad, "kcbert-korquad-search": _kcbert_korquad_search}


def _task_values(preset: str, task: str | None, home: Path) -> dict:
    """The preset's values for `task` (None: the preset's own, else document classification): an offline preset takes
    the task's arguments (tasks.TASKS) and a run folder `checkpoints/<preset>-<task>`; a preset on the book's corpus
    (kcbert-nsmc, kcbert-klue-nli) belongs to one task."""
    owner = next((name for name, info in TASKS.items() if info.book_preset == preset), None)
    task = task or owner or DEFAULT_TASK
    if task not in TASKS:
        raise ArgumentsError(f"downstream_task_name={task!r}: no such task. The tasks are:\n{describe_tasks()}")
    if owner is not None and owner != task:
        raise ArgumentsError(f"preset {preset!r} is {owner}'s (the book's model on its corpus): for {task} use the "
                             f"preset {TASKS[task].book_preset!r}, or 'offline'")
    values = {**PRESETS, **TASK_PRESETS}[preset](home)
    if owner is None and task != DEFAULT_TASK:
        values.update(TASKS[task].arguments, downstream_task_name=task,
                      downstream_model_dir=str(Path(values["downstream_model_dir"]).with_name(f"{preset}-{task}")))
        if TASKS[task].offline_model:         # the task's own shipped model (a GPT), not the tiny BERT
            if values["tiny_weights"] != "pretrained":
                raise ArgumentsError(f"preset {preset!r} has no {task} model (random weights exist for the tiny BERT "
                                     f"only): use the preset 'offline' for {task}")
            values["pretrained_model_name"] = str(home / "models" / TASKS[task].offline_model)
    return values


def make_arguments(preset: str = "offline", **overrides) -> Arguments:
    """The arguments of a preset ('offline', 'offline-scratch' or 'kcbert-nsmc'), any field overridden, validated.
    `downstream_task_name=` picks the task: the offline presets then take its corpus and defaults (tasks.TASKS).
    Notebook 01, 두 프리셋 나란히 보기 / 필드 바꾸기."""
    if preset not in PRESETS and preset not in TASK_PRESETS:
        raise ArgumentsError(f"unknown preset {preset!r}: choose one of {sorted(PRESETS) + sorted(TASK_PRESETS)}")
    known = {f.name for f in dataclasses.fields(Arguments)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ArgumentsError(f"unknown argument(s) {unknown}: the fields are {sorted(known)}")
    values = _task_values(preset, overrides.get("downstream_task_name"), nlpbook_home())
    values.update(overrides)
    if values.get("corpus_source") == "files" and "downstream_model_dir" not in overrides and values.get("corpus_path"):
        # your corpus' runs beside the preset's, not among them: checkpoints/offline-my_reviews
        name = f"{preset}-{Path(values['corpus_path']).expanduser().resolve().stem}"
        values["downstream_model_dir"] = str(Path(values["downstream_model_dir"]).with_name(name))
    return Arguments(preset=preset, **values).validate()


def resolve_precision(precision: str) -> str:
    """'auto': bf16-mixed on a GPU that has bf16, 16-mixed on older GPUs (Colab's T4), 32-true on the CPU.
    Notebook 07, 책의 코드: `pl.Trainer(...)`."""
    if precision != "auto":
        return precision
    import torch                        # here: the arguments alone need no torch

    if torch.cuda.is_available():
        return "bf16-mixed" if torch.cuda.is_bf16_supported() else "16-mixed"
    return "32-true"
