"""Stage 2 for 개체명 인식 (named entity recognition, notebook 10): sentences with character spans of entities.

Two file formats come in, one representation goes out: `NerExample(id, text, entities)`, each entity a
`(start, end, tag)` span of characters in `text`. The book's corpus writes one sentence a line, `raw sentence␞the
sentence with <surface:TAG> marks` (train.txt, val.txt); 네이버·창원대 (naver_changwon_ner, fetched by Korpora) writes
one 어절 a line, `index\tword\ttag` (tags PER_B, PER_I, `-` for none), sentences apart by an empty line. Errors name
the file, the line and the fix.
"""
from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

from .corpus import CorpusError, _decode, _problem

__all__ = ["NerExample", "BOOK_TAGS", "CHANGWON_TAGS", "SEPARATOR", "NER_FILES", "CHANGWON_FILE", "bio_names",
           "marked", "strip_marks", "markup_line", "markup_content", "read_markup_file", "read_changwon_file", "split_sentences"]

SEPARATOR = "\u241e"                                # ␞, between the raw and the marked sentence
# the book's 10 tags: 인명, 지명, 기관명, 날짜, 시간, 기간, 통화, 비율, 기타 수량표현, 기타 (e.g. a work's title)
BOOK_TAGS = ("PER", "LOC", "ORG", "DAT", "TIM", "DUR", "MNY", "PNT", "NOH", "POH")
# naver_changwon_ner's 14 tags (인물, 학문 분야, 인공물, 기관, 지역, 문명, 날짜, 시간, 숫자, 사건, 동물, 식물, 물질, 용어)
CHANGWON_TAGS = ("PER", "FLD", "AFW", "ORG", "LOC", "CVL", "DAT", "TIM", "NUM", "EVT", "ANM", "PLT", "MAT", "TRM")
NER_FILES = {"train": "train.txt", "test": "val.txt"}   # the book's file names
CHANGWON_FILE = "train_data"                             # Korpora's one file: test sentences are split off it
MARK = re.compile(r"<([^<>]*?):([^<>:]*)>")              # <surface:TAG>


@dataclass(frozen=True, slots=True)
class NerExample:
    """One sentence and its entities as character spans: text[start:end] is the entity, tag its kind.
    Notebook 10, 2. 말뭉치."""

    id: str
    text: str
    entities: tuple[tuple[int, int, str], ...]

    def surfaces(self) -> list[tuple[str, str]]:
        """(surface, tag) of each entity, in order."""
        return [(self.text[start:end], tag) for start, end, tag in self.entities]


def bio_names(tags) -> tuple[str, ...]:
    """The label names of a tag set in BIO: "O", then B-/I- of each tag (label id = position). Notebook 10, 3. 모델."""
    return ("O", *(f"{prefix}-{tag}" for tag in tags for prefix in "BI"))


def marked(example: NerExample) -> str:
    """The sentence with each entity written `<surface:TAG>` (the book's markup). Notebook 10, 2. 말뭉치."""
    parts, at = [], 0
    for start, end, tag in example.entities:
        parts += [example.text[at:start], f"<{example.text[start:end]}:{tag}>"]
        at = end
    return "".join(parts) + example.text[at:]


def markup_line(example: NerExample) -> str:
    """One line of the book's corpus: raw sentence ␞ marked sentence."""
    return f"{example.text}{SEPARATOR}{marked(example)}"


def markup_content(examples) -> bytes:
    """Sentences as the bytes of a file in the book's markup, one a line."""
    return "".join(markup_line(example) + "\n" for example in examples).encode("utf-8")


def _check_file(path) -> Path:
    path = Path(path).expanduser()
    if not path.is_file():
        raise CorpusError(f"{path} does not exist{' as a file' if path.exists() else ''}. Fix: check the path, or "
                          "let prepare_corpus write the embedded corpus there")
    return path


def strip_marks(marks: str, tags=BOOK_TAGS) -> NerExample:
    """A sentence written with `<surface:TAG>` marks → NerExample (the plain text, the spans); ValueError whose
    message says what is wrong and how to fix it. Notebook 10, 2. 말뭉치."""
    entities, text, at = [], [], 0
    for match in MARK.finditer(marks):
        surface, tag = match.groups()
        if tag not in tags:
            raise ValueError(f"the mark {match.group(0)!r} has the tag {tag!r}. Fix: use one of {', '.join(tags)} "
                             "(upper case), as <surface:TAG>")
        if not surface.strip():
            raise ValueError(f"the mark {match.group(0)!r} marks no text. Fix: write the entity before the :")
        text.append(marks[at:match.start()])
        start = sum(map(len, text))
        entities.append((start, start + len(surface), tag))
        text.append(surface)
        at = match.end()
    text.append(marks[at:])
    return NerExample("", "".join(text), tuple(entities))


