"""Stage 2 (notebook 02): get the corpus (download or write the embedded one) and read NSMC-format files."""
from __future__ import annotations

import shutil
import socket
from dataclasses import dataclass
from pathlib import Path

from .embedded_corpus import write_embedded_corpus
from .files import build_lock
from .settings import network_timeout

__all__ = ["Example", "Corpus", "CorpusError", "corpus_dir", "download_corpus", "read_nsmc_file", "load_corpus"]

HEADER = "id\tdocument\tlabel"
FILES = {"train": "ratings_train.txt", "test": "ratings_test.txt"}


class CorpusError(ValueError):
    """The corpus is missing or a file is not in NSMC format; the message names the file, the line and the fix."""


@dataclass(frozen=True, slots=True)
class Example:
    """One review: its id, its text and its label (1 positive, 0 negative)."""

    id: str
    text: str
    label: int


@dataclass
class Corpus:
    """The train and test examples, and what reading found (stats[split]: path, lines, empty, kept, used)."""

    train: list[Example]
    test: list[Example]
    stats: dict

    def __repr__(self) -> str:  # a notebook cell that ends with `corpus` must not print 150,000 reviews
        return f"Corpus(train={len(self.train):,} examples, test={len(self.test):,} examples)"


def corpus_dir(args) -> Path:
    """Where the corpus files lie: <downstream_corpus_root_dir>/<downstream_corpus_name>."""
    return Path(args.downstream_corpus_root_dir).expanduser() / args.downstream_corpus_name


def download_corpus(args) -> Path:
    """Put ratings_train.txt and ratings_test.txt into corpus_dir(args) unless both are there; return the folder.

    Only missing files are created: a file of the user's is never replaced (a folder with only one of the two
    files, not written by nlpbook_helpers, is an error that says what to do).
    """
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
            _fetch_with_korpora(args, target, missing)
    return target


def _fetch_with_korpora(args, target: Path, missing: list[str]) -> None:
    """Korpora downloads into a staging folder; complete files are then moved in, so a failed download leaves
    no half file in corpus_dir and never replaces a file that is already there."""
    from Korpora import Korpora             # imported here: reading files does not need it

    root = Path(args.downstream_corpus_root_dir).expanduser()
    staging = root / f".download-{args.downstream_corpus_name}"
    shutil.rmtree(staging, ignore_errors=True)   # what an interrupted download left (we hold the folder's lock)
    seconds = network_timeout()
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)       # Korpora 0.2 calls urlopen without a timeout: this gives it one
    try:
        # Korpora 0.2 writes <root_dir>/nsmc/ratings_{train,test}.txt and always asks the server first
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
            f"put {' and '.join(FILES.values())} into {target} by hand, then run again") from error
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
    """Read <corpus_dir>/ratings_train.txt and ratings_test.txt; apply empty_documents, then max_*_examples."""
    folder, splits, stats = corpus_dir(args), {}, {}
    for split, name in FILES.items():
        examples, stats[split] = read_nsmc_file(folder / name, args.empty_documents)
        limit = getattr(args, f"max_{split}_examples")
        splits[split] = examples if limit is None else examples[:limit]
        stats[split]["used"] = len(splits[split])
    return Corpus(train=splits["train"], test=splits["test"], stats=stats)
