"""Stage 2 (notebook 02): get the corpus (download or write the embedded one) and read NSMC-format files;
or read your own .csv/.tsv files (corpus_source="files"), labels named by the data."""
from __future__ import annotations

import csv
import io
import random
import re
import shutil
import socket
from dataclasses import dataclass, field
from pathlib import Path

from .embedded_corpus import write_embedded_corpus
from .files import build_lock
from .settings import network_timeout

__all__ = ["Example", "Corpus", "CorpusError", "corpus_dir", "corpus_files", "download_corpus", "read_nsmc_file",
           "load_corpus", "read_table_file", "label_order", "stratified_split", "NSMC_LABELS", "fetch_with_korpora",
           "LABEL_NAMES"]

HEADER = "id\tdocument\tlabel"
FILES = {"train": "ratings_train.txt", "test": "ratings_test.txt"}
NSMC_LABELS = ("부정", "긍정")            # label names of ids 0 and 1 in NSMC (negative, positive)
LABEL_NAMES = dict(enumerate(NSMC_LABELS))   # id → name, for a model config without names of its own
SPLIT_NAMES = ("train", "validation", "test")   # your folder: train.csv (or .tsv), test.csv, validation.csv if any


class CorpusError(ValueError):
    """The corpus is missing or a file is not in NSMC format; the message names the file, the line and the fix.
    Notebook 02, 형식이 틀린 줄은 분명한 오류로."""


@dataclass(frozen=True, slots=True)
class Example:
    """One review: its id, its text and its label (1 positive, 0 negative). Notebook 02, 파일 읽기: `read_nsmc_file`."""

    id: str
    text: str
    label: int


@dataclass
class Corpus:
    """The train and test examples, and what reading found (stats[split]: path, lines, empty, kept, used).
    `val` is empty when the test split validates (NSMC); `label_names[i]` is the name of label id i.
    Notebook 02, 파일 읽기: `read_nsmc_file`."""

    train: list[Example]
    test: list[Example]
    stats: dict
    val: list[Example] = field(default_factory=list)
    label_names: tuple[str, ...] = NSMC_LABELS

    def __repr__(self) -> str:  # a notebook cell that ends with `corpus` must not print 150,000 reviews
        val = f"val={len(self.val):,} examples, " if self.val else ""
        return f"Corpus(train={len(self.train):,} examples, {val}test={len(self.test):,} examples)"


def corpus_dir(args) -> Path:
    """Where the corpus files lie: <downstream_corpus_root_dir>/<downstream_corpus_name> (your files: corpus_path's
    folder). Notebook 02, 말뭉치 준비: `download_corpus`."""
    if args.corpus_source == "files":
        path = Path(args.corpus_path).expanduser()
        return path if path.is_dir() else path.parent
    return Path(args.downstream_corpus_root_dir).expanduser() / args.downstream_corpus_name


def _own_files(args) -> dict[str, Path]:
    """Your corpus' files by split: {"train": the file} for one file, else what the folder holds (train, test and
    validation, each .csv or .tsv); CorpusError when the path or a needed file is missing."""
    path = Path(args.corpus_path).expanduser()
    if path.is_file():
        return {"train": path}
    if not path.is_dir():
        raise CorpusError(f"corpus_path={args.corpus_path!r}: {path} does not exist. Fix: give a .csv/.tsv file, or "
                          "a folder holding train.csv and test.csv (or .tsv; validation.csv if you have one)")
    found = {}
    for split in SPLIT_NAMES:
        matches = [path / f"{split}.{ext}" for ext in ("csv", "tsv") if (path / f"{split}.{ext}").is_file()]
        if len(matches) > 1:
            raise CorpusError(f"{path}: both {matches[0].name} and {matches[1].name}. Fix: keep one of them")
        if matches:
            found[split] = matches[0]
    missing = [f"{split}.csv" for split in ("train", "test") if split not in found]
    if missing:
        raise CorpusError(f"{path}: no {' and no '.join(missing)} (or .tsv) there; it holds "
                          f"{sorted(p.name for p in path.iterdir()) or 'nothing'}. Fix: name your files train.csv and "
                          "test.csv (validation.csv is optional), or give corpus_path one file to split by test_ratio")
    return found


