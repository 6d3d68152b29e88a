"""nbval, with numbers that come out of float arithmetic compared within a tolerance.

Stored notebook outputs must hold on any machine. Numbers computed from trained weights (losses, accuracies,
probabilities, logits) differ in the 3rd-4th decimal from one CPU, thread count or BLAS kernel to the next, while
nbval compares outputs as exact strings. A code cell tagged `nbval-approx` (cell metadata `tags`) is compared
like any other, except that each decimal number in its text outputs may differ from the stored one by at most
`TOLERANCE` (one point of accuracy or probability): everything else, labels and integers included, must match
exactly, and a number outside the tolerance fails with nbval's usual diff.

How: before nbval compares, every number of the fresh output that is within the tolerance of the stored number
at the same place (the same text around it) is replaced by the stored one; nbval then compares strictly.
Numbers written with an exponent (`2.432e-04`, learning rates) are never approximated.

Each replacement is appended as a JSON line to the file named by $NBVAL_APPROX_REPORT, if set: the proof that the
tolerance was needed (tests/test_portability.py reads it after a run with another thread count).
"""
from __future__ import annotations

import copy
import json
import os
import re

TAG = "nbval-approx"
TOLERANCE = 0.01
# `nbval-approx-<number>`: a wider tolerance for one cell, sized from measurement (tests/test_portability.py prints
# every difference it let through); only for numbers that many epochs of training carry far from the seed's.
WIDER_TAG = re.compile(r"nbval-approx-(0\.\d+)")
MAX_WIDER = 0.05            # the widest a cell may ask for (tests/test_nbval_approx.py checks every notebook)
# a decimal number that is not part of a word or of a longer number; an exponent makes it exact-only
NUMBER = re.compile(r"(?<![\w.])-?\d+\.\d+(?:[eE][-+]?\d+)?(?![\d])")
TEXT_KEYS = ("text/plain", "text/html", "text/markdown")


def align_numbers(reference: str, fresh: str, tolerance: float = TOLERANCE) -> tuple[str, list[tuple[str, str]]]:
    """`fresh` with each number that is within `tolerance` of `reference`'s number at the same place replaced by
    that reference number, and the (reference, fresh) pairs replaced. Unchanged when the texts around the numbers
    differ (then nbval reports the difference as it is)."""
    ref_numbers, fresh_numbers = NUMBER.findall(reference), NUMBER.findall(fresh)
    if len(ref_numbers) != len(fresh_numbers) or NUMBER.split(reference) != NUMBER.split(fresh):
        return fresh, []
    replaced = []
    pieces = NUMBER.split(fresh)
    out = [pieces[0]]
    for ref, new, after in zip(ref_numbers, fresh_numbers, pieces[1:]):
        if ref != new and _close(ref, new, tolerance):
            replaced.append((ref, new))
            new = ref
        out += [new, after]
    return "".join(out), replaced


def _close(ref: str, new: str, tolerance: float) -> bool:
    if "e" in ref.lower() or "e" in new.lower():
        return False
    same_format = len(ref.partition(".")[2]) == len(new.partition(".")[2])
    return same_format and abs(float(ref) - float(new)) <= tolerance + 1e-12


def _text_fields(output):
    """(container, key) of every text field of one output that nbval compares."""
    if output.get("output_type") == "stream":
        yield output, "text"
    for key in TEXT_KEYS:
        if key in output.get("data", {}):
            yield output["data"], key


def _join(value):
    return "".join(value) if isinstance(value, list) else value


def align_outputs(fresh_outputs, stored_outputs, tolerance: float = TOLERANCE):
    """A copy of the fresh outputs aligned to the stored ones (see align_numbers), and the replacements made."""
    fresh_outputs = copy.deepcopy(fresh_outputs)
    replaced = []
    if len(fresh_outputs) != len(stored_outputs):
        return fresh_outputs, replaced
    for fresh, stored in zip(fresh_outputs, stored_outputs):
        if fresh.get("output_type") != stored.get("output_type") or fresh.get("name") != stored.get("name"):
            continue
        stored_fields = {key: _join(box[key]) for box, key in _text_fields(stored)}
        for box, key in _text_fields(fresh):
            if key in stored_fields:
                box[key], pairs = align_numbers(stored_fields[key], _join(box[key]), tolerance)
                replaced += pairs
    return fresh_outputs, replaced


def tolerance_of(tags) -> float | None:
    """The tolerance a cell's tags ask for: TOLERANCE for `nbval-approx`, the number of `nbval-approx-<number>`,
    None for a cell compared strictly."""
    wider = [float(found.group(1)) for tag in tags if (found := WIDER_TAG.fullmatch(tag))]
    if wider:
        return max(wider)
    return TOLERANCE if TAG in tags else None


def _report(item, replaced, tolerance: float, tags) -> None:
    path = os.environ.get("NBVAL_APPROX_REPORT")
    if not path or not replaced:
        return
    with open(path, "a", encoding="utf-8") as report:
        for stored, fresh in replaced:
            report.write(json.dumps({"cell": item.nodeid, "stored": stored, "fresh": fresh, "tolerance": tolerance,
                                     "tags": list(tags)}, ensure_ascii=False) + "\n")


def _approximate(item, tolerance: float, tags) -> None:
    """Make this one nbval cell item compare its numbers within `tolerance` (the class is left alone)."""
    strict_compare = item.compare_outputs

    def compare_outputs(test, ref, skip_compare=None):
        aligned, replaced = align_outputs(test, ref, tolerance)
        same = strict_compare(aligned, ref, skip_compare)
        if same:
            _report(item, replaced, tolerance, tags)
        return same

    item.compare_outputs = compare_outputs


def pytest_collection_modifyitems(items):
    for item in items:
        cell = getattr(item, "cell", None)
        if cell is None or not hasattr(item, "compare_outputs"):
            continue
        tags = cell.get("metadata", {}).get("tags", [])
        tolerance = tolerance_of(tags)
        if tolerance is not None:
            _approximate(item, tolerance, tags)