def _parse_marks(path: Path, number: int, raw: str, marks: str, tags) -> tuple[tuple[int, int, str], ...]:
    """The spans of the `<surface:TAG>` marks, checked against the raw sentence."""
    try:
        plain = strip_marks(marks, tags)
    except ValueError as error:
        what, fix = str(error).split(". Fix: ")
        raise _problem(path, number, what, fix) from None
    for stray in "<>":
        if plain.text.count(stray) > raw.count(stray):
            raise _problem(path, number, f"a {stray!r} that is not part of a <surface:TAG> mark",
                           "close the mark as <surface:TAG> (one : before the tag, no < > inside)")
    if plain.text != raw:
        column = next((i for i, (a, b) in enumerate(zip(plain.text, raw)) if a != b), min(len(plain.text), len(raw)))
        raise _problem(path, number, f"without its marks the sentence reads {plain.text!r}, not the raw sentence "
                       f"{raw!r} (they differ from character {column + 1})", "make the marked sentence the raw one "
                       "with <surface:TAG> around each entity")
    return plain.entities


def read_markup_file(path, tags=BOOK_TAGS) -> tuple[list[NerExample], dict]:
    """Read a file in the book's markup (`raw␞marked`, one sentence a line); the line number is the id.
    Returns the sentences and stats {"path", "lines", "entities", "kept"}. Notebook 10, 2. 말뭉치."""
    path = _check_file(path)
    examples, entities = [], 0
    lines = _decode(path).split("\n")
    for number, line in enumerate(lines, start=1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        if line.count(SEPARATOR) != 1:
            raise _problem(path, number, f"{line.count(SEPARATOR)} separators {SEPARATOR!r} (U+241E) instead of 1",
                           f"write the raw sentence, {SEPARATOR}, then the sentence with <surface:TAG> marks")
        raw, marks = line.split(SEPARATOR)
        spans = _parse_marks(path, number, raw, marks, tags)
        entities += len(spans)
        examples.append(NerExample(str(number), raw, spans))
    return examples, {"path": str(path), "lines": len(lines) - (lines[-1] == ""), "entities": entities,
                      "kept": len(examples)}


def read_changwon_file(path, tags=CHANGWON_TAGS) -> tuple[list[NerExample], dict]:
    """Read naver_changwon_ner (`index\tword\ttag`, one 어절 a line, an empty line after each sentence): the words
    joined by spaces, each entity the span of its whole 어절 (조사 included, as the corpus labels them). An X_I
    after O or another tag starts an entity (counted in stats "i_starts"). Notebook 10, 2. 말뭉치."""
    path = _check_file(path)
    examples, words, tagged, i_starts = [], [], [], 0
    lines = _decode(path).split("\n")

    def close(number: int) -> None:
        nonlocal i_starts
        if not words:
            return
        text, spans, at = " ".join(words), [], 0
        for word, tag in zip(words, tagged):
            if tag != "-":
                kind, part = tag[:-2], tag[-1]
                if part == "I" and spans and spans[-1][2] == kind and spans[-1][1] == at - 1:
                    spans[-1] = (spans[-1][0], at + len(word), kind)
                else:
                    i_starts += part == "I"
                    spans.append((at, at + len(word), kind))
            at += len(word) + 1
        examples.append(NerExample(str(number), text, tuple(spans)))
        words.clear(), tagged.clear()

    for number, line in enumerate(lines, start=1):
        fields = line.removesuffix("\r").split("\t")
        if fields == [""]:
            close(number)
            continue
        if len(fields) != 3 or not fields[1]:
            raise _problem(path, number, f"{len(fields)} tab-separated fields", "write index<TAB>word<TAB>tag "
                           "(one 어절 a line; an empty line between sentences; the word must not be empty)")
        tag = fields[2].strip()
        if tag != "-" and not (tag[-2:] in ("_B", "_I") and tag[:-2] in tags):
            raise _problem(path, number, f"the tag {tag!r}", f"write - (no entity) or TAG_B / TAG_I with TAG one of "
                           f"{', '.join(tags)}")
        words.append(fields[1].strip())
        tagged.append(tag)
    close(len(lines))
    return examples, {"path": str(path), "lines": len(lines), "entities": sum(len(e.entities) for e in examples),
                      "kept": len(examples), "i_starts": i_starts}


def split_sentences(examples: list[NerExample], test_ratio: float, seed: int) -> tuple[list, list]:
    """(train, test): a seeded share `test_ratio` of the sentences for the test (naver_changwon_ner has one file)."""
    order = list(range(len(examples)))
    random.Random(f"nlpbook-ner-split:{seed}").shuffle(order)
    cut = max(1, round(len(order) * test_ratio)) if len(order) > 1 else 0
    test = set(order[:cut])
    return ([e for i, e in enumerate(examples) if i not in test], [e for i, e in enumerate(examples) if i in test])