def corpus_files(args) -> list[Path]:
    """The files load_corpus(args) reads (what a run's fingerprint hashes).
    Not shown in a notebook; the run's fingerprint (notebook 07, 8. 끊긴 학습 이어 하기) hashes them."""
    if args.corpus_source == "files":
        return list(_own_files(args).values())
    return [corpus_dir(args) / name for name in FILES.values()]


def download_corpus(args) -> Path:
    """Put ratings_train.txt and ratings_test.txt into corpus_dir(args) unless both are there; return the folder.

    Only missing files are created: a file of the user's is never replaced (a folder with only one of the two
    files, not written by nlpbook_helpers, is an error that says what to do).
    Notebook 02, 말뭉치 준비: `download_corpus`.
    """
    if args.corpus_source == "files":
        _own_files(args)                    # yours: nothing to download, only check that it is there
        return corpus_dir(args)
    target = corpus_dir(args)
    for name in FILES.values():
        if (target / name).is_dir():
            raise CorpusError(f"{target / name} is a directory, not a file: move it away (the corpus is the two "
                              f"files {' and '.join(FILES.values())} directly in {target}), then run again")
    missing = [name for name in FILES.values() if not (target / name).is_file()]
    if not missing:
        return target                       # already there: never touch the network or the files
    if args.corpus_source == "embedded":
        try:
            write_embedded_corpus(target, seed=args.seed)
        except FileExistsError as error:
            yours = Path(error.filename).name
            absent = " and ".join(name for name in FILES.values() if name != yours)
            raise CorpusError(
                f"{target}: {yours} is there but {absent} is missing, and {yours} is not the embedded corpus "
                f"(nlpbook_helpers did not write it), so it was left unchanged and nothing was written. Fix: put "
                f"your own {absent} (NSMC format) beside it, or move {yours} elsewhere to get the embedded corpus, "
                "or set downstream_corpus_root_dir to another folder") from None
        return target
    if args.corpus_source != "korpora":
        raise CorpusError(f"corpus_source={args.corpus_source!r}: use 'embedded' (offline) or 'korpora' (download)")
    if args.downstream_corpus_name != "nsmc":
        raise CorpusError(f"downstream_corpus_name={args.downstream_corpus_name!r}: with corpus_source='korpora' "
                          "only 'nsmc' comes in NSMC format; set downstream_corpus_name='nsmc'")
    with build_lock(target):                # another process may be downloading into the same folder: take turns
        missing = [name for name in missing if not (target / name).is_file()]
        if missing:
            fetch_with_korpora(args, target, missing)
    return target


def fetch_with_korpora(args, target: Path, missing: list[str], names: tuple[str, ...] = tuple(FILES.values())
                        ) -> None:
    """Korpora downloads into a staging folder; complete files are then moved in, so a failed download leaves
    no half file in corpus_dir and never replaces a file that is already there. `names`: the corpus' files."""
    from Korpora import Korpora             # imported here: reading files does not need it

    root = Path(args.downstream_corpus_root_dir).expanduser()
    staging = root / f".download-{args.downstream_corpus_name}"
    shutil.rmtree(staging, ignore_errors=True)   # what an interrupted download left (we hold the folder's lock)
    seconds = network_timeout()
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)       # Korpora 0.2 calls urlopen without a timeout: this gives it one
    try:
        # Korpora 0.2 writes <root_dir>/<name>/<its files> (nsmc: ratings_{train,test}.txt) and always asks the server first
        Korpora.fetch(args.downstream_corpus_name, root_dir=str(staging))
    except Exception as error:
        shutil.rmtree(staging, ignore_errors=True)
        stalled = isinstance(getattr(error, "reason", error), TimeoutError)
        why = (f"no answer within {seconds:g} s; set NLPBOOK_NETWORK_TIMEOUT=<seconds> to wait longer"
               if stalled else f"{type(error).__name__}: {error}")
        raise CorpusError(
            f"could not download {args.downstream_corpus_name} with Korpora ({why}). "
            "Is there no network here? Then either use the offline preset "
            "(make_arguments(\"offline\"), or --preset offline on the command line: the embedded corpus) or "
            f"put {' and '.join(names)} into {target} by hand, then run again") from error
    finally:
        socket.setdefaulttimeout(previous)
    fetched = staging / args.downstream_corpus_name
    target.mkdir(parents=True, exist_ok=True)
    for name in missing:
        if not (fetched / name).is_file():
            raise CorpusError(f"Korpora finished but {fetched / name} is missing: delete {staging} and run again")
        (fetched / name).replace(target / name)
    shutil.rmtree(staging, ignore_errors=True)


