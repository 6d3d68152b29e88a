"""Stage 2 for 질의응답 (question answering, notebook 12): KorQuAD 1.0 files, read and written.

KorQuAD 1.0 keeps SQuAD's JSON layout: `{"version", "data": [{"title", "paragraphs": [{"context", "qas": [{"id",
"question", "answers": [{"text", "answer_start"}]}]}]}]}`; answer_start is the answer's first character in the
context. One representation goes out: `QaExample(id, title, context, question, answers)`, each answer a (text,
start) pair with context[start:start + len(text)] == text, checked. An answer at character 0 is an answer like any
other (the book's package drops it). JSON has no useful line numbers: errors name the file, the item's path in the
JSON (data[3].paragraphs[0].qas[2]), its title and id, and the fix.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .corpus import CorpusError

__all__ = ["QaExample", "QA_FILES", "read_korquad_file", "korquad_json", "korquad_content"]

QA_FILES = {"train": "KorQuAD_v1.0_train.json", "test": "KorQuAD_v1.0_dev.json"}   # KorQuAD 1.0's own names


@dataclass(frozen=True, slots=True)
class QaExample:
    """One question about one context; answers: (text, start) pairs, context[start:start + len(text)] == text
    (KorQuAD's dev set gives several answers by different people). Notebook 12, 2. 말뭉치."""

    id: str
    title: str
    context: str
    question: str
    answers: tuple[tuple[str, int], ...]

    @property
    def answer(self) -> str:
        """The first answer's text (the one training learns)."""
        return self.answers[0][0]

    @property
    def span(self) -> tuple[int, int]:
        """The first answer's characters: (start, end), context[start:end] == answer."""
        text, start = self.answers[0]
        return start, start + len(text)


def _fail(path: Path, where: str, what: str, fix: str) -> CorpusError:
    return CorpusError(f"{path}, {where}: {what}. Fix: {fix}")


def _text(path: Path, where: str, item: dict, key: str, what: str) -> str:
    value = item.get(key) if isinstance(item, dict) else None
    if not isinstance(value, str) or not value.strip():
        found = "missing" if not isinstance(item, dict) or key not in item else f"{value!r}"
        raise _fail(path, where, f"{key!r} is {found}", f"give every {what} a non-empty string {key!r}")
    return value


def _list(path: Path, where: str, item, key: str, fix: str) -> list:
    value = item.get(key) if isinstance(item, dict) else None
    if not isinstance(value, list) or not value:
        raise _fail(path, where, f"{key!r} is {'missing' if value is None else repr(value)[:60]}, not a non-empty list",
                    fix)
    return value


def _answers(path: Path, where: str, context: str, qa: dict) -> tuple[tuple[str, int], ...]:
    answers = []
    for k, answer in enumerate(_list(path, where, qa, "answers", "give each question a list of answers "
                                     '[{"text": ..., "answer_start": ...}]')):
        at = where.replace(" (", f".answers[{k}] (", 1)     # data[..].qas[k].answers[k] (title, id)
        text = _text(path, at, answer, "text", "answer")
        start = answer.get("answer_start")
        if isinstance(start, bool) or not isinstance(start, int) or start < 0:
            raise _fail(path, at, f"answer_start is {start!r}", "write the answer's first character in the context "
                        "as a whole number >= 0 (0 is the context's first character)")
        if context[start:start + len(text)] != text:
            found = context.find(text)
            fix = (f"the text occurs at character {found}: set answer_start to {found}" if found >= 0 else
                   "the text does not occur in the context at all: copy the answer from the context")
            raise _fail(path, at, f"the answer {text!r} does not match the context at answer_start {start} (there "
                        f"the context reads {context[start:start + len(text)]!r})", fix)
        answers.append((text, start))
    return tuple(answers)


def read_korquad_file(path) -> tuple[list[QaExample], dict]:
    """Read a KorQuAD 1.0 (SQuAD layout) JSON file, every answer checked against its context. Returns the examples
    and stats {"path", "titles", "paragraphs", "questions", "answers_at_0", "kept"}. Notebook 12, 2. 말뭉치."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise CorpusError(f"{path} does not exist{' as a file' if path.exists() else ''}. Fix: check the path, or let "
                          "prepare_corpus write the embedded corpus there")
    try:
        document = json.loads(path.read_bytes().decode("utf-8").removeprefix("\ufeff"))
    except UnicodeDecodeError:
        raise CorpusError(f"{path}: bytes that are not UTF-8. Fix: re-save the file as UTF-8") from None
    except json.JSONDecodeError as error:
        raise CorpusError(f"{path}, line {error.lineno}, column {error.colno}: not JSON ({error.msg}). Fix: repair "
                          "the JSON (a KorQuAD file is one JSON object)") from None
    items = _list(path, "the top level", document, "data", 'write {"version": ..., "data": [{"title": ..., '
                  '"paragraphs": [...]}]} (KorQuAD 1.0 / SQuAD 1.1 layout)')
    examples, seen, paragraphs = [], {}, 0
    for i, item in enumerate(items):
        title = item.get("title", "") if isinstance(item, dict) else ""
        title = title if isinstance(title, str) else str(title)
        for j, paragraph in enumerate(_list(path, f"data[{i}] (title {title!r})", item, "paragraphs",
                                            'give each item a list "paragraphs" of {"context", "qas"}')):
            where = f"data[{i}].paragraphs[{j}] (title {title!r})"
            context = _text(path, where, paragraph, "context", "paragraph")
            paragraphs += 1
            for k, qa in enumerate(_list(path, where, paragraph, "qas", 'give each paragraph a list "qas" of '
                                         '{"id", "question", "answers"}')):
                where = f"data[{i}].paragraphs[{j}].qas[{k}] (title {title!r})"
                qa_id = _text(path, where, qa, "id", "question")
                where = f"data[{i}].paragraphs[{j}].qas[{k}] (title {title!r}, id {qa_id!r})"
                if qa_id in seen:
                    raise _fail(path, where, f"the id {qa_id!r} is also the id of {seen[qa_id]}",
                                "give every question its own id")
                seen[qa_id] = f"data[{i}].paragraphs[{j}].qas[{k}]"
                question = _text(path, where, qa, "question", "question")
                examples.append(QaExample(qa_id, title, context, question, _answers(path, where, context, qa)))
    return examples, {"path": str(path), "titles": len(items), "paragraphs": paragraphs, "questions": len(examples),
                      "answers_at_0": sum(example.answers[0][1] == 0 for example in examples), "kept": len(examples)}


def korquad_json(examples, version: str = "KorQuAD_v1.0") -> dict:
    """Examples as KorQuAD 1.0's JSON object: one item per title, one paragraph per context (in order of first use).
    Notebook 12, 2. 말뭉치."""
    items: dict[str, dict] = {}
    for example in examples:
        item = items.setdefault(example.title, {"title": example.title, "paragraphs": []})
        paragraph = next((p for p in item["paragraphs"] if p["context"] == example.context), None)
        if paragraph is None:
            paragraph = {"context": example.context, "qas": []}
            item["paragraphs"].append(paragraph)
        paragraph["qas"].append({"id": example.id, "question": example.question, "answers": [
            {"text": text, "answer_start": start} for text, start in example.answers]})
    return {"version": version, "data": list(items.values())}


def korquad_content(examples, version: str = "KorQuAD_v1.0") -> bytes:
    """The bytes of a KorQuAD 1.0 file holding the examples (UTF-8, Hangul as it is, not \\u escapes)."""
    return (json.dumps(korquad_json(examples, version), ensure_ascii=False) + "\n").encode("utf-8")
