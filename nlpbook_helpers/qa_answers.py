"""Stage 6 for 질의응답 (notebook 12): from start/end logits of all windows of a question to one answer string, and
the two figures of KorQuAD: exact match and character-level F1 (written for this project from KorQuAD's definition:
both strings normalised, F1 over their characters without spaces, the best over the gold answers)."""
from __future__ import annotations

import re
import string
from collections import Counter
from dataclasses import dataclass
from typing import Sequence

__all__ = ["N_BEST", "MAX_ANSWER_LENGTH", "Candidate", "best_span", "best_answer", "normalize_answer",
           "exact_match", "char_f1", "qa_scores"]

N_BEST = 20                 # start and end tokens tried per window (the highest logits)
MAX_ANSWER_LENGTH = 30      # tokens; a longer span is never an answer
PUNCTUATION = set(string.punctuation) | set("‘’“”《》〈〉「」『』【】·…")


@dataclass(frozen=True)
class Candidate:
    """One possible answer: its characters in the context, its score (start logit + end logit), its window and tokens."""

    text: str
    start: int
    end: int
    score: float
    window: int
    tokens: tuple[int, int]


def best_span(start_logits: Sequence[float], end_logits: Sequence[float], offsets: Sequence,
              n_best: int = N_BEST, max_answer_length: int = MAX_ANSWER_LENGTH) -> tuple[int, int, float] | None:
    """The (start token, end token, score) of one window with the highest start + end logit among the n_best starts
    and ends: both context tokens (offsets not None), end >= start, at most max_answer_length tokens; None when no pair
    qualifies. Notebook 12, 6. 태스크: 후처리(post-processing)."""
    order = lambda logits: sorted(range(len(logits)), key=lambda i: -float(logits[i]))[:n_best]
    best = None
    for start in order(start_logits):
        for end in order(end_logits):
            if (start < len(offsets) and end < len(offsets) and offsets[start] is not None
                    and offsets[end] is not None and start <= end < start + max_answer_length):
                score = float(start_logits[start]) + float(end_logits[end])
                if best is None or score > best[2]:
                    best = (start, end, score)
    return best


def best_answer(context: str, windows: Sequence[tuple[Sequence[float], Sequence[float], Sequence]],
                n_best: int = N_BEST, max_answer_length: int = MAX_ANSWER_LENGTH) -> Candidate:
    """The answer of one question over ALL its windows, each (start_logits, end_logits, offsets): the best span of
    each window (best_span), the highest score wins; its characters come from the offsets of its first and last
    token. No qualifying span anywhere → the empty answer. Notebook 12, 6. 태스크: 후처리."""
    best = Candidate("", 0, 0, float("-inf"), -1, (0, 0))
    for window, (start_logits, end_logits, offsets) in enumerate(windows):
        found = best_span(start_logits, end_logits, offsets, n_best, max_answer_length)
        if found is not None and found[2] > best.score:
            start, end = offsets[found[0]][0], offsets[found[1]][1]
            best = Candidate(context[start:end], start, end, found[2], window, (found[0], found[1]))
    return best


def normalize_answer(text: str) -> str:
    """An answer string as KorQuAD compares it: lower case, punctuation and quotes removed, runs of spaces one space.
    Notebook 12, 6. 태스크: EM과 F1."""
    text = "".join(" " if char in PUNCTUATION else char for char in text.lower())
    return re.sub(r"\s+", " ", text).strip()


def exact_match(prediction: str, answers: Sequence[str]) -> float:
    """1.0 when the normalised prediction equals a normalised gold answer, else 0.0. Notebook 12, 6. 태스크."""
    return float(any(normalize_answer(prediction) == normalize_answer(answer) for answer in answers))


def char_f1(prediction: str, answers: Sequence[str]) -> float:
    """Character-level F1, the best over the gold answers: characters (spaces left out) that prediction and answer
    share, counted with repetition; precision over the prediction's, recall over the answer's. Notebook 12, 6. 태스크."""
    def one(answer: str) -> float:
        predicted = Counter(normalize_answer(prediction).replace(" ", ""))
        gold = Counter(normalize_answer(answer).replace(" ", ""))
        same = sum((predicted & gold).values())
        if same == 0:
            return 0.0
        precision, recall = same / sum(predicted.values()), same / sum(gold.values())
        return 2 * precision * recall / (precision + recall)
    return max((one(answer) for answer in answers), default=0.0)


def qa_scores(predictions: Sequence[str], answers: Sequence[Sequence[str]]) -> dict[str, float]:
    """The mean exact match and F1 of predictions against their gold answers (one list per question).
    Notebook 12, 6. 태스크."""
    if len(predictions) != len(answers) or not predictions:
        raise ValueError(f"{len(predictions)} predictions for {len(answers)} questions: give one for each (at least one)")
    return {"exact_match": sum(map(exact_match, predictions, answers)) / len(predictions),
            "f1": sum(map(char_f1, predictions, answers)) / len(predictions)}