def _problem(path: Path, line: int, what: str, fix: str) -> CorpusError:
    return CorpusError(f"{path}, line {line}: {what}. Fix: {fix}")


def read_nsmc_file(path, empty_documents: str = "keep") -> tuple[list[Example], dict]:
    """Read one NSMC-format file (header id/document/label, one review per line, tab-separated, UTF-8).

    Every physical line is one review: quotes are plain characters (a csv reader would merge rows at a stray
    `"`). Empty documents are kept as "" or skipped (empty_documents="keep" or "skip") and counted either way.
    Returns the examples and stats {"path", "lines" (reviews, header excluded), "empty", "kept"}.
    Notebook 02, 파일 읽기: `read_nsmc_file`.
    """
    if empty_documents not in ("keep", "skip"):
        raise CorpusError(f"empty_documents={empty_documents!r}: use 'keep' or 'skip'")
    path = Path(path).expanduser()
    if path.is_dir():
        raise CorpusError(f"{path} is a directory, not a file: move it away and put the NSMC-format file there "
                          f"(run download_corpus(args) to get {path.name})")
    if not path.is_file():
        raise CorpusError(f"{path} does not exist: run download_corpus(args) first, which puts "
                          f"{' and '.join(FILES.values())} into {path.parent}")
    data = path.read_bytes()
    try:
        content = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise _problem(path, line, f"bytes that are not UTF-8 ({data[error.start:error.end]!r})",
                       "re-save the file as UTF-8 (e.g. iconv -f CP949 -t UTF-8, or 'Save as UTF-8' in an editor)"
                       ) from None
    lines = content.removeprefix("\ufeff").split("\n")
    if lines[-1] == "":
        lines.pop()                         # the newline that ends the last line
    header = lines[0].removesuffix("\r") if lines else ""
    if header != HEADER:
        raise _problem(path, 1, f"the header is {header!r}", f"the first line must be exactly {HEADER!r} "
                       "(tab-separated), as in NSMC's ratings_train.txt")
    examples, empty = [], 0
    keep_empty = empty_documents == "keep"
    for number, line in enumerate(lines[1:], start=2):
        fields = line.removesuffix("\r").split("\t")
        if len(fields) != 3:
            if line.strip() == "":
                raise _problem(path, number, "an empty line in the middle of the file",
                               "delete the empty line (every line is one review: id, document, label)")
            raise _problem(path, number, f"{len(fields)} tab-separated fields instead of 3 (id, document, label)",
                           "a review must not contain a tab: replace tabs inside the review with spaces")
        review_id, text, label = fields
        if label != "0" and label != "1":
            raise _problem(path, number, f"label {label!r}", "the label must be 0 (negative) or 1 (positive)")
        if not text.strip():
            empty += 1
            if not keep_empty:
                continue
            text = ""
        examples.append(Example(review_id, text, 1 if label == "1" else 0))
    stats = {"path": str(path), "lines": len(lines) - 1, "empty": empty, "kept": len(examples)}
    return examples, stats


def load_corpus(args) -> Corpus:
    """Read <corpus_dir>/ratings_train.txt and ratings_test.txt; apply empty_documents, then max_*_examples.
    corpus_source="files": read your files instead (see load_own_corpus).
    Notebook 02, 파일 읽기: `read_nsmc_file`; your files: notebook 08."""
    if args.corpus_source == "files":
        return load_own_corpus(args)
    folder, splits, stats = corpus_dir(args), {}, {}
    for split, name in FILES.items():
        examples, stats[split] = read_nsmc_file(folder / name, args.empty_documents)
        limit = getattr(args, f"max_{split}_examples")
        splits[split] = examples if limit is None else examples[:limit]
        stats[split]["used"] = len(splits[split])
    return Corpus(train=splits["train"], test=splits["test"], stats=stats)


# ---- your own corpus: .csv or .tsv with a header; labels are names or integers -------------------------------

