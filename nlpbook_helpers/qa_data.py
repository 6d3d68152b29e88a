"""Stage 5 for 질의응답 (notebook 12): a question and a long context → windows (features) of max_seq_length tokens.

The fast tokenizer cuts only the context (`truncation="only_second"`), each window overlapping the previous one by
`doc_stride` tokens (`return_overflowing_tokens`); `offset_mapping` and `sequence_ids()` say which tokens are the
context's and which characters each covers. A window that holds the whole answer is labelled with the answer's first
and last token; a window without it points at [CLS] (0, 0), "no answer here".
"""
from __future__ import annotations

from typing import Sequence

from torch.utils.data import Dataset

from .corpus import CorpusError

__all__ = ["doc_stride_of", "encode_windows", "answer_tokens", "QaDataset"]
FEATURES = ("input_ids", "token_type_ids", "attention_mask")


def doc_stride_of(max_seq_length: int) -> int:
    """The tokens two neighbouring windows share: a quarter of the window (the book: 64 of 128; transformers' run_qa:
    128 of 384). Notebook 12, 5. 데이터: 윈도와 스트라이드."""
    return max_seq_length // 4


def answer_tokens(offsets: Sequence, span: tuple[int, int]) -> tuple[int, int]:
    """The first and last token of a window covering the characters span = (start, end); (0, 0) ([CLS]) when the
    window does not hold the whole answer. `offsets`: (start, end) per token, None outside the context.
    Notebook 12, 5. 데이터: 정답 위치 레이블."""
    start, end = span
    context = [i for i, offset in enumerate(offsets) if offset is not None]
    if not context or offsets[context[0]][0] > start or offsets[context[-1]][1] < end:
        return 0, 0
    first = next(i for i in context if offsets[i][1] > start)
    last = next(i for i in reversed(context) if offsets[i][0] < end)
    return first, last


def encode_windows(examples: Sequence, tokenizer, max_seq_length: int, doc_stride: int | None = None) -> dict:
    """Tokenize (question, context) pairs into windows: input_ids etc., `example_index` (the example of each window),
    `offsets` (character spans of context tokens, None for the question, [CLS], [SEP] and padding) and the labels
    start_positions / end_positions. Notebook 12, 5. 데이터: 윈도와 스트라이드."""
    if not getattr(tokenizer, "is_fast", False):
        raise TypeError(f"{type(tokenizer).__name__} is a slow tokenizer: it gives no offset_mapping, which maps tokens "
                        "back to characters of the context. Fix: load a fast tokenizer (load_tokenizer(args))")
    doc_stride = doc_stride_of(max_seq_length) if doc_stride is None else doc_stride
    if not 0 <= doc_stride < max_seq_length // 2:
        raise ValueError(f"doc_stride={doc_stride}: use 0 <= doc_stride < max_seq_length / 2 ({max_seq_length // 2})")
    encoded = tokenizer([example.question for example in examples], [example.context for example in examples],
                        truncation="only_second", max_length=max_seq_length, stride=doc_stride,
                        return_overflowing_tokens=True, return_offsets_mapping=True)
    offsets, starts, ends = [], [], []
    for window, example_index in enumerate(encoded["overflow_to_sample_mapping"]):
        sequence = encoded.sequence_ids(window)
        kept = [tuple(offset) if part == 1 else None for offset, part in zip(encoded["offset_mapping"][window], sequence)]
        if all(offset is None for offset in kept):
            raise CorpusError(f"question {examples[example_index].id!r} leaves no room for its context in "
                              f"max_seq_length={max_seq_length}. Fix: raise max_seq_length or shorten the question")
        example = examples[example_index]
        start, end = answer_tokens(kept, example.span) if example.answers else (0, 0)   # no answer: predicting
        offsets.append(kept), starts.append(start), ends.append(end)
    features = {name: encoded[name] for name in FEATURES if name in encoded}
    return dict(features, example_index=list(encoded["overflow_to_sample_mapping"]), offsets=offsets,
                start_positions=starts, end_positions=ends)


class QaDataset(Dataset):
    """The windows of the examples, tokenized once; an item is one window's features and labels (and its
    `feature_index`, which the task uses to gather all windows of a question). `lengths` feeds LengthGroupedSampler.
    Notebook 12, 5. 데이터: `QaDataset`."""

    def __init__(self, examples: Sequence, tokenizer, max_seq_length: int, doc_stride: int | None = None):
        self.examples = list(examples)
        if not self.examples:
            raise CorpusError("QaDataset got no questions: the split is empty (check the corpus file and "
                              "max_*_examples)")
        encoded = encode_windows(self.examples, tokenizer, max_seq_length, doc_stride)
        self.example_index, self.offsets = encoded.pop("example_index"), encoded.pop("offsets")
        self.features = encoded
        self.lengths = [len(ids) for ids in encoded["input_ids"]]

    def __len__(self) -> int:
        return len(self.lengths)

    def __getitem__(self, index: int) -> dict:
        return dict({name: column[index] for name, column in self.features.items()}, feature_index=index)

    def windows_of(self, example: int) -> list[int]:
        """The windows (feature indices) of one example, in order."""
        return [i for i, owner in enumerate(self.example_index) if owner == example]