def _decode(path: Path) -> str:
    """The file's text (UTF-8, a BOM dropped), or the same file/line/fix errors as read_nsmc_file."""
    if path.is_dir():
        raise CorpusError(f"{path} is a directory, not a file: give corpus_path the .csv/.tsv file (or its folder)")
    data = path.read_bytes()
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise _problem(path, line, f"bytes that are not UTF-8 ({data[error.start:error.end]!r})",
                       "re-save the file as UTF-8 (e.g. iconv -f CP949 -t UTF-8, or 'Save as UTF-8' in an editor)"
                       ) from None


def _rows(path: Path, content: str):
    """(line number, fields) of each record: a .tsv splits every physical line at tabs (quotes are plain
    characters, as in NSMC); a .csv follows csv quoting ("a, b" is one field; a quoted field may span lines)."""
    if path.suffix.lower() == ".tsv":
        lines = content.split("\n")
        if lines[-1] == "":
            lines.pop()
        for number, line in enumerate(lines, start=1):
            line = line.removesuffix("\r")
            yield number, (line.split("\t") if line else [])
        return
    reader = csv.reader(io.StringIO(content, newline=""))   # lines end at \n / \r\n only, not at U+2028
    start = 1
    try:
        for fields in reader:
            yield start, fields
            start = reader.line_num + 1
    except csv.Error as error:
        raise _problem(path, start, f"unreadable CSV ({error})", 'close the quote: a text with commas or quotes is '
                       'written in double quotes, with a quote inside doubled ("say ""hi""")') from None


def read_table_file(path, text_column: str, label_column: str, empty_documents: str = "keep"
                    ) -> tuple[list[tuple[int, str, str]], dict]:
    """Read one .csv/.tsv file whose header names `text_column` and `label_column` (other columns are ignored).
    Returns (line number, text, label as written) per row and stats {"path", "lines", "empty", "kept"}.
    Notebook 08, 2. 내 파일이 갖춰야 할 형식."""
    path = Path(path).expanduser()
    if not path.is_file() and not path.is_dir():
        raise CorpusError(f"{path} does not exist: check corpus_path (a .csv/.tsv file or a folder with train.csv)")
    kind = "tab" if path.suffix.lower() == ".tsv" else "comma"
    rows = _rows(path, _decode(path))
    _, header = next(rows, (1, []))
    header = [name.strip() for name in header]
    other, other_kind, suffix = ("\t", "tab", ".tsv") if kind == "comma" else (",", "comma", ".csv")
    if len(header) == 1 and other in header[0] and not {text_column, label_column} <= set(header):
        raise _problem(path, 1, f"one {kind}-separated column {header[0]!r}: the file looks {other_kind}-separated "
                       f"but is named {path.suffix or '(no suffix)'}", f"rename it to {path.stem}{suffix} (the suffix "
                       f"says how columns are separated: .csv commas, .tsv tabs), or save it {kind}-separated")
    for argument, name in (("text_column", text_column), ("label_column", label_column)):
        if name not in header:
            raise _problem(path, 1, f"no column {name!r} in the header; its columns are {header}",
                           f"set {argument} to one of them (--set {argument}=NAME), or name a column {name!r} in "
                           f"the first line ({kind}-separated)")
    text_at, label_at = header.index(text_column), header.index(label_column)
    examples, empty, lines = [], 0, 0
    for number, fields in rows:
        lines += 1
        if not fields:
            raise _problem(path, number, "an empty line", "delete the empty line (every line is one example)")
        if len(fields) != len(header):
            fix = ("a text must not contain a tab: replace tabs inside it with spaces" if kind == "tab" else
                   'write a text that contains commas in double quotes ("good, really")')
            raise _problem(path, number, f"{len(fields)} {kind}-separated fields instead of {len(header)} "
                           f"({', '.join(header)})", fix)
        text, label = fields[text_at], fields[label_at].strip()
        if not label:
            raise _problem(path, number, f"the label ({label_column}) is empty", "write the label or delete the line")
        if not text.strip():
            empty += 1
            if empty_documents == "error":
                raise _problem(path, number, f"the text ({text_column}) is empty", "write the text, delete the line, "
                               "or set empty_documents='skip' (drop such lines) or 'keep'")
            if empty_documents == "skip":
                continue
            text = ""
        examples.append((number, text, label))
    return examples, {"path": str(path), "lines": lines, "empty": empty, "kept": len(examples)}


def label_order(labels) -> tuple[str, ...]:
    """The label names in id order: integers numerically (-1, 0, 2, 10), otherwise names in sorted (Unicode) order,
    so the ids never depend on the order of the lines. Notebook 08, 3. 인자: `corpus_source="files"`."""
    names = set(labels)
    if all(re.fullmatch(r"[+-]?\d+", name) for name in names):
        return tuple(sorted(names, key=lambda name: (int(name), name)))
    return tuple(sorted(names))


def stratified_split(examples: list[Example], ratio: float, seed: int) -> tuple[list[Example], list[Example]]:
    """(kept, held out): `ratio` of each label's examples held out, chosen by `seed`; each label keeps at least one.
    Both parts stay in file order. Notebook 08, 3. 인자: `corpus_source="files"`."""
    by_label: dict[int, list[int]] = {}
    for index, example in enumerate(examples):
        by_label.setdefault(example.label, []).append(index)
    rng, held = random.Random(seed), set()
    for label in sorted(by_label):
        indices = by_label[label]
        rng.shuffle(indices)
        held.update(indices[:min(int(len(indices) * ratio + 0.5), len(indices) - 1)])   # 0.5 rounds up
    return ([e for i, e in enumerate(examples) if i not in held], [e for i, e in enumerate(examples) if i in held])


def load_own_corpus(args) -> Corpus:
    """Your .csv/.tsv corpus: label ids from train's labels (label_order); a validation split from train
    (val_ratio, seeded, stratified) when there is no validation file; one file is split into train, validation and
    test (test_ratio and val_ratio of the whole file). A test/validation label that train never had is an error
    naming the line. Notebook 08, 3. 인자: `corpus_source="files"`."""
    files = _own_files(args)
    read = {split: read_table_file(path, args.text_column, args.label_column, args.empty_documents)
            for split, path in files.items()}
    names = label_order(label for _, _, label in read["train"][0])
    ids = {name: index for index, name in enumerate(names)}
    splits, stats = {}, {}
    for split, (rows, split_stats) in read.items():
        for number, _, label in rows:
            if label not in ids:
                raise _problem(Path(split_stats["path"]), number, f"label {label!r}, which the training file "
                               f"{files['train'].name} never has (its labels: {', '.join(names)})",
                               "correct the label, or add training examples of it")
        splits[split] = [Example(str(number), text, ids[label]) for number, text, label in rows]
        stats[split] = split_stats
    if "test" not in splits:
        splits["train"], splits["test"] = stratified_split(splits["train"], args.test_ratio, args.seed)
        stats["test"] = {**stats["train"], "path": f"{files['train']} (test_ratio={args.test_ratio})"}
        if not splits["test"]:
            raise CorpusError(f"{files['train']}: too few examples per label for test_ratio={args.test_ratio} to hold "
                              f"any out for testing ({len(splits['train'])} examples). Fix: add examples, raise "
                              "test_ratio, or add a test.csv beside it")
    if "validation" not in splits and args.val_ratio > 0:
        share = args.val_ratio / (1 - args.test_ratio) if "test" not in files else args.val_ratio   # of the file
        splits["train"], splits["validation"] = stratified_split(splits["train"], share, args.seed + 1)
        if not splits["validation"]:
            raise CorpusError(f"{files['train']}: too few examples per label for val_ratio={args.val_ratio} to hold "
                              "any out for validation. Fix: add examples, raise val_ratio, add a validation.csv, or "
                              "set val_ratio=0 (validate on the test split)")
        stats["validation"] = {**stats["train"], "path": f"{files['train']} (val_ratio={args.val_ratio})"}
    limits = {"train": args.max_train_examples, "validation": args.max_test_examples, "test": args.max_test_examples}
    for split, examples in splits.items():
        splits[split] = examples if limits[split] is None else examples[:limits[split]]
        stats[split]["used"] = len(splits[split])
    stats["val"] = stats.pop("validation", None)
    return Corpus(train=splits["train"], test=splits["test"], stats=stats, val=splits.get("validation", []),
                  label_names=names)
